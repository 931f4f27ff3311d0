"""Tamper evidence: signed checkpoints of the envelope log, and the audit that checks them.

``checkpoint`` signs the RFC 6962 tree head over every accepted envelope (in ledger order) and
writes it to ``.ledger/log/checkpoints/``, outside the database, so that rewriting the database
cannot rewrite what was signed. ``audit`` re-verifies every stored envelope against the trust
policy, recomputes every derived row from those envelopes (and the objects they name) and
compares table by table, then proves with RFC 6962 consistency proofs that the current log
extends every signed checkpoint.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ledger.errors import ConfigError, InputError
from ledger.fsutil import atomic_write_text
from ledger.store import merkle, schema
from ledger.store.checkpoint import (
    key_hash,
    load_ed25519_private,
    parse_checkpoint,
    sign_checkpoint,
    verifier_key,
    verify_checkpoint,
)
from ledger.store.model import AuditReport, CheckpointInfo
from ledger.store.verifier import Accepted, RawLine, check_lines, key_material

if TYPE_CHECKING:
    import pyarrow as pa
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    from ledger.attest.policy import TrustPolicy
    from ledger.store.interface import Store
    from ledger.workspace import Workspace

NOTE_SUFFIX = ".note"


def log_dir(workspace: Workspace) -> Path:
    return workspace.state_dir / "log"


def checkpoint_dir(workspace: Workspace) -> Path:
    return log_dir(workspace) / "checkpoints"


def default_origin(workspace: Workspace) -> str:
    """``spec-ledger.local/<project dir>``: a note origin must be one token without ``+``."""
    name = re.sub(r"[^A-Za-z0-9._-]", "-", workspace.root.name) or "ledger"
    return f"spec-ledger.local/{name}"


def make_checkpoint(
    store: Store, workspace: Workspace, *, key_path: Path | None = None, origin: str | None = None
) -> CheckpointInfo:
    """Sign the current tree head with the ``[signing] key`` and record it (file + table)."""
    from ledger.attest.policy import signing_key_path

    path = key_path or signing_key_path(workspace)
    if path is None:
        raise ConfigError(
            "no signing key for checkpoints",
            file=str(workspace.config_path),
            hint='set [signing] key = "path/to/key.pem" (an ed25519 key from `ledger key generate`)',
        )
    private = load_ed25519_private(path)
    leaves = store.leaf_hashes()
    head = merkle.root(leaves)
    origin = origin or default_origin(workspace)
    cp = sign_checkpoint(origin, len(leaves), head, private)
    target = checkpoint_dir(workspace) / f"{len(leaves):012d}-{head.hex()[:16]}{NOTE_SUFFIX}"
    atomic_write_text(target, cp.note)
    vkey = verifier_key(cp.key_name, private.public_key())
    atomic_write_text(log_dir(workspace) / "checkpoint.vkey", vkey + "\n")
    store.record_checkpoint(len(leaves), head.hex(), origin, cp.note, target.name)
    return CheckpointInfo(origin, len(leaves), head.hex(), str(target), vkey)


def _checkpoint_keys(workspace: Workspace, policy: TrustPolicy) -> list[Ed25519PublicKey]:
    """Keys a checkpoint may be signed by: the ``[signing]`` key and trusted Ed25519 keys."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    from ledger.attest.policy import signing_key_path

    keys: list[Ed25519PublicKey] = []
    for trusted in policy.keys:
        d = trusted.key.to_dict()
        if d.get("keytype") == "ed25519":
            keys.append(Ed25519PublicKey.from_public_bytes(bytes.fromhex(d["keyval"]["public"])))
    path = signing_key_path(workspace)
    if path is not None and path.is_file():
        with contextlib.suppress(ConfigError):  # not Ed25519: it cannot have signed a note
            keys.append(load_ed25519_private(path).public_key())
    return keys


def _compare(name: str, actual: pa.Table, expected: pa.Table, columns: Sequence[str]) -> list[str]:
    """The first inserted/altered and the first deleted/altered row of one table."""
    import duckdb

    con = duckdb.connect()
    try:
        con.register("actual_rows", actual.select(list(columns)))
        con.register("expected_rows", expected.select(list(columns)))
        problems = []
        extra = con.execute(
            "SELECT * FROM actual_rows EXCEPT ALL SELECT * FROM expected_rows LIMIT 1"
        ).fetchall()
        if extra:
            row = dict(zip(columns, extra[0], strict=True))
            problems.append(
                f"{name}: row not derived from any verified envelope (inserted or altered): {row}"
            )
        gone = con.execute(
            "SELECT * FROM expected_rows EXCEPT ALL SELECT * FROM actual_rows LIMIT 1"
        ).fetchall()
        if gone:
            row = dict(zip(columns, gone[0], strict=True))
            problems.append(
                f"{name}: row derived from a verified envelope is missing (deleted or altered): {row}"
            )
        return problems
    finally:
        con.close()


def audit(
    store: Store,
    workspace: Workspace,
    *,
    since: Path | None = None,
    policy: TrustPolicy | None = None,
) -> AuditReport:
    """Every problem found; ``ok`` only when there is none."""
    import pyarrow as pa

    from ledger.attest.policy import load_trust_policy

    policy = policy or load_trust_policy(workspace)
    problems: list[str] = []

    envelopes = store.table("envelopes").sort_by("seq")
    seqs = envelopes.column("seq").to_pylist()
    shas = envelopes.column("envelope_sha256").to_pylist()
    raws = envelopes.column("raw").to_pylist()
    sources = envelopes.column("source").to_pylist()
    lines = envelopes.column("source_line").to_pylist()
    if seqs != list(range(len(seqs))):
        problems.append(
            f"envelopes: seq values are not 0..{len(seqs) - 1} in order (rows inserted or deleted)"
        )

    items = [
        RawLine(s or "", ln or 0, r.encode("utf-8")) for s, ln, r in zip(sources, lines, raws, strict=True)
    ]
    objects = workspace.objects_dir
    expected: dict[str, list[pa.Table]] = {t.name: [] for t in schema.DERIVED}
    log_rows: list[tuple[Any, ...]] = []
    position = 0
    root = objects if objects.is_dir() else None
    for chunk in check_lines(items, key_material(policy, workspace), root, scratch=workspace.scratch_dir):
        for name, arrow in chunk.tables.items():
            expected[name].append(arrow)
        for outcome in chunk.outcomes:
            seq, sha = seqs[position], shas[position]
            position += 1
            if not isinstance(outcome, Accepted):
                problems.append(
                    f"envelopes: row seq={seq} ({sha[:12]}…) is not a verified envelope: {outcome.reason}"
                )
                continue
            if outcome.envelope_sha256 != sha:
                problems.append(
                    f"envelopes: row seq={seq} says {sha[:12]}… but its envelope hashes to "
                    f"{outcome.envelope_sha256[:12]}… (altered)"
                )
            log_rows.append((seq, outcome.envelope_sha256, outcome.leaf_hash))

    rows_checked = 0
    actual_log = None
    for table in (*schema.DERIVED, schema.LOG):
        actual = store.table(table.name)
        if table.name == "log":
            actual_log = actual
            want = schema.rows_to_arrow(schema.LOG, log_rows)
        else:
            without = ("seq",) if table is schema.ENVELOPES else ()
            parts = expected[table.name] or [schema.arrow_schema(table, without=without).empty_table()]
            want = pa.concat_tables(parts)
        rows_checked += actual.num_rows
        problems.extend(_compare(table.name, actual, want, table.audited_columns))

    assert actual_log is not None
    ordered = actual_log.sort_by("leaf_index")
    leaves = [bytes.fromhex(h) for h in ordered.column("leaf_hash").to_pylist()]
    head = merkle.root(leaves)

    problems.extend(_byproduct_problems(store, workspace))

    verified: list[str] = []
    files: list[Path]
    if since is not None:
        if not since.is_file():
            raise InputError(
                f"checkpoint {since} does not exist", hint="checkpoints live in .ledger/log/checkpoints/"
            )
        files = [since]
    else:
        directory = checkpoint_dir(workspace)
        files = sorted(directory.glob(f"*{NOTE_SUFFIX}")) if directory.is_dir() else []
        # a checkpoint the ledger recorded must still have its note: deleting one hides history
        present = {f.name for f in files}
        for name in store.table("checkpoints").column("file").to_pylist():
            if name and name not in present:
                problems.append(f"checkpoint {name} is recorded in the ledger but its note file is missing")
    keys = _checkpoint_keys(workspace, policy) if files else []
    for path in files:
        problem = _check_against(path, keys, leaves, head)
        if problem:
            problems.append(problem)
        else:
            verified.append(path.name)

    return AuditReport(
        ok=not problems,
        envelopes=len(seqs),
        rows_checked=rows_checked,
        tree_size=len(leaves),
        root_hash=head.hex(),
        checkpoints_verified=tuple(verified),
        problems=tuple(problems),
    )


def _byproduct_problems(store: Store, workspace: Workspace) -> list[str]:
    """Exec logs named by signed provenance: intact, and present wherever the build's trajectory is."""
    from ledger.objects import ObjectStore

    objects = ObjectStore(workspace.objects_dir)
    builds = store.table("builds")
    indexed = set(store.table("trajectories").column("build_id").to_pylist())
    problems = []
    for build_id, digest in zip(
        builds.column("build_id").to_pylist(), builds.column("exec_log_sha256").to_pylist(), strict=True
    ):
        if not digest:
            continue
        if objects.has(digest):
            if not objects.verify(digest):
                problems.append(f"exec log {digest[:12]}… of build {build_id} was modified after signing")
        elif build_id in indexed:
            problems.append(
                f"exec log {digest[:12]}… of build {build_id} is missing from .ledger/objects "
                "while its trajectory is present"
            )
    return problems


def _check_against(path: Path, keys: list[Ed25519PublicKey], leaves: list[bytes], head: bytes) -> str | None:
    """None when the checkpoint is validly signed and the log extends it; else why not."""
    from ledger.errors import LedgerError

    text = path.read_text("utf-8")
    try:
        cp = parse_checkpoint(text, file=str(path))
        key = next((k for k in keys if key_hash(cp.key_name, k) == cp.key_hash), None)
        if key is None:
            who = f"{cp.key_name} ({cp.key_hash.hex()})"
            return f"checkpoint {path.name}: signed by key {who}, which is not trusted"
        verify_checkpoint(text, key, cp.key_name, file=str(path))
    except LedgerError as exc:
        return f"checkpoint {path.name}: {exc.message}"
    m, n = cp.tree_size, len(leaves)
    if m > n:
        return f"checkpoint {path.name}: covers {m} envelopes but the log has {n} (history truncated)"
    proof = merkle.consistency_proof(m, leaves)
    if not merkle.verify_consistency(m, n, cp.root_hash, head, proof):
        return (
            f"checkpoint {path.name}: history rewritten — the log of {n} envelopes is not an "
            f"append-only extension of the signed tree of {m} (root {cp.root_hash.hex()[:16]}…)"
        )
    return None
