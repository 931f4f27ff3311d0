"""`ledger record -- COMMAND`: an anthropic-SDK script behind the recording proxy, the loopback
scripted model as upstream. The trajectory must hold what the upstream served, the credential
must never reach disk, and the script's writes must be attested."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from ledger.agent.loopback import serve_script
from ledger.cli.attest import verify
from ledger.cli.record import record
from ledger.trajectory import read_trajectory, verify_trajectory
from tests.record.conftest import assert_imported_schema

MODEL = "loopback-scripted-test-model-20250101"
CREDENTIAL = "loopback-credential-7f3a9c2e51"  # not a *_KEY variable: only the proxy's scrub hides it
HELLO = 'def hello() -> str:\n    return "hello"\n'

UPSTREAM_SCRIPT = {
    "model": MODEL,
    "turns": [
        {"content": [{"type": "text", "text": "Hi! I will write hello.py in the next turn, streamed."}]},
        {
            "content": [
                {"type": "text", "text": "Writing src/hello.py now."},
                {
                    "type": "tool_use",
                    "name": "write_file",
                    "input": {"path": "src/hello.py", "content": HELLO},
                },
            ]
        },
    ],
}

AGENT = f'''
import json, os, pathlib, sys
import anthropic

client = anthropic.Anthropic(api_key=os.environ["TEST_CLIENT_CREDENTIAL"], max_retries=0)
first = client.messages.create(
    model="{MODEL}", max_tokens=256,
    messages=[{{"role": "user", "content": "hi, my credential is " + os.environ["TEST_CLIENT_CREDENTIAL"]}}],
)
with client.messages.stream(
    model="{MODEL}", max_tokens=256, messages=[{{"role": "user", "content": "write hello.py"}}]
) as stream:
    second = stream.get_final_message()
tool = next(b for b in second.content if b.type == "tool_use")
path = pathlib.Path(tool.input["path"])
path.parent.mkdir(parents=True, exist_ok=True)
path.write_text(tool.input["content"])
pathlib.Path(sys.argv[1]).write_text(json.dumps([first.model_dump(exclude_none=True), second.model_dump(exclude_none=True)]))
sys.exit(int(sys.argv[2]))
'''


def _record(ws: Path, tmp_path: Path, upstream: str, *extra: str, exit_code: int = 0) -> Any:
    agent = tmp_path / "agent.py"
    agent.write_text(AGENT)
    seen = tmp_path / "sdk-saw.json"
    result = CliRunner().invoke(
        record,
        ["-w", str(ws), "--json", "--upstream", upstream, *extra, "--",
         sys.executable, str(agent), str(seen), str(exit_code)],
        env={"TEST_CLIENT_CREDENTIAL": CREDENTIAL},
        catch_exceptions=False,
    )  # fmt: skip
    return result, seen


def _events(ws: Path, digest: str) -> list[Any]:
    path = ws / ".ledger" / "objects" / "sha256" / digest[:2] / digest[2:]
    assert verify_trajectory(path).ok
    return read_trajectory(path)


def test_recorded_trajectory_equals_what_the_upstream_served(signed_workspace: Path, tmp_path: Path) -> None:
    ws = signed_workspace
    (tmp_path / "upstream.json").write_text(json.dumps(UPSTREAM_SCRIPT))
    with serve_script(tmp_path / "upstream.json") as server:
        result, seen = _record(ws, tmp_path, server.base_url, "--spec", "SPEC/textkit/roman")
        served = list(server.requests)
        script_turns = server.script.turns
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["exchanges"] == 2 and summary["models"] == [MODEL]
    assert summary["files"] == {"created": ["src/hello.py"], "modified": [], "deleted": []}

    events = _events(ws, summary["trajectory"]["sha256"])
    requests = [e.data for e in events if e.type == "model_request"]
    responses = [e.data for e in events if e.type == "model_response"]
    assert len(requests) == len(responses) == len(served) == 2

    # responses: exactly the script's content, the streamed one reassembled from its SSE events
    for turn, response in zip(script_turns, responses, strict=True):
        assert response["status"] == 200
        assert response["response"]["content"] == [dict(b) for b in turn.content]
        assert response["response"]["stop_reason"] == turn.stop_reason
        assert response["response"]["model"] == MODEL
    assert [r["streamed"] for r in responses] == [False, True]
    assert responses[1]["sse_events"] > 10  # message_start … many deltas … message_stop
    assert "sse_events" not in responses[0]

    # the SDK's own view of both messages matches what was recorded
    sdk = json.loads(seen.read_text())
    for mine, theirs in zip(responses, sdk, strict=True):
        for key in ("id", "model", "role", "content", "stop_reason"):
            assert mine["response"][key] == theirs[key], key
        assert mine["response"]["usage"]["output_tokens"] == theirs["usage"]["output_tokens"]

    # requests: what the upstream received, with the credential replaced by a marker
    for got, sent in zip(requests, served, strict=True):
        assert got["path"] == "/v1/messages" and got["method"] == "POST"
        body = json.loads(json.dumps(sent.body).replace(CREDENTIAL, "@"))
        recorded = json.loads(json.dumps(got["request"]))
        text = recorded["messages"][0]["content"]
        if "[REDACTED:api_key_header:" in text:
            recorded["messages"][0]["content"] = text.split("[REDACTED")[0] + "@"
        assert recorded == body
        assert "x-api-key" not in got["headers"] and got["headers"]["anthropic-version"]

    writes = [e.data for e in events if e.type == "file_write"]
    assert writes == [{"path": "src/hello.py", "sha256": writes[0]["sha256"], "size": len(HELLO),
                       "change": "created"}]  # fmt: skip
    exec_event = next(e.data for e in events if e.type == "exec")
    assert exec_event["exit_code"] == 0 and exec_event["files"]["created"] == ["src/hello.py"]

    # the write is attested, bound to the spec node, and verifies as SIGNED but not TESTED
    attestation = summary["attestation"]
    assert attestation["artifacts"] == {"src/hello.py": writes[0]["sha256"]}
    assert attestation["target"] == "SPEC/textkit/roman" and attestation["ingested"]
    assert_imported_schema(_provenance(ws, attestation["attestation"])["predicate"]["buildDefinition"])
    out = CliRunner().invoke(verify, [str(ws / "src" / "hello.py"), "-w", str(ws), "--json"])
    levels = json.loads(out.stdout)["artifacts"][0]["levels"]
    assert levels["SIGNED"]["status"] == "met"
    assert levels["TESTED"]["status"] == "failed"

    # the credential never reached disk (the agent script reads it from the environment)
    scanned = 0
    for path in ws.rglob("*"):
        if path.is_file():
            scanned += 1
            assert CREDENTIAL.encode() not in path.read_bytes(), path
    assert scanned > 10


def test_exit_code_is_the_commands_and_a_failed_run_is_still_attested(
    signed_workspace: Path, tmp_path: Path
) -> None:
    ws = signed_workspace
    (tmp_path / "upstream.json").write_text(json.dumps(UPSTREAM_SCRIPT))
    with serve_script(tmp_path / "upstream.json") as server:
        result, _ = _record(ws, tmp_path, server.base_url, exit_code=3)
    assert result.exit_code == 3
    summary = json.loads(result.stdout)
    assert summary["exit_code"] == 3
    assert summary["attestation"]["artifacts"].keys() == {"src/hello.py"}
    statement = _provenance(ws, summary["attestation"]["attestation"])
    assert statement["predicate"]["buildDefinition"]["internalParameters"] == {"exitCode": 3}
    assert_imported_schema(statement["predicate"]["buildDefinition"])
    ext = statement["predicate"]["buildDefinition"]["externalParameters"]
    assert ext["origin"] == "recorded" and ext["upstream"] == server.base_url
    assert ext["command"][0] == sys.executable


def test_explicit_artifacts_replace_the_changed_files(signed_workspace: Path, tmp_path: Path) -> None:
    ws = signed_workspace
    (tmp_path / "upstream.json").write_text(json.dumps(UPSTREAM_SCRIPT))
    with serve_script(tmp_path / "upstream.json") as server:
        result, _ = _record(ws, tmp_path, server.base_url, "--artifact", "README.md")
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["files"]["created"] == ["src/hello.py"]
    assert list(summary["attestation"]["artifacts"]) == ["README.md"]


def test_unreachable_upstream_is_recorded_as_a_502(signed_workspace: Path, tmp_path: Path) -> None:
    import socket

    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    result, _ = _record(signed_workspace, tmp_path, f"http://127.0.0.1:{port}")
    assert result.exit_code == 1  # the SDK raised in the agent script
    summary = json.loads(result.stdout)
    events = _events(signed_workspace, summary["trajectory"]["sha256"])
    response = next(e.data for e in events if e.type == "model_response")
    assert response["status"] == 502 and "unreachable" in response["error"]
    assert summary["attestation"] is None  # nothing was written, so nothing to attest


def test_usage_errors_exit_2_before_anything_runs(signed_workspace: Path) -> None:
    from ledger.errors import InputError

    runner = CliRunner()
    missing = runner.invoke(record, ["-w", str(signed_workspace), "--", "no-such-program-xyz"])
    assert isinstance(missing.exception, InputError) and missing.exception.exit_code == 2
    assert "not found" in str(missing.exception)
    bad_upstream = runner.invoke(record, ["-w", str(signed_workspace), "--upstream", "ftp://x", "--", "true"])
    assert isinstance(bad_upstream.exception, InputError) and "expected an http(s) URL" in str(
        bad_upstream.exception
    )
    assert runner.invoke(record, ["-w", str(signed_workspace)]).exit_code == 2  # no COMMAND
    assert not (signed_workspace / "attestations").exists()


def _provenance(ws: Path, relpath: str) -> Any:
    import base64

    envelope = json.loads((ws / relpath).read_text().splitlines()[0])
    return json.loads(base64.b64decode(envelope["payload"]))
