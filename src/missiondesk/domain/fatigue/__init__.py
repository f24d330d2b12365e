"""Fatigue at departure, predicted from the sleep log (spec: FATIGUE.md), split by concern:

* `policy`     - the history windows, the level bands and the refusal limits per mission rank;
* `equations`  - the three-process model's and SAFTE's equations, once, for floats and arrays alike;
* `vectorised` - the one implementation of both models: closed-form SAFTE, numpy over many histories;
* `predict`    - the entry points: one shinobi (a batch of one), a roster, a forecast's points;
* `estimate`   - the history estimated from the office's records where the log is silent;
* `values`     - the value objects (a sleep episode in, an estimate out).

tests/fatigue_reference.py keeps the minute-by-minute stepper, the literal reading of the spec, as the
reference the unit tests hold the core to.
"""

from .equations import safte_circadian, three_process_kss
from .estimate import SleepHistory, estimate_history, logged_recently, sleep_history
from .policy import (
    DEFAULT_BANDS,
    HISTORY_WINDOW,
    LEAD_IN,
    LEVELS,
    RECENT_WINDOW,
    FatigueBands,
    FatiguePolicy,
    RankLimit,
    level_for,
    recent_logs,
)
from .predict import (
    RosterFatigue,
    estimate_fatigue,
    estimate_roster,
    estimate_roster_arrays,
    model_outputs,
    predict_series,
)
from .values import FatigueEstimate, ModelOutputs, SleepEpisode, find_overlap
from .vectorised import _forcing_table as _forcing_table  # the clock-hour cache bench/fatigue.py clears

__all__ = [
    "DEFAULT_BANDS",
    "HISTORY_WINDOW",
    "LEAD_IN",
    "LEVELS",
    "RECENT_WINDOW",
    "FatigueBands",
    "FatigueEstimate",
    "FatiguePolicy",
    "ModelOutputs",
    "RankLimit",
    "RosterFatigue",
    "SleepEpisode",
    "SleepHistory",
    "estimate_fatigue",
    "estimate_history",
    "estimate_roster",
    "estimate_roster_arrays",
    "find_overlap",
    "level_for",
    "logged_recently",
    "model_outputs",
    "predict_series",
    "recent_logs",
    "safte_circadian",
    "sleep_history",
    "three_process_kss",
]
