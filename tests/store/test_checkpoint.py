"""Checkpoint notes: exact C2SP tlog-checkpoint bytes, signatures, and tampering."""

from __future__ import annotations

import base64
import hashlib

import pytest
import rfc8785
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import given
from hypothesis import strategies as st

from ledger.attest.dsse import Envelope, Signature
from ledger.errors import CheckFailed, InputError
from ledger.store.checkpoint import parse_checkpoint, sign_checkpoint, verifier_key, verify_checkpoint
from ledger.store.derive import envelope_canonical, split_label


def test_note_has_the_c2sp_layout_and_key_hash() -> None:
    key = Ed25519PrivateKey.generate()
    root_hash = hashlib.sha256(b"head").digest()
    cp = sign_checkpoint("spec-ledger.local/demo", 42, root_hash, key)
    body, sig_line = cp.note.split("\n\n")
    assert body == f"spec-ledger.local/demo\n42\n{base64.b64encode(root_hash).decode()}"
    assert sig_line.startswith("\u2014 spec-ledger.local/demo ") and sig_line.endswith("\n")
    raw_pub = key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    expected_hash = hashlib.sha256(b"spec-ledger.local/demo\n\x01" + raw_pub).digest()[:4]
    blob = base64.b64decode(sig_line.split(" ")[2])
    assert blob[:4] == expected_hash
    key.public_key().verify(blob[4:], (body + "\n").encode())  # signature covers the body lines
    vkey = verifier_key("spec-ledger.local/demo", key.public_key())
    encoded = base64.b64encode(b"\x01" + raw_pub).decode()
    assert vkey == f"spec-ledger.local/demo+{expected_hash.hex()}+{encoded}"


def test_verify_accepts_the_signed_note_and_rejects_edits() -> None:
    key = Ed25519PrivateKey.generate()
    cp = sign_checkpoint("origin.example/log", 7, b"\x11" * 32, key)
    parsed = verify_checkpoint(cp.note, key.public_key(), "origin.example/log")
    assert (parsed.tree_size, parsed.root_hash) == (7, b"\x11" * 32)
    with pytest.raises(CheckFailed, match="does not verify"):
        verify_checkpoint(cp.note.replace("\n7\n", "\n8\n"), key.public_key(), "origin.example/log")
    with pytest.raises(CheckFailed, match="no signature by key"):
        verify_checkpoint(cp.note, Ed25519PrivateKey.generate().public_key(), "origin.example/log")


def test_malformed_notes_name_the_defect() -> None:
    with pytest.raises(InputError, match="no blank line"):
        parse_checkpoint("origin\n1\nAAAA\n")
    with pytest.raises(InputError, match="not a decimal"):
        parse_checkpoint("origin\nseven\nAAAA\n\n\u2014 k AAAAAAA=\n")


@given(
    payload=st.binary(max_size=64),
    payload_type=st.text(max_size=20),
    keyid=st.text(max_size=20),
)
def test_fast_envelope_canonical_form_equals_rfc8785(payload: bytes, payload_type: str, keyid: str) -> None:
    env = Envelope(payload_type or "x", payload, (Signature(keyid, b"\x01\x02"),))
    assert envelope_canonical(env) == rfc8785.dumps(env.to_dict())


@pytest.mark.parametrize(
    ("label", "expected"),
    [
        ("SPEC/a/b", ("SPEC/a/b", None)),
        ("SPEC/a/b(interface)", ("SPEC/a/b", "interface")),
        ("AGENT[SPEC/a]", ("SPEC/a", None)),
        ("INPUT[SPEC/a(q)]", ("SPEC/a", "q")),
    ],
)
def test_member_labels_split_into_node_and_qualifier(label: str, expected: tuple[str, str | None]) -> None:
    assert split_label(label) == expected
