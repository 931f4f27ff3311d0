"""A recording reverse proxy for the Anthropic Messages API on 127.0.0.1 (ephemeral port).

Clients reach it through ``ANTHROPIC_BASE_URL`` (Claude Code and the anthropic SDKs honour it).
Every request goes to the upstream unchanged, credentials included, and the response comes
back as it arrives: streamed responses are passed through byte for byte, chunk by chunk, so a
client sees the same latency it would without the proxy. Meanwhile the exchange is handed to
an ``ExchangeSink`` (the session writes it into the trajectory).

What is never recorded: the credential headers (``x-api-key``, ``authorization``, cookies),
and their values wherever they reappear in a body (replaced by a redaction marker). Only
``accept-encoding`` is changed (to ``identity``) so the recorded body is the JSON itself.
Bodies are parsed with ``loads_strict``; the parsed value (not the bytes) is what is recorded,
so a lone UTF-16 surrogate in it is recorded as U+FFFD, and a body that is not strict JSON
(NaN, duplicate keys, nesting too deep) is recorded as text.

The client is any local process and the upstream's stream is input too, so: only origin-form
targets (``/v1/…``) are forwarded (an absolute ``http://other-host/…`` would have become the
upstream request's ``Host``); request bodies are bounded and framed strictly (one
``Content-Length`` or valid chunks, never both); a client that stalls is dropped after
``CLIENT_TIMEOUT_S``; a stream is recorded up to ``MAX_RECORDED_BODY`` and passed through
beyond it; and nothing a client or upstream sends can raise out of a handler: a failure is one
line in ``RecordingProxy.failures``, never a traceback in the middle of the agent's output.
"""

from __future__ import annotations

import contextlib
import http.client
import itertools
import json
import re
import ssl
import threading
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Protocol
from urllib.parse import urlsplit

from ledger.errors import InputError
from ledger.record.sse import MessageAccumulator, SSEParser
from ledger.safeparse import loads_strict

DEFAULT_UPSTREAM = "https://api.anthropic.com"
UPSTREAM_TIMEOUT_S = 600.0
MAX_RECORDED_BODY = 64 << 20  # a larger response is passed through but not recorded
# A request is buffered before it is forwarded, so it is bounded: twice the Messages API's own
# 32 MB request limit. Larger uploads (the Files API) cannot go through the recording proxy.
MAX_REQUEST_BODY = 64 << 20
CLIENT_TIMEOUT_S = 120.0  # a client silent this long mid-request (or idle on keep-alive) is dropped
_HOP_BY_HOP = frozenset(
    {
        "connection",
        "keep-alive",
        "proxy-authenticate",
        "proxy-authorization",
        "proxy-connection",
        "te",
        "trailer",
        "transfer-encoding",
        "upgrade",
        "host",
        "content-length",
        "accept-encoding",
    }
)
_CREDENTIAL_HEADERS = frozenset({"x-api-key", "authorization", "cookie", "proxy-authorization"})
RECORDED_REQUEST_HEADERS = frozenset({"anthropic-version", "anthropic-beta", "content-type", "user-agent"})
RECORDED_RESPONSE_HEADERS = frozenset(
    {"content-type", "request-id", "retry-after", "anthropic-organization-id"}
)


@dataclass(frozen=True)
class RecordedRequest:
    exchange: int
    method: str
    path: str
    headers: Mapping[str, str]
    body: Any  # parsed JSON, or {"text": …} / None when the body is not JSON
    credentials: tuple[str, ...]  # header secrets to scrub from what is recorded; never written


@dataclass(frozen=True)
class RecordedResponse:
    exchange: int
    status: int
    headers: Mapping[str, str]
    body: Any  # the final message (reassembled when streamed) or the JSON/text body
    streamed: bool
    sse_events: int
    latency_ms: int
    problems: tuple[str, ...] = ()
    error: str | None = None  # the proxy could not complete the exchange (upstream unreachable…)


class ExchangeSink(Protocol):
    """Receives each exchange: the request when it arrives, the response when it is complete."""

    def request(self, request: RecordedRequest) -> None: ...

    def response(self, request: RecordedRequest, response: RecordedResponse) -> None: ...


def check_upstream(url: str) -> str:
    """The upstream as an http(s) base URL without credentials.

    ``user:password@`` is refused rather than dropped: http.client would never send it, and the
    URL is recorded in the trajectory and the signed provenance and printed on stderr; the
    message shows the URL with the userinfo cut out.
    """
    try:
        parts = urlsplit(url)
        hostname, _ = parts.hostname, parts.port
    except ValueError:
        raise InputError(
            f"upstream is not a URL; expected an http(s) URL such as {DEFAULT_UPSTREAM}"
        ) from None
    if "@" in parts.netloc:
        shown = parts._replace(netloc=parts.netloc.rpartition("@")[2]).geturl()
        raise InputError(
            f"upstream {shown!r}: credentials in the URL are not sent and would be recorded",
            hint="the proxy forwards the client's own API key; drop user:password@ from --upstream",
        )
    if parts.scheme not in ("http", "https") or not hostname or parts.query or parts.fragment:
        raise InputError(f"upstream {url!r}: expected an http(s) URL such as {DEFAULT_UPSTREAM}")
    return url.rstrip("/")


class BadRequest(Exception):
    """A request the proxy refuses to forward (status and one-line reason for the client)."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status


def _body_value(raw: bytes) -> Any:
    if not raw:
        return None
    try:
        # the raw bytes are not kept as evidence, so a lone surrogate becomes U+FFFD here
        return loads_strict(raw, where="body", surrogates="replace")
    except InputError:
        return {"text": raw.decode("utf-8", "replace")}


def _credential_values(headers: Mapping[str, str]) -> tuple[str, ...]:
    values = []
    for name, value in headers.items():
        if name.lower() in _CREDENTIAL_HEADERS and value:
            values.append(value)
            scheme, _, token = value.partition(" ")
            if token and scheme.lower() in ("bearer", "basic", "token"):
                values.append(token.strip())
    return tuple(sorted(set(values), key=lambda v: (-len(v), v)))


class RecordingProxy:
    """``with RecordingProxy(upstream, sink) as proxy:`` serves on ``proxy.base_url``."""

    def __init__(self, upstream: str, sink: ExchangeSink, *, timeout_s: float = UPSTREAM_TIMEOUT_S) -> None:
        self.upstream = check_upstream(upstream)
        parts = urlsplit(self.upstream)
        self._scheme = parts.scheme
        self._host = parts.hostname or ""
        self._port = parts.port
        self._prefix = parts.path.rstrip("/")
        self._timeout = timeout_s
        self._ssl = ssl.create_default_context() if parts.scheme == "https" else None
        self.sink = sink
        self._ids = itertools.count(0)
        self._ids_lock = threading.Lock()
        self._in_flight = 0
        self._idle = threading.Condition()
        self.exchanges = 0
        self.failures: list[str] = []  # one line per exchange the proxy could not complete or record
        self._httpd = _Server(("127.0.0.1", 0), _make_handler(self), self.failures)
        self._httpd.daemon_threads = True
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        return int(self._httpd.server_address[1])

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> RecordingProxy:
        self._thread = threading.Thread(target=self._httpd.serve_forever, name="record-proxy", daemon=True)
        self._thread.start()
        return self

    def close(self, *, drain_s: float = 30.0) -> int:
        """Stop accepting, wait up to ``drain_s`` for exchanges in flight; return how many remain."""
        if self._thread is not None:
            self._httpd.shutdown()
            self._thread.join(timeout=5)
            self._thread = None
        deadline = time.monotonic() + drain_s
        with self._idle:
            while self._in_flight and time.monotonic() < deadline:
                self._idle.wait(timeout=max(0.0, deadline - time.monotonic()))
            remaining = self._in_flight
        self._httpd.server_close()
        return remaining

    def __enter__(self) -> RecordingProxy:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    def next_exchange(self) -> int:
        with self._ids_lock:
            self.exchanges += 1
            return next(self._ids)

    @contextlib.contextmanager
    def in_flight(self) -> Iterator[None]:
        with self._idle:
            self._in_flight += 1
        try:
            yield
        finally:
            with self._idle:
                self._in_flight -= 1
                self._idle.notify_all()

    def connect(self) -> http.client.HTTPConnection:
        if self._ssl is not None:
            return http.client.HTTPSConnection(
                self._host, self._port, timeout=self._timeout, context=self._ssl
            )
        return http.client.HTTPConnection(self._host, self._port, timeout=self._timeout)

    def upstream_path(self, path: str) -> str:
        return self._prefix + path


class _Server(ThreadingHTTPServer):
    """Errors outside a handler's own checks become a line in ``failures``, not a traceback."""

    def __init__(
        self, address: tuple[str, int], handler: type[BaseHTTPRequestHandler], failures: list[str]
    ) -> None:
        super().__init__(address, handler)
        self._failures = failures

    def handle_error(self, request: Any, client_address: Any) -> None:
        import sys

        exc = sys.exc_info()[1]
        if not isinstance(exc, (ConnectionError, TimeoutError)):
            self._failures.append(_failure_line(exc))


def _failure_line(exc: BaseException | None) -> str:
    """One line in ``RecordingProxy.failures`` for an exchange that failed unexpectedly."""
    return f"proxy error: {type(exc).__name__}: {exc}"[:500]


_CHUNK_SIZE = re.compile(rb"[0-9A-Fa-f]{1,16}")  # int(_, 16) alone also takes "0x5", "+5", "1_0"


def _read_chunked(rfile: Any, limit: int) -> bytes:
    """A chunked request body, strictly framed and at most ``limit`` bytes."""
    parts: list[bytes] = []
    total = 0
    while True:
        line = rfile.readline(1024)
        size_field = line.split(b";")[0].strip()
        if not line.endswith(b"\n") or not _CHUNK_SIZE.fullmatch(size_field):
            raise BadRequest(400, "malformed chunked request body")
        size = int(size_field, 16)
        if size == 0:
            while (trailer := rfile.readline(8192)) not in (b"\r\n", b"\n"):
                if not trailer.endswith(b"\n"):
                    raise BadRequest(400, "malformed chunked request body")
            return b"".join(parts)
        total += size
        if total > limit:
            raise BadRequest(413, f"request body larger than the recording proxy's limit ({limit} bytes)")
        data = rfile.read(size)
        if len(data) != size or rfile.readline(3) not in (b"\r\n", b"\n"):
            raise BadRequest(400, "malformed chunked request body")
        parts.append(data)


def _make_handler(proxy: RecordingProxy) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        server_version = "spec-ledger-record"
        timeout = CLIENT_TIMEOUT_S

        def log_message(self, format: str, *args: Any) -> None:
            pass  # the default logs to stderr, interleaved with the recorded command's output

        def do_GET(self) -> None:
            self._forward()

        def do_POST(self) -> None:
            self._forward()

        def do_PUT(self) -> None:
            self._forward()

        def do_PATCH(self) -> None:
            self._forward()

        def do_DELETE(self) -> None:
            self._forward()

        def _read_body(self) -> bytes:
            """The request body, framed by exactly one of Transfer-Encoding and Content-Length."""
            encodings = self.headers.get_all("transfer-encoding") or []
            lengths = self.headers.get_all("content-length") or []
            if encodings:
                if lengths or [e.strip().lower() for e in ",".join(encodings).split(",")] != ["chunked"]:
                    raise BadRequest(400, "ambiguous request framing (Transfer-Encoding)")
                return _read_chunked(self.rfile, MAX_REQUEST_BODY)
            if not lengths:
                return b""
            if len(lengths) > 1 or not lengths[0].strip().isdigit() or not lengths[0].strip().isascii():
                raise BadRequest(400, "malformed Content-Length")
            length = int(lengths[0])
            if length > MAX_REQUEST_BODY:
                raise BadRequest(
                    413, f"request body larger than the recording proxy's limit ({MAX_REQUEST_BODY} bytes)"
                )
            data = self.rfile.read(length)
            if len(data) != length:
                raise BadRequest(400, "request body shorter than its Content-Length")
            return data

        def _forward(self) -> None:
            with proxy.in_flight():
                try:
                    self._exchange()
                except BadRequest as exc:
                    self.close_connection = True
                    self._send_error(exc.status, str(exc))
                except (ConnectionError, TimeoutError):
                    self.close_connection = True
                except Exception as exc:  # never a traceback between the agent's lines
                    self.close_connection = True
                    proxy.failures.append(_failure_line(exc))

        def _exchange(self) -> None:
            if not self.path.startswith("/"):
                # absolute-form (http://host/…) would become the upstream request's Host header
                raise BadRequest(400, "the recording proxy forwards origin-form targets (/v1/...) only")
            raw = self._read_body()
            headers = {k: v for k, v in self.headers.items()}
            request = RecordedRequest(
                exchange=proxy.next_exchange(),
                method=self.command,
                path=self.path,
                headers={k.lower(): v for k, v in headers.items() if k.lower() in RECORDED_REQUEST_HEADERS},
                body=_body_value(raw),
                credentials=_credential_values(headers),
            )
            proxy.sink.request(request)
            started = time.monotonic()
            upstream_headers = {k: v for k, v in headers.items() if k.lower() not in _HOP_BY_HOP}
            upstream_headers["accept-encoding"] = "identity"
            if raw or self.command in ("POST", "PUT", "PATCH"):
                upstream_headers["content-length"] = str(len(raw))
            conn = proxy.connect()
            try:
                conn.request(
                    self.command, proxy.upstream_path(self.path), body=raw or None, headers=upstream_headers
                )
                upstream = conn.getresponse()
            except (OSError, http.client.HTTPException) as exc:
                conn.close()
                why = f"upstream {proxy.upstream} unreachable: {exc}"
                self._send_error(502, why)
                proxy.sink.response(
                    request,
                    RecordedResponse(request.exchange, 502, {}, None, False, 0, _ms(started), error=why),
                )
                return
            try:
                response = self._relay(request, upstream, started)
            finally:
                conn.close()
            proxy.sink.response(request, response)

        def _relay(
            self, request: RecordedRequest, upstream: http.client.HTTPResponse, started: float
        ) -> RecordedResponse:
            content_type = upstream.getheader("content-type", "") or ""
            streamed = content_type.split(";")[0].strip().lower() == "text/event-stream"
            length = upstream.getheader("content-length")
            chunked_out = streamed or length is None
            self.send_response(upstream.status, upstream.reason)
            for name, header in upstream.getheaders():
                if name.lower() not in _HOP_BY_HOP:
                    self.send_header(name, header)
            if chunked_out:
                self.send_header("transfer-encoding", "chunked")
            else:
                self.send_header("content-length", str(length))
            self.end_headers()
            client_ok = True
            parser = SSEParser() if streamed else None
            acc = MessageAccumulator()
            body = bytearray()
            too_big = False
            seen = 0
            while True:
                try:
                    chunk = upstream.read1(65536)
                except (OSError, http.client.HTTPException) as exc:
                    acc.problems.append(f"upstream stream broke off: {exc}")
                    break
                if not chunk:
                    break
                if client_ok:
                    client_ok = self._write(chunk, chunked_out)
                seen += len(chunk)
                if seen > MAX_RECORDED_BODY:
                    too_big = True  # passed through, no longer parsed or kept
                elif parser is not None:
                    for event in parser.feed(chunk):
                        acc.add(event)
                else:
                    body += chunk
            if client_ok and chunked_out:
                client_ok = self._write_raw(b"0\r\n\r\n")
            if not client_ok:
                acc.problems.append("the client disconnected before the response ended")
                self.close_connection = True
            recorded_headers = {
                k.lower(): v for k, v in upstream.getheaders() if k.lower() in RECORDED_RESPONSE_HEADERS
            }
            value: Any
            if too_big:
                value = {"text": f"<{seen} bytes, larger than the recording limit of {MAX_RECORDED_BODY}>"}
                acc.problems.append("the response was larger than the recording limit; it is not recorded")
            elif parser is not None:
                for event in parser.close():
                    acc.add(event)
                value = (
                    acc.message
                    if acc.message is not None
                    else ({"type": "error", "error": acc.errors[-1]} if acc.errors else None)
                )
            else:
                value = _body_value(_decoded(bytes(body), upstream.getheader("content-encoding")))
            return RecordedResponse(
                exchange=request.exchange,
                status=upstream.status,
                headers=recorded_headers,
                body=value,
                streamed=streamed,
                sse_events=acc.events,
                latency_ms=_ms(started),
                problems=tuple(acc.problems),
            )

        def _write(self, chunk: bytes, chunked: bool) -> bool:
            return self._write_raw(b"%x\r\n%s\r\n" % (len(chunk), chunk) if chunked else chunk)

        def _write_raw(self, data: bytes) -> bool:
            try:
                self.wfile.write(data)
                self.wfile.flush()
            except (TimeoutError, BrokenPipeError, ConnectionResetError):
                return False
            return True

        def _send_error(self, status: int, message: str) -> None:
            kind = {400: "invalid_request_error", 413: "request_too_large"}.get(status, "api_error")
            data = json.dumps({"type": "error", "error": {"type": kind, "message": message}}).encode()
            with contextlib.suppress(OSError):
                self.send_response(status)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

    return Handler


def _decoded(body: bytes, encoding: str | None) -> bytes:
    """The body as recorded: we ask for ``identity``, but an upstream may compress anyway."""
    kind = (encoding or "identity").strip().lower()
    if kind == "identity":
        return body
    import zlib

    try:
        if kind in ("gzip", "x-gzip"):
            return zlib.decompress(body, 16 + zlib.MAX_WBITS)
        if kind == "deflate":
            return zlib.decompress(body)
    except zlib.error:
        pass
    return f"<{len(body)} bytes with content-encoding {kind}>".encode()


def _ms(started: float) -> int:
    return int((time.monotonic() - started) * 1000)
