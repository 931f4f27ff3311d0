"""Who approved what a build was made from: for ``trace``, the HTML report and ``log --unapproved``."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from ledger.approve.evidence import Approval
from ledger.approve.policy import load_approval_policy

if TYPE_CHECKING:
    from pathlib import Path

    from ledger.approve.check import AuthorizedCheck
    from ledger.attest.policy import TrustPolicy
    from ledger.store.model import BuildRecord
    from ledger.workspace import Workspace


def approvals_of(record: BuildRecord, approvals: Iterable[Approval]) -> list[Approval]:
    """Approvals of this build, or of exactly the spec content it was generated from."""
    members = {m.label: m.sha256 for m in record.members if m.sha256}
    subjects = {s.sha256 for s in record.subjects if s.sha256}
    found = []
    for a in approvals:
        if a.build_id is not None:
            if a.build_id == record.build_id or (a.subjects and a.subjects <= subjects):
                found.append(a)
        elif a.content and any(members.get(label) == digest for label, digest in a.content.items()):
            found.append(a)
    return sorted(found, key=lambda a: a.approved_on)


def unapproved(records: Sequence[BuildRecord], approvals: Iterable[Approval]) -> list[BuildRecord]:
    """Builds with no approval of themselves or of any of their spec content."""
    pool = list(approvals)
    return [r for r in records if not approvals_of(r, pool)]


def authorized_checks(
    workspace: Workspace, trust: TrustPolicy, attestation_dir: Path | None = None
) -> list[AuthorizedCheck]:
    """The AUTHORIZED check, when the policy requires it or ledger.toml says who must approve."""
    from ledger.approve.check import AuthorizedCheck
    from ledger.attest.policy import Level

    approvals = load_approval_policy(workspace, trust)
    if Level.AUTHORIZED not in trust.required and not approvals.configured:
        return []
    return [AuthorizedCheck(workspace, trust=trust, approvals=approvals, attestation_dir=attestation_dir)]
