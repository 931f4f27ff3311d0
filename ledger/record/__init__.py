"""Bring your own agent: attest what an external agent produced, and record it live.

``ledger record -- COMMAND…`` runs a command behind a recording proxy for the Anthropic
Messages API (``proxy``), snapshots the workspace before and after (``snapshot``), writes a
redacted, hash-chained trajectory and a signed ``imported/v1`` provenance for the files it
wrote (``session``). ``external`` holds the attest-and-ingest steps shared with
``ledger import … --artifact``.
"""

from __future__ import annotations

from ledger.record.external import ExternalAttestation
from ledger.record.session import RecordOptions, RecordResult, run_record

__all__ = ["ExternalAttestation", "RecordOptions", "RecordResult", "run_record"]
