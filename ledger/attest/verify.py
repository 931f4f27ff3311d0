"""Verify levels and verdicts for artifacts, from signed evidence only.

Order of trust: parse the envelope, verify its signature against the trust policy, and only then
read the statement. An envelope that fails is recorded as rejected (with why) and never looked
inside. Levels that later issues implement (REPRODUCED, AUTHORIZED) plug in as ``LevelCheck``s;
without one they are reported "not checked", never as passed.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from ledger.attest.dsse import ENVELOPE_SUFFIX, PAYLOAD_TYPE, Envelope, read_envelope_file
from ledger.attest.policy import LEVEL_ORDER, Level, TrustedKey, TrustPolicy
from ledger.attest.sigcheck import Check, signature_check
from ledger.attest.sigstore import BUNDLE_SUFFIX, read_bundle_file, verify_bundle
from ledger.attest.statement import PROVENANCE_TYPE, check_build_id
from ledger.attest.views import Statement, read_statement
from ledger.digest import sha256_file
from ledger.errors import InputError, LedgerError
from ledger.gcpause import gc_paused

# ---------------------------------------------------------------- the spec engine's interface


class CurrentMember(Protocol):
    @property
    def label(self) -> str: ...
    @property
    def role(self) -> str: ...
    @property
    def file(self) -> str: ...
    @property
    def sha256(self) -> str: ...
    @property
    def cfs_hash(self) -> str: ...


class CurrentChain(Protocol):
    """Today's chain for a target, as ``ledger.spec.compute_chain(root, target)`` returns it."""

    @property
    def hash(self) -> str: ...
    @property
    def sha256(self) -> str: ...
    @property
    def members(self) -> Sequence[CurrentMember]: ...


ChainLookup = Callable[[str], CurrentChain]


class ArtifactNotFound(InputError):
    pass


# ---------------------------------------------------------------- evidence


@dataclass(frozen=True)
class VerifiedStatement:
    statement: Statement
    signer: str
    file: Path
    line: int
    shown: str  # the file as messages show it (workspace-relative when possible)

    @property
    def where(self) -> str:
        return f"{self.shown}:{self.line}"


def shown_path(path: Path, root: Path | None) -> str:
    """``path`` relative to ``root`` for messages (as given when it lies outside)."""
    if root is not None:
        try:
            return path.resolve().relative_to(root.resolve()).as_posix()
        except ValueError:
            pass
    return str(path)


@dataclass(frozen=True)
class Rejected:
    where: str
    reason: str


@dataclass(frozen=True)
class Evidence:
    """Everything read from an attestation directory, split into believed and rejected."""

    statements: tuple[VerifiedStatement, ...]
    rejected: tuple[Rejected, ...]
    notes: tuple[str, ...]
    files: tuple[Path, ...]


def _verify_with_keys(envelope: Envelope, policy: TrustPolicy) -> tuple[str | None, str]:
    """(signer, "") when a trusted key's signature verifies, else (None, why not)."""
    data = envelope.pae()
    reasons = []
    for sig in envelope.signatures:
        candidates = [k for k in policy.keys if not sig.keyid or k.keyid == sig.keyid]
        if not candidates:
            reasons.append(f"signed by key {sig.keyid or '(no keyid)'}, which [trust] does not list")
            continue
        for trusted in candidates:
            if not _check_of(trusted)(sig.sig, data):
                continue
            return f"key {trusted.keyid} ({trusted.source})", ""
        reasons.append(
            f"signature by {sig.keyid or 'an unnamed key'} does not verify "
            "(payload, payloadType or signature altered)"
        )
    return None, "; ".join(reasons)


_CHECKS: dict[int, tuple[TrustedKey, Check]] = {}


def _check_of(trusted: TrustedKey) -> Check:
    """The signature check of a trusted key, built once per key object (libsodium for Ed25519).
    Keyed by identity: the entry keeps its key alive, so an id is never reused while cached."""
    entry = _CHECKS.get(id(trusted))
    if entry is None or entry[0] is not trusted:
        entry = (trusted, signature_check(trusted.keyid, trusted.key.to_dict()))
        _CHECKS[id(trusted)] = entry
    return entry[1]


def collect_evidence(
    attestation_dir: Path, policy: TrustPolicy, *, root: Path | None = None, build_id: str | None = None
) -> Evidence:
    """Read every ``*.intoto.jsonl`` / ``*.sigstore.jsonl``; keep only what verifies.

    ``build_id``: only that build's two files (``<build-id>.intoto.jsonl`` and its bundles).
    """
    stem = "*" if build_id is None else check_build_id(build_id)  # no glob characters
    with gc_paused():
        return _collect_evidence(attestation_dir, policy, root, stem)


def _collect_evidence(attestation_dir: Path, policy: TrustPolicy, root: Path | None, stem: str) -> Evidence:
    if not attestation_dir.is_dir():
        raise InputError(
            f"attestation directory {attestation_dir} does not exist",
            hint="pass --attestations DIR or run inside a workspace with attestations/",
        )
    statements: list[VerifiedStatement] = []
    rejected: list[Rejected] = []
    notes: list[str] = []
    seen: dict[tuple[str, bytes, tuple[Any, ...]], str] = {}
    verified_payloads: set[tuple[str, bytes]] = set()
    unverified: list[tuple[Envelope, Rejected]] = []
    files: list[Path] = []

    bundle_files = sorted(attestation_dir.glob(f"{stem}{BUNDLE_SUFFIX}"))
    if bundle_files and policy.sigstore_trusted_root is not None:
        from ledger.attest.sigstore import load_trusted_root

        trusted_root = load_trusted_root(policy.sigstore_trusted_root)
        for path in bundle_files:
            files.append(path)
            for bl in read_bundle_file(path):
                check = verify_bundle(bl, trusted_root, policy.identities)
                if check.payload is None or check.payload_type is None or check.signer is None:
                    rejected.append(
                        Rejected(
                            f"{shown_path(path, root)}:{bl.line}",
                            f"Sigstore bundle rejected: {check.reason}",
                        )
                    )
                    continue
                if check.payload_type != PAYLOAD_TYPE:
                    rejected.append(
                        Rejected(f"{shown_path(path, root)}:{bl.line}", f"payloadType {check.payload_type!r}")
                    )
                    continue
                verified_payloads.add((check.payload_type, check.payload))
                stmt = read_statement(check.payload, file=str(path), line=bl.line)
                statements.append(
                    VerifiedStatement(stmt, check.signer, path, bl.line, shown_path(path, root))
                )
    elif bundle_files:
        notes.append(
            f"{len(bundle_files)} Sigstore bundle file(s) ignored: no sigstore_trusted_root in [trust]"
        )

    shown_dir = shown_path(attestation_dir, root)
    for path in sorted(attestation_dir.glob(f"{stem}{ENVELOPE_SUFFIX}")):
        files.append(path)
        # resolving every file's path cost ~50 µs each; only a symlinked file can differ
        if path.is_symlink():
            shown = shown_path(path, root)
        else:
            shown = path.name if shown_dir == "." else f"{shown_dir}/{path.name}"
        for el in read_envelope_file(path):
            env = el.envelope
            where = f"{shown}:{el.line}"
            identity = (
                env.payload_type,
                env.payload,
                tuple(sorted((s.keyid, s.sig) for s in env.signatures)),
            )
            if identity in seen:
                notes.append(f"{where}: duplicate of {seen[identity]}; counted once")
                continue
            seen[identity] = where
            signer, why = _verify_with_keys(env, policy)
            if signer is None:
                unverified.append((env, Rejected(where, why)))
                continue
            if env.payload_type != PAYLOAD_TYPE:
                rejected.append(Rejected(where, f"payloadType {env.payload_type!r}; expected {PAYLOAD_TYPE}"))
                continue
            verified_payloads.add((env.payload_type, env.payload))
            stmt = read_statement(env.payload, file=str(path), line=el.line)
            statements.append(VerifiedStatement(stmt, signer, path, el.line, shown))
    for env, rej in unverified:
        # the same envelope carried by a verified Sigstore bundle is not a rejection
        if (env.payload_type, env.payload) not in verified_payloads:
            rejected.append(rej)
    return Evidence(tuple(statements), tuple(rejected), tuple(notes), tuple(files))


# ---------------------------------------------------------------- levels


class Status(enum.StrEnum):
    MET = "met"
    FAILED = "failed"
    NOT_CHECKED = "not checked"


@dataclass(frozen=True)
class LevelOutcome:
    level: Level
    status: Status
    reason: str


@dataclass(frozen=True)
class ArtifactContext:
    """What a level check gets to look at for one artifact."""

    path: Path
    name: str
    digest: str
    provenance: VerifiedStatement | None
    evidence: Evidence


class LevelCheck(Protocol):
    """The seam for REPRODUCED (replay) and AUTHORIZED (approvals)."""

    @property
    def level(self) -> Level: ...

    def check(self, ctx: ArtifactContext) -> LevelOutcome: ...


_NOT_YET = {
    Level.REPRODUCED: "not checked: pass --replay to rebuild from the signed trajectory",
    Level.AUTHORIZED: "not checked: ledger.toml has no [approvals] policy",
}


@dataclass(frozen=True)
class ArtifactVerdict:
    path: str
    digest: str
    build_id: str | None
    outcomes: tuple[LevelOutcome, ...]
    required: frozenset[Level]
    notes: tuple[str, ...] = ()
    inputs: tuple[Path, ...] = field(default=())

    @property
    def levels_met(self) -> tuple[Level, ...]:
        return tuple(o.level for o in self.outcomes if o.status is Status.MET)

    @property
    def levels_failed(self) -> dict[Level, str]:
        return {o.level: o.reason for o in self.outcomes if o.status is Status.FAILED}

    @property
    def levels_not_checked(self) -> dict[Level, str]:
        return {o.level: o.reason for o in self.outcomes if o.status is Status.NOT_CHECKED}

    @property
    def ok(self) -> bool:
        return self.required <= set(self.levels_met)

    def reason(self) -> str:
        """One line: why the policy is (not) met."""
        if self.ok:
            return "policy met: " + " ".join(lvl.value for lvl in self.levels_met)
        signed = next(o for o in self.outcomes if o.level is Level.SIGNED)
        if Level.SIGNED in self.required and signed.status is not Status.MET:
            return f"SIGNED: {signed.reason}"
        missing = [o for o in self.outcomes if o.level in self.required and o.status is not Status.MET]
        return "; ".join(f"{o.level.value}: {o.reason}" for o in missing)

    def to_json(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "digest": {"sha256": self.digest},
            "build_id": self.build_id,
            "ok": self.ok,
            "required": [lvl.value for lvl in LEVEL_ORDER if lvl in self.required],
            "levels": {o.level.value: {"status": o.status.value, "reason": o.reason} for o in self.outcomes},
            "notes": list(self.notes),
        }


def _short(digest: str) -> str:
    return digest[:12] + "…"


def _finished(v: VerifiedStatement) -> str:
    """When a provenance's build finished (ISO 8601; "" when it does not say), for ordering."""
    p = v.statement.provenance
    return p.finished_on.isoformat() if p and p.finished_on else ""


def _built_as_other_bytes(name: str, evidence: Evidence) -> str | None:
    """When a trusted provenance's subject has this path but other bytes: which build (the
    latest to finish) made it, as what, for a failure reason; None when no build names it."""
    builds = [
        (v, s.sha256)
        for v in evidence.statements
        if v.statement.predicate_type == PROVENANCE_TYPE and v.statement.provenance
        for s in v.statement.subjects
        if s.name == name and s.sha256
    ]
    if not builds:
        return None
    latest, sha = max(builds, key=lambda item: (_finished(item[0]), item[0].where))
    assert latest.statement.provenance is not None
    more = f" (and {len(builds) - 1} earlier build(s))" if len(builds) > 1 else ""
    return (
        f"{name} was built by {latest.statement.provenance.build_id} as sha256:{_short(sha)} "
        f"({latest.where}){more}: these bytes differ, so the file changed after its build"
    )


def _signed(
    ctx_digest: str, name: str, evidence: Evidence
) -> tuple[LevelOutcome, VerifiedStatement | None, list[str]]:
    notes: list[str] = []
    naming = [v for v in evidence.statements if ctx_digest in v.statement.digests()]
    provs = [v for v in naming if v.statement.predicate_type == PROVENANCE_TYPE and v.statement.provenance]
    if not provs:
        # SIGNED is about provenance: a signed test result alone does not say where bytes came from
        why = f"no provenance from a trusted signer names sha256:{_short(ctx_digest)}"
        if naming:
            why += f" (only {naming[0].statement.predicate_type} at {naming[0].where})"
        built = _built_as_other_bytes(name, evidence)
        if built is not None:
            # the forensic answer: this path was built, and these are not the bytes that were
            why += f"; {built}"
        elif evidence.rejected:
            first = evidence.rejected[0]
            why += f"; {len(evidence.rejected)} envelope(s) rejected, first {first.where}: {first.reason}"
        return LevelOutcome(Level.SIGNED, Status.FAILED, why), None, notes
    by_build: dict[str | None, list[VerifiedStatement]] = {}
    for v in provs:
        assert v.statement.provenance is not None
        by_build.setdefault(v.statement.provenance.build_id, []).append(v)
    for build_id, group in by_build.items():
        if build_id is not None and len(group) > 1:
            places = ", ".join(v.where for v in group)
            return (
                LevelOutcome(
                    Level.SIGNED,
                    Status.FAILED,
                    f"conflicting provenance statements for build {build_id} ({places})",
                ),
                None,
                notes,
            )
    chosen = max(provs, key=lambda v: (_finished(v), v.where))
    assert chosen.statement.provenance is not None
    if len(provs) > 1:
        notes.append(
            f"{len(provs)} builds produced this digest; using the newest, "
            f"{chosen.statement.provenance.build_id} (finished {_finished(chosen)})"
        )
    subject_names = {s.name for s in chosen.statement.subjects if s.sha256 == ctx_digest}
    if name not in subject_names:
        notes.append(f"attested under the name {', '.join(sorted(subject_names))!s}, verified as {name}")
    return (
        LevelOutcome(Level.SIGNED, Status.MET, f"{chosen.where} signed by {chosen.signer}"),
        chosen,
        notes,
    )


def _bound(prov: VerifiedStatement | None, lookup: Callable[[str], CurrentChain | str]) -> LevelOutcome:
    if prov is None or prov.statement.provenance is None:
        return LevelOutcome(Level.BOUND, Status.FAILED, "no signed provenance for this digest")
    p = prov.statement.provenance
    if p.binding is None:
        return LevelOutcome(Level.BOUND, Status.FAILED, f"buildType {p.build_type} carries no spec chain")
    b = p.binding
    current = lookup(b.target)
    if isinstance(current, str):
        return LevelOutcome(Level.BOUND, Status.FAILED, f"{b.target} no longer resolves: {current}")
    if current.hash == b.chain_cfs and current.sha256 == b.chain_sha256:
        return LevelOutcome(Level.BOUND, Status.MET, f"{b.target} chain {b.chain_cfs} is current")
    now = {m.label: m for m in current.members}
    then = {m.label: m for m in b.members}
    moved = []
    for label, m in then.items():
        if label not in now:
            moved.append(f"{label} (removed)")
        elif now[label].sha256 != m.sha256:
            moved.append(f"{label} (content changed)")
    moved.extend(f"{label} (added)" for label in now if label not in then)
    detail = ", ".join(moved) if moved else "member contents unchanged; order or roles differ"
    return LevelOutcome(
        Level.BOUND,
        Status.FAILED,
        f"STALE: {b.target} chain {b.chain_cfs} -> {current.hash}; moved: {detail}",
    )


def _tested(prov: VerifiedStatement | None, digest: str, evidence: Evidence) -> LevelOutcome:
    if prov is None or prov.statement.provenance is None:
        return LevelOutcome(Level.TESTED, Status.FAILED, "no signed provenance for this digest")
    build_id = prov.statement.provenance.build_id
    build_digests = prov.statement.digests()
    results = []
    for v in evidence.statements:
        tr = v.statement.test_result
        if tr is None or digest not in v.statement.digests():
            continue
        same_build = (
            tr.invocation_id == build_id
            if tr.invocation_id is not None
            else v.statement.digests() == build_digests
        )
        if same_build:
            results.append((v, tr))
    if not results:
        return LevelOutcome(Level.TESTED, Status.FAILED, f"no signed test result for build {build_id}")
    bad = [(v, tr) for v, tr in results if tr.result != "PASSED"]
    if bad:
        v, tr = bad[0]
        failed = f" (failed: {', '.join(tr.failed[:5])})" if tr.failed else ""
        return LevelOutcome(Level.TESTED, Status.FAILED, f"tests {tr.result}{failed} at {v.where}")
    return LevelOutcome(Level.TESTED, Status.MET, f"tests PASSED at {results[0][0].where}")


_DIGEST = re.compile(r"(sha256:)?[0-9a-fA-F]{64}")


def _not_found(path: Path) -> ArtifactNotFound:
    looks_like_digest = _DIGEST.fullmatch(str(path)) is not None
    return ArtifactNotFound(
        f"artifact {path} does not exist or is not a file",
        hint=(
            "verify checks the bytes of a file; to find the builds of a digest run "
            f"`ledger trace {str(path).removeprefix('sha256:')}`"
            if looks_like_digest
            else None
        ),
    )


def verify_artifacts(
    root: Path,
    artifact_paths: Sequence[Path],
    attestation_dir: Path,
    policy: TrustPolicy,
    current_chain: ChainLookup,
    *,
    checks: Sequence[LevelCheck] = (),
) -> list[ArtifactVerdict]:
    """One verdict per artifact; reads only local files (no network)."""
    for path in artifact_paths:  # before reading every attestation, which takes a while
        if not path.is_file():
            raise _not_found(path)
    evidence = collect_evidence(attestation_dir, policy, root=root)
    cache: dict[str, CurrentChain | str] = {}

    def lookup(target: str) -> CurrentChain | str:
        if target not in cache:
            try:
                cache[target] = current_chain(target)
            except LedgerError as exc:
                cache[target] = str(exc)
        return cache[target]

    extra: Mapping[Level, LevelCheck] = {c.level: c for c in checks}
    root_real = root.resolve()
    verdicts = []
    for path in artifact_paths:
        if not path.is_file():
            raise _not_found(path)
        digest = sha256_file(path)
        real = path.resolve()
        name = real.relative_to(root_real).as_posix() if root_real in real.parents else path.as_posix()
        signed, prov, notes = _signed(digest, name, evidence)
        ctx = ArtifactContext(path, name, digest, prov, evidence)
        outcomes = [signed, _bound(prov, lookup), _tested(prov, digest, evidence)]
        for level in (Level.REPRODUCED, Level.AUTHORIZED):
            check = extra.get(level)
            outcomes.append(
                check.check(ctx) if check else LevelOutcome(level, Status.NOT_CHECKED, _NOT_YET[level])
            )
        build_id = prov.statement.provenance.build_id if prov and prov.statement.provenance else None
        inputs = tuple(sorted({v.file for v in evidence.statements if digest in v.statement.digests()}))
        verdicts.append(
            ArtifactVerdict(
                path=name,
                digest=digest,
                build_id=build_id,
                outcomes=tuple(outcomes),
                required=policy.required,
                notes=tuple(notes) + evidence.notes,
                inputs=inputs,
            )
        )
    return verdicts
