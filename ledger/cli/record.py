"""``ledger record -- COMMAND…``: record an agent's Messages API traffic and attest its writes."""

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


@click.command(
    "record",
    context_settings={"ignore_unknown_options": True, "allow_interspersed_args": False},
)
@click.option("--spec", default=None, metavar="SPEC/x", help="Bind the written files to this spec node.")
@click.option(
    "--upstream",
    default="https://api.anthropic.com",
    show_default=True,
    metavar="URL",
    help="Anthropic-Messages-compatible endpoint the proxy forwards to.",
)
@click.option(
    "--artifact",
    "artifacts",
    multiple=True,
    metavar="PATH",
    help="Attest these files (workspace-relative; repeatable) instead of every file the command wrote.",
)
@click.option("--no-sign", is_flag=True, help="Record the trajectory only; write no attestation.")
@workspace_option
@json_option
@click.argument("command", nargs=-1, required=True, type=click.UNPROCESSED)
@click.pass_context
def record(
    ctx: click.Context,
    spec: str | None,
    upstream: str,
    artifacts: tuple[str, ...],
    no_sign: bool,
    workspace_dir: Path | None,
    as_json: bool,
    command: tuple[str, ...],
) -> None:
    """Run COMMAND behind a loopback recording proxy and attest the files it writes.

    COMMAND runs with ANTHROPIC_BASE_URL pointing at a proxy on 127.0.0.1 that forwards every
    request to --upstream (API keys pass through and are never recorded) and streams responses
    back as they arrive. Each request/response becomes a model_request/model_response event of
    a redacted, hash-chained trajectory; the workspace is snapshotted before and after
    (git-aware) and the created/modified files are attested (buildType imported/v1, origin
    "recorded"). Exits with COMMAND's exit code; 2 for usage errors.

    Example: ledger record --spec SPEC/app/cache -- claude -p "implement the cache"
    """
    from ledger.record import RecordOptions, run_record

    workspace = resolve_workspace(workspace_dir)
    err = stderr_console()

    def started(recorded: tuple[str, ...], checked_upstream: str) -> None:
        # printed once checked, and redacted: CI keeps stderr, and argv may hold a key
        err.print(f"recording {' '.join(recorded)} (upstream {checked_upstream})", markup=False)

    options = RecordOptions(
        spec=spec, upstream=upstream, artifacts=artifacts, sign=not no_sign, on_start=started
    )
    result = run_record(workspace, command, options)
    for note in result.notes:
        err.print(f"note: {note}", markup=False)
    if as_json:
        emit_json(result.to_json(workspace.root))
    else:
        from ledger.cli.tables import DataTable

        table = DataTable(title=f"recorded {result.build_id}", show_header=False)
        table.add_column("field", style="bold")
        table.add_column("value")
        files = result.changes
        rows = [
            ("exit code", str(result.exit_code)),
            ("model exchanges", str(result.exchanges)),
            ("models", ", ".join(result.models) or "-"),
            ("trajectory", result.trajectory),
            (
                "files",
                f"{len(files.created)} created, {len(files.modified)} modified, {len(files.deleted)} deleted",
            ),
        ]
        if result.attestation is not None:
            att = result.attestation
            rows.append(("attestation", att.attestation.relative_to(workspace.root).as_posix()))
            rows.append(("artifacts", ", ".join(sorted(att.artifacts))))
            if att.target:
                rows.append(("spec", f"{att.target} chain {att.chain}"))
        for key, value in rows:
            table.add_row(key, value)
        stdout_console().print(table)
    ctx.exit(result.exit_code)
