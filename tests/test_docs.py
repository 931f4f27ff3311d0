"""Docs stay true: every command teaches with --help, and docs/CLI.md is generated from it."""

from __future__ import annotations

from pathlib import Path

import click
import pytest

from ledger.cli import COMMANDS, cli

ROOT = Path(__file__).resolve().parent.parent


def test_cli_reference_is_up_to_date() -> None:
    # In a fresh process: click caches each command's help option on first use, so commands that
    # other tests invoked directly would render differently here.
    import subprocess
    import sys

    code = "import runpy; m = runpy.run_path('scripts/gen_cli_reference.py'); print(m['render'](), end='')"
    expected = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout
    assert (ROOT / "docs" / "CLI.md").read_text(encoding="utf-8") == expected, (
        "docs/CLI.md is stale: run `python scripts/gen_cli_reference.py`"
    )


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_every_command_has_help_and_is_documented(name: str) -> None:
    command = cli.get_command(click.Context(cli), name)
    assert command is not None
    assert command.help and len(command.help.strip()) > 20, f"`ledger {name}` needs a --help text"
    assert f"## `ledger {name}`" in (ROOT / "docs" / "CLI.md").read_text(encoding="utf-8")
    assert f"ledger {name}" in (ROOT / "README.md").read_text(encoding="utf-8") or name in (
        "export",
        "reindex",
        "checkpoint",
        "show",
        "sql",
        "ingest",
    ), f"README should mention `ledger {name}`"
