"""Trust policy: which signers ``verify`` believes and which levels it requires.

From the ``[trust]`` table of ``ledger.toml``::

    [trust]
    require = ["SIGNED", "BOUND", "TESTED"]          # default
    sigstore_trusted_root = "keys/trusted_root.json" # for Sigstore bundles, read offline

    [[trust.keys]]
    path = "keys/release.pub"    # SubjectPublicKeyInfo PEM, relative to the workspace
    keyid = "9f2c…"              # optional pin: must equal the key id computed from the file

    [[trust.sigstore]]
    san = "https://github.com/org/repo/.github/workflows/release.yml@refs/heads/main"
    issuer = "https://token.actions.githubusercontent.com"

Unknown keys are errors, not ignored: a misspelt ``requires`` must not silently weaken policy.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ledger.attest.sigstore import SigstoreIdentity
from ledger.digest import sha256_canonical, sha256_file
from ledger.errors import ConfigError
from ledger.fsutil import confine
from ledger.safeparse import loads_toml

if TYPE_CHECKING:
    from securesystemslib.signer import SSlibKey

    from ledger.workspace import Workspace


class Level(enum.StrEnum):
    SIGNED = "SIGNED"
    BOUND = "BOUND"
    TESTED = "TESTED"
    REPRODUCED = "REPRODUCED"
    AUTHORIZED = "AUTHORIZED"


LEVEL_ORDER: tuple[Level, ...] = tuple(Level)
DEFAULT_REQUIRED = frozenset({Level.SIGNED, Level.BOUND, Level.TESTED})

_TRUST_KEYS = {"require", "keys", "sigstore", "sigstore_trusted_root"}
_KEY_KEYS = {"path", "keyid"}
_IDENTITY_KEYS = {"san", "issuer"}


@dataclass(frozen=True)
class TrustedKey:
    keyid: str
    key: SSlibKey
    source: str  # the workspace-relative public key file


@dataclass(frozen=True)
class TrustPolicy:
    keys: tuple[TrustedKey, ...] = ()
    identities: tuple[SigstoreIdentity, ...] = ()
    sigstore_trusted_root: Path | None = None
    required: frozenset[Level] = DEFAULT_REQUIRED
    source: str = "defaults"
    _root_digest: str | None = field(default=None, compare=False)

    def describe(self) -> dict[str, Any]:
        """What the policy trusts and requires, as data (hashed into the VSA's policy digest)."""
        return {
            "require": [lvl.value for lvl in LEVEL_ORDER if lvl in self.required],
            "keys": sorted(k.keyid for k in self.keys),
            "sigstore": sorted([i.san, i.issuer] for i in self.identities),
            "sigstore_trusted_root": {"sha256": self._root_digest} if self._root_digest else None,
        }

    def digest(self) -> str:
        return sha256_canonical(self.describe())


def _err(message: str, path: Path, hint: str | None = None) -> ConfigError:
    return ConfigError(message, file=str(path), hint=hint)


def _unknown(table: Mapping[str, Any], allowed: set[str], where: str, path: Path) -> None:
    extra = sorted(set(table) - allowed)
    if extra:
        raise _err(
            f"unknown key {where}.{extra[0]!r}; expected one of {', '.join(sorted(allowed))}",
            path,
        )


def _str(value: Any, where: str, path: Path) -> str:
    if not isinstance(value, str) or not value:
        raise _err(f"{where} must be a non-empty string, got {value!r}", path)
    return value


def parse_trust_table(table: Mapping[str, Any], *, path: Path, root: Path) -> TrustPolicy:
    """A ``TrustPolicy`` from the already-parsed ``[trust]`` table; ``path`` is for messages."""
    from ledger.attest.signers import load_public_key

    _unknown(table, _TRUST_KEYS, "trust", path)

    required = DEFAULT_REQUIRED
    if "require" in table:
        raw = table["require"]
        if not isinstance(raw, list):
            raise _err(f"trust.require must be a list of levels, got {raw!r}", path)
        levels = set()
        for item in raw:
            try:
                levels.add(Level(item))
            except ValueError:
                raise _err(
                    f"trust.require has unknown level {item!r}; expected some of {', '.join(LEVEL_ORDER)}",
                    path,
                ) from None
        required = frozenset(levels)

    keys: list[TrustedKey] = []
    raw_keys = table.get("keys", [])
    if not isinstance(raw_keys, list):
        raise _err("trust.keys must be an array of tables ([[trust.keys]])", path)
    for i, entry in enumerate(raw_keys):
        where = f"trust.keys[{i}]"
        if not isinstance(entry, dict):
            raise _err(f"{where} must be a table with 'path' (and optional 'keyid')", path)
        _unknown(entry, _KEY_KEYS, where, path)
        if "path" not in entry:
            raise _err(
                f"{where} has no 'path'; a keyid alone cannot verify a signature",
                path,
                hint='add path = "keys/<name>.pub" (written by `ledger key generate`)',
            )
        rel = _str(entry["path"], f"{where}.path", path)
        key = load_public_key(confine(root, rel, what=f"{where}.path"))
        if "keyid" in entry:
            pinned = _str(entry["keyid"], f"{where}.keyid", path)
            if pinned != key.keyid:
                raise _err(
                    f"{where}.keyid {pinned} does not match the key in {rel} ({key.keyid})",
                    path,
                )
        keys.append(TrustedKey(keyid=key.keyid, key=key, source=rel))

    identities: list[SigstoreIdentity] = []
    raw_ids = table.get("sigstore", [])
    if not isinstance(raw_ids, list):
        raise _err("trust.sigstore must be an array of tables ([[trust.sigstore]])", path)
    for i, entry in enumerate(raw_ids):
        where = f"trust.sigstore[{i}]"
        if not isinstance(entry, dict):
            raise _err(f"{where} must be a table with 'san' and 'issuer'", path)
        _unknown(entry, _IDENTITY_KEYS, where, path)
        for needed in ("san", "issuer"):
            if needed not in entry:
                raise _err(f"{where} has no {needed!r}; both san and issuer are required", path)
        identities.append(
            SigstoreIdentity(
                san=_str(entry["san"], f"{where}.san", path),
                issuer=_str(entry["issuer"], f"{where}.issuer", path),
            )
        )

    trusted_root: Path | None = None
    root_digest: str | None = None
    if "sigstore_trusted_root" in table:
        rel = _str(table["sigstore_trusted_root"], "trust.sigstore_trusted_root", path)
        trusted_root = confine(root, rel, what="trust.sigstore_trusted_root")
        if not trusted_root.is_file():
            raise _err(f"trust.sigstore_trusted_root {rel} does not exist", path)
        root_digest = sha256_file(trusted_root)
    if identities and trusted_root is None:
        raise _err(
            "trust.sigstore identities need trust.sigstore_trusted_root",
            path,
            hint="point it at a Sigstore trusted_root.json so bundles verify offline",
        )

    return TrustPolicy(
        keys=tuple(keys),
        identities=tuple(identities),
        sigstore_trusted_root=trusted_root,
        required=required,
        source=str(path),
        _root_digest=root_digest,
    )


def read_config(workspace: Workspace) -> dict[str, Any]:
    """``ledger.toml`` parsed, or ``{}`` when the workspace has none."""
    path = workspace.config_path
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return {}
    except OSError as exc:
        raise ConfigError(f"cannot read: {exc.strerror}", file=str(path)) from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigError(f"not UTF-8 at byte {exc.start}; TOML files are UTF-8", file=str(path)) from None
    return loads_toml(text, where=str(path), error=ConfigError)


def load_trust_policy(workspace: Workspace) -> TrustPolicy:
    """The workspace's trust policy (only ``[trust]`` is read here)."""
    config = read_config(workspace)
    table = config.get("trust", {})
    if not isinstance(table, dict):
        raise ConfigError("'trust' must be a table", file=str(workspace.config_path))
    return parse_trust_table(table, path=workspace.config_path, root=workspace.root)


def signing_key_path(workspace: Workspace) -> Path | None:
    """``[signing] key``: the private key used to sign builds and VSAs (None if unset)."""
    config = read_config(workspace)
    table = config.get("signing", {})
    if not isinstance(table, dict):
        raise ConfigError("'signing' must be a table", file=str(workspace.config_path))
    if "key" not in table:
        return None
    # Private keys usually live outside the repository: absolute and ~ paths are allowed.
    rel = Path(_str(table["key"], "signing.key", workspace.config_path)).expanduser()
    return rel if rel.is_absolute() else workspace.root / rel
