"""Docs stay true: every command teaches with --help, and docs/CLI.md is generated from it."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import click
import pytest

from ledger.cli import COMMANDS, cli

ROOT = Path(__file__).resolve().parent.parent


def _generator() -> object:
    spec = importlib.util.spec_from_file_location("gen_cli_reference", ROOT / "scripts" / "gen_cli_reference.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_cli_reference_is_up_to_date() -> None:
    generator = _generator()
    expected = generator.render()  # type: ignore[attr-defined]
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
