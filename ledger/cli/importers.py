"""``ledger import FORMAT FILE``: convert another agent's transcript into a stored trajectory."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from ledger.cli._common import (
    emit_json,
    json_option,
    resolve_workspace,
    stderr_console,
    stdout_console,
    workspace_option,
)

if TYPE_CHECKING:
    from ledger.importers import ImportResult
    from ledger.record.external import ExternalAttestation
    from ledger.workspace import Workspace

# name -> one-line help; kept here (not imported from ledger.importers) so `--help` stays fast.
FORMATS: dict[str, str] = {
    "claude-code": "Claude Code session JSONL (~/.claude/projects/<project>/<session>.jsonl).",
    "swe-agent": "SWE-agent <instance>.traj.",
    "mini-swe-agent": "mini-swe-agent .traj.json (mini-swe-agent-1.1 or a bare message list).",
    "inspect": "inspect_ai eval log (.eval ZIP or .json).",
    "openhands": "OpenHands event list (saved trajectory).",
    "otel-genai": "OpenTelemetry GenAI: OTLP/JSON trace export (gen_ai.* spans) or a GenAI message list.",
    "codex": "OpenAI Codex CLI rollout JSONL (~/.codex/sessions/YYYY/MM/DD/rollout-*.jsonl).",
    "atif": "Agent Trajectory Interchange Format: Harbor / Terminal-Bench trajectory.json (ATIF-v1.x).",
}


@click.group("import")
def import_() -> None:
    """Import another agent's transcript as a redacted, hash-chained trajectory.

    The original file is stored in .ledger/objects/ (byte for byte, except that secrets become
    the same [REDACTED:…] markers as in the trajectory) and linked by digest from the
    trajectory's build_start event. Malformed lines are skipped and listed, never dropped
    silently. Exit 2 if the file is not the format named (or none, for `auto`).

    With --artifact PATH (repeatable, workspace-relative) the files that agent produced get a
    signed provenance (buildType imported/v1) naming the trajectory and the original transcript,
    bound to a spec node with --spec SPEC/x. verify can then report SIGNED (and BOUND), never
    TESTED or REPRODUCED: nothing was tested or sandboxed here.
    """


def _run(
    fmt: str,
    file: Path,
    workspace_dir: Path | None,
    as_json: bool,
    artifacts: tuple[str, ...] = (),
    spec: str | None = None,
) -> None:
    from datetime import UTC, datetime

    from ledger.importers.api import attest_import, import_file
    from ledger.objects import ObjectStore

    workspace = resolve_workspace(workspace_dir)
    if spec and not artifacts:
        raise click.UsageError("--spec binds artifacts to a spec node; give --artifact PATH too")
    signer = None
    if artifacts:  # every usage error before the import writes anything
        from ledger.record.external import artifact_refs, load_signer, spec_binding

        signer = load_signer(workspace)
        artifact_refs(workspace, artifacts)
        if spec:
            spec_binding(workspace, spec)
    started = datetime.now(UTC)
    result = import_file(file, ObjectStore(workspace.objects_dir), format=fmt)
    attested = None
    if signer is not None:
        attested = attest_import(workspace, result, artifacts, signer, spec=spec, started_on=started)
    _render(result, as_json, attested, workspace)


def _render(
    result: ImportResult,
    as_json: bool,
    attested: ExternalAttestation | None = None,
    workspace: Workspace | None = None,
) -> None:
    err = stderr_console()
    for item in result.skipped:
        err.print(f"skipped {result.filename} {item.where}: {item.reason}", markup=False)
    if result.skipped_total > len(result.skipped):
        err.print(f"… and {result.skipped_total - len(result.skipped)} more skipped", markup=False)
    if as_json:
        data = result.to_json()
        if attested is not None and workspace is not None:
            data["attestation"] = attested.to_json(workspace.root)
        emit_json(data)
        return
    from ledger.cli.tables import DataTable

    table = DataTable(title=f"imported {result.filename} ({result.format})", show_header=False)
    table.add_column("field", style="bold")
    table.add_column("value")
    counts = ", ".join(f"{k}={v}" for k, v in sorted(result.event_counts.items()))
    rows: list[tuple[str, Any]] = [
        ("trajectory", result.trajectory_sha256),
        ("original", f"{result.original_sha256} ({result.original_media_type})"),
        ("session", result.session_id or "-"),
        ("source version", result.source_version or "-"),
        ("events", f"{result.events} ({counts})"),
        (
            "tool calls",
            f"{result.tool_calls_paired} paired, {result.tool_calls_unpaired} without result, "
            f"{result.tool_results_unpaired} results without call",
        ),
        ("models", ", ".join(_model(m.id, m.provider, m.endpoint) for m in result.models) or "-"),
        ("skipped", str(result.skipped_total)),
    ]
    if attested is not None and workspace is not None:
        rows.append(("build", attested.build_id))
        rows.append(("attestation", attested.attestation.relative_to(workspace.root).as_posix()))
        rows.append(("artifacts", ", ".join(sorted(attested.artifacts))))
        if attested.target:
            rows.append(("spec", f"{attested.target} chain {attested.chain}"))
    for key, value in rows:
        table.add_row(key, str(value))
    stdout_console().print(table)


def _model(model_id: str, provider: str | None, endpoint: str | None) -> str:
    text = f"{provider}:{model_id}" if provider and not model_id.startswith(provider + "/") else model_id
    return f"{text} @ {endpoint}" if endpoint else text


def _command(fmt: str, help_text: str) -> click.Command:
    @click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
    @click.option(
        "--artifact",
        "artifacts",
        multiple=True,
        metavar="PATH",
        help="A file the imported agent produced (workspace-relative; repeatable): sign a provenance.",
    )
    @click.option("--spec", default=None, metavar="SPEC/x", help="Bind the artifacts to this spec node.")
    @workspace_option
    @json_option
    def command(
        file: Path, artifacts: tuple[str, ...], spec: str | None, workspace_dir: Path | None, as_json: bool
    ) -> None:
        _run(fmt, file, workspace_dir, as_json, artifacts, spec)

    command.__doc__ = help_text
    return click.command(fmt, help=help_text)(command)


import_.add_command(
    _command("auto", "Detect the format from the content, then import (refuses to guess: exit 2)."), "auto"
)
for _name, _help in FORMATS.items():
    import_.add_command(_command(_name, _help), _name)
