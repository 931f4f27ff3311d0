"""Regenerate docs/CLI.md from the commands' own --help (run: python scripts/gen_cli_reference.py)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from ledger.cli import cli  # noqa: E402

OUT = ROOT / "docs" / "CLI.md"


def walk(command: click.Command, path: list[str]) -> list[tuple[list[str], click.Command]]:
    found = [(path, command)]
    if isinstance(command, click.Group):
        ctx = click.Context(command, info_name=" ".join(path))
        for name in command.list_commands(ctx):
            sub = command.get_command(ctx, name)
            if sub is not None and not sub.hidden:
                found += walk(sub, [*path, name])
    return found


def help_text(path: list[str]) -> str:
    """Exactly what a user sees for `ledger … --help` (100 columns)."""
    from click.testing import CliRunner

    result = CliRunner().invoke(cli, [*path[1:], "--help"], prog_name="ledger", terminal_width=100)
    assert result.exit_code == 0, result.output
    return result.output


def render() -> str:
    parts = [
        "# CLI reference\n",
        "Generated from each command's `--help` by `scripts/gen_cli_reference.py`; "
        "`tests/test_docs.py` fails when it is out of date.\n",
    ]
    for path, _command in walk(cli, ["ledger"]):
        parts.append(f"\n## `{' '.join(path)}`\n\n```\n{help_text(path).rstrip()}\n```\n")
    return "".join(parts)


if __name__ == "__main__":
    OUT.write_text(render(), encoding="utf-8")
    print(f"wrote {OUT.relative_to(ROOT)}")
