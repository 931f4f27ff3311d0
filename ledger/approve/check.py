"""AUTHORIZED: the build's attested spec content (and the build, where required) is approved.

For the artifact's verified provenance, every chain member whose node a rule covers needs, for
each of the rule's roles, approvals from at least ``min_approvals`` distinct keys holding that
role, for exactly the content digest the provenance attests. A later edit of a node changes its
digest, so earlier approvals of it stop counting for builds from the new content; approvals of
other nodes stay valid. Where a rule says ``builds = true`` the build id needs approvals too, and
with ``carry_over = false`` spec approvals do not count at all: every build must be approved.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from ledger.approve.evidence import Approval, ApprovalEvidence, content_label, read_approvals
from ledger.approve.policy import ApprovalPolicy, verification_policy

if TYPE_CHECKING:
    from ledger.attest.policy import Level, TrustPolicy
    from ledger.attest.verify import ArtifactContext, LevelOutcome
    from ledger.workspace import Workspace


@dataclass(frozen=True)
class Requirement:
    """One role that must approve one thing (a spec content label at a digest, or the build)."""

    subject: str  # "SPEC/x", "AGENT[SPEC/x]", "SPEC/x(section)" or "build <id>"
    sha256: str | None  # the attested content digest (None for the build)
    role: str
    needed: int
    approvers: tuple[str, ...]  # who counted, as shown to people
    refused: tuple[str, ...]  # approvals for this subject and role that did not count, and why
    other_content: tuple[str, ...]  # approvals of the same label at another digest

    @property
    def met(self) -> bool:
        return len(self.approvers) >= self.needed

    def describe(self) -> str:
        what = self.subject if self.sha256 is None else f"{self.subject} (sha256:{self.sha256[:12]}…)"
        text = f"{what} lacks role '{self.role}': {len(self.approvers)} of {self.needed} approval(s)"
        extra = list(self.refused[:2])
        if self.other_content:
            extra.append(f"approved only at other content ({self.other_content[0]}); it changed since")
        return text + (" — " + "; ".join(extra) if extra else "")


@dataclass(frozen=True)
class Authorization:
    """The AUTHORIZED verdict for one artifact, with every requirement for reports."""

    ok: bool
    reason: str
    requirements: tuple[Requirement, ...] = ()


class AuthorizedCheck:
    """The AUTHORIZED level for ``ledger verify`` (a ``LevelCheck``)."""

    def __init__(
        self,
        workspace: Workspace,
        *,
        trust: TrustPolicy,
        approvals: ApprovalPolicy,
        attestation_dir: Path | None = None,
    ) -> None:
        self.workspace = workspace
        self.trust = trust
        self.policy = approvals
        self.attestation_dir = attestation_dir or workspace.attestations_dir
        self._evidence: ApprovalEvidence | None = None

    @property
    def level(self) -> Level:
        from ledger.attest.policy import Level

        return Level.AUTHORIZED

    def evidence(self) -> ApprovalEvidence:
        if self._evidence is None:
            keys = {k.keyid: k.key for k in verification_policy(self.trust, self.policy).keys}
            self._evidence = read_approvals(self.attestation_dir, keys, root=self.workspace.root)
        return self._evidence

    def check(self, ctx: ArtifactContext) -> LevelOutcome:
        from ledger.attest.verify import LevelOutcome, Status

        result = self.evaluate(ctx)
        return LevelOutcome(self.level, Status.MET if result.ok else Status.FAILED, result.reason)

    def evaluate(self, ctx: ArtifactContext) -> Authorization:
        prov = ctx.provenance
        if prov is None or prov.statement.provenance is None:
            return Authorization(False, "no signed provenance for this digest")
        p = prov.statement.provenance
        if not self.policy.rules:
            return Authorization(
                False,
                "no [[approvals.rules]] in ledger.toml, so nothing says who must approve",
            )
        if p.binding is None or p.build_id is None:
            return Authorization(False, f"buildType {p.build_type} carries no spec chain to check")
        evidence = self.evidence()
        build_signers = evidence.signers.get((prov.file.resolve(), prov.line), frozenset())

        spec_needs: dict[tuple[str, str, str], int] = {}  # (label, sha256, role) -> min
        build_needs: dict[str, int] = {}
        for member in p.binding.members:
            found = content_label(member.label, member.role)
            if found is None:
                continue
            node, label = found
            for rule in self.policy.rules_for(node):
                for role in rule.roles:
                    if self.policy.carry_over:
                        key = (label, member.sha256, role)
                        spec_needs[key] = max(spec_needs.get(key, 0), rule.min_approvals)
                    if rule.builds or not self.policy.carry_over:
                        build_needs[role] = max(build_needs.get(role, 0), rule.min_approvals)
        if not spec_needs and not build_needs:
            return Authorization(
                True, f"no [[approvals.rules]] pattern covers a member of {p.binding.target}'s chain"
            )

        requirements: list[Requirement] = []
        for (label, sha, role), needed in spec_needs.items():
            candidates = [a for a in evidence.approvals if a.role == role and label in a.content]
            exact = [a for a in candidates if a.content[label] == sha]
            other = tuple(
                f"sha256:{a.content[label][:12]}… at {a.where}" for a in candidates if a.content[label] != sha
            )
            requirements.append(self._count(label, sha, role, needed, exact, build_signers, other))
        for role, needed in build_needs.items():
            exact = [
                a
                for a in evidence.approvals
                if a.role == role and a.build_id == p.build_id and ctx.digest in a.subjects
            ]
            subject = f"build {p.build_id}"
            requirements.append(self._count(subject, None, role, needed, exact, build_signers, ()))

        missing = [r for r in requirements if not r.met]
        if missing:
            reason = "; ".join(r.describe() for r in missing[:3])
            if len(missing) > 3:
                reason += f"; and {len(missing) - 3} more"
            if evidence.rejected:
                first = evidence.rejected[0]
                count = len(evidence.rejected)
                reason += f" ({count} approval envelope(s) rejected, first {first.where}: {first.reason})"
            return Authorization(False, reason, tuple(requirements))
        return Authorization(True, _summary(requirements), tuple(requirements))

    def _count(
        self,
        subject: str,
        sha: str | None,
        role: str,
        needed: int,
        approvals: Sequence[Approval],
        build_signers: frozenset[str],
        other: tuple[str, ...],
    ) -> Requirement:
        counted: dict[str, str] = {}
        refused: list[str] = []
        for a in approvals:
            holder = self.policy.approver(a.keyid)
            shown = holder.shown if holder else f"key {a.keyid[:12]}…"
            if role not in self.policy.roles_of(a.keyid):
                refused.append(
                    f"approval at {a.where} by {shown} rejected: that key does not hold role '{role}'"
                )
            elif not self.policy.self_approval and a.keyid in build_signers:
                refused.append(
                    f"approval at {a.where} by {shown} refused: self-approval by the build's own signer "
                    "(self_approval = false)"
                )
            else:
                counted.setdefault(a.keyid, shown)  # distinct keys: one key approving twice counts once
        return Requirement(subject, sha, role, needed, tuple(counted.values()), tuple(refused), other)


def _summary(requirements: Sequence[Requirement]) -> str:
    by_role: dict[str, set[str]] = {}
    for r in requirements:
        by_role.setdefault(r.role, set()).update(r.approvers)
    subjects = sorted({r.subject for r in requirements})
    who = ", ".join(f"{role} by {' & '.join(sorted(names))}" for role, names in sorted(by_role.items()))
    return f"approved ({who}) for {len(subjects)} covered item(s): {', '.join(subjects[:4])}" + (
        ", …" if len(subjects) > 4 else ""
    )
