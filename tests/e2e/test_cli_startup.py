"""The CLI starts light: importing it and asking any command for its help loads Typer, Rich and a few small domain
modules, never the database, the services or the heavy libraries behind them (each command imports what it
uses when it runs). A behaviour, not a timing: bench/cli.py times it."""
from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from typing import get_args

from missiondesk.adapters.cli.missions import OutcomeName
from missiondesk.domain.missions import Outcome

HEAVY = ("sqlalchemy", "alembic", "numpy", "argon2", "fastapi", "uvicorn", "ortools", "sklearn",
         "starlette", "httpx", "psycopg", "jinja2", "cedarpy")
# the project's own heavy layers: the runtime and the database adapters (SQLAlchemy, Alembic), the services and
# the web adapter
OWN = ("missiondesk.runtime", "missiondesk.services", "missiondesk.adapters.db", "missiondesk.adapters.web",
       "missiondesk.adapters.worker", "missiondesk.adapters.audit_checkpoints", "missiondesk.demo")

SCRIPT = textwrap.dedent("""
    import json
    import sys

    import typer
    from typer.testing import CliRunner

    from missiondesk.adapters.cli import app

    def paths(cmd, path=()):
        yield path
        for name, sub in sorted((getattr(cmd, "commands", None) or {}).items()):
            yield from paths(sub, (*path, name))

    codes = {}
    for path in [(), *paths(typer.main.get_command(app))]:
        result = CliRunner().invoke(app, [*path, "--help"])
        codes[" ".join(path) or "missiondesk"] = result.exit_code
    print(json.dumps({"codes": codes, "modules": sorted(sys.modules)}))
""")


def test_help_of_every_command_loads_no_database_no_service_and_no_heavy_library():
    r = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    seen = json.loads(r.stdout)
    assert len(seen["codes"]) > 30 and set(seen["codes"].values()) == {0}, seen["codes"]
    modules = seen["modules"]
    loaded = [m for m in modules if m.split(".")[0] in HEAVY or m.startswith(OWN)]
    assert not loaded, f"`--help` imported {loaded}"


def test_report_accepts_exactly_the_domains_outcomes():
    """`report` names the outcomes as a Literal (domain.missions would bring numpy in): the same values."""
    assert get_args(OutcomeName) == tuple(o.value for o in Outcome)
