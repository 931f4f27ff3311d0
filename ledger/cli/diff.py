"""``ledger diff A B``: what changed between two builds, and where their trajectories went apart."""

from __future__ import annotations

from pathlib import Path

import click

from ledger.cli._common import (
    emit_json,
    json_option,
    resolve_workspace,
    stderr_console,
    stdout_console,
    workspace_option,
)


@click.command("diff")
@click.argument("a")
@click.argument("b")
@click.option(
    "--html",
    "html_out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Also write a self-contained HTML report (no external resources) to this file.",
)
@click.option("--all-steps", is_flag=True, help="Show every aligned event, not only those near a difference.")
@workspace_option
@json_option
def diff(
    a: str, b: str, html_out: Path | None, all_steps: bool, workspace_dir: Path | None, as_json: bool
) -> None:
    """Compare two builds: recipe pins, spec members, trajectories (first divergence), artifacts.

    A and B are build ids, artifact paths (the newest verified build that produced those
    bytes) or attestation files. Both must verify against the workspace trust policy.
    Exit 0 when compared (whether or not they differ), 1 when a side does not verify,
    2 when a side cannot be found.
    """
    from ledger.diff import diff_builds
    from ledger.diff.render_text import render_text
    from ledger.fsutil import atomic_write_text

    workspace = resolve_workspace(workspace_dir)
    result = diff_builds(workspace, a, b)
    if html_out is not None:
        from ledger.diff.render_html import render_html

        atomic_write_text(html_out, render_html(result))
        stderr_console().print(f"wrote {html_out}")
    if as_json:
        emit_json(result.to_json())
    else:
        render_text(result, stdout_console(), all_steps=all_steps)
