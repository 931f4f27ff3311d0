"""The loopback test-model server, spoken to by the real anthropic SDK over HTTP."""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import anthropic
import pytest

from ledger.agent.loopback import LABEL_HEADER, serve_script
from ledger.agent.loopback_script import LoopbackScriptError, load_script, parse_script

SCRIPT: dict[str, Any] = {
    "model": "loopback-scripted-test-model-20250101",
    "turns": [
        {"content": [
            {"type": "text", "text": "Let me look at the project layout before writing code."},
            {"type": "tool_use", "name": "write_file",
             "input": {"path": "calc.py", "content": "def add(a, b):\n    return a + b\n"}},
        ]},
        {"content": [{"type": "text", "text": "Done."}]},
    ],
}
ASK: dict[str, Any] = {"model": "claude-test", "max_tokens": 256,
       "messages": [{"role": "user", "content": "write calc.py"}]}


def sdk(base_url: str) -> anthropic.Anthropic:
    return anthropic.Anthropic(api_key="sk-ant-test-not-a-real-key", base_url=base_url,
                               max_retries=0)


def post(url: str, body: Any, headers: dict[str, str] | None = None) -> tuple[int, Any]:
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    req = urllib.request.Request(url, data=data, method="POST",
                                 headers={"content-type": "application/json", **(headers or {})})
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            return resp.status, json.loads(resp.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def test_sdk_non_streaming_gets_the_scripted_turns_labelled_as_a_test_model() -> None:
    with serve_script(parse_script(SCRIPT)) as server:
        raw = sdk(server.base_url).messages.with_raw_response.create(**ASK)
        first = raw.parse()
        assert raw.headers[LABEL_HEADER] == "scripted test model"
        second = sdk(server.base_url).messages.create(**ASK)
    assert first.model == "loopback-scripted-test-model-20250101"
    assert first.id == "msg_loopback_0001" and first.stop_reason == "tool_use"
    assert first.model_dump(exclude_none=True)["content"][1] == {
        "type": "tool_use", "id": "toolu_loopback_000_1", "name": "write_file",
        "input": {"path": "calc.py", "content": "def add(a, b):\n    return a + b\n"}}
    assert second.stop_reason == "end_turn"
    assert second.model_dump()["content"][0]["text"] == "Done."
    assert [r.status for r in server.requests] == [200, 200]
    assert server.requests[0].body == ASK
    # the key reached the server but was never kept
    assert all("sk-ant" not in json.dumps(r.headers) for r in server.requests)


def test_sdk_streaming_reassembles_the_same_message() -> None:
    with serve_script(parse_script(SCRIPT)) as server:
        with sdk(server.base_url).messages.stream(**ASK) as stream:
            texts = list(stream.text_stream)
            final = stream.get_final_message()
        assert server.requests[0].body == {**ASK, "stream": True}
    assert len(texts) > 1  # the text really arrived in several deltas
    assert "".join(texts) == SCRIPT["turns"][0]["content"][0]["text"]
    assert final.model == "loopback-scripted-test-model-20250101"
    tool_use = final.model_dump()["content"][1]
    assert tool_use["input"] == SCRIPT["turns"][0]["content"][1]["input"]
    assert final.stop_reason == "tool_use" and final.usage.output_tokens > 1


def test_stream_events_follow_the_messages_api_order() -> None:
    with serve_script(parse_script(SCRIPT)) as server:
        req = urllib.request.Request(
            server.base_url + "/v1/messages", method="POST",
            data=json.dumps({**ASK, "stream": True}).encode(),
            headers={"x-api-key": "k", "content-type": "application/json"})
        with urllib.request.urlopen(req, timeout=10) as resp:
            assert resp.headers["content-type"].startswith("text/event-stream")
            events = [line[7:] for line in resp.read().decode().splitlines()
                      if line.startswith("event: ")]
    blocks = [e for e in events if e.startswith("content_block_")]
    assert events[:2] == ["message_start", "ping"]
    assert events[-2:] == ["message_delta", "message_stop"]
    assert blocks[0] == "content_block_start" and blocks.count("content_block_stop") == 2


def test_bad_requests_unknown_paths_and_missing_key_get_anthropic_error_json() -> None:
    with serve_script(parse_script(SCRIPT)) as server:
        url = server.base_url
        key = {"x-api-key": "k"}
        assert post(url + "/v1/complete", ASK, key) == (404, {"type": "error", "error": {
            "type": "not_found_error", "message": "no such route: /v1/complete"}})
        status, body = post(url + "/v1/messages", {"model": "m", "messages": []}, key)
        assert status == 400 and body["error"]["type"] == "invalid_request_error"
        assert "max_tokens" in body["error"]["message"]
        assert post(url + "/v1/messages", b"{not json", key)[0] == 400
        status, body = post(url + "/v1/messages", ASK)
        assert status == 401 and body["error"]["type"] == "authentication_error"
        assert server.turns_left == 2  # none of these used a scripted turn


def test_expectations_fail_loudly_or_take_the_otherwise_branch() -> None:
    def after_tool(text: str) -> dict[str, Any]:
        return {**ASK, "messages": [*ASK["messages"],
                {"role": "assistant", "content": [{"type": "tool_use", "id": "t1",
                                                   "name": "run_command", "input": {}}]},
                {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "t1",
                                              "content": text}]}]}

    script: dict[str, Any] = {"turns": [
        {"expect": {"tool_result_contains": "exit code 0"},
         "content": [{"type": "text", "text": "tests pass"}]},
        {"expect": {"tool_result_contains": "exit code 0",
                    "otherwise": {"content": [{"type": "text", "text": "tests fail"}]}},
         "content": [{"type": "text", "text": "tests pass"}]},
    ]}
    with serve_script(parse_script(script)) as server:
        client = sdk(server.base_url)
        with pytest.raises(anthropic.BadRequestError, match="turn 1: expected the last "
                           "tool_result to contain 'exit code 0'"):
            client.messages.create(**after_tool("exit code 1"))
        reply = client.messages.create(**after_tool("exit code 1"))
        assert reply.model_dump()["content"][0]["text"] == "tests fail"
        with pytest.raises(anthropic.BadRequestError, match="script exhausted"):
            client.messages.create(**ASK)


@pytest.mark.parametrize(("script", "message"), [
    ({"model": "claude-sonnet-4-5-20250929", "turns": SCRIPT["turns"]},
     "must contain 'scripted-test-model'"),
    ({"turns": []}, "$.turns: expected a non-empty list"),
    ({"turns": [{"content": [{"type": "image"}]}]}, "$.turns[0].content[0].type"),
    ({"turns": [{"content": [{"type": "text", "text": "x"}], "stop": "end_turn"}]},
     "$.turns[0]: unknown key(s) ['stop']"),
    ({"turns": [{"error": {"status": 200}}]}, "$.turns[0].error.status"),
])
def test_malformed_scripts_are_refused_with_the_json_path(
    script: dict[str, Any], message: str
) -> None:
    with pytest.raises(LoopbackScriptError) as info:
        parse_script(script, source="bad.json")
    assert message in str(info.value) and str(info.value).startswith("bad.json: ")


def test_bundled_example_script_parses() -> None:
    path = Path(__file__).parents[2] / "ledger/agent/scripts/python_module_with_tests.json"
    script = load_script(path)
    assert len(script.turns) == 4 and script.model.endswith("scripted-test-model-20250101")


def test_module_entry_serves_a_script_file(tmp_path: Path) -> None:
    path = tmp_path / "script.json"
    path.write_text(json.dumps(SCRIPT))
    proc = subprocess.Popen([sys.executable, "-m", "ledger.agent.loopback", str(path), "--quiet"],
                            stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stderr is not None
        banner = proc.stderr.readline()
        assert "scripted test model" in banner
        base_url = banner.rsplit(" on ", 1)[1].strip()
        status, body = post(base_url + "/v1/messages", ASK, {"x-api-key": "k"})
        assert status == 200 and body["model"] == SCRIPT["model"]
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    bad = subprocess.run([sys.executable, "-m", "ledger.agent.loopback", str(tmp_path / "no")],
                         capture_output=True, text=True)
    assert bad.returncode == 2 and "does not exist" in bad.stderr and "Traceback" not in bad.stderr
