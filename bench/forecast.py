"""Benchmark the fatigue forecast (missiondesk.domain.fatigue.predict_series).

Run: python bench/forecast.py [--quick] [--seed N]

The shinobi page's chart: 48 hours at 30-minute steps (97 points) from a departure time, over 14 days of
sleep log (a night of about 7.5 h, now and then a nap, seeded noise). Timed, median of repeated runs:

- baseline: a per-point loop, `estimate_fatigue` (the vectorised core, a batch of one) once per point;
- reference: the same loop through the minute stepper (tests/fatigue_reference.py, the tests' reference and
  the production path for one shinobi until the fatigue package ran everything through the core);
- predict_series: one vectorised pass of the core for all the points.

Printed as ms and the ratios baseline / predict_series and reference / predict_series, all measured in this run;
predict_series's answers are checked against the reference's (levels, and the largest difference in KSS and E).
Exits 1 if they disagree beyond the unit tests' tolerance (relative 1e-6), or if predict_series is not faster
than the baseline loop.
--quick (for CI): fewer repetitions.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.fatigue_reference import reference_estimate  # noqa: E402

from missiondesk.domain.fatigue import SleepEpisode, estimate_fatigue, find_overlap, predict_series  # noqa: E402

START = datetime(2024, 6, 8, 9, 30, tzinfo=UTC)
HOURS = 48
STEP_MINUTES = 30
DAYS = 14


def median_time(fn, runs: int) -> float:
    samples = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - t0)
    return statistics.median(samples)


def sleep_log(rng: random.Random) -> list[SleepEpisode]:
    """14 days before START: nightly sleep around 23:00 for about 7.5 h, an afternoon nap on some days."""
    day0 = START.replace(hour=0, minute=0) - timedelta(days=DAYS)
    episodes = []
    for d in range(DAYS):
        night = day0 + timedelta(days=d, hours=22.75 + rng.gauss(0, 0.5), seconds=rng.randrange(60))
        episodes.append(SleepEpisode(night, night + timedelta(hours=max(4.0, 7.5 + rng.gauss(0, 0.75)))))
        if rng.random() < 0.3:
            nap = day0 + timedelta(days=d + 1, hours=14 + rng.uniform(0, 2))
            episodes.append(SleepEpisode(nap, nap + timedelta(minutes=rng.randrange(20, 60))))
    episodes = [e for e in episodes if e.start < START]
    assert find_overlap(episodes) is None
    return episodes


def per_point_loop(episodes: list[SleepEpisode], estimate=estimate_fatigue) -> list:
    step = timedelta(minutes=STEP_MINUTES)
    return [estimate(episodes, START + k * step) for k in range(HOURS * 60 // STEP_MINUTES + 1)]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repetitions (CI)")
    parser.add_argument("--seed", type=int, default=20240608)
    args = parser.parse_args()
    runs = 5 if args.quick else 21

    episodes = sleep_log(random.Random(args.seed))
    per_point_loop(episodes)  # warm imports and caches on every side
    per_point_loop(episodes, reference_estimate)
    predict_series(episodes, START, HOURS, STEP_MINUTES)
    loop = median_time(lambda: per_point_loop(episodes), runs)
    stepper = median_time(lambda: per_point_loop(episodes, reference_estimate), runs)
    series = median_time(lambda: predict_series(episodes, START, HOURS, STEP_MINUTES), runs)

    ref = per_point_loop(episodes, reference_estimate)
    got = [est for _, est in predict_series(episodes, START, HOURS, STEP_MINUTES)]
    levels_equal = all(a.level == b.level for a, b in zip(got, ref, strict=True))
    worst = 0.0
    for a, b in zip(got, ref, strict=True):
        for name in ("kss", "effectiveness", "kss_with_inertia", "effectiveness_with_inertia"):
            x, y = getattr(a, name), getattr(b, name)
            if x is not None and y is not None:
                worst = max(worst, abs(x - y) / max(1.0, abs(y)))
    agree = levels_equal and worst <= 1e-6
    faster = series < loop

    print(f"forecast benchmark{' (--quick)' if args.quick else ''}, Python {sys.version.split()[0]}, "
          f"seed {args.seed}, start {START.isoformat()}")
    print(f"{len(ref)} points ({HOURS} h at {STEP_MINUTES} min) over {len(episodes)} episodes ({DAYS} days), "
          f"median of {runs} runs")
    print(f"baseline: estimate_fatigue per point  {loop * 1e3:9.2f} ms")
    print(f"reference: minute stepper per point   {stepper * 1e3:9.2f} ms")
    print(f"predict_series (one vectorised pass)  {series * 1e3:9.2f} ms")
    print(f"ratio baseline / predict_series       {loop / series:9.1f}x  {'ok' if faster else 'NOT FASTER'}")
    print(f"ratio reference / predict_series      {stepper / series:9.1f}x")
    print(f"agreement with the reference: levels {'equal' if levels_equal else 'DIFFER'}, max relative KSS/E "
          f"difference {worst:.1e}  {'ok' if agree else 'BEYOND 1e-6'}")
    return 0 if agree and faster else 1


if __name__ == "__main__":
    sys.exit(main())
