"""``ledger report --html OUT``."""

from __future__ import annotations

from pathlib import Path

import click

from ledger.cli._common import resolve_workspace, stderr_console, workspace_option


@click.command("report")
@click.option(
    "--html",
    "out",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="Write the self-contained HTML report here.",
)
@workspace_option
def report(out: Path, workspace_dir: Path | None) -> None:
    """Write an HTML audit report: builds over time, per-artifact provenance and verification
    levels, stale artifacts, links between builds. One file, no network needed to read it."""
    from ledger.report import write_report

    ws = resolve_workspace(workspace_dir)
    data = write_report(ws, out)
    stderr_console().print(f"wrote {out} ({len(data.builds)} builds, {len(data.artifacts)} artifacts)")
