"""Server-side SVG charts: no JavaScript, readable without colour (dash patterns and labels)."""
from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from html import escape
from typing import Any

from ...domain.fatigue import FatigueEstimate, FatiguePolicy

W, H, PAD_L, PAD_R, PAD_T, PAD_B = 720, 200, 52, 150, 24, 32
LABEL_GAP = 15  # the least distance between two threshold labels' baselines


@dataclass(frozen=True)
class Band:
    """A stretch of time drawn across both panels, labelled: a rest order, a rest period."""
    start: datetime
    end: datetime | None  # None: open-ended, drawn to the chart's end
    label: str
    kind: str  # "rest-order" or "rest-period": the CSS class and the fill pattern


def duty_bands(rest_orders: Iterable[Any], reasons: Iterable[Mapping[str, Any]], now: datetime) -> list[Band]:
    """The rest orders still in force from `now`, and the rest period the gate log gives (from now until its
    `clears_at`, read from the fitness reasons), as bands for the chart."""
    bands = []
    for r in rest_orders:
        end = r.effective_end
        if end is not None and end <= now:
            continue
        bands.append(Band(r.starts_at, end, "Rest order" + ("" if end else " (open-ended)"), "rest-order"))
    for d in reasons:
        if d.get("code") == "REST_PERIOD" and d.get("clears_at"):
            clears = d["clears_at"]
            clears = datetime.fromisoformat(clears) if isinstance(clears, str) else clears
            bands.append(Band(now, clears, "Rest period", "rest-period"))
    return bands


_NO_TIME = datetime(1970, 1, 1, tzinfo=UTC)  # both ends of a panel with no points (its span is 0)

def _panel(points: Sequence[tuple[datetime, float | None]], lo: float, hi: float, title: str, unit: str,
           thresholds: Sequence[tuple[float, str, str]], y0: int, invert: bool, estimated: bool = False,
           now: datetime | None = None, bands: Sequence[Band] = (), tz: tzinfo | None = None) -> str:
    """One panel; `invert` puts `lo` at the top (KSS: sleepier is lower on the page)."""
    n = max(len(points) - 1, 1)
    iw, ih = W - PAD_L - PAD_R, H - PAD_T - PAD_B
    t0, t1 = (points[0][0], points[-1][0]) if points else (_NO_TIME, _NO_TIME)
    span = max(0.0, (t1 - t0).total_seconds())  # 0: no points, or one

    def x(i: int) -> float:
        return PAD_L + iw * i / n

    def xt(t: datetime) -> float:
        """The x of a time, held to the panel."""
        if not span:
            return PAD_L
        return PAD_L + iw * min(1.0, max(0.0, (t - t0).total_seconds() / span))

    def y(v: float) -> float:
        frac = (v - lo) / (hi - lo)
        return y0 + PAD_T + ih * (frac if invert else 1 - frac)

    out = [f'<text x="{PAD_L}" y="{y0 + 16}" class="chart-title">{escape(title)}</text>']
    labels: list[str] = []
    for b in bands:  # under everything else; their labels over them, one line each
        if not span or (b.end is not None and b.end <= t0) or b.start >= t1:
            continue
        bx0, bx1 = xt(b.start), xt(b.end if b.end is not None else t1)
        if bx1 - bx0 < 1:
            continue
        until = f" until {_hm(b.end, tz)}" if b.end is not None and b.end <= t1 else ""
        words = f"{b.label}{until}"
        # the words are the label beside it and the chart's description (the chart has one <title>, its own)
        out.append(f'<rect x="{bx0:.1f}" y="{y0 + PAD_T}" width="{bx1 - bx0:.1f}" height="{ih}" '
                   f'class="band band-{b.kind}"/>')
        labels.append(f'<text x="{bx0 + 4:.1f}" y="{y0 + PAD_T + 16 + 17 * len(labels)}" '
                      f'class="band-label">{escape(words)}</text>')
    out.extend(labels)
    out.append(f'<rect x="{PAD_L}" y="{y0 + PAD_T}" width="{iw}" height="{ih}" class="chart-frame"/>')
    placed: list[float] = []  # the labels' baselines, pushed apart where two thresholds lie close
    for value, label, dash in sorted(thresholds, key=lambda th: y(th[0])):
        yy = y(value)
        out.append(f'<line x1="{PAD_L}" x2="{PAD_L + iw}" y1="{yy:.1f}" y2="{yy:.1f}" class="threshold" '
                   f'stroke-dasharray="{dash}"/>')
        ly = max(yy + 4, placed[-1] + LABEL_GAP) if placed else yy + 4
        placed.append(ly)
        out.append(f'<text x="{PAD_L + iw + 6}" y="{ly:.1f}" class="chart-label">{escape(label)}</text>')
    for v in (lo, hi):
        out.append(f'<text x="{PAD_L - 6}" y="{y(v) + 4:.1f}" class="chart-axis" text-anchor="end">{v:g}{unit}</text>')
    path, pen_up = [], True
    for i, (_, point) in enumerate(points):
        if point is None:
            pen_up = True
            continue
        path.append(f"{'M' if pen_up else 'L'}{x(i):.1f},{y(max(lo, min(hi, point))):.1f}")
        pen_up = False
    if path:
        # an estimate (no sleep logged) is drawn dashed
        out.append(f'<path d="{" ".join(path)}" class="series{" estimated" if estimated else ""}"'
                   + (' stroke-dasharray="8 5"' if estimated else "") + "/>")
    if now is not None and span and t0 <= now <= t1:
        nx = xt(now)
        out.append(f'<line x1="{nx:.1f}" x2="{nx:.1f}" y1="{y0 + PAD_T}" y2="{y0 + PAD_T + ih}" class="now-line" '
                   'stroke-dasharray="3 2"/>')
        out.append(f'<text x="{nx + 4:.1f}" y="{y0 + PAD_T + ih - 6}" class="now-label">now {_hm(now, tz)}</text>')
    step = max(1, len(points) // 6)  # seven ticks: room for each at a phone's size
    for i in range(0, len(points), step):
        t = points[i][0]
        out.append(f'<text x="{x(i):.1f}" y="{y0 + H - 10}" class="chart-axis" text-anchor="middle">'
                   f'{_local(t, tz):%a %H:%M}</text>')
    return "\n".join(out)


def _local(t: datetime, tz: tzinfo | None) -> datetime:
    return t.astimezone(tz) if tz is not None else t


def _hm(t: datetime, tz: tzinfo | None) -> str:
    return f"{_local(t, tz):%a %H:%M}"


def fatigue_chart(series: Sequence[tuple[datetime, FatigueEstimate]], policy: FatiguePolicy,
                  estimated: bool = False, *, now: datetime | None = None, bands: Sequence[Band] = (),
                  tz: tzinfo | None = None) -> str:
    """Predicted sleepiness (KSS) and effectiveness over the series, with each mission rank's
    refusal threshold drawn and named; dashed, and said, when the history is estimated. `now` is drawn as a
    line; `bands` (a rest order, a rest period) as labelled, shaded stretches; times in `tz` (the village's)."""
    kss = [(t, f.kss) for t, f in series]
    eff = [(t, f.effectiveness) for t, f in series]
    limits = {r: policy.limit_for(r) for r in ("S", "B", "D")}
    k_lines = [(limits["S"].max_kss, f"S/A refused ≥ {limits['S'].max_kss:g}", "6 3"),
               (limits["B"].max_kss, f"B/C refused ≥ {limits['B'].max_kss:g}", "2 3"),
               (limits["D"].max_kss, f"D refused ≥ {limits['D'].max_kss:g}", "10 3 2 3")]
    e_lines = [(limits["S"].min_effectiveness, f"S/A refused < {limits['S'].min_effectiveness:g}%", "6 3"),
               (limits["B"].min_effectiveness, f"B/C refused < {limits['B'].min_effectiveness:g}%", "2 3"),
               (limits["D"].min_effectiveness, f"D refused < {limits['D'].min_effectiveness:g}%", "10 3 2 3")]
    start, end = series[0][0], series[-1][0]
    shown = [b for b in bands if (b.end is None or b.end > start) and b.start < end]
    desc = (f"Predicted sleepiness and effectiveness from {_local(start, tz):%Y-%m-%d %H:%M} to "
            f"{_local(end, tz):%Y-%m-%d %H:%M}, assuming no further sleep is logged."
            + (" No sleep is logged: the history is estimated from the gate log and the shinobi's own acts "
               "(drawn dashed)." if estimated else "")
            + (f" The dotted vertical line is now, {_local(now, tz):%H:%M}." if now is not None else "")
            + "".join(f" Shaded: {b.label.lower()} from {_local(b.start, tz):%Y-%m-%d %H:%M}"
                      + (f" until {_local(b.end, tz):%Y-%m-%d %H:%M}." if b.end else ", with no end set.")
                      for b in shown))
    note = " — estimated, no sleep logged" if estimated else ""
    body = (_panel(kss, 1, 9, f"Sleepiness (KSS 1–9, lower is more alert){note}", "", k_lines, 0, invert=False,
                   estimated=estimated, now=now, bands=shown, tz=tz)
            + _panel(eff, 0, 100, f"Effectiveness (%, higher is better){note}", "%", e_lines, H, invert=False,
                     estimated=estimated, now=now, bands=shown, tz=tz))
    return (f'<svg class="chart chart-fatigue" role="img" aria-labelledby="chart-title chart-desc" '
            f'viewBox="0 0 {W} {2 * H}" '
            f'preserveAspectRatio="xMidYMid meet" xmlns="http://www.w3.org/2000/svg"><title id="chart-title">'
            f'Predicted alertness, next {len(series) and round((end - start).total_seconds() / 3600)} hours</title>'
            f'<desc id="chart-desc">{escape(desc)}</desc>{body}</svg>')


RW, RH, R_L, R_R, R_T, R_B = 400, 400, 58, 20, 30, 52


def reliability_chart(bins: Sequence[Mapping[str, float]], *, title: str, brier: float, n: int, chart_id: str
                      ) -> str:
    """A reliability curve: each bin's mean predicted chance (x) against how often it happened (y), the
    diagonal where they agree, each point sized by and labelled with its number of missions."""
    iw, ih = RW - R_L - R_R, RH - R_T - R_B
    cid = escape(chart_id)

    def x(p: float) -> float:
        return R_L + iw * min(1.0, max(0.0, p))

    def y(p: float) -> float:
        return R_T + ih * (1 - min(1.0, max(0.0, p)))

    out = [f'<text x="{R_L}" y="{R_T - 12}" class="chart-title">{escape(title)}</text>',
           f'<rect x="{R_L}" y="{R_T}" width="{iw}" height="{ih}" class="chart-frame"/>']
    for v in (0.0, 0.25, 0.5, 0.75, 1.0):
        if 0 < v < 1:
            out.append(f'<line x1="{x(v):.1f}" x2="{x(v):.1f}" y1="{R_T}" y2="{R_T + ih}" class="chart-grid"/>')
            out.append(f'<line x1="{R_L}" x2="{R_L + iw}" y1="{y(v):.1f}" y2="{y(v):.1f}" class="chart-grid"/>')
        out.append(f'<text x="{x(v):.1f}" y="{R_T + ih + 16}" class="chart-axis" text-anchor="middle">{v:.0%}</text>')
        out.append(f'<text x="{R_L - 6}" y="{y(v) + 4:.1f}" class="chart-axis" text-anchor="end">{v:.0%}</text>')
    out.append(f'<text x="{R_L + iw / 2:.1f}" y="{RH - 8}" class="chart-label" text-anchor="middle">'
               'Predicted chance</text>')
    out.append(f'<text x="14" y="{R_T + ih / 2:.1f}" class="chart-label" text-anchor="middle" '
               f'transform="rotate(-90 14 {R_T + ih / 2:.1f})">Observed rate</text>')
    out.append(f'<line x1="{x(0):.1f}" y1="{y(0):.1f}" x2="{x(1):.1f}" y2="{y(1):.1f}" class="perfect" '
               'stroke-dasharray="6 4"/>')
    out.append(f'<line x1="{RW - R_R - 130}" x2="{RW - R_R - 108}" y1="{R_T - 16}" y2="{R_T - 16}" class="perfect" '
               'stroke-dasharray="6 4"/>')
    out.append(f'<text x="{RW - R_R}" y="{R_T - 12}" class="chart-label" text-anchor="end">perfect calibration</text>')
    points = sorted(bins, key=lambda b: b["predicted"])
    if len(points) > 1:
        path = " ".join(f"{'M' if i == 0 else 'L'}{x(b['predicted']):.1f},{y(b['observed']):.1f}"
                        for i, b in enumerate(points))
        out.append(f'<path d="{path}" class="series"/>')
    most = max((int(b["count"]) for b in points), default=1) or 1
    for b in points:
        px, py, count = x(b["predicted"]), y(b["observed"]), int(b["count"])
        r = 4 + 8 * math.sqrt(count / most)
        words = (f"predicted {b['predicted']:.0%}, observed {b['observed']:.0%}, "
                 f"{count} mission{'' if count == 1 else 's'}")
        out.append(f'<circle cx="{px:.1f}" cy="{py:.1f}" r="{r:.1f}" class="bin"><title>{escape(words)}</title>'
                   '</circle>')
        right = px + r + 3 < R_L + iw - 24
        lx, anchor = (px + r + 3, "start") if right else (px - r - 3, "end")
        out.append(f'<text x="{lx:.1f}" y="{py + 4:.1f}" class="chart-label" text-anchor="{anchor}">{count}</text>')
    desc = (f"Brier score {brier:.3f} over {n} missions, in {len(points)} bins. A point on the dashed diagonal "
            "was predicted exactly as often as it happened; above it, the model expected too little; below it, "
            "too much. The number beside each point is how many missions fell in that bin.")
    body = "".join(out)
    return (f'<svg class="chart chart-square" role="img" aria-labelledby="{cid}-title {cid}-desc" '
            f'viewBox="0 0 {RW} {RH}" xmlns="http://www.w3.org/2000/svg">'
            f'<title id="{cid}-title">{escape(title)}: predicted against observed</title>'
            f'<desc id="{cid}-desc">{escape(desc)}</desc>{body}</svg>')
