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
