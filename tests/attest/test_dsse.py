"""DSSE envelopes: interop with securesystemslib and sigstore, strict parsing of files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from attest_helpers import Workspace
from securesystemslib.dsse import Envelope as SslibEnvelope

from ledger.attest.dsse import PAYLOAD_TYPE, pae, read_envelope_file
from ledger.attest.signers import generate_key, load_public_key, load_signer
from ledger.errors import AttestationError


def test_pae_matches_the_reference_implementations() -> None:
    from sigstore.dsse import _pae as sigstore_pae

    payload = b'{"hello": "w\xc3\xb6rld"}'
    expected = SslibEnvelope(payload, PAYLOAD_TYPE, {}).pae()
    assert pae(PAYLOAD_TYPE, payload) == expected == sigstore_pae(PAYLOAD_TYPE, payload)
    assert expected.startswith(b"DSSEv1 28 application/vnd.in-toto+json 19 ")


@pytest.mark.parametrize("key_type", ["ed25519", "ecdsa-p256"])
def test_envelopes_verify_with_securesystemslib_alone(tmp_path: Path, key_type: str) -> None:
    made = generate_key(key_type, tmp_path / "k.pem", passphrase=None)  # type: ignore[arg-type]
    signed = load_signer(made.private_path).sign_envelope(PAYLOAD_TYPE, b'{"_type": "x"}')
    line = json.loads(signed.envelope.to_line())

    # Only securesystemslib from here: its own parser, its own key object from our .pub file.
    env = SslibEnvelope.from_dict(line)
    key = load_public_key(made.public_path)
    accepted = env.verify([key], threshold=1)
    assert list(accepted) == [made.keyid]
    assert env.payload == b'{"_type": "x"}'


def test_build_envelopes_verify_with_securesystemslib(ws: Workspace) -> None:
    key = ws.signer.public_key
    for line in ws.envelope_file().read_text().splitlines():
        SslibEnvelope.from_dict(json.loads(line)).verify([key], threshold=1)


@pytest.mark.parametrize(
    ("content", "line", "field"),
    [
        (b"[1]\n", 1, "expected a DSSE envelope object"),
        (b'{"payloadType": "x", "signatures": [{"sig": "AA=="}]}\n', 1, "'payload'"),
        (b'{"payload": "e30=", "signatures": [{"sig": "AA=="}]}\n', 1, "'payloadType'"),
        (b'{"payload": "e30=", "payloadType": "x", "signatures": []}\n', 1, "'signatures'"),
        (b'{"payload": "e30", "payloadType": "x", "signatures": [{}]}\n', 1, "signatures[0].sig"),
        (b'{"payload": "%%%", "payloadType": "x", "signatures": [{"sig": "AA=="}]}\n', 1, "Base64"),
        (
            b'\n{"payload": "e30=", "payloadType": "x", "signatures": [{"sig": "AA=="}]}\n{"pay',
            3,
            "truncated",
        ),
    ],
)
def test_malformed_lines_name_file_line_and_field(
    tmp_path: Path, content: bytes, line: int, field: str
) -> None:
    path = tmp_path / "b.intoto.jsonl"
    path.write_bytes(content)
    with pytest.raises(AttestationError) as info:
        read_envelope_file(path)
    assert info.value.line == line
    assert str(info.value).startswith(f"{path}:{line}: ")
    assert field in str(info.value)
