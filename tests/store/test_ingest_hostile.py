"""Hostile envelope lines: each one is rejected with its reason, and the good lines still go in.

Real attestation directories are written by many tools; a line that crashes ingest would keep
every later envelope out of the ledger. Signed payloads are signed by the trusted fixture key,
so each case reaches the statement reader rather than stopping at the signature.
"""

from __future__ import annotations

import base64
import json

import pytest

from ledger.attest.dsse import PAYLOAD_TYPE
from tests.store.conftest import LedgerWorkspace

STATEMENT = b'{"_type":"https://in-toto.io/Statement/v1","predicateType":"https://example.org/x/v1",'


def signed_line(lw: LedgerWorkspace, payload: bytes) -> bytes:
    envelope = lw.signer.sign_envelope(PAYLOAD_TYPE, payload).envelope
    return json.dumps(envelope.to_dict()).encode()


UNSIGNED = {
    "lone surrogate in payloadType": b'{"payload":"e30=","payloadType":"\\ud800","signatures":[{"keyid":"k","sig":"AAAA"}]}',
    "lone surrogate in keyid": b'{"payload":"e30=","payloadType":"t","signatures":[{"keyid":"\\udc00","sig":"AAAA"}]}',
    "deep nesting": b"[" * 100_000,
    "an integer of 5000 digits": b'{"payload":' + b"9" * 5000 + b"}",
    "NaN": b'{"payload":NaN}',
    "invalid UTF-8": b'{"payload":"\xff\xfe"}',
}

SIGNED = {
    "lone surrogate in the statement": STATEMENT + b'"subject":[{"name":"a\\ud83d","digest":{}}]}',
    "deeply nested statement": STATEMENT + b'"predicate":' + b"[" * 100_000 + b"]" * 100_000 + b"}",
    "5000-digit integer in the statement": STATEMENT + b'"predicate":{"n":' + b"7" * 5000 + b"}}",
    "a key twice in the statement": STATEMENT + b'"subject":[],"subject":[{"name":"x","digest":{}}]}',
    "NaN in the statement": STATEMENT + b'"predicate":{"x":NaN}}',
}


@pytest.mark.parametrize("case", sorted(UNSIGNED))
def test_a_malformed_envelope_line_is_rejected_and_the_rest_ingested(lw: LedgerWorkspace, case: str) -> None:
    lw.build("b-1", "SPEC/textkit/roman", b"x\n")
    bad = lw.ws.attestations_dir / "a-bad.intoto.jsonl"
    bad.write_bytes(UNSIGNED[case] + b"\n")
    report = lw.store().ingest([lw.ws.attestations_dir])
    assert report.accepted == 2
    assert [r.where for r in report.rejected] == ["attestations/a-bad.intoto.jsonl:1"]


@pytest.mark.parametrize("case", sorted(SIGNED))
def test_a_signed_statement_that_is_not_i_json_is_rejected(lw: LedgerWorkspace, case: str) -> None:
    lw.build("b-1", "SPEC/textkit/roman", b"x\n")
    bad = lw.ws.attestations_dir / "a-bad.intoto.jsonl"
    bad.write_bytes(signed_line(lw, SIGNED[case]) + b"\n")
    store = lw.store()
    report = store.ingest([lw.ws.attestations_dir], quarantine=True)
    assert report.accepted == 2 and report.quarantined == 1
    (rejection,) = report.rejected
    assert rejection.where == "attestations/a-bad.intoto.jsonl:1"
    assert "signed payload" in rejection.reason
    stored = store.sql("SELECT raw FROM quarantine").rows[0][0]
    assert json.loads(stored)["payload"] == base64.b64encode(SIGNED[case]).decode()


def test_a_signed_envelope_line_with_a_key_twice_is_rejected(lw: LedgerWorkspace) -> None:
    """Python keeps the last of two keys and other readers the first: such a line could verify
    here and mean something else elsewhere, so it is refused before its signature is trusted."""
    lw.build("b-1", "SPEC/textkit/roman", b"x\n")
    path = lw.ws.attestations_dir / "b-1.intoto.jsonl"
    first, second = path.read_bytes().splitlines()
    doubled = first.replace(b'"payloadType":', b'"payloadType":"text/plain","payloadType":', 1)
    path.write_bytes(doubled + b"\n" + second + b"\n")
    report = lw.store().ingest([path])
    assert report.accepted == 1
    (rejection,) = report.rejected
    assert rejection.where == "attestations/b-1.intoto.jsonl:1"
    assert "duplicate key 'payloadType'" in rejection.reason
