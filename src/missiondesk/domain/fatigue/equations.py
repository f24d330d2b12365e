"""The equations of the two models (FATIGUE.md, Model A and Model B), each written once.

Every function takes floats or numpy arrays alike (numpy broadcasting), so the vectorised core and the
tests' minute-by-minute reference run the same equations. Time in hours for the three-process model,
in minutes for SAFTE; clock hours `h` in village time.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

__all__ = [
    "KSS_MAX",
    "KSS_MIN",
    "SAFTE_AWAKE_LOSS",
    "SAFTE_B",
    "SAFTE_INERTIA_MINUTES",
    "SAFTE_RC",
    "SAFTE_SI_MAX",
    "TPM_AWAKE_RATE",
    "TPM_G",
    "TPM_K",
    "TPM_S_ASYMPTOTE_AWAKE",
    "TPM_S_BREAK",
    "TPM_S_START",
    "TPM_S_UPPER",
    "clip_kss",
    "kss_of",
    "safte_circadian",
    "safte_effectiveness",
    "safte_forcing",
    "safte_inertia",
    "three_process_asleep",
    "three_process_awake",
    "three_process_circadian",
    "three_process_inertia",
    "three_process_kss",
]

# A float or an array of them: what every equation takes and gives (numpy's own stubs type most ufunc
# results as Any, so this is documentation more than a check).
Num = Any

# ---------------------------------------------------------------- Model A: three-process model (hours)
TPM_S_START = 14.0  # "just woken, rested" at the model start (FATIGUE.md, Inputs)
TPM_S_ASYMPTOTE_AWAKE = 2.4
TPM_AWAKE_RATE = 0.0353
TPM_S_UPPER = 14.3
TPM_S_BREAK = 12.2
TPM_G = math.log((14.3 - 14.0) / (14.3 - 7.96)) / 8.0  # -0.381356 /h
TPM_K = TPM_G * (TPM_S_BREAK - TPM_S_UPPER)  # 0.80085 /h

# ---------------------------------------------------------------- Model B: SAFTE (minutes)
SAFTE_RC = 2880.0
SAFTE_AWAKE_LOSS = 0.5  # per minute awake
SAFTE_B = 0.0026564
SAFTE_SI_MAX = 4.4
SAFTE_INERTIA_MINUTES = 120

# ---------------------------------------------------------------- the KSS scale
KSS_MIN = 1.0
KSS_MAX = 9.0


# ================================================================ Model A
def three_process_circadian(h: Num) -> Num:
    """C + U of the three-process model at clock hour h."""
    return 2.5 * np.cos(2.0 * np.pi * (h - 16.8) / 24.0) + (-0.5 + 0.5 * np.cos(2.0 * np.pi * (h - 19.8) / 12.0))


def three_process_inertia(hours_since_waking: Num) -> Num:
    """W = -5.72 exp(-1.51 t)."""
    return -5.72 * np.exp(-1.51 * hours_since_waking)


def three_process_awake(s_wake: Num, hours: Num) -> Num:
    """S after `hours` awake, from S = s_wake."""
    return TPM_S_ASYMPTOTE_AWAKE + (s_wake - TPM_S_ASYMPTOTE_AWAKE) * np.exp(-TPM_AWAKE_RATE * hours)


def three_process_asleep(s_start: Num, hours: Num) -> Num:
    """S after `hours` asleep, from S = s_start: below 12.2, S = Ss + k t until tb = (12.2 - Ss)/k; from
    S_b = S(tb) (12.2, or Ss when Ss >= 12.2 and tb is 0), S = 14.3 - (14.3 - S_b) exp(g (t - tb))."""
    linear = np.minimum(np.maximum((TPM_S_BREAK - s_start) / TPM_K, 0.0), hours)  # the hours of the linear rise
    return TPM_S_UPPER - (TPM_S_UPPER - (s_start + TPM_K * linear)) * np.exp(TPM_G * (hours - linear))


def kss_of(alertness: Num) -> Num:
    """KSS = 10.6 - 0.6 A, unclipped (A = S + C + U, plus W for the value with inertia)."""
    return 10.6 - 0.6 * alertness


def clip_kss(kss: Num) -> Num:
    """KSS clipped to its scale, 1..9."""
    return np.clip(kss, KSS_MIN, KSS_MAX)


def three_process_kss(s_wake: float, hours_awake: float, clock_hour: float, *, inertia: bool = True) -> float:
    """Unclipped KSS after `hours_awake` hours awake from S = s_wake at waking (TV0's form)."""
    alertness = three_process_awake(s_wake, hours_awake) + three_process_circadian(clock_hour)
    if inertia:
        alertness = alertness + three_process_inertia(hours_awake)
    return float(kss_of(alertness))


# ================================================================ Model B
def safte_circadian(h: Num) -> Num:
    """SAFTE c at clock hour h."""
    return np.cos(2.0 * np.pi * (h - 18.0) / 24.0) + 0.5 * np.cos(4.0 * np.pi * (h - 21.0) / 24.0)


def safte_forcing(h: Num) -> Num:
    """The sleep forcing -0.55 c at clock hour h: SI = clamp(forcing + B (Rc - R), 0, 4.4) while asleep."""
    return -0.55 * safte_circadian(h)


def safte_effectiveness(reservoir: Num, c: Num) -> Num:
    """E without inertia: 100 R/Rc + c (7 + 5 (Rc - R)/Rc)."""
    return 100.0 * reservoir / SAFTE_RC + c * (7.0 + 5.0 * (SAFTE_RC - reservoir) / SAFTE_RC)


def safte_inertia(minutes_since_waking: Num, last_si: Num) -> Num:
    """I = -5 exp(-0.04 ta / SIw) while ta <= 120 min (inclusive, as TV4-TV6 need); 0 when SIw = 0."""
    applies = (minutes_since_waking <= SAFTE_INERTIA_MINUTES) & (last_si > 0.0)
    safe_si = np.where(last_si > 0.0, last_si, 1.0)
    return np.where(applies, -5.0 * np.exp(-0.04 * minutes_since_waking / safe_si), 0.0)
