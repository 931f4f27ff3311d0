"""Sigstore keyless signing (needs a network and an OIDC identity) and offline bundle checks.

Where bundles live: a keyless-signed build writes its DSSE envelopes to
``attestations/<build-id>.intoto.jsonl`` like any other build (so in-toto tooling sees them)
and the Sigstore bundles that carry the same envelopes, one bundle JSON per line, to
``attestations/<build-id>.sigstore.jsonl``. ``verify`` checks each bundle against the trust root
file named in ``[trust]`` and the configured identities, without any network access.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from ledger.attest.dsse import PAYLOAD_TYPE, parse_envelope
from ledger.attest.signers import SignedEnvelope
from ledger.errors import AttestationError, ConfigError
from ledger.safeparse import loads_strict

if TYPE_CHECKING:
    from sigstore.models import TrustedRoot

BUNDLE_SUFFIX = ".sigstore.jsonl"
TOKEN_ENV = "SIGSTORE_ID_TOKEN"


class SigstoreUnavailable(ConfigError):
    """Keyless signing cannot run here: no OIDC identity, or Sigstore is unreachable."""


@dataclass(frozen=True)
class SigstoreIdentity:
    """A signer identity to trust: the certificate SAN and the OIDC issuer that vouched for it."""

    san: str
    issuer: str


class SigstoreSigner:
    """Keyless: Fulcio certificate for an OIDC identity, Rekor log entry, DSSE bundle."""

    def __init__(self, identity_token: str | None = None, *, staging: bool = False) -> None:
        self._token = identity_token
        self._staging = staging

    @property
    def description(self) -> str:
        return "sigstore keyless" + (" (staging)" if self._staging else "")

    def _identity_token(self) -> str:
        if self._token:
            return self._token
        env = os.environ.get(TOKEN_ENV)
        if env:
            return env
        from sigstore.oidc import IdentityError, detect_credential

        try:
            ambient = detect_credential()
        except IdentityError as exc:
            raise SigstoreUnavailable(f"cannot obtain an ambient OIDC credential: {exc}") from None
        if not ambient:
            raise SigstoreUnavailable(
                "no OIDC identity for Sigstore keyless signing",
                hint=f"set {TOKEN_ENV}, run in CI with ambient OIDC credentials, "
                "or sign with a key file ([signing] key = ...)",
            )
        return ambient

    def sign_envelope(self, payload_type: str, payload: bytes) -> SignedEnvelope:
        if payload_type != PAYLOAD_TYPE:
            raise ConfigError(f"Sigstore DSSE signing only supports {PAYLOAD_TYPE}")
        import requests
        from sigstore.dsse import Statement
        from sigstore.errors import Error as SigstoreError
        from sigstore.models import ClientTrustConfig
        from sigstore.oidc import IdentityToken
        from sigstore.sign import SigningContext

        raw_token = self._identity_token()
        try:
            token = IdentityToken(raw_token)
            config = ClientTrustConfig.staging() if self._staging else ClientTrustConfig.production()
            context = SigningContext.from_trust_config(config)
            with context.signer(token, cache=True) as signer:
                bundle = signer.sign_dsse(Statement(payload))
        except (SigstoreError, requests.RequestException, OSError) as exc:
            raise SigstoreUnavailable(
                f"Sigstore keyless signing failed: {exc}",
                hint="check network access to Fulcio/Rekor and that the identity token is fresh",
            ) from None
        bundle_json = bundle.to_json()
        envelope = parse_envelope(json.loads(bundle_json)["dsseEnvelope"])
        return SignedEnvelope(envelope=envelope, sigstore_bundle=bundle_json)


def load_trusted_root(path: Path) -> TrustedRoot:
    """A Sigstore trusted root (``trusted_root.json``) read from a file, never from TUF."""
    from sigstore.models import TrustedRoot

    try:
        return TrustedRoot.from_file(str(path))
    except FileNotFoundError:
        raise ConfigError("Sigstore trust root file not found", file=str(path)) from None
    except Exception as exc:  # the models library raises several unrelated types
        raise ConfigError(f"not a Sigstore trusted root: {exc}", file=str(path)) from None


@dataclass(frozen=True)
class BundleLine:
    raw: bytes
    file: Path
    line: int

    @property
    def where(self) -> str:
        return f"{self.file}:{self.line}"


def read_bundle_file(path: Path) -> list[BundleLine]:
    """Every bundle in a ``.sigstore.jsonl`` file; lines that are not JSON objects are errors."""
    from ledger.fsutil import read_regular

    try:
        data = read_regular(path)  # a link to /dev/zero or a FIFO is refused, not read forever
    except OSError as exc:
        raise AttestationError(f"cannot read bundle file: {exc.strerror}", file=str(path)) from None
    out = []
    for number, raw in enumerate(data.split(b"\n"), start=1):
        if not raw.strip():
            continue
        value = loads_strict(
            raw, where=str(path), line=number, error=AttestationError, what="a Sigstore bundle"
        )
        if not isinstance(value, dict) or "dsseEnvelope" not in value:
            raise AttestationError(
                "field 'dsseEnvelope' is missing; expected a Sigstore bundle of a DSSE envelope",
                file=str(path),
                line=number,
            )
        out.append(BundleLine(raw=raw, file=path, line=number))
    return out


@dataclass(frozen=True)
class BundleCheck:
    """Outcome of one bundle: the verified payload and signer, or why it was rejected."""

    payload_type: str | None
    payload: bytes | None
    signer: str | None
    reason: str | None

    @property
    def ok(self) -> bool:
        return self.payload is not None


def verify_bundle(
    line: BundleLine, trusted_root: TrustedRoot, identities: Sequence[SigstoreIdentity]
) -> BundleCheck:
    """Offline: certificate chain, SCT, log inclusion proof, DSSE signature, identity."""
    from sigstore.errors import Error as SigstoreError
    from sigstore.models import Bundle
    from sigstore.verify import Verifier
    from sigstore.verify.policy import Identity

    try:
        bundle = Bundle.from_json(line.raw)
    except Exception as exc:  # pydantic / models errors: a malformed bundle is an input error
        raise AttestationError(
            f"not a valid Sigstore bundle: {exc}", file=str(line.file), line=line.line
        ) from None
    if not identities:
        return BundleCheck(None, None, None, "no Sigstore identities are trusted in [trust]")
    verifier = Verifier(trusted_root=trusted_root)
    reasons = []
    for ident in identities:
        try:
            payload_type, payload = verifier.verify_dsse(
                bundle, Identity(identity=ident.san, issuer=ident.issuer)
            )
        except SigstoreError as exc:
            reasons.append(f"{ident.san}: {exc}")
            continue
        return BundleCheck(payload_type, payload, f"sigstore {ident.san} ({ident.issuer})", None)
    return BundleCheck(None, None, None, "; ".join(reasons))
