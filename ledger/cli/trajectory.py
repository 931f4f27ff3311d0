"""``ledger trajectory verify|show|diff``: check, read and compare hash-chained trajectories."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from ledger.cli._common import (
    emit_json,
    json_option,
    resolve_workspace,
    stderr_console,
    stdout_console,
    workspace_option,
)


@click.group("trajectory")
def trajectory() -> None:
    """Hash-chained trajectories: verify the chain, show the events, diff two runs.

    FILE is a trajectory .jsonl file, or the SHA-256 an attestation lists for it (looked up
    in the workspace's .ledger/objects/).
    """


def _locate(file: str, workspace_dir: Path | None) -> tuple[Path, str | None]:
    """The path to read and, when FILE named a stored object, the digest it must have."""
    import re

    path = Path(file)
    if path.exists() or not re.fullmatch(r"(sha256:)?[0-9a-f]{64}", file):
        return path, None
    from ledger.objects import ObjectStore

    digest = file.removeprefix("sha256:")
    store = ObjectStore(resolve_workspace(workspace_dir).objects_dir)
    return store.path_for(digest), digest


@trajectory.command("verify")
@click.argument("file")
@click.option(
    "--head",
    "expected_head",
    metavar="HEX",
    default=None,
    help="Head digest recorded in the attestation; also catches edits to the last event.",
)
@workspace_option
@json_option
def verify(file: str, expected_head: str | None, workspace_dir: Path | None, as_json: bool) -> None:
    """Check every line and the hash chain; name the first broken event.

    Exit 0 if the chain holds, 1 if it is broken (one line on stderr naming the event),
    2 if the file cannot be read.
    """
    from ledger.errors import CheckFailed, InputError
    from ledger.trajectory.events import HEX64_RE
    from ledger.trajectory.reader import verify_trajectory

    if expected_head is not None and not HEX64_RE.match(expected_head):
        raise InputError(f"--head {expected_head!r}: expected 64 lowercase hex characters")
    path, object_digest = _locate(file, workspace_dir)
    report = verify_trajectory(path, expected_head=expected_head)
    if report.ok and object_digest is not None and report.file_sha256 != object_digest:
        raise CheckFailed(
            f"stored object hashes to {report.file_sha256}, not {object_digest}: the store was modified",
            file=str(path),
        )
    if as_json:
        emit_json(report.to_json())
    elif report.ok:
        state = "complete" if report.complete else "incomplete: no build_end event"
        click.echo(f"ok: {path}: {report.count} events, head {report.head} ({state})")
    if not report.ok:
        raise CheckFailed(f"event {report.first_broken_seq}: {report.reason}", file=str(path))


@trajectory.command("show")
@click.argument("file")
@workspace_option
@json_option
def show(file: str, workspace_dir: Path | None, as_json: bool) -> None:
    """List the events: seq, time, type and a one-line summary.

    The chain is checked too; its state is reported on stderr (show still lists a broken
    trajectory, so you can look at it).
    """
    from ledger.cli.tables import DataTable
    from ledger.trajectory.events import summarize
    from ledger.trajectory.reader import read_trajectory, verify_trajectory

    path, _ = _locate(file, workspace_dir)
    events = read_trajectory(path, verify=False)
    report = verify_trajectory(path)
    if as_json:
        rows: list[dict[str, Any]] = [
            {**event.to_json(), "summary": summarize(event, width=200)} for event in events
        ]
        emit_json(rows)
    else:
        table = DataTable(title=str(path), title_justify="left")
        table.add_column("seq", justify="right")
        table.add_column("time", no_wrap=True)
        table.add_column("type", no_wrap=True)
        table.add_column("summary", overflow="fold")
        for event in events:
            table.add_row(str(event.seq), event.time, event.type, summarize(event))
        stdout_console().print(table)
    err = stderr_console()
    if report.ok:
        err.print(f"chain ok: {report.count} events, head {report.head}", markup=False)
    else:
        err.print(f"chain BROKEN at event {report.first_broken_seq}: {report.reason}", markup=False)


@trajectory.command("diff")
@click.argument("a")
@click.argument("b")
@click.option("--all-steps", is_flag=True, help="Show every aligned event, not only those near a difference.")
@workspace_option
@json_option
def diff(a: str, b: str, all_steps: bool, workspace_dir: Path | None, as_json: bool) -> None:
    """Align two trajectories event by event and name their first divergence.

    For runs that are not signed builds: two imported transcripts (two attempts of one task
    by SWE-agent, Claude Code sessions before and after a prompt change), or a trajectory
    file against a stored one. A and B are trajectory files or stored SHA-256 digests (as
    `ledger import` prints them). Both hash chains must hold. To compare two signed builds,
    with their recipes, spec members and artifacts, use `ledger diff`.

    Exit 0 when compared (whether or not they differ), 1 when a chain is broken or a stored
    object does not hash to its name, 2 when a side cannot be read.

    \b
    Examples:
      ledger trajectory diff run1.jsonl run2.jsonl
      ledger trajectory diff 1419307d…c4140 f8d67c7c…aa0ee --json | jq .first_divergence
    """
    from ledger.diff.align import align_trajectories
    from ledger.diff.render_text import render_trajectory
    from ledger.trajectory.reader import read_trajectory

    sides = []
    for given in (a, b):
        path, object_digest = _locate(given, workspace_dir)
        events = read_trajectory(path)  # refuses a broken chain (exit 1) or a malformed line (2)
        if object_digest is not None:
            _check_stored(path, object_digest)
        sides.append((path, events))
    (path_a, events_a), (path_b, events_b) = sides
    result = align_trajectories(events_a, events_b)
    if as_json:
        emit_json({"a": str(path_a), "b": str(path_b), **result.to_json()})
        return
    console = stdout_console()
    console.print(f"A {path_a}", markup=False)
    console.print(f"B {path_b}", markup=False)
    render_trajectory(result, console, all_steps=all_steps)


def _check_stored(path: Path, digest: str) -> None:
    from ledger.digest import sha256_file
    from ledger.errors import CheckFailed

    actual = sha256_file(path)
    if actual != digest:
        raise CheckFailed(
            f"stored object hashes to {actual}, not {digest}: the store was modified", file=str(path)
        )
