"""A scripted Anthropic-Messages-API server on 127.0.0.1, for tests and the offline demo.

The real ``anthropic`` SDK talks to it over HTTP (``AnthropicClient`` pointed at
``server.base_url``), so the whole client path runs without a network or a key. Everything it
produces is labelled as a scripted test model: the script's model id must contain
``scripted-test-model`` (it is the ``model`` of every response), message ids start with
``msg_loopback_``, and every HTTP response carries ``x-spec-ledger-model: scripted test model``.

Script file (JSON)::

    {
      "description": "optional, free text",
      "model": "loopback-scripted-test-model-20250101",        # default; must carry the label
      "turns": [                                                # one entry per request served
        {"content": [                                           # a reply: text / tool_use blocks
            {"type": "text", "text": "Writing the module."},
            {"type": "tool_use", "name": "write_file",          # id optional: toolu_loopback_TTT_J
             "input": {"path": "calc.py", "content": "..."}}],
         "stop_reason": "tool_use"},                            # default: tool_use if any, else end_turn
        {"expect": {"tool_result_contains": "passed",           # checked against the tool_result
                    "tool_result_is_error": false,              #   blocks of the request's last message
                    "otherwise": {"content": [...]}},           # served instead on mismatch; without
         "content": [{"type": "text", "text": "Done."}]},       #   it the server answers 400
        {"error": {"status": 429, "type": "rate_limit_error", "message": "slow down"},
         "retry_after_ms": 5}                                   # an HTTP error that uses up one request
      ]
    }

Usage numbers are deterministic estimates (canonical JSON bytes / 4) unless a turn sets
``"usage"``. ``stream: true`` requests get the Messages API's server-sent events
(message_start, content_block_start/delta/stop, message_delta, message_stop). Bad requests get
Anthropic-style error JSON (400), unknown paths 404, a missing ``x-api-key`` 401. The key's
value is never stored or logged; ``server.requests`` keeps what arrived without it.

Run standalone with ``python -m ledger.agent.loopback SCRIPT [--port N]``.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
import threading
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from ledger.agent.loopback_script import (
    Script,
    ScriptedError,
    Turn,
    estimate_tokens,
    load_script,
)
from ledger.errors import LedgerError

LABEL_HEADER = "x-spec-ledger-model"
LABEL_VALUE = "scripted test model"
MAX_BODY_BYTES = 64 << 20
_SECRET_HEADERS = frozenset({"x-api-key", "authorization"})
_STREAM_CHUNK = 24  # characters per text delta: small enough that a client must reassemble


@dataclass(frozen=True)
class ReceivedRequest:
    """What the server saw, minus credentials: the headers that carried a key are dropped."""

    method: str
    path: str
    headers: dict[str, str]
    body: Any
    status: int
    turn: int | None


class LoopbackServer:
    """Serves one script; ``requests`` lists every request received, in order."""

    def __init__(self, script: Script, *, port: int = 0, verbose: bool = False) -> None:
        self.script = script
        self.requests: list[ReceivedRequest] = []
        self.verbose = verbose
        self._next = 0
        self._served = 0
        self._lock = threading.Lock()
        self._httpd = ThreadingHTTPServer(("127.0.0.1", port), _make_handler(self))
        self._httpd.daemon_threads = True
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        return int(self._httpd.server_address[1])

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def turns_left(self) -> int:
        return len(self.script.turns) - self._next

    def start(self) -> LoopbackServer:
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, name="loopback-model", daemon=True
        )
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        self._httpd.serve_forever()

    def close(self) -> None:
        if self._thread is not None:
            self._httpd.shutdown()
            self._thread.join(timeout=5)
        self._httpd.server_close()

    def next_step(self, body: Mapping[str, Any]) -> tuple[int, Turn | None, str | None]:
        """Consume one script turn for ``body``: (turn number, turn to serve, error text)."""
        with self._lock:
            if self._next >= len(self.script.turns):
                return self._next + 1, None, (
                    f"loopback script exhausted: all {len(self.script.turns)} turns were served"
                )
            turn = self.script.turns[self._next]
            self._next += 1
            number = self._next
            if turn.expect is not None:
                why = turn.expect.mismatch(body)
                if why is not None:
                    if turn.expect.otherwise is None:
                        return number, None, f"loopback script turn {number}: {why}"
                    turn = turn.expect.otherwise
            if turn.error is None:
                self._served += 1
            return number, turn, None

    def message_for(self, turn: Turn, body: Mapping[str, Any]) -> dict[str, Any]:
        usage = turn.usage or {
            "input_tokens": estimate_tokens(body),
            "output_tokens": estimate_tokens(list(turn.content)),
        }
        return {
            "id": f"msg_loopback_{self._served:04d}",
            "type": "message",
            "role": "assistant",
            "model": self.script.model,
            "content": [dict(b) for b in turn.content],
            "stop_reason": turn.stop_reason,
            "stop_sequence": None,
            "usage": {"input_tokens": usage.get("input_tokens", 0),
                      "output_tokens": usage.get("output_tokens", 0)},
        }


@contextlib.contextmanager
def serve_script(script: Path | Script, *, port: int = 0) -> Iterator[LoopbackServer]:
    """Run a loopback server for ``script`` in a background thread for the ``with`` block."""
    loaded = script if isinstance(script, Script) else load_script(Path(script))
    server = LoopbackServer(loaded, port=port).start()
    try:
        yield server
    finally:
        server.close()


def _error_body(kind: str, message: str) -> dict[str, Any]:
    return {"type": "error", "error": {"type": kind, "message": message}}


def _validate(body: Any) -> str | None:
    """The first reason ``body`` is not a Messages API request, or None."""
    if not isinstance(body, dict):
        return "request body must be a JSON object"
    if not isinstance(body.get("model"), str) or not body["model"]:
        return "model: field required (a string)"
    mt = body.get("max_tokens")
    if not isinstance(mt, int) or isinstance(mt, bool) or mt < 1:
        return "max_tokens: field required (a positive integer)"
    messages = body.get("messages")
    if not isinstance(messages, list) or not messages:
        return "messages: field required (a non-empty list)"
    for i, m in enumerate(messages):
        if not isinstance(m, dict) or m.get("role") not in ("user", "assistant"):
            return f"messages.{i}.role: expected 'user' or 'assistant'"
        if not isinstance(m.get("content"), str | list):
            return f"messages.{i}.content: expected a string or a list of blocks"
    if "stream" in body and not isinstance(body["stream"], bool):
        return "stream: expected a boolean"
    if "tools" in body and not isinstance(body["tools"], list):
        return "tools: expected a list"
    if "system" in body and not isinstance(body["system"], str | list):
        return "system: expected a string or a list of text blocks"
    return None


def _sse_events(message: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    start = dict(message, content=[], stop_reason=None, stop_sequence=None,
                 usage={"input_tokens": message["usage"]["input_tokens"], "output_tokens": 1})
    yield "message_start", {"type": "message_start", "message": start}
    yield "ping", {"type": "ping"}
    for index, block in enumerate(message["content"]):
        if block["type"] == "text":
            yield "content_block_start", {"type": "content_block_start", "index": index,
                                          "content_block": {"type": "text", "text": ""}}
            text = block["text"]
            for k in range(0, max(len(text), 1), _STREAM_CHUNK):
                yield "content_block_delta", {
                    "type": "content_block_delta", "index": index,
                    "delta": {"type": "text_delta", "text": text[k : k + _STREAM_CHUNK]}}
        else:
            yield "content_block_start", {"type": "content_block_start", "index": index,
                                          "content_block": dict(block, input={})}
            partial = json.dumps(block["input"], ensure_ascii=False)
            for k in range(0, len(partial), _STREAM_CHUNK):
                yield "content_block_delta", {
                    "type": "content_block_delta", "index": index,
                    "delta": {"type": "input_json_delta",
                              "partial_json": partial[k : k + _STREAM_CHUNK]}}
        yield "content_block_stop", {"type": "content_block_stop", "index": index}
    yield "message_delta", {
        "type": "message_delta",
        "delta": {"stop_reason": message["stop_reason"], "stop_sequence": None},
        "usage": {"output_tokens": message["usage"]["output_tokens"]}}
    yield "message_stop", {"type": "message_stop"}


def _make_handler(server: LoopbackServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        server_version = "spec-ledger-loopback"

        def log_message(self, format: str, *args: Any) -> None:
            # The default handler logs to stderr; never the headers (a key), only in verbose mode.
            if server.verbose:
                sys.stderr.write(f"loopback: {self.command} {self.path} {args[1:2]}\n")

        def do_GET(self) -> None:
            self._unknown()

        def do_PUT(self) -> None:
            self._unknown()

        def do_DELETE(self) -> None:
            self._unknown()

        def _unknown(self) -> None:
            self._drain()
            self._record(None, 404, None)
            self._send_json(404, _error_body("not_found_error", f"no such route: {self.path}"))

        def do_POST(self) -> None:
            raw = self._drain()
            if self.path.split("?", 1)[0] != "/v1/messages":
                self._record(None, 404, None)
                self._send_json(404, _error_body("not_found_error", f"no such route: {self.path}"))
                return
            try:
                body: Any = json.loads(raw) if raw is not None else None
            except (json.JSONDecodeError, UnicodeDecodeError):
                body = None
                problem: str | None = "request body is not valid JSON"
            else:
                problem = _validate(body)
            if raw is None:
                problem = "request body missing or larger than the server accepts"
            if not (self.headers.get("x-api-key") or self.headers.get("authorization")):
                self._record(body, 401, None)
                self._send_json(401, _error_body("authentication_error",
                                                 "x-api-key header is required"))
                return
            if problem is not None:
                self._record(body, 400, None)
                self._send_json(400, _error_body("invalid_request_error", problem))
                return
            number, turn, error = server.next_step(body)
            if turn is None:
                self._record(body, 400, number)
                self._send_json(400, _error_body("invalid_request_error", error or "script"))
                return
            if turn.error is not None:
                self._record(body, turn.error.status, number)
                self._send_scripted_error(turn.error)
                return
            message = server.message_for(turn, body)
            self._record(body, 200, number)
            if body.get("stream"):
                self._send_stream(message)
            else:
                self._send_json(200, message)

        def _drain(self) -> bytes | None:
            length = self.headers.get("content-length")
            if length is None or not length.isdigit() or int(length) > MAX_BODY_BYTES:
                self.close_connection = True
                return None
            return self.rfile.read(int(length))

        def _record(self, body: Any, status: int, turn: int | None) -> None:
            headers = {k.lower(): v for k, v in self.headers.items()
                       if k.lower() not in _SECRET_HEADERS}
            with server._lock:
                server.requests.append(
                    ReceivedRequest(self.command, self.path, headers, body, status, turn)
                )

        def _common_headers(self) -> None:
            self.send_header(LABEL_HEADER, LABEL_VALUE)
            self.send_header("request-id", f"req_loopback_{len(server.requests):04d}")

        def _send_json(self, status: int, payload: Mapping[str, Any],
                       extra: Mapping[str, str] | None = None) -> None:
            data = json.dumps(payload, ensure_ascii=False).encode("utf-8")
            self.send_response(status)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(data)))
            self._common_headers()
            for k, v in (extra or {}).items():
                self.send_header(k, v)
            self.end_headers()
            self.wfile.write(data)

        def _send_scripted_error(self, err: ScriptedError) -> None:
            extra = {}
            if err.retry_after_ms is not None:
                extra["retry-after-ms"] = str(err.retry_after_ms)
            self._send_json(err.status, _error_body(err.type, err.message), extra)

        def _send_stream(self, message: dict[str, Any]) -> None:
            self.send_response(200)
            self.send_header("content-type", "text/event-stream; charset=utf-8")
            self.send_header("cache-control", "no-cache")
            self.send_header("transfer-encoding", "chunked")
            self._common_headers()
            self.end_headers()
            for event, data in _sse_events(message):
                chunk = f"event: {event}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n"
                payload = chunk.encode("utf-8")
                self.wfile.write(b"%x\r\n%s\r\n" % (len(payload), payload))
            self.wfile.write(b"0\r\n\r\n")
            self.wfile.flush()

    return Handler


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m ledger.agent.loopback",
        description="Serve a scripted test model over the Anthropic Messages API on 127.0.0.1.",
    )
    parser.add_argument("script", type=Path, help="script file (JSON, see the module docstring)")
    parser.add_argument("--port", type=int, default=0, help="port (default: an ephemeral one)")
    parser.add_argument("--quiet", action="store_true", help="do not log requests to stderr")
    args = parser.parse_args(argv)
    try:
        server = LoopbackServer(load_script(args.script), port=args.port, verbose=not args.quiet)
    except LedgerError as exc:
        print(exc.diagnostics(), file=sys.stderr)
        return exc.exit_code
    except OSError as exc:
        print(f"error: cannot listen on 127.0.0.1:{args.port}: {exc.strerror}", file=sys.stderr)
        return 2
    print(f"loopback {LABEL_VALUE} ({server.script.model}) on {server.base_url}",
          file=sys.stderr, flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server._httpd.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
