"""The CLI explains itself: every command and every option and argument has help, and `missiondesk --help` and
each `missiondesk <cmd> --help` print it (exit 0, the command's words and each parameter's)."""
from __future__ import annotations

import click
import pytest
import typer
from typer.testing import CliRunner

from missiondesk.adapters.cli import app

ROOT = typer.main.get_command(app)


def commands(cmd: click.Command = ROOT, path: tuple[str, ...] = ()):
    yield path, cmd
    for name, sub in sorted((getattr(cmd, "commands", None) or {}).items()):
        yield from commands(sub, (*path, name))


ALL = list(commands())
STALE = ("later", "TODO", "FIXME", "not yet")


def test_the_cli_has_every_command_we_expect():
    names = {" ".join(p) for p, _ in ALL}
    for name in ("serve", "demo", "migrate", "fitness", "assign", "report", "recommend", "plan", "risk", "backup",
                 "restore", "shinobi add", "mission post", "sleep log", "gate in", "custody show", "audit verify"):
        assert name in names, name


@pytest.mark.parametrize(("path", "cmd"), ALL, ids=[" ".join(p) or "missiondesk" for p, _ in ALL])
def test_every_command_and_parameter_has_help(path, cmd):
    assert (cmd.help or "").strip(), f"`{' '.join(path)}` has no help"
    assert not any(word in cmd.help for word in STALE), cmd.help
    for p in cmd.params:
        if p.name == "help":
            continue
        assert (getattr(p, "help", None) or "").strip(), f"`{' '.join(path)}`: {p.name} has no help"
    result = CliRunner().invoke(app, [*path, "--help"], env={"COLUMNS": "200", "NO_COLOR": "1"})
    assert result.exit_code == 0, result.output
    text = " ".join(result.output.split())
    assert " ".join(cmd.help.split()).split("\n")[0][:40] in text
    for p in cmd.params:
        if isinstance(p, click.Option) and p.name != "help":
            assert p.opts[0] in text, f"{p.opts[0]} not in `{' '.join(path)} --help`"
