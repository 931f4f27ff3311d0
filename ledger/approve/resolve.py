"""``ledger approve TARGET``: resolve what TARGET names, pick the role, sign and write."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from ledger.approve.statement import SpecTarget, Target, approval_statement, build_target, spec_target
from ledger.errors import ConfigError, InputError

if TYPE_CHECKING:
    from ledger.approve.policy import ApprovalPolicy
    from ledger.attest.policy import TrustPolicy
    from ledger.attest.signers import KeyFileSigner
    from ledger.attest.verify import VerifiedStatement
    from ledger.workspace import Workspace


class UnknownTarget(InputError):
    pass


@dataclass(frozen=True)
class Approved:
    """What ``approve`` wrote."""

    path: Path
    target: Target
    keyid: str
    name: str | None
    role: str
    approved_on: datetime
    warnings: tuple[str, ...] = ()


def _provenances(ws: Workspace, trust: TrustPolicy) -> list[VerifiedStatement]:
    from ledger.attest.statement import PROVENANCE_TYPE
    from ledger.attest.verify import collect_evidence

    if not ws.attestations_dir.is_dir():
        return []
    evidence = collect_evidence(ws.attestations_dir, trust, root=ws.root)
    return [
        v
        for v in evidence.statements
        if v.statement.predicate_type == PROVENANCE_TYPE and v.statement.provenance is not None
    ]


def _newest(candidates: list[VerifiedStatement]) -> VerifiedStatement:
    def key(v: VerifiedStatement) -> tuple[str, str]:
        p = v.statement.provenance
        return (p.finished_on.isoformat() if p and p.finished_on else "", v.where)

    return max(candidates, key=key)


def resolve_target(ws: Workspace, text: str, trust: TrustPolicy, *, cwd: Path | None = None) -> Target:
    """A spec node (``SPEC/x``), an artifact path (its newest verified build), or a build id."""
    from ledger.digest import sha256_file

    if text.startswith("SPEC/"):
        from ledger.spec import load_tree

        return spec_target(load_tree(ws.root), text)
    here = cwd or Path.cwd()
    for candidate in (here / text, ws.root / text):
        if candidate.is_file():
            digest = sha256_file(candidate)
            naming = [v for v in _provenances(ws, trust) if digest in v.statement.digests()]
            if not naming:
                raise UnknownTarget(
                    f"no provenance from a trusted signer names {text} (sha256:{digest[:12]}…)",
                    hint="approve a build id or a spec node, or check [trust] in ledger.toml",
                )
            return build_target(_newest(naming))
    builds = [
        v
        for v in _provenances(ws, trust)
        if v.statement.provenance is not None and v.statement.provenance.build_id == text
    ]
    if not builds:
        raise UnknownTarget(
            f"{text!r} is not a spec node (SPEC/…), an existing artifact, or a verified build id",
            hint="list builds with `ledger log`, or pass an artifact path",
        )
    return build_target(_newest(builds))


def approve(
    ws: Workspace,
    target_text: str,
    signer: KeyFileSigner,
    *,
    trust: TrustPolicy,
    policy: ApprovalPolicy,
    role: str | None = None,
    note: str | None = None,
    now: datetime | None = None,
    cwd: Path | None = None,
) -> Approved:
    """Sign an approval of TARGET by ``signer`` in ``role`` and write it under attestations/."""
    from ledger.approve.statement import write_approval

    target = resolve_target(ws, target_text, trust, cwd=cwd)
    held = policy.roles_of(signer.keyid)
    warnings: list[str] = []
    if role is None:
        if len(held) != 1:
            which = f"holds roles {', '.join(held)}" if held else "holds no role in [[approvals.keys]]"
            raise ConfigError(
                f"--role is required: key {signer.keyid[:12]}… {which}",
                file=str(ws.config_path),
                hint="pass --role ROLE",
            )
        role = held[0]
    elif role not in held:
        warnings.append(
            f"key {signer.keyid[:12]}… does not hold role '{role}' in [[approvals.keys]]; "
            "verify will not count this approval"
        )
    approver = policy.approver(signer.keyid)
    name = approver.name if approver else None
    moment = (now or datetime.now(UTC)).replace(microsecond=0)
    statement = approval_statement(
        target, keyid=signer.keyid, role=role, approved_on=moment, name=name, note=note
    )
    ws.attestations_dir.mkdir(parents=True, exist_ok=True)
    path = write_approval(ws.attestations_dir, statement, signer)
    if isinstance(target, SpecTarget) and not policy.rules_for(target.node):
        warnings.append(f"no [[approvals.rules]] pattern covers {target.node}; verify does not require it")
    warnings.extend(_index(ws, path))
    return Approved(path, target, signer.keyid, name, role, moment, tuple(warnings))


def _index(ws: Workspace, path: Path) -> list[str]:
    """Add the approval to the ledger so ``trace`` and ``log --unapproved`` see it at once.

    The file is the record (``verify`` reads it); a ledger that cannot take it now is a
    warning, and the next ``ledger ingest`` indexes it.
    """
    from ledger.errors import LedgerError
    from ledger.store import open_store

    try:
        report = open_store(ws).ingest([path])
    except LedgerError as exc:
        return [f"approval written but not indexed ({exc.message}); run `ledger ingest`"]
    return [f"approval not indexed: {r.reason}" for r in report.rejected]

