"""``ledger verify``: the tamper matrix of issue 5, staleness, test results, VSA, offline."""

from __future__ import annotations

import base64
import json
import socket
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from attest_helpers import (
    MEMBERS,
    PASSED,
    TODAY,
    FakeChain,
    FakeMember,
    Result,
    Workspace,
    build_inputs,
    write_config,
)
from securesystemslib.dsse import Envelope as SslibEnvelope

from ledger.attest import statement as st
from ledger.attest.files import attest_build
from ledger.attest.signers import generate_key, load_signer
from ledger.digest import sha256_hex

Run = Callable[..., Result]
SCHEMA = Path(__file__).resolve().parents[2] / "attestations/schema/statement.schema.json"


def lines(path: Path) -> list[dict[str, Any]]:
    return [json.loads(x) for x in path.read_text().splitlines()]


def write_lines(path: Path, envelopes: list[dict[str, Any]]) -> None:
    path.write_text("".join(json.dumps(e) + "\n" for e in envelopes))


def edit_statement(envelope: dict[str, Any], change: Callable[[dict[str, Any]], None]) -> None:
    """Change the signed statement without re-signing: what an attacker can do."""
    statement = json.loads(base64.b64decode(envelope["payload"]))
    change(statement)
    envelope["payload"] = base64.b64encode(json.dumps(statement).encode()).decode()


def flip(data: bytes, index: int) -> bytes:
    return data[:index] + bytes([data[index] ^ 0x01]) + data[index + 1 :]


def verify(run: Run, ws: Workspace, *args: str, chain: FakeChain = TODAY) -> Result:
    result = run("verify", "--workspace", str(ws.root), *args, chain=chain)
    assert "Traceback" not in result.stdout + result.stderr
    return result


def test_untouched_build_meets_the_default_policy(ws: Workspace, run_ledger: Run) -> None:
    result = verify(run_ledger, ws, str(ws.artifact))

    assert result.exit_code == 0, result.stderr
    assert "internal/cache/cache.go" in result.stdout
    assert "SIGNED BOUND TESTED" in result.stdout
    assert "OK" in result.stdout


# -------------------------------------------------------------------- the tamper matrix


def tamper_artifact(ws: Workspace) -> None:
    ws.artifact.write_bytes(flip(ws.artifact.read_bytes(), 3))


def tamper_payload(ws: Workspace) -> None:
    envs = lines(ws.envelope_file())
    raw = base64.b64decode(envs[0]["payload"])
    envs[0]["payload"] = base64.b64encode(flip(raw, len(raw) // 2)).decode()
    write_lines(ws.envelope_file(), envs)


def tamper_signature(ws: Workspace) -> None:
    envs = lines(ws.envelope_file())
    sig = base64.b64decode(envs[0]["signatures"][0]["sig"])
    envs[0]["signatures"][0]["sig"] = base64.b64encode(flip(sig, 5)).decode()
    write_lines(ws.envelope_file(), envs)


def tamper_payload_type(ws: Workspace) -> None:
    envs = lines(ws.envelope_file())
    envs[0]["payloadType"] = "application/vnd.in-toto+jsoN"
    write_lines(ws.envelope_file(), envs)


def tamper_subject_digest(ws: Workspace) -> None:
    envs = lines(ws.envelope_file())

    def change(s: dict[str, Any]) -> None:
        s["subject"][0]["digest"]["sha256"] = sha256_hex(ws.other_artifact.read_bytes())

    edit_statement(envs[0], change)
    write_lines(ws.envelope_file(), envs)


def tamper_dependency_digest(ws: Workspace) -> None:
    envs = lines(ws.envelope_file())

    def change(s: dict[str, Any]) -> None:
        deps = s["predicate"]["buildDefinition"]["resolvedDependencies"]
        deps[0]["digest"]["sha256"] = sha256_hex(b"a different spec")

    edit_statement(envs[0], change)
    write_lines(ws.envelope_file(), envs)


def resign_with_untrusted_key(ws: Workspace) -> None:
    made = generate_key("ed25519", ws.root.parent / "mallory.pem", passphrase=None)
    ws.envelope_file().unlink()
    attest_build(ws.attestations, build_inputs(ws.root), PASSED, load_signer(made.private_path))


@pytest.mark.parametrize(
    ("tamper", "reason"),
    [
        (tamper_artifact, "no provenance from a trusted signer names sha256:"),
        (tamper_payload, "does not verify"),
        (tamper_signature, "does not verify"),
        (tamper_payload_type, "does not verify"),
        (tamper_subject_digest, "does not verify"),
        (tamper_dependency_digest, "does not verify"),
        (resign_with_untrusted_key, "which [trust] does not list"),
    ],
    ids=lambda p: getattr(p, "__name__", "reason"),
)
def test_tampering_is_not_signed(
    ws: Workspace, run_ledger: Run, tamper: Callable[[Workspace], None], reason: str
) -> None:
    tamper(ws)

    result = verify(run_ledger, ws, str(ws.artifact))

    assert result.exit_code == 1
    [line] = [x for x in result.stderr.splitlines() if x.startswith("error:")]
    assert line.startswith("error: internal/cache/cache.go: SIGNED: ")
    assert reason in line
    assert "NOT MET" in result.stdout


def test_a_changed_artifact_is_told_apart_from_one_never_built(ws: Workspace, run_ledger: Run) -> None:
    """The forensic answer to a failed SIGNED: which build made this path, and as what bytes."""
    built = sha256_hex(ws.artifact.read_bytes())
    tamper_artifact(ws)

    result = verify(run_ledger, ws, str(ws.artifact))

    assert result.exit_code == 1
    [line] = [x for x in result.stderr.splitlines() if x.startswith("error:")]
    assert (
        f"internal/cache/cache.go was built by b-0001 as sha256:{built[:12]}… "
        "(attestations/b-0001.intoto.jsonl:1): these bytes differ, so the file changed after its build"
    ) in line
    assert "rejected" not in line


def test_payload_tampering_never_reaches_the_statement_reader(ws: Workspace, run_ledger: Run) -> None:
    """A broken signature over garbage must be a verdict, not a parse error of the garbage."""
    envs = lines(ws.envelope_file())
    envs[0]["payload"] = base64.b64encode(b"not json at all").decode()
    write_lines(ws.envelope_file(), envs)

    assert verify(run_ledger, ws, str(ws.artifact)).exit_code == 1


def test_envelope_swapped_onto_another_artifact(ws: Workspace, run_ledger: Run) -> None:
    result = verify(run_ledger, ws, str(ws.other_artifact))

    assert result.exit_code == 1
    assert "error: internal/cache/other.go: SIGNED: no provenance" in result.stderr


def test_truncated_file_is_an_input_error_naming_the_line(ws: Workspace, run_ledger: Run) -> None:
    data = ws.envelope_file().read_bytes()
    ws.envelope_file().write_bytes(data[: len(data) - 40])

    result = verify(run_ledger, ws, str(ws.artifact))

    assert result.exit_code == 2
    assert "attestations/b-0001.intoto.jsonl:2: not a JSON envelope (file truncated?)" in (result.stderr)


def test_file_truncated_at_a_line_boundary_loses_tested(ws: Workspace, run_ledger: Run) -> None:
    first = ws.envelope_file().read_text().splitlines(keepends=True)[0]
    ws.envelope_file().write_text(first)

    result = verify(run_ledger, ws, str(ws.artifact))

    assert result.exit_code == 1
    assert "TESTED: no signed test result for build b-0001" in result.stderr


def test_duplicated_line_is_counted_once(ws: Workspace, run_ledger: Run) -> None:
    text = ws.envelope_file().read_text()
    ws.envelope_file().write_text(text + text.splitlines(keepends=True)[0])

    result = verify(run_ledger, ws, str(ws.artifact))

    assert result.exit_code == 0
    assert "b-0001.intoto.jsonl:3: duplicate of attestations/b-0001.intoto.jsonl:1" in (result.stderr)


# -------------------------------------------------------------------- BOUND and TESTED


def test_moved_spec_member_makes_the_artifact_stale(ws: Workspace, run_ledger: Run) -> None:
    moved = FakeMember(*(MEMBERS[1].label, MEMBERS[1].role, MEMBERS[1].file), "0" * 64, "D" * 27)
    added = FakeMember("SPEC/golang(style)", "dependency", "code-from-spec/x.md", "1" * 64, "E" * 27)
    today = FakeChain("ZZZZZZZZZZZZZZZZZZZZZZZZZZZ", "2" * 64, (MEMBERS[0], moved, MEMBERS[2], added))

    result = verify(run_ledger, ws, str(ws.artifact), chain=today)

    assert result.exit_code == 1
    assert (
        "BOUND: STALE: SPEC/golang/implementation/cache chain XuQxoX7N4Aj98THLbJswLEUceXs -> "
        "ZZZZZZZZZZZZZZZZZZZZZZZZZZZ; moved: SPEC/golang (content changed), "
        "SPEC/golang(style) (added)"
    ) in result.stderr


def test_failed_tests_fail_tested(tmp_path: Path, ws: Workspace, run_ledger: Run) -> None:
    ws.envelope_file().unlink()
    outcome = st.TestOutcome("FAILED", "go test ./...", passed=("TestGet",), failed=("TestPut",))
    attest_build(ws.attestations, build_inputs(ws.root), outcome, ws.signer)

    result = verify(run_ledger, ws, str(ws.artifact))

    assert result.exit_code == 1
    assert "TESTED: tests FAILED (failed: TestPut)" in result.stderr


def test_newest_of_several_builds_is_used_and_named(ws: Workspace, run_ledger: Run) -> None:
    later = datetime(2025, 4, 1, tzinfo=UTC)
    attest_build(ws.attestations, build_inputs(ws.root, "b-0002", finished=later), PASSED, ws.signer)

    result = verify(run_ledger, ws, "--json", str(ws.artifact))

    assert result.exit_code == 0
    [verdict] = json.loads(result.stdout)["artifacts"]
    assert verdict["build_id"] == "b-0002"
    assert verdict["notes"][0].startswith("2 builds produced this digest; using the newest, b-0002")


def test_required_levels_not_yet_implemented_are_not_passed(ws: Workspace, run_ledger: Run) -> None:
    write_config(
        ws.root,
        'require = ["SIGNED", "REPRODUCED"]\n[[trust.keys]]\npath = "keys/ci.pub"\n',
    )

    result = verify(run_ledger, ws, "--json", str(ws.artifact))

    assert result.exit_code == 1
    levels = json.loads(result.stdout)["artifacts"][0]["levels"]
    assert levels["REPRODUCED"]["status"] == "not checked"
    assert "REPRODUCED: not checked" in result.stderr


def test_missing_artifact_is_a_usage_error(ws: Workspace, run_ledger: Run) -> None:
    result = verify(run_ledger, ws, str(ws.root / "nope.go"))

    assert result.exit_code == 2
    assert "nope.go does not exist" in result.stderr


def test_a_digest_is_not_a_file_and_the_error_says_where_to_look_it_up(
    ws: Workspace, run_ledger: Run
) -> None:
    digest = "ab" * 32
    # checked before any attestation is read: here there is no attestation directory at all
    result = verify(run_ledger, ws, "--attestations", str(ws.root / "none"), f"sha256:{digest}")

    assert result.exit_code == 2
    assert f"sha256:{digest} does not exist or is not a file" in result.stderr
    hint = f"hint: verify checks the bytes of a file; to find the builds of a digest run `ledger trace {digest}`"
    assert hint in result.stderr


def test_verify_makes_no_network_call(
    ws: Workspace, run_ledger: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_network(*args: object, **kwargs: object) -> None:
        raise AssertionError("verify tried to use the network")

    monkeypatch.setattr(socket.socket, "connect", no_network)
    monkeypatch.setattr(socket, "create_connection", no_network)
    monkeypatch.setattr(socket, "getaddrinfo", no_network)

    assert verify(run_ledger, ws, str(ws.artifact)).exit_code == 0


# -------------------------------------------------------------------- VSA


def test_vsa_is_a_signed_verification_summary(ws: Workspace, run_ledger: Run) -> None:
    out = ws.root / "vsa.intoto.jsonl"

    result = verify(run_ledger, ws, "--vsa", str(out), str(ws.artifact), str(ws.other_artifact))

    assert result.exit_code == 1  # other.go is not attested; the VSA still records both
    envs = [SslibEnvelope.from_dict(e) for e in lines(out)]
    for env in envs:
        env.verify([ws.signer.public_key], threshold=1)
    passed, failed = (json.loads(env.payload) for env in envs)
    for statement in (passed, failed):
        jsonschema.validate(statement, json.loads(SCHEMA.read_text()))
    assert passed["predicate"]["verificationResult"] == "PASSED"
    assert passed["predicate"]["verifiedLevels"] == [
        "SPEC_LEDGER_SIGNED",
        "SPEC_LEDGER_BOUND",
        "SPEC_LEDGER_TESTED",
    ]
    assert passed["predicate"]["inputAttestations"][0]["uri"].endswith("b-0001.intoto.jsonl")
    assert failed["predicate"]["verificationResult"] == "FAILED"
    assert failed["predicate"]["verifiedLevels"] == ["FAILED"]


def test_vsa_without_a_signing_key_is_a_config_error(ws: Workspace, run_ledger: Run) -> None:
    write_config(ws.root, '[[trust.keys]]\npath = "keys/ci.pub"\n')

    result = verify(run_ledger, ws, "--vsa", str(ws.root / "v.jsonl"), str(ws.artifact))

    assert result.exit_code == 2
    assert "--vsa needs a signing key" in result.stderr
