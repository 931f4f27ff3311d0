"""DSSE v1 envelopes: pre-authentication encoding, strict parsing, JSON Lines files.

Parsing never looks inside the payload: a statement is read only after a signature over the
envelope's PAE has been verified (see ``ledger.attest.verify``). Lines are read with
``ledger.safeparse.loads_strict`` (no NaN, duplicate keys, lone surrogates…): an envelope is
evidence, so a ``payloadType`` or ``keyid`` that is not valid Unicode is refused, never repaired.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ledger.digest import canonical_json
from ledger.errors import AttestationError, InputError
from ledger.fsutil import atomic_write_bytes, read_regular
from ledger.safeparse import find_lone_surrogate, loads_strict

PAYLOAD_TYPE = "application/vnd.in-toto+json"
ENVELOPE_SUFFIX = ".intoto.jsonl"


def pae(payload_type: str, payload: bytes) -> bytes:
    """DSSEv1 PAE: ``"DSSEv1" SP LEN(type) SP type SP LEN(body) SP body`` (lengths in bytes)."""
    type_bytes = payload_type.encode("utf-8")
    return b"DSSEv1 %d %b %d %b" % (len(type_bytes), type_bytes, len(payload), payload)


@dataclass(frozen=True)
class Signature:
    keyid: str  # "" when the signer gave none (Sigstore keyless)
    sig: bytes


@dataclass(frozen=True)
class Envelope:
    payload_type: str
    payload: bytes
    signatures: tuple[Signature, ...]

    def pae(self) -> bytes:
        return pae(self.payload_type, self.payload)

    def to_dict(self) -> dict[str, Any]:
        sigs: list[dict[str, str]] = []
        for s in self.signatures:
            entry = {"sig": base64.b64encode(s.sig).decode("ascii")}
            if s.keyid:
                entry["keyid"] = s.keyid
            sigs.append(entry)
        return {
            "payload": base64.b64encode(self.payload).decode("ascii"),
            "payloadType": self.payload_type,
            "signatures": sigs,
        }

    def to_line(self) -> bytes:
        """One JSON Lines record; canonical so the same envelope always has the same bytes."""
        return canonical_json(self.to_dict()) + b"\n"


@dataclass(frozen=True)
class EnvelopeLine:
    """An envelope and where it was read from (for messages and for the VSA)."""

    envelope: Envelope
    file: Path
    line: int
    raw: bytes  # the line as stored, without its newline

    @property
    def where(self) -> str:
        return f"{self.file}:{self.line}"


def _b64decode(text: str) -> bytes:
    """DSSE allows standard or URL-safe Base64, with or without padding."""
    cleaned = text.strip()
    padded = cleaned + "=" * (-len(cleaned) % 4)
    alphabet = b"-_" if ("-" in cleaned or "_" in cleaned) else None
    return base64.b64decode(padded, altchars=alphabet, validate=True)


def parse_envelope(data: Any, *, file: str | None = None, line: int | None = None) -> Envelope:
    """A DSSE envelope from its decoded JSON value; any defect names the field."""

    def fail(message: str) -> AttestationError:
        return AttestationError(message, file=file, line=line)

    if not isinstance(data, dict):
        raise fail(f"expected a DSSE envelope object, got {type(data).__name__}")
    # Unknown fields are refused: an envelope line must be exactly what was written, so that
    # its digest (the ledger's idempotency key and Merkle leaf) cannot vary while it verifies.
    extra = sorted(set(data) - {"payload", "payloadType", "signatures"})
    if extra:
        raise fail(f"unknown field '{extra[0]}'; a DSSE envelope has payload, payloadType, signatures")
    payload_type = data.get("payloadType")
    if not isinstance(payload_type, str) or not payload_type:
        raise fail("field 'payloadType' is missing or not a non-empty string")
    if find_lone_surrogate(payload_type) is not None:
        # PAE, canonical lines and the ledger encode it as UTF-8: "\ud800" cannot be
        raise fail("field 'payloadType' contains a lone UTF-16 surrogate; expected valid Unicode text")
    payload_text = data.get("payload")
    if not isinstance(payload_text, str):
        raise fail("field 'payload' is missing or not a string")
    try:
        payload = _b64decode(payload_text)
    except (binascii.Error, ValueError) as exc:
        raise fail(f"field 'payload' is not valid Base64 ({exc})") from None
    raw_sigs = data.get("signatures")
    if not isinstance(raw_sigs, list) or not raw_sigs:
        raise fail("field 'signatures' is missing or not a non-empty list")
    sigs: list[Signature] = []
    for i, entry in enumerate(raw_sigs):
        if not isinstance(entry, dict):
            raise fail(f"field 'signatures[{i}]' is not an object")
        extra = sorted(set(entry) - {"keyid", "sig"})
        if extra:
            raise fail(f"unknown field 'signatures[{i}].{extra[0]}'; a signature has keyid and sig")
        keyid = entry.get("keyid", "")
        if not isinstance(keyid, str):
            raise fail(f"field 'signatures[{i}].keyid' is not a string")
        if find_lone_surrogate(keyid) is not None:
            raise fail(
                f"field 'signatures[{i}].keyid' contains a lone UTF-16 surrogate; expected valid Unicode text"
            )
        sig_text = entry.get("sig")
        if not isinstance(sig_text, str) or not sig_text:
            raise fail(f"field 'signatures[{i}].sig' is missing or empty")
        try:
            sig = _b64decode(sig_text)
        except (binascii.Error, ValueError) as exc:
            raise fail(f"field 'signatures[{i}].sig' is not valid Base64 ({exc})") from None
        sigs.append(Signature(keyid=keyid, sig=sig))
    return Envelope(payload_type=payload_type, payload=payload, signatures=tuple(sigs))


def read_envelope_file(path: Path) -> list[EnvelopeLine]:
    """Every envelope in a ``.intoto.jsonl`` file; a malformed line is an error naming it."""
    try:
        data = read_regular(path)  # a link to /dev/zero or a FIFO is refused, not read forever
    except OSError as exc:
        raise AttestationError(f"cannot read envelope file: {exc.strerror}", file=str(path)) from None
    out: list[EnvelopeLine] = []
    lines = data.split(b"\n")
    for number, raw in enumerate(lines, start=1):
        if not raw.strip():
            continue
        truncated = number == len(lines) and not data.endswith(b"\n")
        try:
            # "keep": parse_envelope refuses unknown fields and checks every string it keeps
            value = loads_strict(raw, where=str(path), line=number, surrogates="keep", what=None)
        except InputError as exc:
            why = " (file truncated?)" if truncated else ""
            raise AttestationError(
                f"not a JSON envelope{why}: {exc.message}",
                file=str(path),
                line=number,
                hint="each line must be one DSSE envelope as written by `ledger build`",
            ) from None
        envelope = parse_envelope(value, file=str(path), line=number)
        out.append(EnvelopeLine(envelope=envelope, file=path, line=number, raw=raw))
    return out


def write_envelope_file(path: Path, envelopes: Sequence[Envelope]) -> None:
    """All envelopes of one build, one per line, replacing the file atomically."""
    if not envelopes:
        raise AttestationError("refusing to write an envelope file with no envelopes", file=str(path))
    atomic_write_bytes(path, b"".join(e.to_line() for e in envelopes))
