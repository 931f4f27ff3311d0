"""The [approvals] table: CODEOWNERS-like patterns and strict parsing with file:line errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from ledger.approve import compile_pattern, load_approval_policy
from ledger.attest.signers import generate_key
from ledger.errors import ConfigError
from ledger.workspace import Workspace


@pytest.mark.parametrize(
    ("pattern", "node", "matches"),
    [
        ("SPEC/payments/**", "SPEC/payments", True),  # ** is zero or more segments
        ("SPEC/payments/**", "SPEC/payments/refunds/eu", True),
        ("SPEC/payments/**", "SPEC/paymentsx", False),
        ("SPEC/*/api", "SPEC/payments/api", True),
        ("SPEC/*/api", "SPEC/payments/eu/api", False),  # * stays inside one segment
        ("SPEC/pay*", "SPEC/payments", True),
        ("SPEC/payments", "SPEC/payments/refunds", False),
        ("SPEC/a.b", "SPEC/aXb", False),  # everything but * is literal
    ],
)
def test_patterns(pattern: str, node: str, matches: bool) -> None:
    assert (compile_pattern(pattern).fullmatch(node) is not None) is matches


def _ws(tmp_path: Path, toml: str) -> Workspace:
    generate_key("ed25519", tmp_path / "keys" / "alice.pem", passphrase=None)
    (tmp_path / "ledger.toml").write_text(toml)
    return Workspace(tmp_path)


def test_a_full_table_parses(tmp_path: Path) -> None:
    ws = _ws(
        tmp_path,
        '[approvals]\ncarry_over = false\n\n[[approvals.rules]]\npattern = "SPEC/payments/**"\n'
        'roles = ["security", "payments"]\nmin_approvals = 2\nbuilds = true\n\n'
        '[[approvals.keys]]\npath = "keys/alice.pub"\nname = "alice"\nroles = ["security"]\n',
    )
    policy = load_approval_policy(ws)
    assert policy.configured and not policy.carry_over and not policy.self_approval
    (rule,) = policy.rules_for("SPEC/payments/refunds")
    assert rule.roles == ("security", "payments") and rule.min_approvals == 2 and rule.builds
    assert policy.rules_for("SPEC/textkit") == ()
    (alice,) = policy.keys
    assert alice.name == "alice" and policy.roles_of(alice.keyid) == ("security",)


def test_no_table_means_not_configured(tmp_path: Path) -> None:
    assert not load_approval_policy(_ws(tmp_path, "")).configured


@pytest.mark.parametrize(
    ("toml", "fragment", "line"),
    [
        ("[approvals]\nself_aproval = true\n", "unknown key approvals.'self_aproval'", 2),
        (
            '[approvals]\n[[approvals.rules]]\npattern = "SPEC/a"\nroles = ["x"]\n\n'
            '[[approvals.rules]]\npattern = "SPEC/b"\nroles = ["x"]\nmin_approval = 2\n',
            "unknown key approvals.rules[1].'min_approval'",
            9,
        ),
        ('[approvals]\n[[approvals.rules]]\npattern = "payments/**"\nroles = ["x"]\n', "pattern must be", 3),
        (
            '[approvals]\n[[approvals.rules]]\npattern = "SPEC/a"\nroles = []\n',
            "roles must be a non-empty",
            4,
        ),
        (
            '[approvals]\n[[approvals.rules]]\npattern = "SPEC/a"\nroles = ["x"]\nmin_approvals = 0\n',
            "min_approvals must be an integer >= 1",
            5,
        ),
        (
            '[approvals]\n[[approvals.keys]]\nkeyid = "abc"\nroles = ["x"]\n',
            "is not a [[trust.keys]] key and no path is given",
            3,
        ),
        (
            '[approvals]\n[[approvals.keys]]\npath = "keys/alice.pub"\nkeyid = "00"\nroles = ["x"]\n',
            "does not match the key in keys/alice.pub",
            4,
        ),
    ],
)
def test_bad_tables_name_the_key_and_line(tmp_path: Path, toml: str, fragment: str, line: int) -> None:
    with pytest.raises(ConfigError) as info:
        load_approval_policy(_ws(tmp_path, toml))
    assert fragment in str(info.value)
    assert info.value.line == line and info.value.file is not None and info.value.file.endswith("ledger.toml")
