"""The approvals the ledger holds, for ``trace``, ``log --unapproved`` and the HTML report.

A query, not a scan of attestations/: re-verifying every envelope there took ~10 s at 20k
builds. The rows were verified when ingested (an ``[approvals]`` key counts for approvals only)
and ``audit`` re-verifies them; ``verify`` (AUTHORIZED) still reads the files themselves.
``ledger.approve`` (~70 ms to import) is loaded only when there is an approval to read.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ledger.approve.evidence import Approval
    from ledger.store.interface import Store

APPROVAL_TYPE = "https://spec-ledger.dev/approval/v1"  # = ledger.approve.statement.APPROVAL_TYPE


def ledger_approvals(store: Store) -> list[Approval]:
    """Every well-formed approval among the ledger's envelopes, in ledger order."""
    rows = store.envelopes_of_type(APPROVAL_TYPE)
    if not rows:
        return []
    from ledger.approve.evidence import approval_from_statement
    from ledger.attest.dsse import parse_envelope
    from ledger.attest.views import read_statement
    from ledger.errors import LedgerError

    found = []
    for source, line, keyid, raw in rows:
        where = f"{source}:{line}"
        try:
            envelope = parse_envelope(json.loads(raw), file=source, line=line)
            statement = read_statement(envelope.payload, file=source, line=line)
            found.append(approval_from_statement(statement, frozenset({keyid}), where))
        except (LedgerError, ValueError):
            continue  # malformed approvals are reported by `verify`, which reads the files
    return found
