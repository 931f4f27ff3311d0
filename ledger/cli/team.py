"""Team ledger commands: ``push`` and ``pull`` between this workspace and a PostgreSQL ledger.

Each builds the team store from ``--url`` or ``[store] team`` / ``[store] url``, calls
``ledger.store.pg_sync`` and renders its report; status lines go to stderr.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from ledger.cli._common import emit_json, json_option, resolve_workspace, stderr_console, workspace_option

if TYPE_CHECKING:
    from ledger.store.postgres_store import PostgresStore
    from ledger.workspace import Workspace

_URL_HELP = (
    "Team ledger, postgresql://[user@]host[:port]/db (default: [store] team, else [store] url). "
    "A password is read from PGPASSWORD or ~/.pgpass."
)


def _team(workspace_dir: Path | None, url: str | None) -> tuple[Workspace, PostgresStore]:
    from ledger.errors import ConfigError
    from ledger.store import store_settings
    from ledger.store.postgres_store import PostgresStore

    ws = resolve_workspace(workspace_dir)
    target = url or store_settings(ws).team_url
    if target is None:
        raise ConfigError(
            "no team ledger configured",
            file=str(ws.config_path),
            hint='pass --url postgresql://host/db or set [store] team = "postgresql://host/db"',
        )
    return ws, PostgresStore(ws, url=target)


def _status(message: str) -> None:
    stderr_console().print(message, markup=False, highlight=False)


def _fail_on_rejections(count: int, first: str) -> None:
    from ledger.errors import CheckFailed

    if count:
        raise CheckFailed(
            f"{count} envelope(s) rejected; first {first}",
            hint="nothing unverified was moved; check the signer against [trust] in ledger.toml",
        )


@click.command("push")
@click.option("--url", default=None, help=_URL_HELP)
@workspace_option
@json_option
def push(url: str | None, workspace_dir: Path | None, as_json: bool) -> None:
    """Upload this workspace's objects and verified attestation envelopes to the team ledger.

    Content-addressed and idempotent: only what the team ledger lacks moves; an interrupted
    push resumes. Exit 1 if any envelope failed verification (it is not added).
    """
    from ledger.store.pg_sync import push as run_push

    ws, team = _team(workspace_dir, url)
    with team, team.failing_as("push"):
        report = run_push(ws, team, status=_status)
    if as_json:
        emit_json(report.to_json())
    else:
        i = report.ingest
        click.echo(
            f"push: {report.objects_uploaded} object(s) uploaded ({report.objects_present} already there); "
            f"{i.accepted} envelope(s) added, {i.duplicates} already there, {len(i.rejected)} rejected; "
            f"team log size {i.tree_size}"
        )
        for r in i.rejected[:20]:
            _status(f"rejected {r.where}: {r.reason}")
    rejected = report.ingest.rejected
    _fail_on_rejections(len(rejected), f"{rejected[0].where}: {rejected[0].reason}" if rejected else "")


@click.command("pull")
@click.option("--url", default=None, help=_URL_HELP)
@workspace_option
@json_option
def pull(url: str | None, workspace_dir: Path | None, as_json: bool) -> None:
    """Download envelopes and objects this workspace lacks from the team ledger, verify them
    against the local trust policy, write attestations/<build-id>.intoto.jsonl, ingest locally.

    Idempotent and resumable. Exit 1 if any envelope failed verification (it is not written).
    """
    from ledger.store.pg_sync import pull as run_pull

    ws, team = _team(workspace_dir, url)
    with team, team.failing_as("pull"):
        report = run_pull(ws, team, status=_status)
    if as_json:
        emit_json(report.to_json())
    else:
        added = report.ingest.accepted if report.ingest else 0
        click.echo(
            f"pull: {report.objects_downloaded} object(s) downloaded; {report.envelopes_written} envelope(s) "
            f"written to {len(report.files_written)} file(s), {added} added to the local ledger; "
            f"{len(report.rejected)} rejected"
        )
        for r in report.rejected[:20]:
            _status(f"rejected {r.where}: {r.reason}")
    rejected = report.rejected
    _fail_on_rejections(len(rejected), f"{rejected[0].where}: {rejected[0].reason}" if rejected else "")
