"""Signed tree heads in the C2SP tlog-checkpoint format, signed as a C2SP signed note (Ed25519).

A checkpoint note is::

    <origin>\\n<tree size>\\n<base64 root hash>\\n\\n— <key name> <base64(key hash[4] || signature)>\\n

The signature covers the text before the blank line (including its final newline). The key
hash is the first four bytes of SHA-256(key name || "\\n" || 0x01 || public key), so anyone
holding the verifier key ``<name>+<hex key hash>+<base64(0x01 || public key)>`` can check it
with standard note tooling.
"""

from __future__ import annotations

import base64
import hashlib
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from ledger.errors import CheckFailed, ConfigError, InputError

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

ALG_ED25519 = b"\x01"
_NAME_RE = re.compile(r"\A[^\s+]+\Z")
EM_DASH = "\u2014"


class CheckpointError(InputError):
    """A checkpoint note that cannot be parsed."""


@dataclass(frozen=True)
class Checkpoint:
    origin: str
    tree_size: int
    root_hash: bytes
    note: str  # the full signed note
    key_name: str
    key_hash: bytes

    @property
    def body(self) -> str:
        return body_text(self.origin, self.tree_size, self.root_hash)


def body_text(origin: str, tree_size: int, root_hash: bytes) -> str:
    return f"{origin}\n{tree_size}\n{base64.b64encode(root_hash).decode('ascii')}\n"


def _raw_public(public: Ed25519PublicKey) -> bytes:
    from cryptography.hazmat.primitives import serialization

    return public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def key_hash(name: str, public: Ed25519PublicKey) -> bytes:
    return hashlib.sha256(name.encode("utf-8") + b"\n" + ALG_ED25519 + _raw_public(public)).digest()[:4]


def verifier_key(name: str, public: Ed25519PublicKey) -> str:
    """The note verifier key string (``name+hash+base64key``) to publish next to checkpoints."""
    encoded = base64.b64encode(ALG_ED25519 + _raw_public(public)).decode("ascii")
    return f"{name}+{key_hash(name, public).hex()}+{encoded}"


def check_name(name: str) -> str:
    if not _NAME_RE.match(name):
        raise ConfigError(f"checkpoint key name / origin {name!r} must be non-empty without spaces or '+'")
    return name


def sign_checkpoint(
    origin: str, tree_size: int, root_hash: bytes, private: Ed25519PrivateKey, *, key_name: str | None = None
) -> Checkpoint:
    name = check_name(key_name or origin)
    check_name(origin)
    body = body_text(origin, tree_size, root_hash)
    signature = private.sign(body.encode("utf-8"))
    khash = key_hash(name, private.public_key())
    line = f"{EM_DASH} {name} {base64.b64encode(khash + signature).decode('ascii')}\n"
    return Checkpoint(origin, tree_size, root_hash, body + "\n" + line, name, khash)


def parse_checkpoint(text: str, *, file: str | None = None) -> Checkpoint:
    """The origin, size and root of a note, and its first signature's key name and hash."""

    def fail(message: str) -> CheckpointError:
        return CheckpointError(message, file=file)

    body, sep, sigs = text.partition("\n\n")
    if not sep:
        raise fail("checkpoint note has no blank line between body and signatures")
    lines = body.split("\n")
    if len(lines) < 3:
        raise fail("checkpoint body needs origin, tree size and root hash lines")
    origin, size_text, root_text = lines[0], lines[1], lines[2]
    if not size_text.isdigit():
        raise fail(f"tree size {size_text!r} is not a decimal number")
    try:
        root_hash = base64.b64decode(root_text, validate=True)
    except ValueError:
        raise fail(f"root hash {root_text!r} is not Base64") from None
    if len(root_hash) != 32:
        raise fail(f"root hash has {len(root_hash)} bytes; expected 32 (SHA-256)")
    sig_lines = [s for s in sigs.split("\n") if s]
    if not sig_lines:
        raise fail("checkpoint note carries no signature line")
    parts = sig_lines[0].split(" ")
    if len(parts) != 3 or parts[0] != EM_DASH:
        raise fail(f"signature line {sig_lines[0]!r} is not '— <name> <base64>'")
    try:
        blob = base64.b64decode(parts[2], validate=True)
    except ValueError:
        raise fail("signature is not Base64") from None
    if len(blob) < 5:
        raise fail("signature is too short")
    return Checkpoint(origin, int(size_text), root_hash, text, parts[1], blob[:4])


def verify_checkpoint(
    text: str, public: Ed25519PublicKey, key_name: str, *, file: str | None = None
) -> Checkpoint:
    """The parsed checkpoint if one of its signature lines verifies with ``public``; else CheckFailed."""
    from cryptography.exceptions import InvalidSignature

    cp = parse_checkpoint(text, file=file)
    body, _, sigs = text.partition("\n\n")
    body += "\n"
    want = key_hash(key_name, public)
    for line in sigs.split("\n"):
        parts = line.split(" ")
        if len(parts) != 3 or parts[0] != EM_DASH or parts[1] != key_name:
            continue
        blob = base64.b64decode(parts[2])
        if blob[:4] != want:
            continue
        try:
            public.verify(blob[4:], body.encode("utf-8"))
        except InvalidSignature:
            raise CheckFailed("checkpoint signature does not verify (note altered?)", file=file) from None
        return cp
    raise CheckFailed(f"checkpoint carries no signature by key {key_name} ({want.hex()})", file=file)


def load_ed25519_private(path: Path) -> Ed25519PrivateKey:
    """The ``[signing] key`` as an Ed25519 key (signed notes define Ed25519 only).

    Loaded here with ``cryptography`` rather than through ``ledger.attest.signers``, whose
    signer signs DSSE PAE only; the passphrase convention is the same.
    """
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from cryptography.hazmat.primitives.serialization import load_pem_private_key

    from ledger.attest.signers import load_signer, passphrase_from_env

    load_signer(path, passphrase=passphrase_from_env())  # same checks and messages as build signing
    private = load_pem_private_key(path.read_bytes(), passphrase_from_env())
    if not isinstance(private, Ed25519PrivateKey):
        raise ConfigError(
            "checkpoints are signed notes, which need an Ed25519 key",
            file=str(path),
            hint="generate one with `ledger key generate --type ed25519`",
        )
    return private
