"""AUTHORIZED end to end: real signed builds, real approval envelopes, `ledger verify` exit codes."""

from __future__ import annotations

import base64
import json
from pathlib import Path

from tests.approve.conftest import approve_as, authorized, build, configure, verify

ROMAN_RULE = """
[approvals]
[[approvals.rules]]
pattern = "SPEC/textkit/roman/**"
roles = ["security"]
"""


def test_verify_fails_until_every_covered_node_is_approved_then_passes(workspace: Path) -> None:
    configure(
        workspace, '[approvals]\n[[approvals.rules]]\npattern = "SPEC/textkit/**"\nroles = ["security"]\n'
    )

    code, verdict = verify(workspace)
    status, reason = authorized(verdict)
    assert code == 1 and status == "failed"
    assert "SPEC/textkit (sha256:" in reason and "SPEC/textkit/roman (sha256:" in reason
    assert "lacks role 'security': 0 of 1" in reason

    approve_as(workspace, "alice", "SPEC/textkit/roman")
    code, verdict = verify(workspace)
    status, reason = authorized(verdict)
    assert code == 1 and status == "failed"
    assert reason.startswith("SPEC/textkit (sha256:") and "SPEC/textkit/roman" not in reason

    approve_as(workspace, "alice", "SPEC/textkit", "--note", "CHG-42")
    code, verdict = verify(workspace)
    status, reason = authorized(verdict)
    assert code == 0 and status == "met", reason
    assert "security by alice" in reason
    assert verdict["ok"] is True


def test_a_spec_edit_after_approval_needs_a_new_approval_of_that_node(workspace: Path) -> None:
    configure(workspace, ROMAN_RULE)
    approve_as(workspace, "alice", "SPEC/textkit/roman")
    code, verdict = verify(workspace)
    assert code == 0 and authorized(verdict)[0] == "met"

    node = workspace / "code-from-spec/textkit/roman/_node.md"
    before = node.read_text()
    node.write_text(before.replace("the numbers 1 to 3999.", "the numbers 1 to 3999 only."))
    assert node.read_text() != before

    # the existing build is now STALE, but it was built from exactly the approved content
    code, verdict = verify(workspace)
    assert code == 1
    assert verdict["levels"]["BOUND"]["status"] == "failed"
    assert (
        "STALE" in verdict["levels"]["BOUND"]["reason"]
        and "SPEC/textkit/roman" in verdict["levels"]["BOUND"]["reason"]
    )
    assert authorized(verdict)[0] == "met"

    # a build from the edited spec is current but not authorized: the verdict names node and role
    build(workspace)
    code, verdict = verify(workspace)
    status, reason = authorized(verdict)
    assert code == 1 and verdict["levels"]["BOUND"]["status"] == "met"
    assert status == "failed"
    assert reason.startswith("SPEC/textkit/roman (sha256:") and "lacks role 'security'" in reason
    assert "approved only at other content" in reason and "changed since" in reason
    assert "AGENT[SPEC/textkit/roman]" not in reason  # the # Agent text did not change: still approved

    approve_as(workspace, "alice", "SPEC/textkit/roman")
    code, verdict = verify(workspace)
    assert code == 0 and authorized(verdict)[0] == "met"


def test_an_approval_by_a_key_without_the_role_is_rejected_with_the_reason(workspace: Path) -> None:
    configure(workspace, ROMAN_RULE)
    from click.testing import CliRunner

    from ledger.cli.approve import approve

    bob = CliRunner().invoke(
        approve,
        [
            "SPEC/textkit/roman",
            "--role",
            "security",
            "--key",
            str(workspace / "keys/bob.pem"),
            "-w",
            str(workspace),
        ],
    )
    assert bob.exit_code == 0, bob.output
    assert "does not hold role 'security'" in bob.stderr  # warned at signing time already

    code, verdict = verify(workspace)
    status, reason = authorized(verdict)
    assert code == 1 and status == "failed"
    assert "by bob" in reason and "rejected: that key does not hold role 'security'" in reason


def test_min_approvals_counts_distinct_keys(workspace: Path) -> None:
    configure(
        workspace, ROMAN_RULE.replace('roles = ["security"]', 'roles = ["security"]\nmin_approvals = 2')
    )
    (workspace / "ledger.toml").write_text(
        (workspace / "ledger.toml").read_text().replace('roles = ["docs"]', 'roles = ["docs", "security"]')
    )
    approve_as(workspace, "alice", "SPEC/textkit/roman")
    approve_as(workspace, "alice", "SPEC/textkit/roman")
    code, verdict = verify(workspace)
    assert code == 1 and "1 of 2 approval(s)" in authorized(verdict)[1]

    approve_as(workspace, "bob", "SPEC/textkit/roman", "--role", "security")
    code, verdict = verify(workspace)
    assert code == 0, authorized(verdict)


def test_self_approval_by_the_builds_own_signer_is_refused(workspace: Path) -> None:
    rule = '[approvals]\nself_approval = false\n[[approvals.rules]]\npattern = "SPEC/textkit/roman"\nroles = ["release"]\nbuilds = true\n'
    keys = '\n[[approvals.keys]]\npath = "keys/signing.pub"\nname = "ci"\nroles = ["release"]\n'
    keys += '\n[[approvals.keys]]\npath = "keys/carol.pub"\nname = "carol"\nroles = ["release"]\n'
    configure(workspace, rule + keys)
    summary = json.loads((workspace / "build.json").read_text())

    approve_as(workspace, "signing", "SPEC/textkit/roman")
    built = approve_as(workspace, "signing", "src/textkit/roman.py")  # an artifact: its newest build
    assert built["target"] == {
        "kind": "build",
        "build_id": summary["build_id"],
        "subjects": summary["artifacts"],
    }
    code, verdict = verify(workspace)
    status, reason = authorized(verdict)
    assert code == 1 and status == "failed"
    assert f"build {summary['build_id']} lacks role 'release'" in reason
    assert "by ci" in reason and "self-approval by the build's own signer (self_approval = false)" in reason

    approve_as(workspace, "carol", "SPEC/textkit/roman")
    code, verdict = verify(workspace)
    assert code == 1 and authorized(verdict)[1].startswith(f"build {summary['build_id']}")  # spec now ok
    approve_as(workspace, "carol", summary["build_id"])  # a build id works as TARGET too
    code, verdict = verify(workspace)
    assert code == 0, authorized(verdict)


def test_a_tampered_approval_envelope_is_ignored(workspace: Path) -> None:
    configure(workspace, ROMAN_RULE)
    written = approve_as(workspace, "alice", "SPEC/textkit/roman")
    assert verify(workspace)[0] == 0

    path = workspace / written["file"]
    envelope = json.loads(path.read_text())
    payload = bytearray(base64.b64decode(envelope["payload"]))
    at = payload.index(b'"role":"security"') + len('"role":"')
    payload[at] = ord("S")  # one byte: "security" -> "Security"
    envelope["payload"] = base64.b64encode(bytes(payload)).decode()
    path.write_text(json.dumps(envelope) + "\n")

    code, verdict = verify(workspace)
    status, reason = authorized(verdict)
    assert code == 1 and status == "failed"
    assert "lacks role 'security': 0 of 1" in reason
    assert f"1 approval envelope(s) rejected, first {written['file']}:1" in reason
    assert "does not verify" in reason


def test_an_approval_signed_by_an_unknown_key_never_counts(workspace: Path) -> None:
    configure(workspace, ROMAN_RULE)
    approve_as(workspace, "mallory", "SPEC/textkit/roman", "--role", "security")
    code, verdict = verify(workspace)
    status, reason = authorized(verdict)
    assert code == 1 and status == "failed"
    assert "which neither [trust] nor [approvals] lists" in reason
