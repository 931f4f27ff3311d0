"""``ledger init``: a new workspace with commented defaults, a signing key and a trust policy."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ledger.errors import ConfigError
from ledger.fsutil import atomic_write_text

LEDGER_TOML = """\
# spec-ledger workspace configuration. Every table is optional; unknown keys are errors.

[signing]
# Private key that signs attestations, checkpoints and approvals (ed25519 or ECDSA P-256 PEM).
# An encrypted key takes its passphrase from $LEDGER_KEY_PASSPHRASE.
{signing}

[trust]
# Levels `ledger verify` requires: SIGNED, BOUND, TESTED, REPRODUCED, AUTHORIZED.
require = ["SIGNED", "BOUND", "TESTED"]
# sigstore_trusted_root = "keys/trusted_root.json"   # for Sigstore bundles, checked offline

{trusted_keys}
# [[trust.sigstore]]                                  # a Sigstore keyless identity
# san = "https://github.com/ORG/REPO/.github/workflows/build.yml@refs/heads/main"
# issuer = "https://token.actions.githubusercontent.com"

[redaction]
# Environment variables whose values are secrets, on top of API keys and tokens that are
# always recognised. Their values never reach the trajectory or the ledger.
env = []

[sandbox]
# Where agent tool calls run: "bwrap" (no network, read-only system) or "none" (unconfined,
# recorded as such in every trajectory and attestation).
kind = "bwrap"
"""

GITIGNORE = """\
# spec-ledger local state: the index and object store are rebuilt from attestations/
.ledger/
code-from-spec/.manifest.lock
"""


@dataclass(frozen=True)
class InitResult:
    root: Path
    created: tuple[str, ...]
    keyid: str | None


def init_workspace(root: Path, *, key: Path | None = None, generate_key: bool = True) -> InitResult:
    """Create ledger.toml, recipes/, attestations/, code-from-spec/ and .gitignore under ``root``.

    Refuses to overwrite an existing ledger.toml. With ``key`` an existing private key is
    used; otherwise a new ed25519 key is generated under keys/ (mode 0600).
    """
    from ledger.attest.signers import generate_key as make_key
    from ledger.attest.signers import load_signer, passphrase_from_env

    root.mkdir(parents=True, exist_ok=True)
    config = root / "ledger.toml"
    if config.exists():
        raise ConfigError(f"{config} already exists", hint="edit it, or init a different directory")
    created: list[str] = []
    for folder in ("code-from-spec", "recipes", "attestations", "keys"):
        if not (root / folder).exists():
            (root / folder).mkdir()
            created.append(folder + "/")
    keyid: str | None = None
    key_rel: str | None
    pub_rel: str | None
    if key is not None:
        signer = load_signer(key, passphrase=passphrase_from_env())
        keyid = signer.keyid
        key_rel = _rel(root, key)
        pub_rel = _rel(root, key.with_suffix(".pub")) if key.with_suffix(".pub").exists() else None
    elif generate_key:
        private = root / "keys" / "signing.pem"
        generated = make_key("ed25519", private, passphrase=passphrase_from_env())
        keyid = generated.keyid
        key_rel, pub_rel = "keys/signing.pem", generated.public_path.relative_to(root).as_posix()
        created += [key_rel, pub_rel]
    else:
        key_rel = pub_rel = None
    signing = f'key = "{key_rel}"' if key_rel else '# key = "keys/signing.pem"   # `ledger key generate`'
    if pub_rel:
        trusted = f'[[trust.keys]]\npath = "{pub_rel}"\nkeyid = "{keyid}"\n'
    else:
        trusted = '# [[trust.keys]]\n# path = "keys/signing.pub"\n'
    atomic_write_text(config, LEDGER_TOML.format(signing=signing, trusted_keys=trusted))
    created.append("ledger.toml")
    gitignore = root / ".gitignore"
    if not gitignore.exists():
        atomic_write_text(gitignore, GITIGNORE)
        created.append(".gitignore")
    elif ".ledger/" not in gitignore.read_text():
        atomic_write_text(gitignore, gitignore.read_text().rstrip("\n") + "\n" + GITIGNORE)
    return InitResult(root, tuple(created), keyid)


def _rel(root: Path, path: Path) -> str:
    resolved = path.resolve()
    try:
        return resolved.relative_to(root.resolve()).as_posix()
    except ValueError:
        return str(resolved)
