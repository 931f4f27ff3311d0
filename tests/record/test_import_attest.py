"""`ledger import FORMAT FILE --artifact PATH [--spec SPEC/x]`: signed imported/v1 provenance."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from ledger.attest.statement import BUILD_TYPE_IMPORTED
from ledger.cli.attest import verify
from ledger.cli.importers import import_
from ledger.spec import compute_chain
from tests.record.conftest import assert_imported_schema

FIXTURES = Path(__file__).resolve().parents[1] / "assets" / "trajectories"
EVERY_FORMAT = [
    ("claude-code", FIXTURES / "claude-code" / "representative_messages.jsonl"),
    ("swe-agent", FIXTURES / "swe-agent" / "swe-agent__test-repo-i1.traj"),
    ("mini-swe-agent", FIXTURES / "mini-swe-agent" / "local.traj.json"),
    ("inspect", FIXTURES / "inspect_ai" / "log_formats.eval"),
    ("inspect", FIXTURES / "inspect_ai" / "log_formats.json"),
    ("openhands", FIXTURES / "openhands" / "basic_interactions.json"),
]


def _import(ws: Path, *args: str) -> dict[str, object]:
    result = CliRunner().invoke(import_, [*args, "--workspace", str(ws), "--json"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)  # type: ignore[no-any-return]


def _verify(ws: Path, *args: str) -> dict[str, dict[str, str]]:
    result = CliRunner().invoke(verify, [*args, "--workspace", str(ws), "--json"])
    data = json.loads(result.stdout)
    levels: dict[str, dict[str, str]] = data["artifacts"][0]["levels"]
    return levels


def _statement(ws: Path, relpath: str) -> dict[str, object]:
    envelope = json.loads((ws / relpath).read_text().splitlines()[0])
    return json.loads(base64.b64decode(envelope["payload"]))  # type: ignore[no-any-return]


@pytest.mark.parametrize(("fmt", "fixture"), EVERY_FORMAT, ids=lambda v: getattr(v, "name", v))
def test_every_format_imports_to_a_signed_untested_provenance(
    signed_workspace: Path, fmt: str, fixture: Path
) -> None:
    ws = signed_workspace
    (ws / "src").mkdir()
    (ws / "src" / "fix.py").write_text("def fix() -> int:\n    return 42\n")

    out = _import(ws, fmt, str(fixture), "--artifact", "src/fix.py")

    attestation = out["attestation"]
    assert isinstance(attestation, dict) and attestation["target"] is None
    statement = _statement(ws, attestation["attestation"])
    predicate = statement["predicate"]
    assert isinstance(predicate, dict)
    bd = predicate["buildDefinition"]
    assert bd["buildType"] == BUILD_TYPE_IMPORTED
    assert_imported_schema(bd)
    original = out["original"]
    assert isinstance(original, dict)
    assert bd["externalParameters"] == {
        "origin": "imported",
        "source": {
            "format": out["format"],
            "digest": {"sha256": original["sha256"]},
            "mediaType": original["media_type"],
            "filename": fixture.name,
        },
    }
    # every model the transcript names is a dependency; byproducts are the two stored blobs
    models = out["models"]
    assert isinstance(models, list)
    attested_models = {d["annotations"]["id"] for d in bd["resolvedDependencies"]}
    assert attested_models == {m["id"] for m in models}
    byproducts = {b["name"]: b["digest"]["sha256"] for b in predicate["runDetails"]["byproducts"]}
    trajectory = out["trajectory"]
    assert isinstance(trajectory, dict)
    assert byproducts == {"trajectory": trajectory["sha256"], "original-transcript": original["sha256"]}
    for digest in byproducts.values():
        assert (ws / ".ledger" / "objects" / "sha256" / digest[:2] / digest[2:]).is_file()

    levels = _verify(ws, str(ws / "src" / "fix.py"))
    assert levels["SIGNED"]["status"] == "met"
    assert levels["TESTED"]["status"] == "failed"
    assert "no signed test result" in levels["TESTED"]["reason"]
    assert levels["BOUND"]["status"] == "failed"  # no --spec: nothing to be bound to


def test_spec_binding_records_todays_chain_with_every_member(signed_workspace: Path) -> None:
    ws = signed_workspace
    (ws / "src" / "textkit").mkdir(parents=True)
    (ws / "src" / "textkit" / "roman.py").write_text("ROMAN = 1\n")
    fixture = FIXTURES / "claude-code" / "representative_messages.jsonl"

    out = _import(
        ws, "claude-code", str(fixture), "--artifact", "src/textkit/roman.py", "--spec", "SPEC/textkit/roman"
    )

    chain = compute_chain(ws, "SPEC/textkit/roman")
    attestation = out["attestation"]
    assert isinstance(attestation, dict)
    assert attestation["target"] == "SPEC/textkit/roman" and attestation["chain"] == chain.hash
    bd = _statement(ws, attestation["attestation"])["predicate"]["buildDefinition"]  # type: ignore[index]
    assert_imported_schema(bd)
    assert bd["externalParameters"]["target"] == "SPEC/textkit/roman"
    assert bd["externalParameters"]["chain"] == {"cfs": chain.hash, "sha256": chain.sha256}
    members = [d for d in bd["resolvedDependencies"] if d["annotations"]["kind"] == "spec-member"]
    assert [(m["name"], m["digest"]["sha256"]) for m in members] == [
        (m.label, m.sha256) for m in chain.members
    ]


def test_verify_reports_bound_for_an_import_with_spec(signed_workspace: Path) -> None:
    ws = signed_workspace
    (ws / "src" / "textkit").mkdir(parents=True)
    (ws / "src" / "textkit" / "roman.py").write_text("ROMAN = 1\n")
    fixture = FIXTURES / "openhands" / "basic_interactions.json"
    _import(
        ws, "openhands", str(fixture), "--artifact", "src/textkit/roman.py", "--spec", "SPEC/textkit/roman"
    )

    levels = _verify(ws, str(ws / "src" / "textkit" / "roman.py"))

    assert levels["SIGNED"]["status"] == "met"
    assert levels["BOUND"]["status"] == "met"
    assert levels["TESTED"]["status"] == "failed"


def test_replay_says_why_imported_builds_cannot_be_reproduced(signed_workspace: Path) -> None:
    ws = signed_workspace
    (ws / "out.txt").write_text("made by another agent\n")
    _import(ws, "auto", str(FIXTURES / "swe-agent" / "swe-agent__test-repo-i1.traj"), "--artifact", "out.txt")

    levels = _verify(ws, str(ws / "out.txt"), "--replay")

    assert levels["REPRODUCED"]["status"] == "failed"
    assert "imported tools are not replayable" in levels["REPRODUCED"]["reason"]
    assert "origin: imported" in levels["REPRODUCED"]["reason"]


def test_imported_build_is_ingested_into_the_ledger(signed_workspace: Path) -> None:
    from ledger.store import open_store
    from ledger.workspace import Workspace

    ws = signed_workspace
    (ws / "out.txt").write_text("x\n")
    out = _import(
        ws,
        "claude-code",
        str(FIXTURES / "claude-code" / "representative_messages.jsonl"),
        "--artifact",
        "out.txt",
    )
    attestation = out["attestation"]
    assert isinstance(attestation, dict) and attestation["ingested"] is True
    store = open_store(Workspace(ws))
    result = store.sql(
        f"select build_type, trajectory_sha256 from builds where build_id = '{attestation['build_id']}'"
    )
    assert result.rows == ((BUILD_TYPE_IMPORTED, out["trajectory"]["sha256"]),)  # type: ignore[index]


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["--artifact", "missing.py"], "--artifact missing.py: no such file"),
        (["--artifact", "../outside.py"], "contains '..'"),
        (["--artifact", "/etc/passwd"], "is absolute"),
        (["--artifact", "README.md", "--spec", "SPEC/textkit/nope"], "SPEC/textkit/nope"),
    ],
)
def test_bad_artifact_or_spec_is_a_usage_error_before_anything_is_written(
    signed_workspace: Path, args: list[str], fragment: str
) -> None:
    from ledger.errors import InputError

    ws = signed_workspace
    fixture = FIXTURES / "claude-code" / "representative_messages.jsonl"
    result = CliRunner().invoke(import_, ["claude-code", str(fixture), *args, "--workspace", str(ws)])
    assert isinstance(result.exception, InputError), result.output
    assert result.exception.exit_code == 2
    assert fragment in str(result.exception)
    assert not (ws / ".ledger" / "objects").exists()
    assert not (ws / "attestations").exists()


def test_spec_without_artifact_is_refused(signed_workspace: Path) -> None:
    fixture = FIXTURES / "claude-code" / "representative_messages.jsonl"
    result = CliRunner().invoke(
        import_, ["claude-code", str(fixture), "--spec", "SPEC/textkit/roman", "-w", str(signed_workspace)]
    )
    assert result.exit_code == 2
    assert "give --artifact PATH too" in result.output
