"""Signers: the protocol every backend implements, and local key files (ed25519, ECDSA P-256).

Key files are PKCS#8 PEM (optionally encrypted with ``LEDGER_KEY_PASSPHRASE``); public keys are
SubjectPublicKeyInfo PEM, readable by openssl and cosign. Key ids follow the securesystemslib
convention (SHA-256 of the canonical ``{keytype, scheme, keyval}`` dict) so that
securesystemslib and in-toto verify our envelopes with the same key id, independently of us.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal, Protocol

from ledger.attest.dsse import Envelope, Signature
from ledger.errors import ConfigError
from ledger.fsutil import atomic_write_bytes

if TYPE_CHECKING:
    from securesystemslib.signer import CryptoSigner, SSlibKey

PASSPHRASE_ENV = "LEDGER_KEY_PASSPHRASE"
KeyType = Literal["ed25519", "ecdsa-p256"]
KEY_TYPES: tuple[KeyType, ...] = ("ed25519", "ecdsa-p256")


@dataclass(frozen=True)
class SignedEnvelope:
    """A signed envelope, plus the Sigstore bundle that carries it when signed keyless."""

    envelope: Envelope
    sigstore_bundle: str | None = None


class Signer(Protocol):
    """Anything that can sign a DSSE payload (a key file, Sigstore keyless)."""

    @property
    def description(self) -> str:
        """Who signs, for status lines and the VSA (a keyid, an identity)."""
        ...

    def sign_envelope(self, payload_type: str, payload: bytes) -> SignedEnvelope: ...


class KeyFileSigner:
    """Signs with a local private key through securesystemslib's ``CryptoSigner``."""

    def __init__(self, signer: CryptoSigner, path: Path) -> None:
        self._signer = signer
        self.path = path

    @property
    def public_key(self) -> SSlibKey:
        return self._signer.public_key

    @property
    def keyid(self) -> str:
        return self._signer.public_key.keyid

    @property
    def description(self) -> str:
        return f"key {self.keyid} ({self.path})"

    def sign_envelope(self, payload_type: str, payload: bytes) -> SignedEnvelope:
        from ledger.attest.dsse import pae

        sig = self._signer.sign(pae(payload_type, payload))
        return SignedEnvelope(
            Envelope(
                payload_type=payload_type,
                payload=payload,
                signatures=(Signature(keyid=sig.keyid, sig=bytes.fromhex(sig.signature)),),
            )
        )


@dataclass(frozen=True)
class GeneratedKey:
    private_path: Path
    public_path: Path
    keyid: str
    key_type: KeyType


def public_path_for(private_path: Path) -> Path:
    return private_path.with_name(private_path.name.removesuffix(".pem") + ".pub")


def passphrase_from_env() -> bytes | None:
    value = os.environ.get(PASSPHRASE_ENV)
    return value.encode("utf-8") if value else None


def generate_key(
    key_type: KeyType, private_path: Path, *, passphrase: bytes | None, overwrite: bool = False
) -> GeneratedKey:
    """A new key pair: private PEM (mode 0600) and ``<name>.pub`` next to it."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec, ed25519
    from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes
    from securesystemslib.signer import SSlibKey

    public_path = public_path_for(private_path)
    if not overwrite:
        for existing in (private_path, public_path):
            if existing.exists():
                raise ConfigError(
                    f"{existing} already exists",
                    hint="pass --force to replace it (old signatures stay verifiable only "
                    "if you keep the old public key in [trust])",
                )
    private: PrivateKeyTypes
    if key_type == "ed25519":
        private = ed25519.Ed25519PrivateKey.generate()
    elif key_type == "ecdsa-p256":
        private = ec.generate_private_key(ec.SECP256R1())
    else:
        raise ConfigError(f"key type {key_type!r}; expected one of {', '.join(KEY_TYPES)}")
    encryption: serialization.KeySerializationEncryption = (
        serialization.BestAvailableEncryption(passphrase) if passphrase else serialization.NoEncryption()
    )
    pem = private.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption)
    public = private.public_key()
    pub_pem = public.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    atomic_write_bytes(private_path, pem, mode=0o600)
    atomic_write_bytes(public_path, pub_pem, mode=0o644)
    keyid = SSlibKey.from_crypto(public).keyid
    return GeneratedKey(private_path, public_path, keyid, key_type)


def load_signer(path: Path, *, passphrase: bytes | None = None) -> KeyFileSigner:
    """A signer for a PEM private key; the key type is inferred from the file."""
    from cryptography.hazmat.primitives.asymmetric import ec, ed25519
    from cryptography.hazmat.primitives.serialization import load_pem_private_key
    from securesystemslib.signer import CryptoSigner

    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ConfigError(f"cannot read signing key: {exc.strerror}", file=str(path)) from None
    try:
        private = load_pem_private_key(data, passphrase)
    except TypeError:
        if passphrase is None:
            raise ConfigError(
                "signing key is encrypted and no passphrase was given",
                file=str(path),
                hint=f"set {PASSPHRASE_ENV}",
            ) from None
        raise ConfigError(
            "signing key is not encrypted but a passphrase was given",
            file=str(path),
            hint=f"unset {PASSPHRASE_ENV}",
        ) from None
    except ValueError as exc:
        raise ConfigError(
            f"not a usable PEM private key (wrong passphrase?): {exc}", file=str(path)
        ) from None
    ok = isinstance(private, ed25519.Ed25519PrivateKey) or (
        isinstance(private, ec.EllipticCurvePrivateKey) and private.curve.name == "secp256r1"
    )
    if not ok:
        raise ConfigError(
            f"unsupported key type {type(private).__name__}; expected ed25519 or ECDSA P-256",
            file=str(path),
        )
    return KeyFileSigner(CryptoSigner(private), path)


def load_public_key(path: Path) -> SSlibKey:
    """A trusted public key from a SubjectPublicKeyInfo PEM file."""
    from cryptography.hazmat.primitives.asymmetric import ec, ed25519
    from cryptography.hazmat.primitives.serialization import load_pem_public_key
    from securesystemslib.signer import SSlibKey

    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ConfigError(f"cannot read public key: {exc.strerror}", file=str(path)) from None
    try:
        public = load_pem_public_key(data)
    except ValueError as exc:
        raise ConfigError(f"not a PEM public key: {exc}", file=str(path)) from None
    ok = isinstance(public, ed25519.Ed25519PublicKey) or (
        isinstance(public, ec.EllipticCurvePublicKey) and public.curve.name == "secp256r1"
    )
    if not ok:
        raise ConfigError(
            f"unsupported public key {type(public).__name__}; expected ed25519 or ECDSA P-256",
            file=str(path),
        )
    return SSlibKey.from_crypto(public)
