"""How long the CLI takes to answer `--help`: the start-up every command pays before it does anything.

Each command imported SQLAlchemy, Alembic, numpy, OR-Tools, scikit-learn and the services, and hashed an argon2
dummy password, before Typer even parsed its arguments: `missiondesk --help` took 1.1-2.6 s. The CLI now imports
what a command uses inside the command (src/missiondesk/adapters/cli/, tests/e2e/test_cli_startup.py).

What it does
- Runs `missiondesk --help` (the one on PATH, else this venv's) and a few `missiondesk <group> --help`, each
  --runs times in a fresh subprocess, round-robin (so a burst of load elsewhere on the machine falls on every
  command alike), plus `python -c pass` (the interpreter's own start-up) the same way, in the same run.
- Prints per command the median wall time, the median CPU time (user + system: less sensitive to other
  processes on a shared machine) and the ratio of its median wall time to `python -c pass`'s.
Target: `missiondesk --help` median wall time under 300 ms. Exit 1 when it is not, or when a command fails.

Usage:  python bench/cli.py [--runs N] [--quick]
--quick: 5 runs each; default 15.
"""
from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

TARGET_MS = 300.0
GROUPS = ("shinobi", "mission", "gate", "custody", "audit")


def executable() -> str:
    return shutil.which("missiondesk") or str(Path(sys.executable).parent / "missiondesk")


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_once(argv: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall and CPU milliseconds of one run; raises when it fails."""
    cpu = children_cpu()
    start = time.perf_counter()
    r = subprocess.run(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, timeout=60)
    wall = time.perf_counter() - start
    if r.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} exited {r.returncode}: {r.stderr.decode()[-400:]}")
    return wall * 1000, (children_cpu() - cpu) * 1000


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--quick", action="store_true", help="5 runs each")
    args = parser.parse_args()
    runs = 5 if args.quick else args.runs

    exe = executable()
    env = {**os.environ, "COLUMNS": "120"}
    cases = {"python -c pass": [sys.executable, "-c", "pass"], "missiondesk --help": [exe, "--help"]}
    cases |= {f"missiondesk {g} --help": [exe, g, "--help"] for g in GROUPS}
    for argv in cases.values():  # one run each first: the file system's caches, not the start-up, on the clock
        run_once(argv, env)
    wall: dict[str, list[float]] = {name: [] for name in cases}
    cpu: dict[str, list[float]] = {name: [] for name in cases}
    for _ in range(runs):
        for name, argv in cases.items():
            w, c = run_once(argv, env)
            wall[name].append(w)
            cpu[name].append(c)

    base = statistics.median(wall["python -c pass"])
    print(f"{exe}: {runs} runs each, round-robin; load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs")
    print(f"{'command':<32} {'wall ms (median)':>17} {'cpu ms (median)':>16} {'x python -c pass':>17}")
    for name in cases:
        w = statistics.median(wall[name])
        print(f"{name:<32} {w:>17.0f} {statistics.median(cpu[name]):>16.0f} {w / base:>17.1f}")
    help_ms = statistics.median(wall["missiondesk --help"])
    ok = help_ms < TARGET_MS
    print(f"target: `missiondesk --help` under {TARGET_MS:.0f} ms: {help_ms:.0f} ms, {'met' if ok else 'MISSED'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
