"""Signed approvals of spec content and builds, and the AUTHORIZED verify level.

Data path: ``policy`` (the ``[approvals]`` table: rules, approver keys and roles) →
``statement`` (what ``ledger approve`` signs and writes to ``attestations/``) → ``evidence``
(approval envelopes verified against trust + approver keys) → ``check`` (``AuthorizedCheck``).
"""

from __future__ import annotations

from ledger.approve.check import Authorization, AuthorizedCheck, Requirement
from ledger.approve.evidence import Approval, ApprovalEvidence, RejectedApproval, read_approvals
from ledger.approve.policy import (
    ApprovalPolicy,
    ApprovalRule,
    ApproverKey,
    compile_pattern,
    load_approval_policy,
    parse_approvals_table,
    verification_policy,
)
from ledger.approve.resolve import approve, resolve_target
from ledger.approve.statement import (
    APPROVAL_TYPE,
    BuildTarget,
    Digested,
    SpecTarget,
    approval_statement,
    build_target,
    spec_target,
    write_approval,
)

__all__ = [
    "APPROVAL_TYPE",
    "Approval",
    "ApprovalEvidence",
    "ApprovalPolicy",
    "ApprovalRule",
    "ApproverKey",
    "Authorization",
    "AuthorizedCheck",
    "BuildTarget",
    "Digested",
    "RejectedApproval",
    "Requirement",
    "SpecTarget",
    "approval_statement",
    "approve",
    "build_target",
    "compile_pattern",
    "load_approval_policy",
    "parse_approvals_table",
    "read_approvals",
    "resolve_target",
    "spec_target",
    "verification_policy",
    "write_approval",
]
