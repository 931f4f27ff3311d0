"""AnthropicClient against the loopback server: retries recorded, errors explained, key handling."""

from __future__ import annotations

import socket
from typing import Any

import pytest

from ledger.agent.anthropic_client import AnthropicClient, RetryPolicy
from ledger.agent.loopback import serve_script
from ledger.agent.loopback_script import parse_script
from ledger.agent.messages import MessagesRequest
from ledger.errors import ModelError

ASK: MessagesRequest = {"model": "claude-test", "max_tokens": 64,
                        "messages": [{"role": "user", "content": "hi"}]}
DONE = {"content": [{"type": "text", "text": "ok"}]}
FAST = RetryPolicy(max_attempts=4, initial_delay_s=0.01, max_delay_s=0.02)


def client(base_url: str, **kw: Any) -> AnthropicClient:
    return AnthropicClient(base_url, environ={}, retry=FAST, **kw)


@pytest.mark.parametrize("stream", [False, True])
def test_429_then_500_are_retried_and_each_retry_is_reported(stream: bool) -> None:
    script = parse_script({"turns": [
        {"error": {"status": 429, "message": "slow down"}, "retry_after_ms": 20},
        {"error": {"status": 500}},
        DONE,
    ]})
    retries: list[Any] = []
    with serve_script(script) as server:
        reply = client(server.base_url, stream=stream).create(ASK, on_retry=retries.append)
        assert [r.status for r in server.requests] == [429, 500, 200]
    assert reply["content"] == [{"type": "text", "text": "ok"}]
    assert [(r["attempt"], r["status"], r["error"]) for r in retries] == [
        (1, 429, "rate_limit_error"), (2, 500, "api_error")]
    assert retries[0]["wait_s"] == 0.02  # the server's retry-after-ms wins over backoff
    assert retries[0]["message"] == "slow down"


def test_retries_are_bounded() -> None:
    script = parse_script({"turns": [{"error": {"status": 529}}] * 5 + [DONE]})
    with serve_script(script) as server, pytest.raises(ModelError) as info:
        client(server.base_url).create(ASK)
    assert "HTTP 529 (overloaded_error) after 4 attempts" in str(info.value)


def test_client_errors_are_not_retried_and_name_the_endpoint() -> None:
    script = parse_script({"turns": [{"error": {"status": 400, "message": "bad tools"}}, DONE]})
    retries: list[Any] = []
    with serve_script(script) as server, pytest.raises(ModelError) as info:
        client(server.base_url).create(ASK, on_retry=retries.append)
    assert str(info.value) == (f"model endpoint {server.base_url} answered HTTP 400 "
                               "(invalid_request_error): bad tools")
    assert retries == []


def test_connection_errors_are_retried_then_reported() -> None:
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    retries: list[Any] = []
    with pytest.raises(ModelError, match="connection error after 4 attempts"):
        client(f"http://127.0.0.1:{port}").create(ASK, on_retry=retries.append)
    assert [r["error"] for r in retries] == ["connection"] * 3


def test_api_key_comes_only_from_the_environment() -> None:
    with pytest.raises(ModelError) as info:
        AnthropicClient("https://api.anthropic.com", environ={})
    assert "ANTHROPIC_API_KEY is not set" in str(info.value)
    live = AnthropicClient("https://api.anthropic.com",
                           environ={"ANTHROPIC_API_KEY": "sk-ant-api03-secret"})
    assert "sk-ant" not in repr(live) and "sk-ant" not in repr(vars(live).get("endpoint"))
    # the loopback server only checks that some key is present
    AnthropicClient("http://127.0.0.1:9/", environ={})
    with pytest.raises(ModelError, match="expected an http"):
        AnthropicClient("ftp://example.com", environ={"ANTHROPIC_API_KEY": "k"})


def test_seed_travels_in_the_body_only_when_the_request_carries_it() -> None:
    with serve_script(parse_script({"turns": [DONE, DONE]})) as server:
        c = client(server.base_url)
        c.create(ASK)
        c.create({**ASK, "seed": 7})
        bodies = [r.body for r in server.requests]
    assert "seed" not in bodies[0] and bodies[1]["seed"] == 7


def test_response_is_the_wire_json() -> None:
    with serve_script(parse_script({"turns": [DONE]})) as server:
        reply = client(server.base_url).create(ASK)
    assert reply == {
        "id": "msg_loopback_0001", "type": "message", "role": "assistant",
        "model": "loopback-scripted-test-model-20250101",
        "content": [{"type": "text", "text": "ok"}], "stop_reason": "end_turn",
        "stop_sequence": None, "usage": reply["usage"],
    }
    assert reply["usage"]["input_tokens"] > 0
