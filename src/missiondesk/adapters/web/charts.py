"""Server-side SVG charts: no JavaScript, readable without colour (dash patterns and labels)."""
from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from html import escape

from ...domain.fatigue import FatigueEstimate, FatiguePolicy

W, H, PAD_L, PAD_R, PAD_T, PAD_B = 720, 190, 52, 150, 16, 30


def _panel(points: Sequence[tuple[datetime, float | None]], lo: float, hi: float, title: str, unit: str,
           thresholds: Sequence[tuple[float, str, str]], y0: int, invert: bool) -> str:
    """One panel; `invert` puts `lo` at the top (KSS: sleepier is lower on the page)."""
    n = max(len(points) - 1, 1)
    iw, ih = W - PAD_L - PAD_R, H - PAD_T - PAD_B

    def x(i: int) -> float:
        return PAD_L + iw * i / n

    def y(v: float) -> float:
        frac = (v - lo) / (hi - lo)
        return y0 + PAD_T + ih * (frac if invert else 1 - frac)

    out = [f'<text x="{PAD_L}" y="{y0 + 12}" class="chart-title">{escape(title)}</text>',
           f'<rect x="{PAD_L}" y="{y0 + PAD_T}" width="{iw}" height="{ih}" class="chart-frame"/>']
    for value, label, dash in thresholds:
        yy = y(value)
        out.append(f'<line x1="{PAD_L}" x2="{PAD_L + iw}" y1="{yy:.1f}" y2="{yy:.1f}" class="threshold" '
                   f'stroke-dasharray="{dash}"/>')
        out.append(f'<text x="{PAD_L + iw + 6}" y="{yy + 4:.1f}" class="chart-label">{escape(label)}</text>')
    for v in (lo, hi):
        out.append(f'<text x="{PAD_L - 6}" y="{y(v) + 4:.1f}" class="chart-axis" text-anchor="end">{v:g}{unit}</text>')
    path, pen_up = [], True
    for i, (_, v) in enumerate(points):
        if v is None:
            pen_up = True
            continue
        path.append(f"{'M' if pen_up else 'L'}{x(i):.1f},{y(max(lo, min(hi, v))):.1f}")
        pen_up = False
    if path:
        out.append(f'<path d="{" ".join(path)}" class="series"/>')
    step = max(1, len(points) // 8)
    for i in range(0, len(points), step):
        t = points[i][0]
        out.append(f'<text x="{x(i):.1f}" y="{y0 + H - 10}" class="chart-axis" text-anchor="middle">'
                   f'{t:%a %H:%M}</text>')
    return "\n".join(out)


def fatigue_chart(series: Sequence[tuple[datetime, FatigueEstimate]], policy: FatiguePolicy) -> str:
    """Predicted sleepiness (KSS) and effectiveness over the series, with each mission rank's
    refusal threshold drawn and named."""
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
    desc = (f"Predicted sleepiness and effectiveness from {start:%Y-%m-%d %H:%M} to {end:%Y-%m-%d %H:%M}, "
            "assuming no further sleep is logged.")
    body = (_panel(kss, 1, 9, "Sleepiness (KSS 1–9, lower is more alert)", "", k_lines, 0, invert=False)
            + _panel(eff, 0, 100, "Effectiveness (%, higher is better)", "%", e_lines, H, invert=False))
    return (f'<svg class="chart" role="img" aria-labelledby="chart-title chart-desc" viewBox="0 0 {W} {2 * H}" '
            f'xmlns="http://www.w3.org/2000/svg"><title id="chart-title">Predicted alertness, next '
            f'{len(series) and round((end - start).total_seconds() / 3600)} hours</title>'
            f'<desc id="chart-desc">{escape(desc)}</desc>{body}</svg>')
