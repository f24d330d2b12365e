"""The one implementation of both models: closed-form SAFTE per regime and the three-process model,
vectorised with numpy over many histories at once (a roster, a forecast's points, or one shinobi).

Time grid. Everything runs on a one-minute grid anchored at the evaluated time `at`: every episode
boundary is rounded to the nearest whole minute before `at` (half a minute rounds up, i.e. later). A SAFTE
step covers one grid minute, with c evaluated at the minute's start. Clock hours come from the UTC offset
that `tz` has at `at`, applied to the whole history (so a DST change inside the history does not shift the
circadian terms). tests/fatigue_reference.py steps SAFTE minute by minute, the literal reading of the spec;
the unit tests hold this core to it.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from .equations import (
    SAFTE_AWAKE_LOSS,
    SAFTE_B,
    SAFTE_RC,
    SAFTE_SI_MAX,
    TPM_S_START,
    kss_of,
    safte_circadian,
    safte_effectiveness,
    safte_forcing,
    safte_inertia,
    three_process_asleep,
    three_process_awake,
    three_process_circadian,
    three_process_inertia,
)
from .policy import HISTORY_WINDOW, LEAD_IN, recent_logs

__all__ = ["ModelColumns", "model_columns"]

_HISTORY_S = HISTORY_WINDOW.total_seconds()
_LEAD_IN_MIN = int(LEAD_IN.total_seconds()) // 60
_DAY_MIN = 1440
_B = SAFTE_B
_KEEP = 1.0 - SAFTE_B
_KEEP_POW = _KEEP ** np.arange(_DAY_MIN + 2, dtype=np.float64)  # (1 - B)^j for j up to a day (a piece is shorter)
_KEEP_INV_POW = _KEEP ** -np.arange(_DAY_MIN + 2, dtype=np.float64)
_DENSE_MINUTES = 20_000  # below this many minutes in all, a crossing is found by evaluating each of them


class _Day:
    """The forcing a = -0.55 c over one day of grid minutes and its pieces (where theta = -a/B rises or falls),
    from a minute of the day `b` where a piece starts: minute n (from `at`) is at offset (n - b) mod 1440."""

    def __init__(self, h_at: float) -> None:
        a = np.asarray(safte_forcing((h_at + np.arange(_DAY_MIN) / 60.0) % 24.0), dtype=np.float64)
        theta = a / -_B
        rising = np.roll(theta, -1) >= theta  # theta_{n+1} >= theta_n, around the day
        boundary = np.flatnonzero(rising != np.roll(rising, 1))
        self.b = int(boundary[0]) if boundary.size else 0
        order = np.roll(np.arange(_DAY_MIN), -self.b)
        self.a = a[order]
        self.a_max = float(a.max())
        self.theta = theta[order]
        rising = rising[order]
        starts = boundary - self.b if boundary.size else np.zeros(1, dtype=np.int64)
        self.piece_start = np.append(starts, _DAY_MIN).astype(np.int64)  # and the next day's first piece
        lengths = np.diff(self.piece_start)
        self.pieces = int(lengths.size)
        self.piece_rising = rising[starts]
        piece_of = np.repeat(np.arange(self.pieces, dtype=np.int64), lengths)
        self.piece_of = piece_of
        # keys non-decreasing over the day: |theta| <= 0.55 * 1.3 / B < 270, so piece p keys lie in 1000 p +- 270
        self.key = 1000.0 * piece_of + np.where(rising, self.theta, -self.theta)
        # saturation: rise_t = 4.4 B t - a_t, strictly increasing over the day and from one day to the next
        self.rise = (SAFTE_SI_MAX * _B) * np.arange(_DAY_MIN, dtype=np.float64) - self.a
        self.period_rise = SAFTE_SI_MAX * _B * _DAY_MIN
        # powers of (1 - B), and per-piece anchored sums Q[p, j] = sum_{i<j} (1-B)^-i * (-a_{q+i}), j = 0..length
        self.keep_pow = _KEEP_POW
        within = np.arange(_DAY_MIN, dtype=np.int64) - np.repeat(starts, lengths)
        slots = np.zeros(_DAY_MIN + self.pieces, dtype=np.float64)
        slots[np.arange(_DAY_MIN) + piece_of + 1] = _KEEP_INV_POW[within] * -self.a
        sums = np.cumsum(slots)
        self.q_offset = starts + np.arange(self.pieces, dtype=np.int64)  # slot of j = 0
        self.q = sums - np.repeat(sums[self.q_offset], lengths + 1)


@lru_cache(maxsize=32)
def _forcing_table(h_at: float) -> _Day:
    """The day's forcing and pieces for the clock hour at `at` (cached: every call at one time shares it)."""
    return _Day(h_at)


class _Grid:
    """The forcing on the histories' common grid of minutes, split where theta = -a/B changes direction.

    While asleep, with debt D = Rc - R and theta_n = -a_n/B = 0.55 c_n / B, one SAFTE minute is
      saturated  (a + B D >= 4.4): D <- D - 4.4;
      linear     (0 <= a + B D):  D <- (1 - B) D + B theta   (relaxes down towards theta);
      stuck      (a + B D < 0):   D unchanged;
    then D <- max(D, 0) (R <= Rc); D = 0 is absorbing. Since |a_{n+1} - a_n| <= 0.0048 < 4.4 B, a
    sleep leaves saturation once and for all; inside a piece where theta falls, a linear stretch
    stays linear; where theta rises, a stuck stretch stays stuck. So each piece is one or two closed-
    form stretches. c has two such pieces a day (falling 20:00-04:00, rising 04:00-20:00).

    Grid index i is minute n_lo + i, n_lo the latest minute at or before the earliest one asked for where a
    piece starts, so index i is at offset i mod 1440 of the day (`_Day`) and the grid is built in constant
    time: every lookup goes through the day's arrays. Piece p is piece p mod P of day p // P (P a day's pieces).
    """

    def __init__(self, earliest: int, h_at: float) -> None:
        self.day = day = _forcing_table(h_at)
        self.n_lo = earliest - (earliest - day.b) % _DAY_MIN
        self.size = 1 - self.n_lo  # grid indices 0..size-1 are minutes n_lo..0
        self.a_max = day.a_max

    def a(self, i: np.ndarray) -> np.ndarray:
        return self.day.a[i % _DAY_MIN]

    def theta(self, i: np.ndarray) -> np.ndarray:
        return self.day.theta[i % _DAY_MIN]

    def saturation_exit(self, value: np.ndarray) -> np.ndarray:
        """The first grid index i with 4.4 B i - a_i > value (a search of that increasing sequence)."""
        day = self.day
        period = np.maximum(np.floor((value - day.rise[0]) / day.period_rise), 0.0).astype(np.int64)
        t = np.searchsorted(day.rise, value - day.period_rise * period, side="right")
        over = t == _DAY_MIN  # rounding put it a day early: it lies in the next
        if over.any():
            period = period + over
            t = np.where(over, np.searchsorted(day.rise, value - day.period_rise * period, side="right"), t)
        return period * _DAY_MIN + t

    def release(self, p: np.ndarray, d: np.ndarray) -> np.ndarray:
        """In falling piece p, the first grid index with theta <= d (d below the piece's largest theta), or the
        piece's end."""
        day = self.day
        t = np.searchsorted(day.key, 1000.0 * (p % day.pieces) - d, side="left")
        return (p // day.pieces) * _DAY_MIN + t

    def linear(self, n: np.ndarray, d: np.ndarray, k: np.ndarray, p: np.ndarray) -> np.ndarray:
        """D after the linear map from minute n (debt d) to minute k (n <= k <= piece end) in piece p."""
        day = self.day
        days, local = np.divmod(p, day.pieces)
        q = days * _DAY_MIN + day.piece_start[local]
        off = day.q_offset[local]
        pw = day.keep_pow[np.maximum(k - 1 - q, 0)]
        return day.keep_pow[k - n] * d + pw * (day.q[off + k - q] - day.q[off + n - q])


def _rising_crossing(grid: _Grid, n: np.ndarray, d: np.ndarray, m: np.ndarray, p: np.ndarray) -> np.ndarray:
    """Debt at m for a linear start at n in a rising piece whose linear path ends below max(theta, 0).

    Bisects for the first minute k in (n, m] with D_lin(k) < max(theta_k, 0): below 0 means the floor
    (D = 0 from there on); otherwise D is stuck at D_lin(k) up to m.
    """
    lengths = m - n  # >= 1: the minutes (n, m] in question
    total = int(lengths.sum())
    if total <= _DENSE_MINUTES:  # a few sleeps (one shinobi's): every minute at once, not ~10 passes of a bisection
        item = np.repeat(np.arange(n.size), lengths)
        offsets = np.cumsum(lengths) - lengths
        k = n[item] + 1 + (np.arange(total) - offsets[item])
        below = grid.linear(n[item], d[item], k, p[item]) < np.maximum(grid.theta(k), 0.0)
        hi = n + 1 + np.add.reduceat(~below, offsets)  # false, ..., false, true, ...: the first true
        return np.maximum(grid.linear(n, d, hi, p), 0.0)
    lo, hi = n.copy(), m.copy()  # predicate false at lo, true at hi
    while True:
        open_ = hi - lo > 1
        if not open_.any():
            break
        mid = np.where(open_, (lo + hi) // 2, n)
        below = grid.linear(n, d, mid, p) < np.maximum(grid.theta(mid), 0.0)
        hi = np.where(open_ & below, mid, hi)
        lo = np.where(open_ & ~below, mid, lo)
    return np.maximum(grid.linear(n, d, hi, p), 0.0)


def _sleep_batch(grid: _Grid, debt: np.ndarray, start: np.ndarray, end: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Closed-form SAFTE over sleeps [start, end) (grid indices); returns (debt at end, last SI)."""
    day = grid.day
    stop = end - 1  # the last minute is stepped explicitly, for SIw
    cur = start.copy()
    d = debt.copy()
    # saturation: x_{s+k} = a_{s+k} + B (D - 4.4 k) >= 4.4  <=>  g_{s+k} >= 4.4 - B D - 4.4 B s;
    # only possible when B D >= 4.4 - max(a)
    sat = (debt >= (SAFTE_SI_MAX - grid.a_max) / _B).nonzero()[0]
    if sat.size:
        threshold = SAFTE_SI_MAX - _B * debt[sat] - SAFTE_SI_MAX * _B * start[sat]
        cur[sat] = np.minimum(np.maximum(grid.saturation_exit(-threshold), start[sat]), stop[sat])
        d[sat] = debt[sat] - SAFTE_SI_MAX * (cur[sat] - start[sat])

    active = ((cur < stop) & (d > 0.0)).nonzero()[0]
    while active.size:
        n = cur[active]
        dn = d[active]
        days, t = np.divmod(n, _DAY_MIN)
        local = day.piece_of[t]
        p = days * day.pieces + local
        m = np.minimum(days * _DAY_MIN + day.piece_start[local + 1], stop[active])  # the piece's end, or the stop
        stuck = dn < day.theta[t]
        rising = day.piece_rising[local]
        new = np.empty_like(dn)

        # falling theta: a stuck stretch ends at the first minute with theta <= D, then linear to m
        falling = ~rising
        if falling.any():
            sel = slice(None) if falling.all() else falling.nonzero()[0]
            nf, df, mf, pf = n[sel], dn[sel], m[sel], p[sel]
            release = np.where(stuck[sel], np.minimum(np.maximum(grid.release(pf, df), nf), mf), nf)
            new[sel] = np.maximum(grid.linear(release, df, mf, pf), 0.0)

        # rising theta: stuck stays stuck; linear runs until D falls below max(theta, 0)
        if rising.any():
            sel = slice(None) if rising.all() else rising.nonzero()[0]
            nr, dr, mr, pr, held = n[sel], dn[sel], m[sel], p[sel], stuck[sel]
            d_end = grid.linear(nr, dr, mr, pr)
            theta_end = day.theta[mr % _DAY_MIN]
            # "D < max(theta, 0)" is monotone over the piece: false at m means linear throughout, and
            # with theta <= 0 up to m only the floor can bind, so max(D_m, 0) is exact. Else bisect.
            out = np.maximum(d_end, 0.0)
            hard = (d_end < theta_end) & (theta_end > 0.0) & ~held
            if hard.any():
                out[hard] = _rising_crossing(grid, nr[hard], dr[hard], mr[hard], pr[hard])
            new[sel] = np.where(held, dr, out)

        cur[active] = m
        d[active] = new
        active = active[(m < stop[active]) & (new > 0.0)]

    # last minute, stepped as in the spec; its SI is SIw
    si = np.minimum(np.maximum(grid.a(stop) + _B * d, 0.0), SAFTE_SI_MAX)  # np.clip, without its overhead
    return np.maximum(d - si, 0.0), si


@dataclass(frozen=True, slots=True)
class ModelColumns:
    """Both models' raw outputs for the histories `who` (those with a used episode), one entry each: the fields
    of ModelOutputs as arrays. `count` is how many histories were asked about."""

    count: int
    who: np.ndarray  # int64, ascending
    s: np.ndarray
    reservoir: np.ndarray
    kss_raw: np.ndarray
    kss_raw_with_inertia: np.ndarray
    effectiveness: np.ndarray
    effectiveness_with_inertia: np.ndarray
    awake_minutes: np.ndarray  # int64: since the end of the last used episode, on the minute grid
    last_sleep_intensity: np.ndarray
    recent: np.ndarray  # bool: some used episode overlaps the 48 h before the evaluated time


def _empty_columns(count: int) -> ModelColumns:
    none = np.empty(0)
    return ModelColumns(count, np.empty(0, dtype=np.int64), none, none, none, none, none, none,
                        np.empty(0, dtype=np.int64), none, np.empty(0, dtype=bool))


def model_columns(
    owner: np.ndarray,
    st: np.ndarray,
    en: np.ndarray,
    count: int,
    h_at: float,
    stop: np.ndarray | None = None,
    h_stop: np.ndarray | None = None,
) -> ModelColumns:
    """Both models on one minute grid anchored at a time `at` (clock hour h_at), episode k of history owner[k]
    (0 <= owner < count) from st[k] to en[k], in seconds from `at`. History k is evaluated at `at` itself, or,
    given `stop`, at grid minute stop[k] <= 0, whose clock hour is h_stop[k] (same UTC offset as `at`): then
    every rule of the history (used episodes, the cut, the 48-hour window, the start) is applied from that
    minute, as it would be at `at`. Raises ValueError when episodes a history uses overlap."""
    if st.size and not np.all(en > st):
        raise ValueError("sleep episode must end after it starts")

    if stop is None:
        used = (st < 0.0) & (en > -_HISTORY_S)
        st, en, owner = st[used], np.minimum(en[used], 0.0), owner[used]
    else:
        cut = 60.0 * stop[owner]  # seconds from `at` of each episode's own evaluated time
        used = (st < cut) & (en > cut - _HISTORY_S)
        st, en, owner = st[used], np.minimum(en[used], cut[used]), owner[used]
    if owner.size == 0:
        return _empty_columns(count)
    if not _by_owner_then_start(owner, st):
        # usually each history is one sorted run and only the runs are out of order (estimates appended after
        # the log): a stable sort by owner (a merge of runs, ~1 ms at 100,000) restores it; else a full lexsort
        order = np.argsort(owner, kind="stable")
        st, en, owner = st[order], en[order], owner[order]
        if not _by_owner_then_start(owner, st):
            order = np.lexsort((st, owner))
            st, en, owner = st[order], en[order], owner[order]
    same = owner[1:] == owner[:-1]
    clash = same & (st[1:] < en[:-1])
    if clash.any():
        raise ValueError(f"sleep episodes overlap (history #{int(owner[1:][clash][0])})")

    ns = np.floor(st / 60.0 + 0.5).astype(np.int64)
    ne = np.floor(en / 60.0 + 0.5).astype(np.int64)
    # owner is sorted here: each history's episodes are one run, found without a sort or a search
    boundary = np.empty(owner.size, dtype=bool)
    boundary[0] = True
    np.not_equal(owner[1:], owner[:-1], out=boundary[1:])
    first = np.flatnonzero(boundary)
    who = owner[first]
    slot = np.cumsum(boundary) - 1  # which history (index into who) each episode belongs to
    recent = recent_logs(owner, st, en, count, 0.0 if stop is None else 60.0 * stop[owner])[who]
    n0 = ns[first] - _LEAD_IN_MIN  # the first used episode sets the start, even if under a minute
    nonempty = ne > ns
    ns, ne, slot = ns[nonempty], ne[nonempty], slot[nonempty]
    per = np.bincount(slot, minlength=who.size)
    grid = _Grid(int(n0.min()), h_at)
    n_lo = grid.n_lo

    s_tpm = np.full(who.size, TPM_S_START)
    debt = np.zeros(who.size)
    si_last = np.zeros(who.size)
    pos = n0 - n_lo
    rows: list[tuple[slice | np.ndarray, np.ndarray, np.ndarray]]
    if who.size == 1:  # one history (one shinobi): its episodes are the rows, no table to build
        rows = [(slice(None), ns[j : j + 1] - n_lo, ne[j : j + 1] - n_lo) for j in range(ns.size)]
    else:
        rank = np.arange(slot.size) - np.repeat(np.cumsum(per) - per, per)
        height = int(per.max()) if per.size else 0
        start2 = np.zeros((height, who.size), dtype=np.int64)
        end2 = np.zeros((height, who.size), dtype=np.int64)
        valid2 = np.zeros((height, who.size), dtype=bool)
        start2[rank, slot] = ns - n_lo
        end2[rank, slot] = ne - n_lo
        valid2[rank, slot] = True
        rows = []
        for j in range(height):
            row_valid = valid2[j]
            idx = slice(None) if row_valid.all() else np.flatnonzero(row_valid)  # a full row needs no gather
            rows.append((idx, start2[j, idx], end2[j, idx]))
    for idx, s, e in rows:
        gap = s - pos[idx]
        debt_j = np.minimum(SAFTE_RC, debt[idx] + SAFTE_AWAKE_LOSS * gap)
        debt[idx], si_last[idx] = _sleep_batch(grid, debt_j, s, e)
        s_tpm[idx] = three_process_asleep(three_process_awake(s_tpm[idx], gap / 60.0), (e - s) / 60.0)
        pos[idx] = e
    awake_min = (0 if stop is None else stop[who]) - (pos + n_lo)
    debt = np.minimum(SAFTE_RC, debt + SAFTE_AWAKE_LOSS * awake_min)
    reservoir = SAFTE_RC - debt
    s_tpm = three_process_awake(s_tpm, awake_min / 60.0)

    h = h_at if h_stop is None else h_stop[who]  # given h_stop, a clock hour per history (a forecast's points)
    alertness = s_tpm + three_process_circadian(h)
    eff = safte_effectiveness(reservoir, safte_circadian(h))
    return ModelColumns(
        count=count,
        who=who,
        s=s_tpm,
        reservoir=reservoir,
        kss_raw=kss_of(alertness),
        kss_raw_with_inertia=kss_of(alertness + three_process_inertia(awake_min / 60.0)),
        effectiveness=eff,
        effectiveness_with_inertia=eff + safte_inertia(awake_min, si_last),
        awake_minutes=awake_min,
        last_sleep_intensity=si_last,
        recent=recent,
    )


def _by_owner_then_start(owner: np.ndarray, start: np.ndarray) -> bool:
    return bool(np.all((owner[1:] > owner[:-1]) | ((owner[1:] == owner[:-1]) & (start[1:] >= start[:-1]))))
