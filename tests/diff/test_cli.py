"""`ledger diff A B` as a user runs it: references, exit codes, JSON, text, HTML in a real browser."""

from __future__ import annotations

import json
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pytest

from ledger.build import BuildResult
from ledger.workspace import Workspace
from tests.browser import dump_dom, needs_chromium, screenshot
from tests.diff.conftest import SPEC, build


@dataclass(frozen=True)
class Pair:
    ws: Workspace
    a: BuildResult
    b: BuildResult


@pytest.fixture(scope="module")
def pair(tmp_path_factory: pytest.TempPathFactory) -> Pair:
    """Two signed builds of the demo roman module, the spec edited in between (built once per module)."""
    import shutil as sh

    from ledger.attest.signers import generate_key
    from tests.build.conftest import DEMO, roman_script
    from tests.diff.conftest import write_script

    root = tmp_path_factory.mktemp("pair") / "demo"
    sh.copytree(DEMO, root)
    generate_key("ed25519", root / "keys" / "signing.pem", passphrase=None)
    (root / "ledger.toml").write_text(
        '[signing]\nkey = "keys/signing.pem"\n\n[[trust.keys]]\npath = "keys/signing.pub"\n'
    )
    ws = Workspace(root)
    write_script(ws, roman_script())
    a = build(ws)
    spec = root / SPEC
    spec.write_text(spec.read_text().replace("## Examples", "## Examples\n\nChapter numbers use these."))
    b = build(ws)
    return Pair(ws, a, b)


@dataclass(frozen=True)
class Run:
    code: int
    out: str
    err: str


def ledger_diff(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, *args: str) -> Run:
    """The real `ledger` entry point (its one error catch, exit codes) with `diff` registered."""
    from ledger.cli import COMMANDS, main

    monkeypatch.setitem(COMMANDS, "diff", ("ledger.cli.diff", "diff", "Compare two builds."))
    monkeypatch.setenv("COLUMNS", "200")
    with pytest.raises(SystemExit) as exit_info:
        main(["diff", *args])
    captured = capsys.readouterr()
    code = exit_info.value.code
    return Run(code if isinstance(code, int) else 1, captured.out, captured.err)


def test_json_names_the_spec_node_and_the_first_divergence(
    pair: Pair, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    run = ledger_diff(
        capsys, monkeypatch, pair.a.build_id, pair.b.build_id, "-w", str(pair.ws.root), "--json"
    )
    assert run.code == 0, run
    data = json.loads(run.out)
    assert [m["label"] for m in data["spec_members"]] == ["SPEC/textkit/roman"]
    assert "+Chapter numbers use these." in data["spec_members"][0]["unified_diff"]
    first = data["trajectory"]["first_divergence"]
    assert (first["type"], first["a_index"], first["b_index"]) == ("model_request", 1, 1)
    assert data["pins"] == [] and data["artifacts"]["changed"] == []
    assert data["a"]["build_id"] == pair.a.build_id and data["a"]["resolved_by"] == "build id"


def test_text_output_leads_with_what_differs(
    pair: Pair, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    run = ledger_diff(capsys, monkeypatch, pair.a.build_id, pair.b.build_id, "-w", str(pair.ws.root))
    assert run.code == 0, run
    assert "differ: 1 spec member(s), trajectories diverge at A#1 / B#1 (model_request)" in run.out
    assert "first divergence at A#1 / B#1 (changed model_request)" in run.out
    assert "+Chapter numbers use these." in run.out
    assert run.err == ""


def test_artifact_path_and_attestation_file_resolve_to_the_same_builds(
    pair: Pair, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    envelope_a = pair.ws.root / "attestations" / f"{pair.a.build_id}.intoto.jsonl"
    outside = Path(tempfile.mkdtemp()) / envelope_a.name  # an attestation file handed over by someone
    shutil.copyfile(envelope_a, outside)
    # B by artifact: the installed file is the newest verified build's output
    run = ledger_diff(
        capsys, monkeypatch, str(outside), "src/textkit/roman.py", "-w", str(pair.ws.root), "--json"
    )
    assert run.code == 0, run
    data = json.loads(run.out)
    assert (data["a"]["build_id"], data["a"]["resolved_by"]) == (pair.a.build_id, "attestation file")
    assert (data["b"]["build_id"], data["b"]["resolved_by"]) == (pair.b.build_id, "artifact")


def test_unknown_reference_is_a_usage_error(
    pair: Pair, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    run = ledger_diff(
        capsys, monkeypatch, "20990101T000000Z-deadbeef", pair.b.build_id, "-w", str(pair.ws.root)
    )
    assert run.code == 2 and run.out == ""
    assert run.err.startswith(
        "error: '20990101T000000Z-deadbeef' is not a file and no verified build has that id"
    ), run
    assert "Traceback" not in run.err


def test_tampered_attestation_is_refused_before_anything_is_compared(
    pair: Pair, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "ws"
    shutil.copytree(pair.ws.root, root)
    envelope = root / "attestations" / f"{pair.a.build_id}.intoto.jsonl"
    lines = envelope.read_bytes().splitlines(keepends=True)
    env = json.loads(lines[0])
    import base64

    payload = base64.b64decode(env["payload"]).replace(b"loopback-scripted", b"loopback-Scripted")
    env["payload"] = base64.b64encode(payload).decode()
    envelope.chmod(0o644)
    envelope.write_bytes(json.dumps(env).encode() + b"\n" + b"".join(lines[1:]))

    run = ledger_diff(capsys, monkeypatch, pair.a.build_id, pair.b.build_id, "-w", str(root))
    assert run.code == 1 and run.out == ""
    first = run.err.splitlines()[0]
    assert first.startswith(f"error: build {pair.a.build_id}: no envelope in attestations/"), run
    assert "does not verify" in first


def test_trajectory_edited_after_signing_fails_and_a_missing_one_is_reported(
    pair: Pair, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "ws"
    shutil.copytree(pair.ws.root, root)
    blob = Workspace(root).objects_dir / "sha256" / pair.a.trajectory[:2] / pair.a.trajectory[2:]
    blob.chmod(0o644)
    blob.write_bytes(blob.read_bytes().replace(b"Writing the module", b"Writing the MODULE"))
    run = ledger_diff(capsys, monkeypatch, pair.a.build_id, pair.b.build_id, "-w", str(root))
    assert run.code == 1 and "the store was modified" in run.err, run

    blob.unlink()
    run = ledger_diff(capsys, monkeypatch, pair.a.build_id, pair.b.build_id, "-w", str(root), "--json")
    assert run.code == 0, run
    data = json.loads(run.out)
    assert data["trajectory"]["available"] is False
    assert f"of build {pair.a.build_id} is not in .ledger/objects/" in data["trajectory"]["note"]
    assert data["spec_members"][0]["label"] == "SPEC/textkit/roman"  # the rest is still compared
    # without A's trajectory, A's old spec text is nowhere: said, not guessed
    assert data["spec_members"][0]["unified_diff"] is None
    assert data["spec_members"][0]["text_note"] == "A: text not available; B: workspace"


@needs_chromium
def test_html_report_renders_offline_in_headless_chromium(
    pair: Pair, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    page = tmp_path / "diff.html"
    run = ledger_diff(
        capsys, monkeypatch, pair.a.build_id, pair.b.build_id, "-w", str(pair.ws.root), "--html", str(page)
    )
    assert run.code == 0, run
    html = page.read_text()
    # self-contained: no scripts, no links, no remote URLs of any kind
    for banned in ("<script", "<link", "src=", "http://", "https://", "@import", "url("):
        assert banned not in html, banned

    screenshot(page, "diff-report.png", tmp_path / "profile")
    dom = dump_dom(page, tmp_path / "profile")
    assert "First divergence" in dom and "A#1 / B#1 (changed model_request)" in dom
    assert "SPEC/textkit/roman" in dom and "+Chapter numbers use these." in dom
    assert pair.a.build_id in dom and pair.b.build_id in dom
