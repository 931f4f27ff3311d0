"""The recording proxy under attack: a local client that is not the agent's SDK, an upstream
whose stream breaks the protocol, an upstream URL with credentials, an exchange that outlives
the recording.

Each test is one attack against the real proxy on loopback (and ``ledger record`` where the
CLI is the way in). Each must end in a clear refusal or a recorded problem: no traceback, no
stream cut short, no request forwarded to a host the user did not choose, no secret printed.
"""

from __future__ import annotations

import json
import socket
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from ledger.record import proxy as proxy_mod
from ledger.record.proxy import RecordedRequest, RecordedResponse, RecordingProxy
from ledger.record.sse import MessageAccumulator, SSEParser


class _Sink:
    def __init__(self) -> None:
        self.requests: list[RecordedRequest] = []
        self.responses: list[RecordedResponse] = []

    def request(self, request: RecordedRequest) -> None:
        self.requests.append(request)

    def response(self, request: RecordedRequest, response: RecordedResponse) -> None:
        self.responses.append(response)


class _Upstream:
    """A raw HTTP/1.1 upstream on loopback: records each request head, answers with ``reply``."""

    def __init__(self, reply: bytes, *, delay_s: float = 0.0) -> None:
        self.reply = reply
        self.delay_s = delay_s
        self.heads: list[bytes] = []
        self.answered = threading.Event()
        self._sock = socket.socket()
        self._sock.bind(("127.0.0.1", 0))
        self._sock.listen()
        threading.Thread(target=self._serve, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._sock.getsockname()[1]}"

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self._sock.accept()
            except OSError:
                return
            with conn:
                data = b""
                while b"\r\n\r\n" not in data:
                    data += conn.recv(65536)
                head = data.split(b"\r\n\r\n", 1)[0]
                self.heads.append(head)
                time.sleep(self.delay_s)
                conn.sendall(self.reply)
                self.answered.set()

    def close(self) -> None:
        self._sock.close()


def _sse_reply(events: list[tuple[str, Any]]) -> tuple[bytes, bytes]:
    body = "".join(f"event: {name}\ndata: {json.dumps(data)}\n\n" for name, data in events).encode()
    head = b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\nconnection: close\r\n\r\n"
    return head + body, body


@pytest.fixture
def upstream_and_proxy(request: pytest.FixtureRequest) -> Iterator[tuple[_Upstream, RecordingProxy, _Sink]]:
    reply = getattr(request, "param", b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: close\r\n\r\n{}")
    upstream = _Upstream(reply)
    sink = _Sink()
    proxy = RecordingProxy(upstream.url, sink).start()
    yield upstream, proxy, sink
    proxy.close(drain_s=2)
    upstream.close()


def _raw(port: int, data: bytes, *, wait_s: float = 5.0) -> bytes:
    """Send ``data`` as a client would and read until the proxy closes (or ``wait_s``)."""
    with socket.create_connection(("127.0.0.1", port)) as s:
        s.settimeout(wait_s)
        s.sendall(data)
        out = b""
        try:
            while chunk := s.recv(65536):
                out += chunk
        except (TimeoutError, ConnectionResetError):
            pass
    return out


def _post(port: int, body: bytes = b"{}") -> tuple[int, bytes]:
    import http.client

    con = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    con.request("POST", "/v1/messages", body=body, headers={"content-type": "application/json"})
    response = con.getresponse()
    return response.status, response.read()


# ------------------------------------------------------------------ a hostile upstream stream

OUT_OF_ORDER = [
    ("content_block_delta", {"type": "content_block_delta", "index": 0,
                             "delta": {"type": "text_delta", "text": "before message_start"}}),
    ("message_delta", {"type": "message_delta", "delta": {"stop_reason": "end_turn"}}),
    ("message_start", {"type": "message_start", "message": {"id": "m", "content": []}}),
    ("content_block_start", {"type": "content_block_start", "index": "x", "content_block": {}}),
    ("content_block_start", {"type": "content_block_start", "index": 10**9, "content_block": {}}),
    ("content_block_start", {"type": "content_block_start", "index": 0,
                             "content_block": {"type": "text", "text": ""}}),
    ("content_block_delta", {"type": "content_block_delta", "index": 0,
                             "delta": {"type": "text_delta", "text": "kept"}}),
    ("message_stop", {"type": "message_stop"}),
]  # fmt: skip
_OOO_REPLY, _OOO_BODY = _sse_reply(OUT_OF_ORDER)


@pytest.mark.parametrize("upstream_and_proxy", [_OOO_REPLY], indirect=True)
def test_stream_events_out_of_order_are_recorded_problems_not_a_cut_stream(
    upstream_and_proxy: tuple[_Upstream, RecordingProxy, _Sink], capfd: pytest.CaptureFixture[str]
) -> None:
    """A delta before message_start raised AssertionError in the handler: a traceback on the
    agent's terminal, the client's stream cut after the headers, and no model_response at all.
    An index of "x" raised ValueError; an index of 10**9 allocated a billion blocks."""
    _, proxy, sink = upstream_and_proxy

    status, body = _post(proxy.port)

    assert status == 200 and body == _OOO_BODY  # the client got every byte
    time.sleep(0.2)
    [response] = sink.responses
    assert response.body["content"] == [{"type": "text", "text": "kept"}]
    problems = " ".join(response.problems)
    assert "before message_start" in problems and "index 'x' out of range" in problems
    assert f"index {10**9} out of range" in problems
    assert not proxy.failures and "Traceback" not in capfd.readouterr().err


def test_a_hostile_stream_is_parsed_in_time_linear_in_its_size() -> None:
    """One 16 MiB line took a minute (each chunk rescanned the whole line), 100,000 small text
    deltas half a minute (each copied the growing text): the proxy feeds the parser before it
    reads the next chunk, so the agent's stream stalled for as long."""
    started = time.monotonic()
    parser = SSEParser()
    parser.feed(b"event: x\ndata: ")
    for _ in range(256):
        parser.feed(b"a" * 65536)
    assert [len(e.data) for e in parser.close()] == [16 << 20]

    start, _ = _sse_reply([
        ("message_start", {"type": "message_start", "message": {"content": []}}),
        ("content_block_start", {"type": "content_block_start", "index": 0,
                                 "content_block": {"type": "text", "text": ""}}),
    ])  # fmt: skip
    delta = _sse_reply(
        [("content_block_delta", {"type": "content_block_delta", "index": 0,
                                  "delta": {"type": "text_delta", "text": "y" * 40}})]
    )[1]  # fmt: skip
    stream = start.split(b"\r\n\r\n", 1)[1] + delta * 100_000
    parser, acc = SSEParser(), MessageAccumulator()
    for i in range(0, len(stream), 65536):
        for event in parser.feed(stream[i : i + 65536]):
            acc.add(event)
    assert len(acc.message["content"][0]["text"]) == 4_000_000 and not acc.problems
    assert time.monotonic() - started < 10


def test_a_streamed_response_beyond_the_recording_limit_passes_through_unrecorded(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Only non-streamed bodies were bounded: a stream was parsed and kept however large."""
    monkeypatch.setattr(proxy_mod, "MAX_RECORDED_BODY", 4096)
    reply, body = _sse_reply(
        [("message_start", {"type": "message_start", "message": {"content": []}})]
        + [("ping", {"type": "ping", "pad": "p" * 100})] * 100
    )
    upstream, sink = _Upstream(reply), _Sink()
    with RecordingProxy(upstream.url, sink) as proxy:
        assert _post(proxy.port) == (200, body)
        time.sleep(0.2)
    [response] = sink.responses
    assert response.body == {"text": f"<{len(body)} bytes, larger than the recording limit of 4096>"}
    assert any("larger than the recording limit" in p for p in response.problems)


# ------------------------------------------------------------------ a hostile local client


def test_an_absolute_form_target_never_reaches_the_upstream(
    upstream_and_proxy: tuple[_Upstream, RecordingProxy, _Sink],
) -> None:
    """`GET http://other-host/x` made http.client send `Host: other-host` to the upstream: any
    local process could reach another virtual host behind the upstream's address, through the
    proxy, and have the exchange recorded as the agent's."""
    upstream, proxy, sink = upstream_and_proxy
    for target in (b"http://evil.example/steal", b"*", b"evil.example:443"):
        out = _raw(proxy.port, b"GET " + target + b" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        assert out.startswith(b"HTTP/1.1 400 "), out
        assert b"origin-form targets" in out
    assert upstream.heads == [] and sink.requests == []


@pytest.mark.parametrize(
    ("head", "status"),
    [
        (b"Transfer-Encoding: chunked\r\n\r\nzz\r\n", 400),  # ValueError traceback before
        (b"Content-Length: -5\r\n\r\n", 400),  # was forwarded with an empty body
        (b"Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400),  # smuggling shape
        (b"Content-Length: 99999999999\r\n\r\nabc", 413),  # MemoryError traceback before
        (b"Transfer-Encoding: chunked\r\n\r\nFFFFFFFFF\r\n", 413),
    ],
)
def test_a_malformed_or_oversized_request_body_is_refused_cleanly(
    upstream_and_proxy: tuple[_Upstream, RecordingProxy, _Sink],
    capfd: pytest.CaptureFixture[str],
    head: bytes,
    status: int,
) -> None:
    upstream, proxy, sink = upstream_and_proxy

    out = _raw(proxy.port, b"POST /v1/messages HTTP/1.1\r\nHost: x\r\n" + head)

    assert out.startswith(b"HTTP/1.1 %d " % status), out
    assert json.loads(out.split(b"\r\n\r\n", 1)[1])["type"] == "error"
    assert upstream.heads == [] and sink.requests == [] and not proxy.failures
    assert "Traceback" not in capfd.readouterr().err


def test_a_client_that_stalls_mid_request_is_dropped(monkeypatch: pytest.MonkeyPatch) -> None:
    """With no socket timeout, a client that sent half its body held a handler forever and
    every recording then waited out the full drain time at exit."""
    monkeypatch.setattr(proxy_mod, "CLIENT_TIMEOUT_S", 0.5)
    upstream, sink = _Upstream(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\n{}"), _Sink()
    proxy = RecordingProxy(upstream.url, sink).start()
    with socket.create_connection(("127.0.0.1", proxy.port)) as s:
        s.sendall(b'POST /v1/messages HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{"a"')
        s.settimeout(5)
        assert s.recv(65536) == b""  # closed after the timeout (before: recv timed out here)
    assert proxy.close(drain_s=1) == 0
    assert upstream.heads == [] and sink.requests == []


# ------------------------------------------------------------------ ledger record


def test_upstream_credentials_are_refused_and_never_printed(signed_workspace: Path) -> None:
    """`--upstream https://user:pw@gateway` was printed on stderr ("recording … (upstream …)"),
    written into build_start and into the signed provenance's externalParameters.upstream;
    http.client never even sent it."""
    from ledger.cli.record import record
    from ledger.errors import InputError

    result = CliRunner().invoke(
        record,
        ["-w", str(signed_workspace), "--upstream", "http://ci:hunter2x9@127.0.0.1:9/", "--",
         sys.executable, "-c", "pass"],
    )  # fmt: skip

    assert isinstance(result.exception, InputError) and result.exception.exit_code == 2
    assert "credentials in the URL" in str(result.exception)
    assert "hunter2x9" not in str(result.exception) + result.output
    assert not (signed_workspace / "attestations").exists()


def test_an_exchange_that_outlives_the_recording_is_dropped_not_written_late(
    signed_workspace: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str]
) -> None:
    """A background process of the agent still waiting for the model when the command exits:
    its model_response arrived after the trajectory was closed ("trajectory … is closed",
    a traceback) or, earlier, after build_end."""
    from ledger.record import RecordOptions, run_record
    from ledger.trajectory import read_trajectory, verify_trajectory
    from ledger.workspace import find_workspace

    close = RecordingProxy.close
    monkeypatch.setattr(RecordingProxy, "close", lambda self, drain_s=0.0: close(self, drain_s=0.2))
    upstream = _Upstream(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: close\r\n\r\n{}", delay_s=1.0)
    client = (
        "import os, urllib.request\n"
        "urllib.request.urlopen(urllib.request.Request(os.environ['ANTHROPIC_BASE_URL'] + '/v1/messages',"
        " data=b'{}', headers={'content-type': 'application/json'}), timeout=10).read()\n"
    )
    agent = tmp_path / "agent.py"
    agent.write_text(
        "import subprocess, sys, time\n"
        f"subprocess.Popen([sys.executable, '-c', {client!r}])\n"
        "time.sleep(0.5)\n"
    )

    result = run_record(
        find_workspace(explicit=signed_workspace),
        [sys.executable, str(agent)],
        RecordOptions(upstream=upstream.url, sign=False),
    )
    assert upstream.answered.wait(10)
    time.sleep(0.5)  # the handler has relayed the late answer by now

    assert any("still in flight" in note for note in result.notes)
    path = signed_workspace / ".ledger" / "objects" / "sha256" / result.trajectory[:2] / result.trajectory[2:]
    assert verify_trajectory(path).complete
    assert [e.type for e in read_trajectory(path)][-1] == "build_end"
    assert "Traceback" not in capfd.readouterr().err
    upstream.close()
