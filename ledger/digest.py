"""Digests and canonical JSON: every byte string that is hashed or signed goes through here."""

from __future__ import annotations

import base64
import hashlib
from pathlib import Path
from typing import Any

import rfc8785

CHUNK = 1 << 20  # 1 MiB reads: hashlib runs at memory speed, several times coreutils' sha256sum


def canonical_json(value: Any) -> bytes:
    """RFC 8785 (JCS) bytes: the only serialisation used where bytes are hashed or signed."""
    return rfc8785.dumps(value)


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(CHUNK):
            h.update(chunk)
    return h.hexdigest()


def sha256_canonical(value: Any) -> str:
    return sha256_hex(canonical_json(value))


def b64url_nopad(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")
