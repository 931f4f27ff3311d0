"""Verify envelopes against the trust policy and derive their rows, in parallel for big batches.

Order of trust as in ``ledger.attest.verify``: parse the envelope, verify a signature over its
PAE with a trusted key, and only then read the payload. Work is split into chunks of lines and
mapped over a process pool (one worker per core) because Ed25519 verification is CPU-bound
(~6k/s per core here); small batches run in-process, where a pool's start-up would dominate.
Worker inputs and outputs are plain picklable values; there is no module-level state.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ledger.attest.dsse import PAYLOAD_TYPE, Envelope, parse_envelope
from ledger.attest.statement import PROVENANCE_TYPE
from ledger.digest import sha256_hex
from ledger.errors import InputError, LedgerError
from ledger.fsutil import process_alive, read_whole
from ledger.gcpause import gc_paused
from ledger.safeparse import NOT_COMPACT, loads_unambiguous, sorted_compact_loads
from ledger.store import schema
from ledger.store.derive import (
    Rows,
    derive_rows,
    envelope_canonical,
    leaf_hash,
    read_payload,
)
from ledger.store.derive_events import TrajectoryBlob, trajectory_tables

if TYPE_CHECKING:
    import pyarrow as pa

    from ledger.attest.policy import TrustPolicy
    from ledger.workspace import Workspace

_TRAJECTORY = schema.BUILDS.column_names.index("trajectory_sha256")
_TARGET = schema.BUILDS.column_names.index("target")
_MEMBER_SHA = schema.SPEC_MEMBERS.column_names.index("sha256")

PARALLEL_BYTES = 8 << 20  # of attestation data (~2,000 envelopes); below it a pool costs more than it saves
# A pool task reads up to CHUNK_BYTES of attestation files (~1,400 builds): its trajectories
# go through one SQL query, which costs ~20 ms whatever its size. Smaller batches are cut into
# at least 4 tasks per worker (of MIN_CHUNK_BYTES or more) so that every core has work.
CHUNK_BYTES = 16 << 20
MIN_CHUNK_BYTES = 2 << 20
TASKS_PER_WORKER = 4


@dataclass(frozen=True)
class KeyMaterial:
    """A trusted public key in a form that crosses process boundaries.

    ``predicate_types`` limits what the key is believed for: an approver key listed only under
    ``[approvals]`` signs approvals, never provenance or test results (None: anything).
    """

    keyid: str
    source: str
    key: dict[str, Any]  # securesystemslib key dict: keytype, scheme, keyval
    predicate_types: tuple[str, ...] | None = None


@dataclass(frozen=True)
class RawLine:
    source: str  # workspace-relative attestation file
    line: int
    raw: bytes


@dataclass(frozen=True)
class AttestationFile:
    """An attestation file to read, by a worker: shown as ``source`` (workspace-relative)."""

    source: str
    path: str
    size: int


Item = RawLine | AttestationFile


@dataclass(frozen=True)
class Accepted:
    envelope_sha256: str
    leaf_hash: str
    build_id: str | None
    predicate_type: str
    source: str
    line: int
    target: str | None  # of a provenance: whose chain ingest may store spec texts for
    member_shas: tuple[str, ...]


@dataclass(frozen=True)
class Failed:
    source: str
    line: int
    reason: str
    envelope_sha256: str
    signer_keyid: str | None
    raw: str


def quarantine_rows(failed: Sequence[Failed], existing: set[str]) -> list[tuple[Any, ...]]:
    """``quarantine`` rows of the failed envelopes: one per digest not in ``existing``."""
    seen = set(existing)
    rows = []
    for f in failed:
        if f.envelope_sha256 not in seen:
            seen.add(f.envelope_sha256)
            rows.append((f.envelope_sha256, f.raw, f.source, f.line, f.signer_keyid, f.reason))
    return rows


@dataclass(frozen=True)
class Known:
    """A line whose canonical envelope the ledger already holds: not verified again.

    The stored copy was verified when it was accepted (and ``audit`` re-verifies every stored
    envelope under today's policy), so re-ingesting a directory costs a parse and a hash per
    line instead of a signature check and a derivation.
    """

    envelope_sha256: str
    source: str
    line: int

    @property
    def reason(self) -> str:
        return "already in the ledger (not verified again)"


Outcome = Accepted | Failed | Known


@dataclass(frozen=True)
class ChunkResult:
    """Outcomes of a chunk of lines, in order, and the rows of its accepted envelopes as Arrow
    tables (``envelopes`` without ``seq``, which only the writer can assign). Arrow crosses the
    process boundary as a few buffers instead of hundreds of thousands of pickled tuples."""

    outcomes: list[Outcome]
    tables: dict[str, pa.Table]
    items: int  # files and lines consumed, for progress


@dataclass(frozen=True)
class SpilledChunk:
    """A pool task's result with its tables left in a file of Arrow IPC streams (under the
    workspace's ``.ledger/tmp``). Pickling ~20 KB of rows per build through the result pipe
    cost the worker ~45 µs and the parent ~30 µs per build; the parent maps this file instead."""

    outcomes: list[Outcome]
    path: str
    spans: tuple[tuple[str, int, int], ...]  # table name, offset, length
    items: int

    def load(self) -> ChunkResult:
        import pyarrow as pa

        with pa.memory_map(self.path) as mapped:
            data = mapped.read_buffer()
        os.unlink(self.path)  # the mapping stays valid while its buffers are referenced
        tables = {name: pa.ipc.open_stream(data.slice(at, size)).read_all() for name, at, size in self.spans}
        return ChunkResult(self.outcomes, tables, self.items)


def spill_chunk(result: ChunkResult, directory: str) -> SpilledChunk:
    import pyarrow as pa

    fd, path = tempfile.mkstemp(prefix="chunk-", suffix=".arrows", dir=directory)
    os.close(fd)
    spans = []
    with pa.OSFile(path, "wb") as sink:
        for name, table in result.tables.items():
            at = sink.tell()
            writer = pa.ipc.new_stream(sink, table.schema)
            writer.write_table(table)
            writer.close()
            spans.append((name, at, sink.tell() - at))
    return SpilledChunk(result.outcomes, path, tuple(spans), result.items)


def check_chunk_spilled(
    keys: tuple[KeyMaterial, ...],
    objects_root: str | None,
    items: list[Item],
    known: frozenset[str],
    directory: str,
) -> SpilledChunk:
    """``check_chunk`` in a pool worker: the result's tables go to ``directory``."""
    return spill_chunk(check_chunk(keys, objects_root, items, known), directory)


def ingest_keys(
    policy: TrustPolicy, workspace: Workspace, *, quarantine: bool, lines: bool
) -> tuple[KeyMaterial, ...]:
    """The keys an ingest checks against; refuses to start when nothing could be accepted."""
    if not policy.keys and not quarantine and lines:
        from ledger.errors import ConfigError

        raise ConfigError(
            "the trust policy lists no keys, so every envelope would be rejected",
            file=str(workspace.config_path),
            hint='add [[trust.keys]] path = "keys/<name>.pub", or pass --quarantine',
        )
    return key_material(policy, workspace)


def split_conflicts(
    fresh: list[Accepted], owner: dict[str, str]
) -> tuple[list[Accepted], list[tuple[Accepted, str]]]:
    """One provenance per build id: ``owner`` maps the build ids already in the ledger to their
    provenance envelope; a second, different provenance for an id is a conflict, not a row."""
    keep, conflicts = [], []
    for a in fresh:
        if a.predicate_type == PROVENANCE_TYPE and a.build_id is not None:
            other = owner.get(a.build_id)
            if other is not None and other != a.envelope_sha256:
                conflicts.append(
                    (a, f"build {a.build_id} already has a different provenance (envelope {other[:12]}…)")
                )
                continue
            owner[a.build_id] = a.envelope_sha256
        keep.append(a)
    return keep, conflicts


def key_material(policy: TrustPolicy, workspace: Workspace | None = None) -> tuple[KeyMaterial, ...]:
    """The ``[trust]`` keys, plus (given the workspace) its ``[approvals]`` keys scoped to
    approval envelopes, so that ingest keeps every approval ``ledger verify`` would count."""
    keys = tuple(KeyMaterial(k.keyid, k.source, k.key.to_dict()) for k in policy.keys)
    if workspace is None:
        return keys
    from ledger.approve.policy import load_approval_policy
    from ledger.approve.statement import APPROVAL_TYPE

    have = {k.keyid for k in policy.keys}
    approvers = tuple(
        KeyMaterial(k.keyid, k.source, k.key.to_dict(), (APPROVAL_TYPE,))
        for k in load_approval_policy(workspace, policy).keys
        if k.key is not None and k.keyid not in have
    )
    return keys + approvers


class _Checker:
    """Signature checks with keys loaded once per chunk (``ledger.attest.sigcheck``)."""

    def __init__(self, keys: Sequence[KeyMaterial]) -> None:
        from ledger.attest.sigcheck import signature_check

        self._verifiers = [(km, signature_check(km.keyid, km.key)) for km in keys]

    def verify(self, envelope: Envelope) -> tuple[KeyMaterial | None, str]:
        data = envelope.pae()
        reasons = []
        for sig in envelope.signatures:
            candidates = [(k, v) for k, v in self._verifiers if not sig.keyid or k.keyid == sig.keyid]
            if not candidates:
                reasons.append(f"signed by key {sig.keyid or '(no keyid)'}, which [trust] does not list")
                continue
            for km, check in candidates:
                if check(sig.sig, data):
                    return km, ""
            reasons.append(
                f"signature by {sig.keyid or 'an unnamed key'} does not verify "
                "(payload, payloadType or signature altered)"
            )
        return None, "; ".join(reasons)


def _read_trajectory(objects_root: str | None, digest: str | None) -> bytes | None:
    """The trajectory blob if the store has it and it still hashes to its name."""
    if objects_root is None or digest is None or len(digest) != 64 or not digest.isalnum():
        return None
    try:  # str paths: pathlib costs ~8 µs a build here
        data = read_whole(f"{objects_root}/sha256/{digest[:2]}/{digest[2:]}")
    except OSError:
        return None
    return data if sha256_hex(data) == digest else None


def check_line(
    checker: _Checker, item: RawLine, objects_root: str | None, known: frozenset[str] = frozenset()
) -> tuple[Outcome, Rows | None, TrajectoryBlob | None]:
    """Verify one envelope line, then derive its rows; any defect becomes a ``Failed``. The
    trajectory blob a provenance names comes back read and checked against its signed digest,
    for ``check_chunk`` to derive its rows with the rest of the chunk's."""
    def malformed(reason: str) -> tuple[Failed, None, None]:
        raw_text = item.raw.decode("utf-8", "replace")
        return Failed(item.source, item.line, reason, sha256_hex(item.raw), None, raw_text), None, None

    try:
        value = sorted_compact_loads(item.raw)  # a line as `ledger build` writes it: C speed
        if value is NOT_COMPACT:
            value = json.loads(item.raw)
        envelope = parse_envelope(value, file=item.source, line=item.line)
        canonical = envelope_canonical(envelope)
        if canonical != item.raw.strip():  # a line we did not write: a key may come twice
            loads_unambiguous(item.raw)
    except RecursionError:
        return malformed("not a JSON envelope: nested too deeply")
    except UnicodeEncodeError:
        return malformed("not a DSSE envelope: a string has an unpaired surrogate escape (not I-JSON)")
    except ValueError as exc:  # invalid JSON or UTF-8, integers of over 4,300 digits
        return malformed(f"not a JSON envelope: {exc}")
    except LedgerError as exc:
        return malformed(exc.message)
    env_sha = sha256_hex(canonical)
    if env_sha in known:
        return Known(env_sha, item.source, item.line), None, None

    def reject(reason: str, keyid: str | None) -> tuple[Failed, None, None]:
        return Failed(item.source, item.line, reason, env_sha, keyid, canonical.decode("utf-8")), None, None

    km, why = checker.verify(envelope)
    if km is None:
        return reject(why, ",".join(s.keyid for s in envelope.signatures if s.keyid) or None)
    if envelope.payload_type != PAYLOAD_TYPE:
        return reject(f"payloadType {envelope.payload_type!r}; expected {PAYLOAD_TYPE}", km.keyid)
    try:
        statement = read_payload(envelope.payload, f"{item.source}:{item.line}")
        if km.predicate_types is not None and statement["predicateType"] not in km.predicate_types:
            return reject(
                f"signed by approver key {km.keyid}, which [approvals] lists for approvals only; "
                f"a {statement['predicateType']} statement needs a [trust] key",
                km.keyid,
            )
        rows = derive_rows(
            envelope=envelope,
            canonical=canonical,
            envelope_sha256=env_sha,
            statement=statement,
            signer_keyid=km.keyid,
            signer=f"key {km.keyid} ({km.source})",
            source=item.source,
            source_line=item.line,
        )
    except LedgerError as exc:
        return reject(exc.message, km.keyid)
    env_row = rows["envelopes"][0]
    builds = rows.get("builds")
    blob = None
    if builds and builds[0][_TRAJECTORY] is not None:  # the trajectory digest the provenance signs
        data = _read_trajectory(objects_root, builds[0][_TRAJECTORY])
        if data is not None:
            blob = TrajectoryBlob(builds[0][0], env_sha, builds[0][_TRAJECTORY], data)
    accepted = Accepted(
        envelope_sha256=env_sha,
        leaf_hash=leaf_hash(canonical),
        build_id=env_row[4],
        predicate_type=env_row[3],
        source=item.source,
        line=item.line,
        target=builds[0][_TARGET] if builds else None,
        member_shas=tuple(m[_MEMBER_SHA] for m in rows.get("spec_members", []) if m[_MEMBER_SHA]),
    )
    return accepted, rows, blob


@dataclass(frozen=True)
class BatchOutcomes:
    """A batch's outcomes sorted for writing: what to add, what failed, what was seen before."""

    accepted: list[Accepted]  # distinct envelopes, in ledger order
    failed: list[Failed]
    duplicates: int  # Known lines and repeats within the batch
    repeated: bool  # some envelope came twice in this batch (its rows must be de-duplicated)


def sort_outcomes(chunks: Sequence[ChunkResult], order: Mapping[str, int] | None) -> BatchOutcomes:
    """Split a batch's outcomes; ``order`` (envelope digest -> leaf index) keeps an earlier
    ledger order on reindex, envelopes it does not list following in file order."""
    accepted: list[Accepted] = []
    failed: list[Failed] = []
    seen: set[str] = set()
    duplicates, repeated = 0, False
    for o in (o for c in chunks for o in c.outcomes):
        if isinstance(o, Failed):
            failed.append(o)
        elif isinstance(o, Known):
            duplicates += 1
        elif o.envelope_sha256 in seen:
            duplicates += 1
            repeated = True
        else:
            seen.add(o.envelope_sha256)
            accepted.append(o)
    if order is not None:
        rank = {a.envelope_sha256: i for i, a in enumerate(accepted)}
        accepted.sort(key=lambda a: (order.get(a.envelope_sha256, len(order)), rank[a.envelope_sha256]))
    return BatchOutcomes(accepted, failed, duplicates, repeated)


def _lines_of(item: Item) -> list[RawLine] | Failed:
    """The non-blank lines of an attestation file (read here, in the worker), or why not."""
    if isinstance(item, RawLine):
        return [item]
    try:
        data = read_whole(item.path, item.size)
    except OSError as exc:
        reason = f"cannot read attestation file: {exc.strerror}"
        return Failed(item.source, 0, reason, sha256_hex(item.path.encode()), None, "")
    return [
        RawLine(item.source, number, raw)
        for number, raw in enumerate(data.split(b"\n"), start=1)
        if raw.strip()
    ]


def check_chunk(
    keys: tuple[KeyMaterial, ...],
    objects_root: str | None,
    items: list[Item],
    known: frozenset[str] = frozenset(),
) -> ChunkResult:
    """A pool task: one chunk of files and lines, in order (``known``: envelope digests the
    ledger already holds, for these files)."""
    with gc_paused():
        return _check_chunk(keys, objects_root, items, known)


def _check_chunk(
    keys: tuple[KeyMaterial, ...], objects_root: str | None, items: list[Item], known: frozenset[str]
) -> ChunkResult:
    checker = _Checker(keys)
    outcomes: list[Outcome] = []
    blobs: list[TrajectoryBlob] = []
    per_table: dict[str, list[tuple[Any, ...]]] = {t.name: [] for t in schema.DERIVED}
    for item in items:
        lines = _lines_of(item)
        if isinstance(lines, Failed):
            outcomes.append(lines)
            continue
        for line in lines:
            outcome, rows, blob = check_line(checker, line, objects_root, known)
            outcomes.append(outcome)
            for name, table_rows in (rows or {}).items():
                per_table[name].extend(table_rows)
            if blob is not None:
                blobs.append(blob)
    tables = {
        t.name: schema.rows_to_arrow(t, per_table[t.name], without=("seq",) if t is schema.ENVELOPES else ())
        for t in schema.DERIVED
        if t not in (schema.TRAJECTORIES, schema.EVENTS)
    }
    tables["trajectories"], tables["events"] = trajectory_tables(blobs)
    return ChunkResult(outcomes, tables, len(items))


def _weight(item: Item) -> int:
    return len(item.raw) if isinstance(item, RawLine) else item.size


def _chunks(items: Sequence[Item], workers: int = 1, total: int | None = None) -> list[list[Item]]:
    total = sum(_weight(i) for i in items) if total is None else total
    limit = min(CHUNK_BYTES, max(MIN_CHUNK_BYTES, total // (workers * TASKS_PER_WORKER)))
    out: list[list[Item]] = [[]]
    size = 0
    for item in items:
        if size >= limit:
            out.append([])
            size = 0
        out[-1].append(item)
        size += _weight(item)
    return [c for c in out if c]


def check_lines(
    items: Sequence[Item],
    keys: tuple[KeyMaterial, ...],
    objects_root: Path | None,
    *,
    workers: int | None = None,
    known: Mapping[str, frozenset[str]] | None = None,
    scratch: Path | None = None,
) -> Iterator[ChunkResult]:
    """Chunk results for ``items`` (attestation files and lines) in input order.

    Files are read by the workers themselves: the parent only lists them, so reading, parsing,
    verifying and deriving all spread over the cores while the parent writes the previous batch.
    A process pool runs when the batch is large. ``known`` maps an attestation file's source to
    the envelope digests the ledger already holds from it; those lines come back as ``Known``.
    Pool results pass through files under ``scratch`` (the workspace's ``.ledger/tmp``; the
    system's temporary directory when None).
    """
    root = str(objects_root) if objects_root is not None else None
    n_workers = workers if workers is not None else (os.cpu_count() or 1)
    total = sum(_weight(i) for i in items)
    chunks = _chunks(items, n_workers, total)

    def known_in(chunk: list[Item]) -> frozenset[str]:
        if not known:
            return frozenset()
        return frozenset().union(*(known.get(i.source, frozenset()) for i in chunk))

    if total < PARALLEL_BYTES or n_workers <= 1:
        for chunk in chunks:
            yield check_chunk(keys, root, chunk, known_in(chunk))
        return
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    # spawn, not fork: the caller may hold DuckDB or other threads that fork would copy mid-state
    ctx = multiprocessing.get_context("spawn")
    with (
        _spill_dir(scratch) as spill,
        ProcessPoolExecutor(max_workers=n_workers, mp_context=ctx) as pool,
    ):
        futures = [
            pool.submit(check_chunk_spilled, keys, root, chunk, known_in(chunk), spill) for chunk in chunks
        ]
        for future in futures:
            yield future.result().load()


def _spill_dir(scratch: Path | None) -> tempfile.TemporaryDirectory[str]:
    """A directory for this ingest's pool results, after removing those a killed ingest left
    (their names carry the process id; a live process's are kept)."""
    if scratch is None:
        return tempfile.TemporaryDirectory(prefix="ledger-chunks-")
    scratch.mkdir(parents=True, exist_ok=True)
    for stale in scratch.glob("chunks-*-*"):
        pid = stale.name.split("-")[1]
        if pid.isdigit() and not process_alive(int(pid)):
            shutil.rmtree(stale, ignore_errors=True)
    return tempfile.TemporaryDirectory(prefix=f"chunks-{os.getpid()}-", dir=scratch)


def collect_files(root: Path, paths: Sequence[Path]) -> list[AttestationFile]:
    """The attestation files named (directories: their *.intoto.jsonl, sorted by name)."""
    from ledger.attest.dsse import ENVELOPE_SUFFIX

    found: list[tuple[str, int]] = []
    for p in paths:
        if p.is_dir():
            with os.scandir(p.resolve()) as entries:
                listed = [
                    (e.path, e.stat().st_size)
                    for e in entries
                    if e.name.endswith(ENVELOPE_SUFFIX) and e.is_file()
                ]
            found.extend(sorted(listed))
        elif p.is_file():
            found.append((str(p.resolve()), p.stat().st_size))
        else:
            raise InputError(f"{p} does not exist; expected an attestation file or directory")
    prefix = str(root.resolve()) + os.sep
    return [
        AttestationFile(path.removeprefix(prefix) if path.startswith(prefix) else path, path, size)
        for path, size in found
    ]
