"""Ledger index commands: ingest, reindex, trace, impact, log, show, sql, export, checkpoint, audit.

Each command opens the workspace's store, calls one library function from ``ledger.store`` and
renders the frozen result (rich tables on stdout, or ``--json``); progress goes to stderr.
"""

from __future__ import annotations

from datetime import datetime
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
    from collections.abc import Iterator, Sequence

    from ledger.approve import Approval
    from ledger.store import BuildRecord, IngestReport
    from ledger.store.interface import Store
    from ledger.store.model import LogEntry
    from ledger.workspace import Workspace


def _store(workspace_dir: Path | None) -> tuple[Workspace, Store]:
    from ledger.store import open_store

    ws = resolve_workspace(workspace_dir)
    return ws, open_store(ws)


def _when(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M:%SZ") if value else "-"


def _short(digest: str | None, n: int = 12) -> str:
    return digest[:n] + "…" if digest else "-"


class _ProgressBar:
    """A rich progress bar on stderr, fed (done, total) attestation files by ingest."""

    def __init__(self, label: str) -> None:
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

        self._progress = Progress(
            TextColumn(label),
            BarColumn(),
            MofNCompleteColumn(),
            TimeRemainingColumn(),
            console=stderr_console(),
            transient=True,
        )
        self._task: Any = None

    def __enter__(self) -> _ProgressBar:
        self._progress.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self._progress.__exit__(None, None, None)

    def __call__(self, done: int, total: int) -> None:
        if self._task is None:
            self._task = self._progress.add_task("files", total=total)
        self._progress.update(self._task, completed=done, total=total)


def _report_ingest(report: IngestReport, as_json: bool, quarantine: bool, verb: str) -> None:
    from ledger.errors import CheckFailed

    if as_json:
        emit_json(report.to_json())
    else:
        click.echo(
            f"{verb}: {report.accepted} envelope(s) added ({report.builds} build(s)), "
            f"{report.duplicates} already present, {len(report.rejected)} rejected"
            + (f", {report.quarantined} quarantined" if quarantine else "")
            + f"; log size {report.tree_size}"
        )
        err = stderr_console()
        for r in report.rejected[:20]:
            err.print(f"rejected {r.where}: {r.reason}", markup=False)
        if len(report.rejected) > 20:
            err.print(f"… and {len(report.rejected) - 20} more", markup=False)
    if report.rejected and not quarantine:
        first = report.rejected[0]
        raise CheckFailed(
            f"{len(report.rejected)} envelope(s) rejected; first {first.where}: {first.reason}",
            hint="nothing unverified was added; --quarantine keeps such envelopes apart for inspection",
        )


@click.command("ingest")
@click.argument("paths", nargs=-1, type=click.Path(exists=True, path_type=Path))
@click.option(
    "--quarantine", is_flag=True, help="Keep envelopes that fail verification in the quarantine table."
)
@workspace_option
@json_option
def ingest(paths: tuple[Path, ...], quarantine: bool, workspace_dir: Path | None, as_json: bool) -> None:
    """Verify attestation envelopes against the trust policy and add them to the ledger.

    PATHS are .intoto.jsonl files or directories (default: the workspace's attestations/).
    Idempotent; each batch is one transaction. Exit 1 if any envelope was rejected.
    """
    ws, store = _store(workspace_dir)
    targets = list(paths) or [ws.attestations_dir]
    with _ProgressBar("verifying + ingesting") as bar:
        report = store.ingest(targets, quarantine=quarantine, progress=bar)
    _report_ingest(report, as_json, quarantine, "ingest")


@click.command("reindex")
@click.option(
    "--quarantine", is_flag=True, help="Keep envelopes that fail verification in the quarantine table."
)
@workspace_option
@json_option
def reindex(quarantine: bool, workspace_dir: Path | None, as_json: bool) -> None:
    """Rebuild .ledger/ledger.duckdb from attestations/ and .ledger/objects/ (atomic swap)."""
    _, store = _store(workspace_dir)
    with _ProgressBar("reindexing") as bar:
        report = store.reindex(quarantine=quarantine, progress=bar)
    _report_ingest(report, as_json, quarantine, "reindex")


def _digest_of(target: str) -> str:
    import re

    from ledger.digest import sha256_file
    from ledger.errors import InputError

    path = Path(target)
    if path.is_file():
        return sha256_file(path)
    text = target.removeprefix("sha256:").lower()
    if re.fullmatch(r"[0-9a-f]{64}", text):
        return text
    raise InputError(
        f"{target!r} is neither an existing file nor a SHA-256 digest",
        hint="pass the artifact path, or its digest as 64 hex characters (optionally sha256:…)",
    )


def _render_build(
    b: BuildRecord, *, texts: dict[str, str] | None = None, approvals: Sequence[Approval] = ()
) -> None:
    from ledger.cli.tables import DataTable

    out = stdout_console()
    head = DataTable(
        show_header=False, box=None, pad_edge=False, title=f"build {b.build_id}", title_justify="left"
    )
    head.add_column(style="bold")
    head.add_column()
    tools = ", ".join(f"{t.name} {t.version}" for t in b.tools) or "-"
    traj = b.trajectory
    summary = (
        f"{traj.events} events, {traj.turns} turns, {traj.tool_calls} tool calls ({_short(traj.sha256)})"
        if traj.indexed
        else f"{_short(traj.sha256)} (not in the object store at ingest)"
    )
    for key, value in (
        ("finished", _when(b.finished_on)),
        ("recipe", f"{b.recipe_name} ({_short(b.recipe_sha256)})"),
        ("target", b.target),
        ("chain", f"{b.chain_cfs} (sha256 {_short(b.chain_sha256)})"),
        ("model", f"{b.model_provider}/{b.model_id} @ {b.model_endpoint}"),
        ("sampling", f"seed={b.seed} temperature={b.temperature} max_tokens={b.max_tokens}"),
        ("tools", tools),
        ("tests", b.test_result + "".join(f" [{t.passed} passed, {t.failed} failed]" for t in b.tests)),
        ("signer", b.signer),
        ("trajectory", summary),
        ("artifacts", ", ".join(f"{s.name} ({_short(s.sha256)})" for s in b.subjects)),
        (
            "approved",
            "; ".join(_approval_line(a) for a in approvals) or "no approvals of this build or its spec",
        ),
    ):
        head.add_row(key, str(value) if value is not None else "-")
    out.print(head)
    members = DataTable(title="spec chain", title_justify="left")
    for col in ("#", "label", "role", "file", "sha256", "text"):
        members.add_column(col)
    for m in b.members:
        members.add_row(
            str(m.position),
            m.label,
            m.role or "-",
            m.file or "-",
            _short(m.sha256),
            "stored" if m.text_stored else "-",
        )
    out.print(members)
    if texts:
        for m in b.members:
            if m.sha256 in texts:
                out.rule(f"{m.label} ({m.role})")
                out.print(texts[m.sha256], markup=False, highlight=False)


def _approval_line(a: Approval) -> str:
    what = f"build {a.build_id}" if a.build_id else f"spec {a.spec_node}"
    who = a.name or a.keyid[:12]
    return f"{who} as {a.role}: {what} on {a.approved_on:%Y-%m-%d %H:%M}Z"


def _member_texts(ws: Workspace, builds: Iterator[BuildRecord]) -> dict[str, str]:
    from ledger.objects import ObjectStore

    objects = ObjectStore(ws.objects_dir)
    texts: dict[str, str] = {}
    for b in builds:
        for m in b.members:
            if m.text_stored and m.sha256 and m.sha256 not in texts:
                texts[m.sha256] = objects.get_bytes(m.sha256).decode("utf-8", "replace")
    return texts


@click.command("trace")
@click.argument("target")
@click.option(
    "--text", "with_text", is_flag=True, help="Also print the spec text that was in force (if stored)."
)
@workspace_option
@json_option
def trace(target: str, with_text: bool, workspace_dir: Path | None, as_json: bool) -> None:
    """Which build(s) produced these exact bytes: recipe, model, spec chain, tests, signer.

    TARGET is a file (hashed) or a SHA-256 digest. Exit 1 if no build in the ledger made it;
    for a file whose path a build did make, as other bytes, the error names that build (the
    file changed after it) and `--json` lists them under "path_built_as".
    """
    from ledger.errors import CheckFailed

    ws, store = _store(workspace_dir)
    digest = _digest_of(target)
    from ledger.store.approvals import ledger_approvals

    with store.session():  # one connection for the builds and the approvals
        result = store.trace(digest, query=target)
        pool = ledger_approvals(store)
        # a file no build made: did a build make this path, as other bytes?
        path_name = _workspace_name(ws.root, Path(target)) if Path(target).is_file() else None
        earlier = store.builds_of_path(path_name) if path_name and not result.builds else []
    texts = _member_texts(ws, iter(result.builds)) if with_text else {}
    approved: dict[str, list[Approval]] = {b.build_id: [] for b in result.builds}
    if pool:
        from ledger.approve.lookup import approvals_of

        approved = {b.build_id: approvals_of(b, pool) for b in result.builds}
    if as_json:
        data = result.to_json()
        for entry in data["builds"]:
            entry["approvals"] = [a.to_json() for a in approved[entry["build_id"]]]
        if with_text:
            data["texts"] = texts
        if earlier:
            data["path_built_as"] = [e.to_json() for e in earlier]
        emit_json(data)
    else:
        for b in result.builds:
            _render_build(b, texts=texts, approvals=approved[b.build_id])
    if not result.builds:
        if earlier:
            last = earlier[0]
            when = f", finished {last.finished_on:%Y-%m-%d %H:%MZ}" if last.finished_on else ""
            raise CheckFailed(
                f"no build in the ledger produced sha256:{digest}; {path_name} was built as "
                f"sha256:{last.sha256[:12]}… by {last.build_id}{when}, so the file changed after its build",
                hint=f"`ledger trace {last.sha256}` shows that build and what it was made from",
            )
        raise CheckFailed(
            f"no build in the ledger produced sha256:{digest}",
            hint="run `ledger ingest` if the attestation exists but was not ingested",
        )


def _workspace_name(root: Path, path: Path) -> str:
    """A file's name as provenance subjects give it: relative to the workspace, '/'-separated."""
    real, base = path.resolve(), root.resolve()
    return real.relative_to(base).as_posix() if base in real.parents else path.as_posix()


@click.command("impact")
@click.argument("node")
@click.option(
    "--all", "all_builds", is_flag=True, help="Include builds superseded by a newer build of the same path."
)
@workspace_option
@json_option
def impact(node: str, all_builds: bool, workspace_dir: Path | None, as_json: bool) -> None:
    """Every artifact whose attested spec chain includes NODE (SPEC/x or SPEC/x(section)),
    and whether it is stale against today's spec tree."""
    from rich.text import Text

    from ledger.cli.tables import DataTable
    from ledger.errors import LedgerError
    from ledger.store.impact import impact as run_impact

    ws, store = _store(workspace_dir)
    tree_cache: list[Any] = []

    def current(target: str) -> Any:
        from ledger.errors import SpecError
        from ledger.spec import compute_chain, load_tree

        if not ws.spec_dir.is_dir():
            raise SpecError(f"the workspace has no {ws.spec_dir.name}/ tree")
        if not tree_cache:
            tree_cache.append(load_tree(ws.root, strict=False))
        return compute_chain(tree_cache[0], target)

    try:
        rows = run_impact(store, node, current, all_builds=all_builds)
    except LedgerError:
        raise
    if as_json:
        emit_json([r.to_json() for r in rows])
        return
    if not rows:
        stderr_console().print(_no_impact(node, ws, tree_cache))
        return
    table = DataTable(title=f"artifacts reached by {node}", title_justify="left")
    for col in ("artifact", "sha256", "build", "finished", "target", "status", "detail"):
        table.add_column(col)
    for r in rows:
        style = {"stale": "yellow", "current": "green"}.get(r.status, "red")
        table.add_row(
            r.hit.name or "-",
            _short(r.hit.sha256),
            r.hit.build_id,
            _when(r.hit.finished_on),
            r.hit.target or "-",
            Text(r.status, style=style),
            r.detail,
        )
    stdout_console().print(table)


def _no_impact(node: str, ws: Workspace, tree_cache: list[Any]) -> str:
    """Why ``impact`` found nothing, and whether the name is a node of today's tree at all."""
    from rich.markup import escape

    from ledger.errors import LedgerError
    from ledger.spec import load_tree

    said = f"no ingested build's spec chain includes {escape(node)}"
    base = node.split("(", 1)[0]
    try:
        tree = tree_cache[0] if tree_cache else load_tree(ws.root, strict=False)
    except LedgerError:
        return said
    if any(name == base or name.startswith(base + "/") for name in tree.nodes):
        return f"{said} (it is a node of today's spec tree: nothing built from it has been ingested)"
    return (
        f"{said}, and today's spec tree has no node of that name\n"
        "  hint: names look like SPEC/area/node or SPEC/area/node(Section); "
        "`ledger spec status` lists the tree's artifacts"
    )


def _parse_since(value: str | None) -> datetime | None:
    import re
    from datetime import UTC, timedelta

    from ledger.errors import InputError

    if value is None:
        return None
    rel = re.fullmatch(r"(\d+)([dhm])", value)
    if rel:
        unit = {"d": "days", "h": "hours", "m": "minutes"}[rel.group(2)]
        return (datetime.now(UTC) - timedelta(**{unit: int(rel.group(1))})).replace(tzinfo=None)
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise InputError(
            f"--since {value!r} is not a date; expected YYYY-MM-DD, an ISO 8601 time, or 7d / 12h / 30m"
        ) from None
    return moment.astimezone(UTC).replace(tzinfo=None) if moment.tzinfo else moment


def _unapproved(ws: Workspace, store: Store, entries: list[LogEntry]) -> list[LogEntry]:
    from ledger.approve.lookup import unapproved
    from ledger.digest import sha256_file
    from ledger.errors import LedgerError
    from ledger.fsutil import confine
    from ledger.store.approvals import ledger_approvals

    def deployed(record: BuildRecord) -> bool:
        for s in record.subjects:
            try:
                path = confine(ws.root, s.name or "")
            except LedgerError:
                continue
            if path.is_file() and sha256_file(path) == s.sha256:
                return True
        return False

    records = [r for r in (store.build(e.build_id) for e in entries) if deployed(r)]
    lacking = {r.build_id for r in unapproved(records, ledger_approvals(store))}
    return [e for e in entries if e.build_id in lacking]


@click.command("log")
@click.option("--since", default=None, help="Only builds finished since (YYYY-MM-DD, ISO time, 7d, 12h).")
@click.option("--model", default=None, help="Only builds by this model id (or provider/id).")
@click.option(
    "--spec", default=None, help="Only builds whose chain includes this node (SPEC/x or SPEC/x(q))."
)
@click.option("--signer", default=None, help="Only builds signed by a key id starting with this.")
@click.option("--limit", default=50, show_default=True, type=click.IntRange(min=1), help="At most this many.")
@click.option(
    "--unapproved",
    is_flag=True,
    help="Only deployed-looking builds (their artifact bytes are what is on disk now) that carry no "
    "approval of the build or of the spec content it was made from.",
)
@workspace_option
@json_option
def log(
    since: str | None,
    model: str | None,
    spec: str | None,
    signer: str | None,
    limit: int,
    unapproved: bool,
    workspace_dir: Path | None,
    as_json: bool,
) -> None:
    """Builds in the ledger, newest first."""
    from ledger.cli.tables import DataTable

    ws, store = _store(workspace_dir)
    entries = store.log(since=_parse_since(since), model=model, spec=spec, signer=signer, limit=limit)
    if unapproved:
        entries = _unapproved(ws, store, entries)
    if as_json:
        emit_json([e.to_json() for e in entries])
        return
    table = DataTable()
    table.add_column("build", no_wrap=True)
    table.add_column("finished", no_wrap=True)
    for col in ("target", "recipe", "model", "chain", "tests", "signer", "artifacts"):
        table.add_column(col)
    for e in entries:
        table.add_row(
            e.build_id,
            _when(e.finished_on),
            e.target or "-",
            e.recipe_name or "-",
            e.model_id or "-",
            e.chain_cfs or "-",
            e.tests,
            _short(e.signer_keyid),
            str(e.subjects),
        )
    stdout_console().print(table)


@click.command("show")
@click.argument("build_id")
@workspace_option
@json_option
def show(build_id: str, workspace_dir: Path | None, as_json: bool) -> None:
    """Everything the ledger holds about one build (a unique prefix of its id is enough)."""
    from ledger.cli.tables import DataTable

    _, store = _store(workspace_dir)
    detail = store.show(build_id)
    if as_json:
        emit_json(detail.to_json())
        return
    _render_build(detail.build)
    envs = DataTable(title="envelopes", title_justify="left")
    for col in ("seq", "sha256", "predicate", "source"):
        envs.add_column(col)
    for e in detail.envelopes:
        envs.add_row(
            str(e.seq), _short(e.envelope_sha256), e.predicate_type or "-", f"{e.source}:{e.source_line}"
        )
    out = stdout_console()
    out.print(envs)
    if detail.events:
        events = DataTable(title="trajectory", title_justify="left")
        for col in ("seq", "time", "type", "tool", "command", "files"):
            events.add_column(col)
        for ev in detail.events:
            events.add_row(
                str(ev.seq), _when(ev.time), ev.type, ev.tool or "", ev.command or "", ", ".join(ev.files)
            )
        out.print(events)


@click.command("sql")
@click.argument("query")
@workspace_option
@json_option
def sql(query: str, workspace_dir: Path | None, as_json: bool) -> None:
    """Run a read-only SQL query (SELECT / EXPLAIN) against the ledger; see SCHEMA.md for tables."""
    from ledger.cli.tables import DataTable
    from ledger.store.model import as_json as to_plain

    _, store = _store(workspace_dir)
    result = store.sql(query)
    if as_json:
        emit_json([dict(zip(result.columns, to_plain(list(r)), strict=True)) for r in result.rows])
        return
    table = DataTable()
    for col in result.columns:
        table.add_column(col)
    for r in result.rows:
        table.add_row(*("NULL" if v is None else str(v) for v in r))
    stdout_console().print(table)


@click.command("export")
@click.option(
    "--parquet",
    "directory",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Directory for one <table>.parquet per table.",
)
@workspace_option
@json_option
def export(directory: Path, workspace_dir: Path | None, as_json: bool) -> None:
    """Export every ledger table as Parquet (for notebooks, warehouses, other engines)."""
    _, store = _store(workspace_dir)
    tables = store.export_parquet(directory)
    if as_json:
        emit_json([t.to_json() for t in tables])
        return
    for t in tables:
        click.echo(f"{t.path}\t{t.rows} rows")


@click.command("checkpoint")
@workspace_option
@json_option
def checkpoint(workspace_dir: Path | None, as_json: bool) -> None:
    """Sign the current Merkle tree head of the envelope log (C2SP tlog-checkpoint note)."""
    from ledger.store.audit import make_checkpoint

    ws, store = _store(workspace_dir)
    info = make_checkpoint(store, ws)
    if as_json:
        emit_json(info.to_json())
        return
    click.echo(f"checkpoint {info.tree_size} envelopes, root {info.root_hash}")
    click.echo(f"written to {info.file}")
    stderr_console().print(f"verifier key: {info.verifier_key}", markup=False)


@click.command("audit")
@click.option(
    "--since",
    "since",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Check against this checkpoint note only (default: every checkpoint in .ledger/log/checkpoints/).",
)
@workspace_option
@json_option
def audit(since: Path | None, workspace_dir: Path | None, as_json: bool) -> None:
    """Prove the ledger is an append-only extension of its signed checkpoints and that every
    row derives from a verified envelope. Exit 1 on the first problem found."""
    from ledger.errors import CheckFailed
    from ledger.store.audit import audit as run_audit

    ws, store = _store(workspace_dir)
    report = run_audit(store, ws, since=since)
    if as_json:
        emit_json(report.to_json())
    else:
        click.echo(
            f"audit: {report.envelopes} envelopes re-verified, {report.rows_checked} rows recomputed, "
            f"log size {report.tree_size} root {report.root_hash[:16]}…, "
            f"{len(report.checkpoints_verified)} checkpoint(s) consistent"
        )
        for p in report.problems:
            stderr_console().print(f"problem: {p}", markup=False)
    if not report.ok:
        raise CheckFailed(
            f"audit failed ({len(report.problems)} problem(s)); first: {report.problems[0]}",
            hint="rebuild the index from signed evidence with `ledger reindex`, then investigate",
        )
