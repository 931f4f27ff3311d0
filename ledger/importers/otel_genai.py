"""OpenTelemetry GenAI telemetry: OTLP/JSON trace exports, or bare GenAI message lists.

Three shapes are read (OpenTelemetry semantic conventions for generative AI):

- an OTLP/JSON export ``{"resourceSpans": [{"resource", "scopeSpans": [{"spans": […]}]}]}``, or
  a file of such exports one per line (the collector's file exporter). Spans are ordered by
  start time. An inference span (``gen_ai.operation.name`` chat / text_completion /
  generate_content, or any span with ``gen_ai.input.messages``) becomes ``model_request``
  (its input messages and system instructions) and ``model_response`` (its output messages,
  finish reasons, usage); the tool calls in its output become ``tool_call``. An
  ``execute_tool`` span becomes the ``tool_call`` (if the model's output did not already name
  it) and its ``tool_result`` (``gen_ai.tool.call.result``; the span status says whether it
  failed). ``invoke_agent`` / ``create_agent`` spans become notes. The older conventions are
  read too: messages as span events (``gen_ai.user.message``, ``gen_ai.choice``, …) and
  OpenLLMetry's flattened ``gen_ai.prompt.<i>.*`` / ``gen_ai.completion.<i>.*`` attributes;
- a JSON list of input messages (``[{"role", "parts": […]}]``, the ``gen_ai.input.messages``
  schema) or of output messages (the same with ``finish_reason``): one conversation. User,
  system and tool messages are requests, assistant messages responses.

Tool results inside a later request's input messages close the calls they answer, once: the
same history is repeated in every request of a conversation. Spans without any ``gen_ai.``
attribute are counted (``stats.spans_without_gen_ai``) and otherwise ignored.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from ledger.errors import ImportFormatError
from ledger.importers.api import Importer
from ledger.importers.base import Sink, iter_json_lines, load_json, loads, lst, obj
from ledger.trajectory.events import EventType

FORMAT = "otel-genai"
MEDIA_TYPE = "application/json"
EXPECTED = (
    'an OTLP/JSON trace export with gen_ai.* spans, or a JSON list of GenAI messages ({"role", "parts"})'
)
_INFERENCE = frozenset({"chat", "text_completion", "generate_content"})
_AGENT = frozenset({"invoke_agent", "create_agent"})
_EVENT_ROLES = {
    "gen_ai.system.message": "system",
    "gen_ai.user.message": "user",
    "gen_ai.assistant.message": "assistant",
    "gen_ai.tool.message": "tool",
}
_FLAT = re.compile(r"\Agen_ai\.(prompt|completion)\.(\d+)\.(.+)\Z")


# -- detection ---------------------------------------------------------------------------------


def _is_message(value: Any) -> bool:
    return (
        isinstance(value, dict)
        and isinstance(value.get("role"), str)
        and isinstance(value.get("parts"), list)
    )


def detect(data: bytes, filename: str) -> float:
    head = data[:4096].lstrip()
    if head.startswith(b"{") and b'"resourceSpans"' in data[:65536]:
        return 0.95 if b"gen_ai." in data else 0.6
    if head.startswith(b"[") and b'"parts"' in data and b'"role"' in data:
        try:
            doc = loads(data)
        except (ValueError, UnicodeDecodeError):
            return 0.0
        if isinstance(doc, list) and doc:
            sample = doc[:20]
            return 0.85 * sum(1 for m in sample if _is_message(m)) / len(sample)
    return 0.0


# -- OTLP/JSON values --------------------------------------------------------------------------


def any_value(value: Any) -> Any:
    """An OTLP ``AnyValue`` as plain JSON (``intValue`` is a string in OTLP/JSON)."""
    if not isinstance(value, Mapping):
        return value
    if "stringValue" in value:
        return value["stringValue"]
    if "intValue" in value:
        try:
            return int(value["intValue"])
        except (TypeError, ValueError):
            return value["intValue"]
    if "doubleValue" in value:
        return value["doubleValue"]
    if "boolValue" in value:
        return value["boolValue"]
    if "arrayValue" in value:
        return [any_value(v) for v in lst(obj(value["arrayValue"]).get("values"))]
    if "kvlistValue" in value:
        return attributes(obj(value["kvlistValue"]).get("values"))
    if "bytesValue" in value:
        return value["bytesValue"]
    return None


def attributes(items: Any) -> dict[str, Any]:
    """OTLP ``[{key, value}]`` as a dict (the last of repeated keys wins)."""
    out: dict[str, Any] = {}
    for item in lst(items):
        if isinstance(item, Mapping) and isinstance(item.get("key"), str):
            out[item["key"]] = any_value(item.get("value"))
    return out


def _text(value: Any, default: str) -> str:
    return value if isinstance(value, str) and value else default


def _nanos(value: Any) -> datetime | None:
    try:
        nanos = int(value)
    except (TypeError, ValueError):
        return None
    if nanos <= 0:
        return None
    try:
        return datetime.fromtimestamp(nanos / 1e9, UTC)
    except (OverflowError, OSError, ValueError):
        return None


def _json_value(value: Any) -> Any:
    """Structured attributes may arrive as JSON strings (the common case) or already parsed."""
    if isinstance(value, str) and value[:1] in ("[", "{"):
        try:
            return loads(value)
        except ValueError:
            return value
    return value


# -- spans -------------------------------------------------------------------------------------


def _spans(docs: list[Any], sink: Sink) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """(span, resource attributes) for every span, ordered by start time then file order."""
    found: list[tuple[int, int, dict[str, Any], dict[str, Any]]] = []
    for d, doc in enumerate(docs):
        for r, rs in enumerate(lst(obj(doc).get("resourceSpans"))):
            resource = attributes(obj(obj(rs).get("resource")).get("attributes"))
            for s, ss in enumerate(
                lst(obj(rs).get("scopeSpans") or obj(rs).get("instrumentationLibrarySpans"))
            ):
                for i, span in enumerate(lst(obj(ss).get("spans"))):
                    if not isinstance(span, dict):
                        sink.skip(
                            f"export[{d}].resourceSpans[{r}].scopeSpans[{s}].spans[{i}]", "not a span object"
                        )
                        continue
                    try:
                        start = int(span.get("startTimeUnixNano") or 0)
                    except (TypeError, ValueError):
                        start = 0
                    found.append((start, len(found), span, resource))
    found.sort(key=lambda item: (item[0], item[1]))
    return [(span, resource) for _, _, span, resource in found]


def _flattened(attrs: Mapping[str, Any], kind: str) -> list[dict[str, Any]]:
    """OpenLLMetry's ``gen_ai.prompt.<i>.role/content`` (and completion tool calls) as messages."""
    by_index: dict[int, dict[str, Any]] = {}
    for key, value in attrs.items():
        m = _FLAT.match(key)
        if m and m.group(1) == kind:
            by_index.setdefault(int(m.group(2)), {})[m.group(3)] = value
    messages = []
    for _, fields in sorted(by_index.items()):
        parts: list[dict[str, Any]] = []
        if fields.get("content") is not None:
            parts.append({"type": "text", "content": fields["content"]})
        calls: dict[int, dict[str, Any]] = {}
        for key, value in fields.items():
            m = re.match(r"\Atool_calls\.(\d+)\.(\w+)\Z", key)
            if m:
                calls.setdefault(int(m.group(1)), {})[m.group(2)] = value
        for _, call in sorted(calls.items()):
            parts.append(
                {
                    "type": "tool_call",
                    "id": call.get("id"),
                    "name": call.get("name"),
                    "arguments": call.get("arguments"),
                }
            )
        if fields.get("tool_call_id") is not None:
            parts = [
                {
                    "type": "tool_call_response",
                    "id": fields["tool_call_id"],
                    "response": fields.get("content"),
                }
            ]
        message: dict[str, Any] = {
            "role": fields.get("role") or ("assistant" if kind == "completion" else "user"),
            "parts": parts,
        }
        if fields.get("finish_reason") is not None:
            message["finish_reason"] = fields["finish_reason"]
        messages.append(message)
    return messages


def _chat_parts(content: Any, tool_calls: Any) -> list[dict[str, Any]]:
    """GenAI parts of an OpenAI-style chat message (text content, ``function`` tool calls)."""
    parts: list[dict[str, Any]] = []
    if content is not None:
        parts.append({"type": "text", "content": content})
    for call in lst(tool_calls):
        fn = obj(obj(call).get("function"))
        parts.append(
            {
                "type": "tool_call",
                "id": obj(call).get("id"),
                "name": fn.get("name"),
                "arguments": fn.get("arguments"),
            }
        )
    return parts


def _event_messages(span: Mapping[str, Any]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Messages recorded as span events (the pre-1.37 conventions): (input, output)."""
    inputs, outputs = [], []
    for ev in lst(span.get("events")):
        name = _text(obj(ev).get("name"), "")
        body = attributes(obj(ev).get("attributes"))
        if name in _EVENT_ROLES:
            role = _EVENT_ROLES[str(name)]
            content = _json_value(body.get("content"))
            parts = _chat_parts(content, _json_value(body.get("tool_calls")))
            if role == "tool":
                parts = [{"type": "tool_call_response", "id": body.get("id"), "response": content}]
            inputs.append({"role": role, "parts": parts})
        elif name == "gen_ai.choice":
            message = obj(_json_value(body.get("message")))
            parts = _chat_parts(message.get("content"), message.get("tool_calls"))
            outputs.append(
                {
                    "role": message.get("role") or "assistant",
                    "parts": parts,
                    "finish_reason": body.get("finish_reason"),
                }
            )
        elif name in ("gen_ai.content.prompt", "gen_ai.content.completion"):
            text = body.get("gen_ai.prompt" if name.endswith("prompt") else "gen_ai.completion")
            target = inputs if name.endswith("prompt") else outputs
            for message in (
                lst(_json_value(text))
                if isinstance(_json_value(text), list)
                else [{"role": "user" if target is inputs else "assistant", "content": text}]
            ):
                content = obj(message).get("content")
                target.append(
                    {
                        "role": obj(message).get("role") or "user",
                        "parts": [{"type": "text", "content": content}],
                    }
                )
    return inputs, outputs


class _Conversation:
    """The state one import keeps: turn count, emitted calls, closed calls."""

    def __init__(self, sink: Sink) -> None:
        self.sink = sink
        self.turn = 0
        self.called: set[str] = set()
        self.answered: set[str] = set()
        # execute_tool spans that did not record their result (gen_ai.tool.call.result is
        # opt-in): the next request's history usually carries it
        self.pending: dict[str, dict[str, Any]] = {}

    def calls_in(self, messages: list[Any], when: Any) -> None:
        for m, message in enumerate(messages):
            for p, part in enumerate(lst(obj(message).get("parts"))):
                part = obj(part)
                if part.get("type") != "tool_call":
                    continue
                given = part.get("id")
                call_id = given if isinstance(given, str) and given else f"turn{self.turn}-{m}-{p}"
                if call_id in self.called:
                    continue
                self.called.add(call_id)
                name = _text(part.get("name"), "(unnamed)")
                self.sink.tool_call(call_id, name, _json_value(part.get("arguments")), when)

    def results_in(self, messages: list[Any], when: Any) -> None:
        for message in messages:
            for part in lst(obj(message).get("parts")):
                part = obj(part)
                call_id = part.get("id")
                if part.get("type") != "tool_call_response" or not isinstance(call_id, str):
                    continue
                if call_id in self.answered or call_id not in self.called:
                    continue  # repeated history, or an answer to a call made before this trace
                self.answered.add(call_id)
                extra = self.pending.pop(call_id, {"is_error": False})
                self.sink.tool_result(call_id, part.get("response"), when=when, **extra)

    def flush(self, when: Any) -> None:
        """Results of executed tools whose output no later request showed."""
        for call_id, extra in list(self.pending.items()):
            self.answered.add(call_id)
            self.sink.tool_result(call_id, None, when=when, output_recorded=False, **extra)
        self.pending.clear()

    def request(self, messages: list[Any], when: Any, **extra: Any) -> None:
        self.results_in(messages, when)
        data = {"turn": self.turn, "request": {"messages": messages, **extra.pop("request", {})}, **extra}
        self.sink.emit(EventType.MODEL_REQUEST, data, when)

    def response(self, messages: list[Any], when: Any, **extra: Any) -> None:
        self.sink.emit(
            EventType.MODEL_RESPONSE, {"turn": self.turn, "response": {"messages": messages}, **extra}, when
        )
        self.calls_in(messages, when)
        self.turn += 1


def _inference(span: Mapping[str, Any], attrs: Mapping[str, Any], conv: _Conversation) -> None:
    start, end = _nanos(span.get("startTimeUnixNano")), _nanos(span.get("endTimeUnixNano"))
    inputs = lst(_json_value(attrs.get("gen_ai.input.messages")))
    outputs = lst(_json_value(attrs.get("gen_ai.output.messages")))
    if not inputs and not outputs:
        inputs, outputs = _flattened(attrs, "prompt"), _flattened(attrs, "completion")
    if not inputs and not outputs:
        inputs, outputs = _event_messages(span)
    provider = attrs.get("gen_ai.provider.name") or attrs.get("gen_ai.system")
    host, port = attrs.get("server.address"), attrs.get("server.port")
    endpoint = f"{host}:{port}" if host and port else (host or None)
    model = attrs.get("gen_ai.response.model") or attrs.get("gen_ai.request.model")
    conv.sink.model(
        model,
        provider if isinstance(provider, str) else None,
        endpoint if isinstance(endpoint, str) else None,
    )
    params = {
        key.removeprefix("gen_ai.request."): value
        for key, value in attrs.items()
        if key.startswith("gen_ai.request.")
    }
    system = _json_value(attrs.get("gen_ai.system_instructions"))
    conv.request(
        inputs,
        start,
        request={"parameters": params, **({"system_instructions": system} if system is not None else {})},
        span_id=span.get("spanId"),
        model=attrs.get("gen_ai.request.model"),
    )
    usage = {
        key.removeprefix("gen_ai.usage."): value
        for key, value in attrs.items()
        if key.startswith("gen_ai.usage.")
    }
    conv.response(
        outputs,
        end or start,
        model=model,
        response_id=attrs.get("gen_ai.response.id"),
        finish_reasons=attrs.get("gen_ai.response.finish_reasons"),
        usage=usage or None,
        span_id=span.get("spanId"),
    )


def _execute_tool(span: Mapping[str, Any], attrs: Mapping[str, Any], conv: _Conversation) -> None:
    start, end = _nanos(span.get("startTimeUnixNano")), _nanos(span.get("endTimeUnixNano"))
    call_id = attrs.get("gen_ai.tool.call.id")
    if not isinstance(call_id, str) or not call_id:
        call_id = f"span-{span.get('spanId')}"
    name = _text(attrs.get("gen_ai.tool.name"), "(unnamed)")
    if call_id not in conv.called:
        conv.called.add(call_id)
        conv.sink.tool_call(
            call_id,
            name,
            _json_value(attrs.get("gen_ai.tool.call.arguments")),
            start,
            span_id=span.get("spanId"),
        )
    if call_id in conv.answered:
        return
    status = obj(span.get("status"))
    failed = status.get("code") in (2, "STATUS_CODE_ERROR") or bool(attrs.get("error.type"))
    extra: dict[str, Any] = {
        "is_error": failed,
        "span_id": span.get("spanId"),
        "error": (status.get("message") or attrs.get("error.type")) if failed else None,
    }
    if "gen_ai.tool.call.result" not in attrs:
        conv.pending[call_id] = extra
        return
    conv.answered.add(call_id)
    conv.sink.tool_result(call_id, _json_value(attrs["gen_ai.tool.call.result"]), when=end or start, **extra)


def _convert_spans(docs: list[Any], filename: str, sink: Sink) -> None:
    spans = _spans(docs, sink)
    if not spans:
        raise ImportFormatError(f"no spans in the export; expected {EXPECTED}", file=filename)
    first_attrs = attributes(spans[0][0].get("attributes"))
    conversation = next(
        (
            a["gen_ai.conversation.id"]
            for s, _ in spans
            if "gen_ai.conversation.id" in (a := attributes(s.get("attributes")))
        ),
        None,
    )
    sink.start(
        {
            "agent": spans[0][1].get("service.name") or first_attrs.get("gen_ai.agent.name"),
            "session_id": conversation if isinstance(conversation, str) else spans[0][0].get("traceId"),
            "trace_ids": sorted({str(s.get("traceId")) for s, _ in spans if s.get("traceId")}),
        },
        _nanos(spans[0][0].get("startTimeUnixNano")),
    )
    conv = _Conversation(sink)
    last_end = None
    for span, _ in spans:
        attrs = attributes(span.get("attributes"))
        operation = _text(attrs.get("gen_ai.operation.name"), "")
        last_end = _nanos(span.get("endTimeUnixNano")) or last_end
        if (
            operation in _INFERENCE
            or "gen_ai.input.messages" in attrs
            or "gen_ai.output.messages" in attrs
            or any(_FLAT.match(k) for k in attrs)
        ):
            _inference(span, attrs, conv)
        elif operation == "execute_tool":
            _execute_tool(span, attrs, conv)
        elif operation in _AGENT:
            sink.note(
                f"agent:{operation}",
                _nanos(span.get("startTimeUnixNano")),
                agent=attrs.get("gen_ai.agent.name"),
                agent_id=attrs.get("gen_ai.agent.id"),
                span_id=span.get("spanId"),
            )
        elif any(k.startswith("gen_ai.") for k in attrs):
            sink.note(
                f"span:{operation or span.get('name')}",
                _nanos(span.get("startTimeUnixNano")),
                span_id=span.get("spanId"),
                attributes=attrs,
            )
        else:
            sink.stats["spans_without_gen_ai"] += 1
    conv.flush(last_end)
    sink.end({"status": "completed"}, last_end)


def _convert_messages(messages: list[Any], sink: Sink) -> None:
    sink.start({"agent": None, "session_id": None})
    conv = _Conversation(sink)
    pending: list[Any] = []
    for i, message in enumerate(messages):
        if not _is_message(message):
            sink.skip(f"message[{i}]", 'not a GenAI message; expected an object with "role" and "parts"')
            continue
        if message["role"] == "assistant":
            if pending:
                conv.request(pending, None)
                pending = []
            conv.response([message], None)
        else:
            pending.append(message)
    if pending:
        conv.request(pending, None)
    sink.end({"status": "completed"})


def _exports(data: bytes, filename: str) -> list[Any]:
    """One JSON document, or one OTLP export per line (the collector's file exporter)."""
    try:
        return [loads(data)]
    except (ValueError, UnicodeDecodeError):
        pass
    lines = [line for line in data.splitlines() if line.strip()]
    if len(lines) > 1 and all(line.lstrip().startswith(b"{") for line in lines):
        docs = []
        for lineno, value, error in iter_json_lines(data):
            if error is not None:
                raise ImportFormatError(f"{error}; expected {EXPECTED}", file=filename, line=lineno)
            docs.append(value)
        return docs
    return [load_json(data, filename, expected=EXPECTED)]  # raises, naming line and column


def convert(data: bytes, filename: str, sink: Sink) -> None:
    docs = _exports(data, filename)
    if len(docs) == 1 and isinstance(docs[0], list):
        _convert_messages(docs[0], sink)
        return
    if not all(isinstance(d, dict) and "resourceSpans" in d for d in docs):
        raise ImportFormatError(f"top level has no resourceSpans; expected {EXPECTED}", file=filename)
    _convert_spans(docs, filename, sink)


IMPORTER = Importer(
    name=FORMAT,
    media_type=MEDIA_TYPE,
    description="OpenTelemetry GenAI: OTLP/JSON trace export or a GenAI message list",
    detect=detect,
    convert=convert,
)
