"""``ledger push`` / ``pull``: move verified envelopes and objects between a workspace and a team ledger.

Everything moved is content-addressed (envelopes by the SHA-256 of their canonical JSON, blobs
by the SHA-256 of their bytes), so both directions are set differences: re-running moves only
what is still missing, and an interrupted run resumes where it stopped (each object batch is
one transaction up, each blob and each attestation file an atomic write down). Nothing is
trusted on arrival: push ingests through the team store's verified ingest, pull re-verifies
every envelope against the *local* trust policy before writing it, and every blob is re-hashed.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from ledger.errors import CheckFailed, LedgerError
from ledger.fsutil import atomic_write_bytes, read_regular
from ledger.store.model import IngestReport, Rejection, _Json

if TYPE_CHECKING:
    from ledger.objects import ObjectStore
    from ledger.store.postgres_store import PostgresStore
    from ledger.workspace import Workspace

OBJECT_BATCH = 200
# A pull holds one batch of objects in memory: at most this many bytes (or one larger object;
# PostgreSQL's bytea stops at 1 GB), whatever sizes a team member pushed.
OBJECT_BATCH_BYTES = 64 << 20
ENVELOPE_BATCH = 5_000
_SAFE_NAME = re.compile(r"\A[A-Za-z0-9][A-Za-z0-9._-]{0,200}\Z")
Status = Callable[[str], None]


@dataclass(frozen=True)
class PushReport(_Json):
    objects_uploaded: int
    objects_present: int
    ingest: IngestReport


@dataclass(frozen=True)
class PullReport(_Json):
    objects_downloaded: int
    envelopes_written: int
    files_written: tuple[str, ...]
    rejected: tuple[Rejection, ...]
    ingest: IngestReport | None


def _quiet(_: str) -> None:
    return None


def push(workspace: Workspace, team: PostgresStore, *, status: Status = _quiet) -> PushReport:
    """Upload local objects the team lacks, then ingest local attestations into the team ledger.

    Objects go first so that a team member pulling a build finds its trajectory there.
    """
    from ledger.objects import ObjectStore

    objects = ObjectStore(workspace.objects_dir)
    counts = [0, 0]  # uploaded, already present
    first = _upload(workspace, team, objects, set(), counts, status)
    adir = workspace.attestations_dir
    report = team.ingest([adir] if adir.is_dir() else [])
    _upload(workspace, team, objects, first, counts, status)  # spec texts ingest just stored
    return PushReport(counts[0], counts[1], report)


def _upload(
    workspace: Workspace,
    team: PostgresStore,
    objects: ObjectStore,
    skip: set[str],
    counts: list[int],
    status: Status,
) -> set[str]:
    """Upload local blobs the team lacks (``skip``: already handled); returns the digests seen."""
    local = sorted(objects.iter_digests()) if workspace.objects_dir.is_dir() else []
    todo = [d for d in local if d not in skip]
    for start in range(0, len(todo), OBJECT_BATCH):
        digests = todo[start : start + OBJECT_BATCH]
        missing = team.missing_objects(digests)
        counts[1] += len(digests) - len(missing)
        if missing:
            # get_bytes re-hashes: a damaged local blob stops the push instead of spreading
            counts[0] += team.put_objects([(d, objects.get_bytes(d)) for d in missing])
        status(f"objects: {start + len(digests)}/{len(todo)}")
    return set(local)


def local_envelope_digests(workspace: Workspace) -> set[str]:
    """Digests of every parsable envelope line under ``attestations/``."""
    from ledger.attest.dsse import parse_envelope
    from ledger.store.derive import envelope_canonical
    from ledger.store.duckdb_store import ENVELOPE_SUFFIX

    out: set[str] = set()
    adir = workspace.attestations_dir
    if not adir.is_dir():
        return out
    from ledger.digest import sha256_hex

    for path in sorted(adir.glob(f"*{ENVELOPE_SUFFIX}")):
        for raw in path.read_bytes().split(b"\n"):
            if not raw.strip():
                continue
            try:
                out.add(sha256_hex(envelope_canonical(parse_envelope(json.loads(raw)))))
            except (ValueError, RecursionError, LedgerError):
                continue  # not an envelope: ingest reports it; here it just is not "present"
    return out


def _object_batches(wanted: list[tuple[str, int]]) -> Iterator[list[str]]:
    """Digests in batches of at most ``OBJECT_BATCH`` objects and ``OBJECT_BATCH_BYTES`` bytes."""
    batch: list[str] = []
    size = 0
    for digest, length in wanted:
        if batch and (len(batch) >= OBJECT_BATCH or size + length > OBJECT_BATCH_BYTES):
            yield batch
            batch, size = [], 0
        batch.append(digest)
        size += length
    if batch:
        yield batch


def pull(workspace: Workspace, team: PostgresStore, *, status: Status = _quiet) -> PullReport:
    """Download objects and envelopes the workspace lacks, verify, write, ingest locally."""
    from ledger.attest.policy import load_trust_policy
    from ledger.objects import ObjectStore
    from ledger.store.duckdb_store import ENVELOPE_SUFFIX, DuckDBStore
    from ledger.store.verifier import Accepted, RawLine, check_lines, key_material

    objects = ObjectStore(workspace.objects_dir)
    wanted = [(d, size) for d, size in team.object_sizes() if not objects.has(d)]
    downloaded = 0
    for batch in _object_batches(wanted):
        for digest, data in team.get_objects(batch):
            if objects.put_bytes(data) != digest:  # stored under its own hash, never under a lie
                raise _Corrupt(f"team object {digest[:12]}… does not hash to its name (team ledger damaged)")
            downloaded += 1
        status(f"objects: {downloaded}/{len(wanted)}")

    have = local_envelope_digests(workspace)
    missing = [d for d in team.envelope_digests() if d not in have]
    keys = key_material(load_trust_policy(workspace), workspace)
    root = workspace.objects_dir if workspace.objects_dir.is_dir() else None
    rejected: list[Rejection] = []
    by_file: dict[str, list[bytes]] = {}
    for start in range(0, len(missing), ENVELOPE_BATCH):
        rows = team.envelopes(missing[start : start + ENVELOPE_BATCH])
        items = [RawLine(f"team:{sha[:12]}", 1, raw.encode("utf-8")) for sha, _, raw in rows]
        checked = check_lines(items, keys, root, scratch=workspace.scratch_dir)
        outcomes = [o for chunk in checked for o in chunk.outcomes]
        for (sha, _, raw), outcome in zip(rows, outcomes, strict=True):
            if not isinstance(outcome, Accepted) or outcome.envelope_sha256 != sha:
                why = outcome.reason if not isinstance(outcome, Accepted) else "digest does not match its row"
                rejected.append(Rejection(f"team envelope {sha[:12]}…", why, sha))
                continue
            # named by the build id of the *verified* statement: the server's build_id column is
            # just a row, and could file one build's envelope under another build's name
            verified_id = outcome.build_id
            name = (
                f"{verified_id}{ENVELOPE_SUFFIX}" if verified_id and _SAFE_NAME.match(verified_id) else None
            )
            by_file.setdefault(name or f"pulled-{sha}{ENVELOPE_SUFFIX}", []).append(raw.encode("utf-8"))
    written: list[Path] = []
    adir = workspace.attestations_dir
    for name, lines in sorted(by_file.items()):
        path = adir / name
        before = read_regular(path) if path.exists() else b""
        if before and not before.endswith(b"\n"):
            before += b"\n"
        atomic_write_bytes(path, before + b"".join(line + b"\n" for line in lines))
        written.append(path)
    # the local index is the embedded one: the team ledger already holds these rows
    ingest = DuckDBStore(workspace).ingest(written) if written else None
    return PullReport(
        downloaded,
        sum(len(v) for v in by_file.values()),
        tuple(p.relative_to(workspace.root).as_posix() for p in written),
        tuple(rejected),
        ingest,
    )


class _Corrupt(CheckFailed):
    """A team blob whose bytes do not match its digest."""
