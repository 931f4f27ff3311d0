"""``ledger key generate``: file modes, key ids securesystemslib agrees with, passphrases."""

from __future__ import annotations

import json
import stat
from collections.abc import Callable
from pathlib import Path

import pytest
from attest_helpers import Result
from cryptography.hazmat.primitives.serialization import load_pem_public_key
from securesystemslib.signer import SSlibKey

from ledger.attest.signers import load_signer
from ledger.errors import ConfigError

Run = Callable[..., Result]


@pytest.mark.parametrize(("key_type", "keytype"), [("ed25519", "ed25519"), ("ecdsa-p256", "ecdsa")])
def test_generate_writes_0600_private_key_and_pub(
    tmp_path: Path, run_ledger: Run, key_type: str, keytype: str
) -> None:
    out = tmp_path / "keys" / "release.pem"

    result = run_ledger("key", "generate", "--type", key_type, "--out", str(out), "--json")

    assert result.exit_code == 0, result.stderr
    info = json.loads(result.stdout)
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    public = SSlibKey.from_crypto(load_pem_public_key((tmp_path / "keys/release.pub").read_bytes()))
    assert public.keytype == keytype
    assert info["keyid"] == public.keyid == load_signer(out).keyid
    assert info["encrypted"] is False


def test_passphrase_from_env_encrypts_the_key(
    tmp_path: Path, run_ledger: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LEDGER_KEY_PASSPHRASE", "correct horse")
    out = tmp_path / "k.pem"

    assert run_ledger("key", "generate", "--out", str(out)).exit_code == 0

    assert b"ENCRYPTED PRIVATE KEY" in out.read_bytes()
    assert load_signer(out, passphrase=b"correct horse").keyid
    with pytest.raises(ConfigError, match="encrypted and no passphrase"):
        load_signer(out)
    with pytest.raises(ConfigError, match="wrong passphrase"):
        load_signer(out, passphrase=b"battery staple")


def test_existing_key_is_not_overwritten(tmp_path: Path, run_ledger: Run) -> None:
    out = tmp_path / "k.pem"
    assert run_ledger("key", "generate", "--out", str(out)).exit_code == 0
    before = out.read_bytes()

    result = run_ledger("key", "generate", "--out", str(out))

    assert result.exit_code == 2
    assert "already exists" in result.stderr and "--force" in result.stderr
    assert out.read_bytes() == before
    assert run_ledger("key", "generate", "--out", str(out), "--force").exit_code == 0
    assert out.read_bytes() != before
