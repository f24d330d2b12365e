"""Imports point inward: the domain imports no framework; services import no adapter."""
import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "src" / "missiondesk"
FRAMEWORKS = {"fastapi", "starlette", "sqlalchemy", "alembic", "pydantic", "typer", "rich", "jinja2", "uvicorn",
              "argon2", "psycopg", "httpx"}


def imports_of(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            prefix = "." * node.level
            names.add(prefix + (node.module or ""))
    return names


def files(layer: str) -> list[Path]:
    return sorted((PACKAGE / layer).rglob("*.py"))


@pytest.mark.parametrize("path", files("domain"), ids=lambda p: p.name)
def test_domain_imports_no_framework_and_nothing_outward(path):
    for name in imports_of(path):
        assert name.split(".")[0] not in FRAMEWORKS, f"{path.name} imports {name}"
        assert not name.startswith(".."), f"{path.name} reaches outside the domain: {name}"


@pytest.mark.parametrize("path", files("domain"), ids=lambda p: p.name)
def test_domain_never_reads_the_clock_or_the_environment(path):
    source = path.read_text()
    for forbidden in ("datetime.now(", "datetime.utcnow(", "time.time(", "os.environ", "getenv("):
        assert forbidden not in source, f"{path.name} uses {forbidden}"


CLOCK_READS = ("datetime.now(", "datetime.utcnow(", "date.today(", "time.time(")


@pytest.mark.parametrize("path", [p for p in sorted(PACKAGE.rglob("*.py")) if p.name != "clock.py"],
                         ids=lambda p: str(p.relative_to(PACKAGE)))
def test_now_comes_from_the_service_clock_alone(path):
    """One clock (MISSIONDESK_CLOCK or the real one, in clock.py) for every "now" of the service: judging,
    tokens, lockouts, alerts and audit times. Nobody else reads the system's time."""
    source = path.read_text()
    for forbidden in CLOCK_READS:
        assert forbidden not in source, f"{path.relative_to(PACKAGE)} reads the time itself: {forbidden}"


@pytest.mark.parametrize("path", files("services"), ids=lambda p: p.name)
def test_services_import_no_adapter_or_web_framework(path):
    for name in imports_of(path):
        assert "adapters" not in name, f"{path.name} imports {name}"
        assert name.split(".")[0] not in {"fastapi", "starlette", "sqlalchemy", "typer", "jinja2"}, name


def test_the_checker_sees_a_violation(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text("from sqlalchemy import select\nfrom ..adapters import x\n")
    assert {"sqlalchemy", "..adapters"} <= imports_of(bad)


# -- the command line starts light ---------------------------------------------------------------------------------
# `missiondesk --help` and each command's start-up load Typer, Rich and the small pure modules the commands'
# signatures name; a CLI module imports the runtime, the services and the other adapters inside its commands.
# Checked here on the source, through every module a CLI module's top reaches (tests/e2e/test_cli_startup.py
# checks the same by running `--help`).
CLI = PACKAGE / "adapters" / "cli"
SLOW = {"sqlalchemy", "alembic", "numpy", "ortools", "sklearn", "scipy", "argon2", "uvicorn", "fastapi", "starlette",
        "httpx", "psycopg", "jinja2", "cedarpy", "pydantic"}
NOT_AT_THE_CLIS_TOP = ("missiondesk.runtime", "missiondesk.services", "missiondesk.demo", "missiondesk.adapters.db",
                       "missiondesk.adapters.web", "missiondesk.adapters.worker",
                       "missiondesk.adapters.audit_checkpoints")


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def source_of(module: str) -> Path | None:
    base = PACKAGE.parent.joinpath(*module.split("."))
    for path in (base.with_suffix(".py"), base / "__init__.py"):
        if path.is_file():
            return path
    return None


def imports_at_import(path: Path) -> set[str]:
    """The absolute names of the modules that importing `path` imports: its body's imports (with their parent
    packages), not those inside functions or under `if TYPE_CHECKING:`."""
    inside = path.is_relative_to(PACKAGE)
    package = (module_name(path) if path.name == "__init__.py" else module_name(path).rpartition(".")[0]
               ) if inside else ""
    names = set()
    for node in ast.parse(path.read_text()).body:
        if isinstance(node, ast.Import):
            names |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = package.rsplit(".", node.level - 1)[0] if node.level else ""
            module = ".".join(p for p in (base, node.module) if p)
            names.add(module)
            names |= {f"{module}.{a.name}" for a in node.names if source_of(f"{module}.{a.name}")}
    return {".".join(n.split(".")[:i]) for n in names for i in range(1, n.count(".") + 2)}


def reached_at_import(path: Path) -> set[str]:
    """Every module importing `path` imports, following the project's own modules through their bodies."""
    seen: set[str] = set()
    todo = [path]
    while todo:
        for name in imports_at_import(todo.pop()) - seen:
            seen.add(name)
            if name.split(".")[0] == "missiondesk" and (source := source_of(name)):
                todo.append(source)
    return seen


@pytest.mark.parametrize("path", sorted(CLI.parent.glob("cli.py")) + sorted(CLI.rglob("*.py")), ids=lambda p: p.name)
def test_the_cli_imports_no_database_service_or_heavy_library_at_import(path):
    reached = reached_at_import(path)
    assert not {n for n in reached if n.split(".")[0] in SLOW}, f"{path.name} imports {sorted(reached & SLOW)}"
    own = sorted(n for n in reached if n.startswith(NOT_AT_THE_CLIS_TOP))
    assert not own, f"{path.name} imports {own} at its top: import it inside the command"


def test_the_import_walker_sees_what_a_module_reaches(tmp_path):
    reached = reached_at_import(PACKAGE / "domain" / "missions.py")
    assert {"missiondesk.domain.risk", "numpy"} <= reached  # domain.missions → domain.risk → numpy
    cli = reached_at_import(CLI / "__init__.py")
    assert {"missiondesk.adapters.cli.common", "typer", "missiondesk.domain.ranks"} <= cli
    bad = tmp_path / "bad.py"
    bad.write_text("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import numpy\n"
                   "def f():\n    import sqlalchemy\nimport alembic\n")
    assert imports_at_import(bad) == {"typing", "alembic"}
