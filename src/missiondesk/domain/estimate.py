"""Moved to `domain/fatigue/estimate.py`; kept as a re-export only for `services/fitness.py`'s import of AWAKE."""

from .fatigue.estimate import AWAKE, SleepHistory, estimate_history, logged_recently, sleep_history
from .fatigue.policy import recent_logs

__all__ = ["AWAKE", "SleepHistory", "estimate_history", "logged_recently", "recent_logs", "sleep_history"]
