"""``[trust]`` parsing: unknown keys and weak configurations are errors, not silence."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from ledger.attest.policy import DEFAULT_REQUIRED, Level, load_trust_policy, parse_trust_table
from ledger.attest.signers import generate_key
from ledger.errors import ConfigError, PathEscapeError
from ledger.workspace import Workspace


@pytest.fixture
def root(tmp_path: Path) -> Path:
    generate_key("ecdsa-p256", tmp_path / "keys/ci.pem", passphrase=None)
    return tmp_path


def parse(root: Path, text: str) -> object:
    table = tomllib.loads(text).get("trust", {})
    return parse_trust_table(table, path=root / "ledger.toml", root=root)


def test_keys_identities_and_required_levels(root: Path) -> None:
    (root / "keys/root.json").write_text("{}")
    policy = parse(
        root,
        """
        [trust]
        require = ["SIGNED", "BOUND"]
        sigstore_trusted_root = "keys/root.json"
        [[trust.keys]]
        path = "keys/ci.pub"
        [[trust.sigstore]]
        san = "release@example.com"
        issuer = "https://accounts.google.com"
        """,
    )
    assert policy.required == {Level.SIGNED, Level.BOUND}  # type: ignore[attr-defined]
    assert [k.source for k in policy.keys] == ["keys/ci.pub"]  # type: ignore[attr-defined]
    assert policy.identities[0].san == "release@example.com"  # type: ignore[attr-defined]


def test_missing_config_gives_the_default_policy(tmp_path: Path) -> None:
    policy = load_trust_policy(Workspace(tmp_path))
    assert policy.required == DEFAULT_REQUIRED and policy.keys == ()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[trust]\nrequires = ["SIGNED"]', "unknown key trust.'requires'"),
        ('[trust]\nrequire = ["SIGNED", "BLESSED"]', "unknown level 'BLESSED'"),
        ('[[trust.keys]]\nkeyid = "abc"', "a keyid alone cannot verify"),
        ('[[trust.keys]]\npath = "keys/ci.pub"\nkeyid = "abc"', "does not match the key"),
        ('[[trust.keys]]\npath = "keys/ci.pub"\nfile = "x"', "unknown key trust.keys[0].'file'"),
        ('[[trust.sigstore]]\nsan = "me@example.com"', "no 'issuer'"),
        (
            '[[trust.sigstore]]\nsan = "a@b.c"\nissuer = "https://x"',
            "need trust.sigstore_trusted_root",
        ),
    ],
)
def test_bad_trust_tables_name_the_key(root: Path, text: str, message: str) -> None:
    with pytest.raises(ConfigError, match=r"ledger\.toml: ") as info:
        parse(root, text)
    assert message in str(info.value)
    assert info.value.exit_code == 2


def test_key_paths_stay_inside_the_workspace(root: Path) -> None:
    with pytest.raises(PathEscapeError):
        parse(root, '[[trust.keys]]\npath = "../elsewhere.pub"')
