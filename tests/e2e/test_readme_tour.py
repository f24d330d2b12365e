"""The README's CLI tour ("### The CLI") runs as written: each `missiondesk …` line of its ```sh block(s), in
order, on a fresh SQLite database, with the environment its `export` lines (and a line's own `VAR=value`
prefix) set, exits 0 (`fitness` may exit 3, "unfit", as the README says; `serve` answers its health check and is
stopped)."""
from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
import time
from pathlib import Path

import httpx

from .conftest import free_port

README = Path(__file__).resolve().parents[2] / "README.md"
EXE = shutil.which("missiondesk") or str(Path(sys.executable).parent / "missiondesk")


def tour(text: str | None = None) -> list[list[str]]:
    """The section's shell lines as argument lists (continuations joined, comments dropped)."""
    text = README.read_text() if text is None else text
    section = re.search(r"^### The CLI\b.*?(?=^##)", text, re.S | re.M).group(0)
    lines = []
    for block in re.findall(r"```sh\n(.*?)```", section, re.S):
        for line in block.replace("\\\n", " ").splitlines():
            words = shlex.split(line, comments=True)
            if words:
                lines.append(words)
    return lines


def test_the_tour_is_found():
    lines = tour()
    assert len(lines) >= 10, lines
    for words in lines:
        words = command(words)[0]
        assert words[0] in ("missiondesk", "export"), words


ASSIGNMENT = re.compile(r"^[A-Z_][A-Z0-9_]*=")


def command(words: list[str]) -> tuple[list[str], dict[str, str]]:
    """A line's command and the `VAR=value` words before it."""
    env = {}
    while words and ASSIGNMENT.match(words[0]):
        key, _, value = words[0].partition("=")
        env[key] = value
        words = words[1:]
    return words, env


def run_tour(lines: list[list[str]], workdir: Path) -> list[str]:
    """Each line in order on a fresh database; the lines that fail, with what they said."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("MISSIONDESK_")}
    env.update(MISSIONDESK_DATABASE_URL=f"sqlite:///{workdir / 'tour.db'}", COLUMNS="200", NO_COLOR="1")
    failures = []
    for line in lines:
        words, own = command(line)
        if words[0] == "export":
            key, _, value = words[1].partition("=")
            env[key] = value
            continue
        if words[1] == "serve":
            failures += serve(words, {**env, **own}, workdir)
            continue
        r = subprocess.run([EXE, *words[1:]], env={**env, **own}, cwd=workdir, capture_output=True, text=True,
                           timeout=120)
        if r.returncode not in ((0, 3) if words[1] == "fitness" else (0,)):
            failures.append(f"{shlex.join(line)}\n  exit {r.returncode}: {(r.stderr or r.stdout).strip()[-400:]}")
    return failures


def test_the_readme_cli_tour_runs_on_a_fresh_database(tmp_path):
    failures = run_tour(tour(), tmp_path)
    assert not failures, "README lines that fail:\n" + "\n".join(failures)


def serve(words: list[str], env: dict[str, str], cwd: Path) -> list[str]:
    port = str(free_port())
    args = [*words[1:]]
    if "--port" in args:
        args[args.index("--port") + 1] = port  # the README's port may be taken here
    proc = subprocess.Popen([EXE, *args], env=env, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                return [f"{shlex.join(words)}\n  exited {proc.returncode}: {proc.stderr.read().decode()[-400:]}"]
            try:
                if httpx.get(f"http://127.0.0.1:{port}/api/v1/health", timeout=1).status_code == 200:
                    return []
            except httpx.HTTPError:
                time.sleep(0.2)
        return [f"{shlex.join(words)}\n  did not answer in 60 s"]
    finally:
        proc.terminate()
        proc.wait(10)
