"""OpenTelemetry GenAI telemetry: OTLP/JSON trace (and log) exports, the OpenTelemetry Python
SDK's console output, or bare GenAI message lists.

These shapes are read (OpenTelemetry semantic conventions for generative AI):

- an OTLP/JSON export ``{"resourceSpans": [{"resource", "scopeSpans": [{"spans": […]}]}]}``, or
  a file of such exports one per line (the collector's file exporter). Spans are ordered by
  start time. An inference span (``gen_ai.operation.name`` chat / text_completion /
  generate_content, or any span with ``gen_ai.input.messages``) becomes ``model_request``
  (its input messages and system instructions, ``gen_ai.system_instructions`` or Latitude's
  ``gen_ai.system.instructions``) and ``model_response`` (its output messages,
  finish reasons, usage); the tool calls in its output become ``tool_call`` (``server_tool_call``
  parts, run by the provider, become a ``tool_call`` / ``tool_result`` pair marked
  ``server_side``). An ``execute_tool`` span becomes the ``tool_call`` (if the model's output
  did not already name it) and its ``tool_result`` (``gen_ai.tool.call.result``; the span status
  says whether it failed); Pydantic AI's older ``running tool`` spans (``tool_arguments``,
  ``tool_response``, no operation name) and Latitude's ``tool`` operation are tool spans too.
  ``invoke_agent`` / ``create_agent`` / ``invoke_workflow`` spans
  become notes (keeping the messages an agent span may carry: its model calls are spans of
  their own). The older conventions are read too: messages as span events or log records
  (``gen_ai.user.message``, ``gen_ai.choice``, …, and ``gen_ai.client.inference.operation.details``),
  OpenLLMetry's flattened ``gen_ai.prompt.<i>.*`` / ``gen_ai.completion.<i>.*`` attributes and
  ``traceloop.span.kind`` tool spans, and OpenInference's ``llm.input_messages.<i>.message.*``
  (``openinference.span.kind`` LLM and TOOL; other kinds are notes). Log exports
  (``resourceLogs``) attach their records to the span they name; records of no known span form
  inferences of their own. The proto field names (``resource_spans``, ``start_time_unix_nano``,
  ``string_value``) are read like the lowerCamelCase ones OTLP/JSON prescribes;
- what the Python SDK's ``ConsoleSpanExporter`` / ``ConsoleLogRecordExporter`` print (and
  anyone saving ``span.to_json()``): one JSON object per span or log record, pretty-printed
  (indent 4) or one a line, written one after another, or a JSON array of them. Each is
  converted to the OTLP/JSON span or log record it stands for (``0x`` ids as bare hex, ISO
  times as nanoseconds, plain attribute values as ``AnyValue``s, ``status_code`` as the enum)
  and mapped as above. A record that does not parse, or is neither a span nor a log record,
  is skipped and listed by the line it starts on; reading resumes at the next line starting
  with ``{``;
- a JSON list of input messages (``[{"role", "parts": […]}]``, the ``gen_ai.input.messages``
  schema) or of output messages (the same with ``finish_reason``): one conversation. User,
  system and tool messages are requests, assistant messages responses.

Tool results inside a later request's input messages close the calls they answer, once: the
same history is repeated in every request of a conversation. Spans without any GenAI attribute
are counted (``stats.spans_without_gen_ai``) and otherwise ignored.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from ledger.errors import ImportFormatError, InputError
from ledger.importers.api import Importer
from ledger.importers.base import Sink, iter_json_lines, load_json, loads, lst, obj, parse_time
from ledger.importers.base import key as hashable
from ledger.safeparse import BOM, json_error_reason, loads_strict
from ledger.trajectory.events import EventType

FORMAT = "otel-genai"
MEDIA_TYPE = "application/json"
EXPECTED = (
    "an OTLP/JSON trace export with gen_ai.* spans, spans as the OpenTelemetry SDK's ConsoleSpanExporter "
    'prints them, or a JSON list of GenAI messages ({"role", "parts"})'
)
_CONSOLE = (
    'one span ({"name", "context", "start_time", "attributes", …}) or log record '
    "as the OpenTelemetry SDK's console exporters print them"
)
_INFERENCE = frozenset({"chat", "text_completion", "generate_content", "completion"})
_AGENT = frozenset({"invoke_agent", "create_agent", "invoke_workflow"})
_TOOL_ARGUMENTS = ("gen_ai.tool.call.arguments", "tool_arguments")
_TOOL_RESULTS = ("gen_ai.tool.call.result", "tool_response", "gen_ai.tool.result.value")
"""Where a tool span keeps its input and output: the GenAI conventions, Pydantic AI's
instrumentation versions 1-2 (``running tool`` spans: ``tool_arguments``, ``tool_response``,
no operation name; pydantic_ai/_instrumentation.py) and Latitude's ``tool`` operation."""
_SYSTEM_INSTRUCTIONS = ("gen_ai.system_instructions", "gen_ai.system.instructions")
_EVENT_ROLES = {
    "gen_ai.system.message": "system",
    "gen_ai.user.message": "user",
    "gen_ai.assistant.message": "assistant",
    "gen_ai.tool.message": "tool",
}
_DETAILS_EVENT = "gen_ai.client.inference.operation.details"
_MESSAGE_EVENTS = frozenset(
    {*_EVENT_ROLES, "gen_ai.choice", "gen_ai.content.prompt", "gen_ai.content.completion", _DETAILS_EVENT}
)
_FLAT = re.compile(r"\Agen_ai\.(prompt|completion)\.(\d+)\.(.+)\Z")
_OPENINFERENCE = re.compile(r"\Allm\.(input|output)_messages\.(\d+)\.message\.(.+)\Z")
_ERROR_STATUS = frozenset({2, "2", "STATUS_CODE_ERROR", "ERROR"})
_PROTO_NAMES = {
    "resourceSpans": "resource_spans",
    "scopeSpans": "scope_spans",
    "instrumentationLibrarySpans": "instrumentation_library_spans",
    "resourceLogs": "resource_logs",
    "scopeLogs": "scope_logs",
    "instrumentationLibraryLogs": "instrumentation_library_logs",
    "logRecords": "log_records",
    "traceId": "trace_id",
    "spanId": "span_id",
    "parentSpanId": "parent_span_id",
    "startTimeUnixNano": "start_time_unix_nano",
    "endTimeUnixNano": "end_time_unix_nano",
    "timeUnixNano": "time_unix_nano",
    "observedTimeUnixNano": "observed_time_unix_nano",
    "eventName": "event_name",
    "stringValue": "string_value",
    "intValue": "int_value",
    "doubleValue": "double_value",
    "boolValue": "bool_value",
    "arrayValue": "array_value",
    "kvlistValue": "kvlist_value",
    "bytesValue": "bytes_value",
    "resourceMetrics": "resource_metrics",
    "resourceProfiles": "resource_profiles",
}
"""OTLP/JSON keys are lowerCamelCase; protobuf's own JSON printer (``preserving_proto_field_name``)
writes the proto names, which some tools save. Both are read."""


def _f(message: Any, name: str) -> Any:
    """Field ``name`` of an OTLP message, under its lowerCamelCase or its proto name."""
    if not isinstance(message, Mapping):
        return None
    if name in message:
        return message[name]
    return message.get(_PROTO_NAMES.get(name, name))


def _has(message: Mapping[str, Any], name: str) -> bool:
    return name in message or _PROTO_NAMES.get(name, name) in message


# -- detection ---------------------------------------------------------------------------------


def _is_message(value: Any) -> bool:
    return (
        isinstance(value, dict)
        and isinstance(value.get("role"), str)
        and isinstance(value.get("parts"), list)
    )


_EXPORT_KEYS = (b'"resourceSpans"', b'"resource_spans"', b'"resourceLogs"', b'"resource_logs"')
_GENAI_MARKS = (b"gen_ai.", b"openinference.span.kind", b"traceloop.span.kind", b"llm.input_messages")


_CONSOLE_SPAN_MARK = re.compile(rb'"span_id"\s*:\s*"0x[0-9a-fA-F]{16}"')
_CONSOLE_LOG_KEYS = (b'"body"', b'"severity_number"')


def _console_head(data: bytes) -> bool:
    """The first record looks like ``ReadableSpan.to_json`` / ``ReadableLogRecord.to_json``."""
    head = data[:65536]
    if b'"context"' in head and b'"start_time"' in head and _CONSOLE_SPAN_MARK.search(head):
        return True
    return all(k in head for k in _CONSOLE_LOG_KEYS)


def detect(data: bytes, filename: str) -> float:
    head = data[:4096].lstrip(b"\xef\xbb\xbf \t\r\n")
    if head.startswith(b"{") and any(k in data[:65536] for k in _EXPORT_KEYS):
        return 0.95 if any(mark in data for mark in _GENAI_MARKS) else 0.6
    if head.startswith((b"{", b"[")) and _console_head(data):
        return 0.95 if any(mark in data for mark in _GENAI_MARKS) else 0.6
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
    if _has(value, "stringValue"):
        return _f(value, "stringValue")
    if _has(value, "intValue"):
        try:
            return int(_f(value, "intValue"))
        except (TypeError, ValueError):
            return _f(value, "intValue")
    if _has(value, "doubleValue"):
        return _f(value, "doubleValue")
    if _has(value, "boolValue"):
        return _f(value, "boolValue")
    if _has(value, "arrayValue"):
        return [any_value(v) for v in lst(obj(_f(value, "arrayValue")).get("values"))]
    if _has(value, "kvlistValue"):
        return attributes(obj(_f(value, "kvlistValue")).get("values"))
    if _has(value, "bytesValue"):
        return _f(value, "bytesValue")
    return None


_ANY_VALUE_KEYS = frozenset(
    {k for camel in ("stringValue", "intValue", "doubleValue", "boolValue", "arrayValue", "kvlistValue",
                     "bytesValue") for k in (camel, _PROTO_NAMES[camel])}
)  # fmt: skip


def _is_any_value(value: Any) -> bool:
    return isinstance(value, Mapping) and len(value) == 1 and next(iter(value)) in _ANY_VALUE_KEYS


def attributes(items: Any) -> dict[str, Any]:
    """OTLP ``[{key, value}]`` as a dict (the last of repeated keys wins). A plain object of
    values, as some non-OTLP exporters write, is taken as it is."""
    if isinstance(items, Mapping):
        return {str(k): any_value(v) if _is_any_value(v) else v for k, v in items.items()}
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
    except (TypeError, ValueError, OverflowError):
        try:
            nanos = int(float(value))  # a JSON number written with an exponent
        except (TypeError, ValueError, OverflowError):
            return None
    if nanos <= 0:
        return None
    try:
        return datetime.fromtimestamp(nanos / 1e9, UTC)
    except (OverflowError, OSError, ValueError):
        return None


def _start_key(value: Any) -> int:
    moment = _nanos(value)
    return int(moment.timestamp() * 1e6) if moment else 0


def _json_value(value: Any) -> Any:
    """Structured attributes may arrive as JSON strings (the common case) or already parsed."""
    if isinstance(value, str) and value[:1] in ("[", "{"):
        try:
            return loads(value)
        except ValueError:
            return value
    return value


def _any_json(value: Any) -> Any:
    """A value that is JSON text of anything (a string too), or the value as it is."""
    if isinstance(value, str):
        try:
            return loads(value)
        except ValueError:
            return value
    return value


# -- spans -------------------------------------------------------------------------------------

_Event = tuple[str, dict[str, Any]]
"""A span event or log record: its name and its attributes (a log record's body merged in)."""


def _scopes(rs: Any, plural: str, legacy: str) -> list[Any]:
    return lst(_f(rs, plural) or _f(rs, legacy))


def _spans(docs: list[Any], sink: Sink) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """(span, resource attributes) for every span, ordered by start time then file order; log
    records are attached to their span (``_logs``), or grouped into spans of their own."""
    found: list[tuple[int, int, dict[str, Any], dict[str, Any]]] = []
    logs: list[tuple[int, dict[str, Any], dict[str, Any]]] = []
    for d, doc in enumerate(docs):
        for r, rs in enumerate(lst(_f(doc, "resourceSpans"))):
            resource = attributes(_f(_f(rs, "resource"), "attributes"))
            for s, ss in enumerate(_scopes(rs, "scopeSpans", "instrumentationLibrarySpans")):
                for i, span in enumerate(lst(_f(ss, "spans"))):
                    if not isinstance(span, dict):
                        sink.skip(
                            f"export[{d}].resourceSpans[{r}].scopeSpans[{s}].spans[{i}]", "not a span object"
                        )
                        continue
                    found.append((_start_key(_f(span, "startTimeUnixNano")), len(found), span, resource))
        for r, rl in enumerate(lst(_f(doc, "resourceLogs"))):
            resource = attributes(_f(_f(rl, "resource"), "attributes"))
            for s, sl in enumerate(_scopes(rl, "scopeLogs", "instrumentationLibraryLogs")):
                for i, record in enumerate(lst(_f(sl, "logRecords"))):
                    if not isinstance(record, dict):
                        sink.skip(
                            f"export[{d}].resourceLogs[{r}].scopeLogs[{s}].logRecords[{i}]",
                            "not a log record object",
                        )
                        continue
                    logs.append((len(logs), record, resource))
    by_span = {str(_f(span, "spanId")): span for _, _, span, _ in found if _f(span, "spanId")}
    orphans: list[tuple[dict[str, Any], dict[str, Any]]] = []
    for _, record, resource in logs:
        owner = by_span.get(str(_f(record, "spanId"))) if _f(record, "spanId") else None
        if owner is not None:
            owner.setdefault("_logs", []).append(_log_event(record))
        else:
            orphans.append((record, resource))
    for span, resource in _orphan_spans(orphans, sink):
        found.append((_start_key(_f(span, "startTimeUnixNano")), len(found), span, resource))
    found.sort(key=lambda item: (item[0], item[1]))
    return [(span, resource) for _, _, span, resource in found]


def _log_time(record: Mapping[str, Any]) -> Any:
    return _f(record, "timeUnixNano") or _f(record, "observedTimeUnixNano")


def _log_event(record: Mapping[str, Any]) -> _Event:
    """A log record as a span event: name from ``eventName`` (or the older ``event.name``
    attribute), attributes with the body's fields (or ``content``, for a plain body) merged in."""
    attrs = attributes(_f(record, "attributes"))
    body = any_value(_f(record, "body"))
    if isinstance(body, dict):
        attrs = {**body, **attrs}
    elif body is not None:
        attrs.setdefault("content", body)
    name = _f(record, "eventName") or attrs.get("event.name")
    return (name if isinstance(name, str) else "", attrs)


def _orphan_spans(
    records: list[tuple[dict[str, Any], dict[str, Any]]], sink: Sink
) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """Log records of no span in the export, as synthetic spans: one per span id they name;
    without one, one per inference (a details event, or messages up to the model's choices)."""
    groups: dict[str, tuple[dict[str, Any], dict[str, Any]]] = {}
    out: list[tuple[dict[str, Any], dict[str, Any]]] = []
    current: dict[str, Any] | None = None
    for record, resource in records:
        event = _log_event(record)
        name = event[0]
        if not name.startswith("gen_ai."):
            sink.stats["log_records_without_gen_ai"] += 1
            continue
        when = _log_time(record)
        span_id = _f(record, "spanId")
        if span_id:
            key = f"{_f(record, 'traceId')}/{span_id}"
            if key not in groups:
                groups[key] = (_synthetic_span(span_id, record, when), resource)
                out.append(groups[key])
            span = groups[key][0]
        else:
            answered = current is not None and any(n == "gen_ai.choice" for n, _ in current["_logs"])
            if current is None or name == _DETAILS_EVENT or (answered and name in _EVENT_ROLES):
                current = _synthetic_span(None, record, when)
                out.append((current, resource))
            span = current
        span["_logs"].append(event)
        span["endTimeUnixNano"] = when or span["endTimeUnixNano"]
        if name == _DETAILS_EVENT:
            current = None
    if out:
        sink.stats["log_records_without_span"] += sum(len(span["_logs"]) for span, _ in out)
    return out


def _synthetic_span(span_id: Any, record: Mapping[str, Any], when: Any) -> dict[str, Any]:
    return {
        "traceId": _f(record, "traceId"),
        "spanId": span_id,
        "startTimeUnixNano": when,
        "endTimeUnixNano": when,
        "attributes": [],
        "_logs": [],
    }


def _span_events(span: Mapping[str, Any]) -> list[_Event]:
    events: list[_Event] = []
    for ev in lst(span.get("events")):
        name = _f(ev, "name")
        events.append((name if isinstance(name, str) else "", attributes(_f(ev, "attributes"))))
    return events + list(span.get("_logs") or [])


def _grouped(
    items: Mapping[str, Any], pattern: str | re.Pattern[str], kind: str | None = None
) -> list[dict[str, Any]]:
    """Flattened ``….<i>.<field>`` attributes as one dict of fields per index ``i``, in index order.

    The pattern's last two groups are the index and the field name; given ``kind``, its first
    group must equal it (``gen_ai.prompt.0.role`` belongs to the prompt, not the completion).
    """
    by_index: dict[int, dict[str, Any]] = {}
    for key, value in items.items():
        m = re.match(pattern, key)
        if m and (kind is None or m.group(1) == kind):
            last = m.re.groups
            by_index.setdefault(int(m.group(last - 1)), {})[m.group(last)] = value
    return [fields for _, fields in sorted(by_index.items())]


def _flattened(attrs: Mapping[str, Any], kind: str) -> list[dict[str, Any]]:
    """OpenLLMetry's ``gen_ai.prompt.<i>.role/content`` (and completion tool calls) as messages."""
    messages = []
    for fields in _grouped(attrs, _FLAT, kind):
        parts: list[dict[str, Any]] = []
        if fields.get("content") is not None:
            parts.append({"type": "text", "content": fields["content"]})
        for call in _grouped(fields, r"\Atool_calls\.(\d+)\.(\w+)\Z"):
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


def _openinference(attrs: Mapping[str, Any], kind: str) -> list[dict[str, Any]]:
    """OpenInference's ``llm.<kind>_messages.<i>.message.*`` attributes as GenAI messages."""
    messages = []
    for fields in _grouped(attrs, _OPENINFERENCE, kind):
        parts: list[dict[str, Any]] = []
        if fields.get("content") is not None:
            parts.append({"type": "text", "content": fields["content"]})
        for content in _grouped(fields, r"\Acontents\.(\d+)\.message_content\.(.+)\Z"):
            if content.get("text") is not None:
                parts.append({"type": "text", "content": content["text"]})
            elif content.get("image.image.url") is not None:
                parts.append({"type": "uri", "modality": "image", "uri": content["image.image.url"]})
            else:
                parts.append({"type": str(content.get("type") or "unknown"), **content})
        for call in _grouped(fields, r"\Atool_calls\.(\d+)\.tool_call\.(.+)\Z"):
            parts.append(
                {
                    "type": "tool_call",
                    "id": call.get("id"),
                    "name": call.get("function.name"),
                    "arguments": call.get("function.arguments"),
                }
            )
        if fields.get("function_call_name") is not None:
            parts.append(
                {
                    "type": "tool_call",
                    "id": None,
                    "name": fields["function_call_name"],
                    "arguments": fields.get("function_call_arguments_json"),
                }
            )
        if fields.get("tool_call_id") is not None:
            response = fields.get("content")
            parts = [{"type": "tool_call_response", "id": fields["tool_call_id"], "response": response}]
        messages.append(
            {"role": fields.get("role") or ("assistant" if kind == "output" else "user"), "parts": parts}
        )
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


def _event_messages(events: list[_Event]) -> tuple[list[Any], list[Any], Any]:
    """Messages recorded as span events or log records: (input, output, system instructions).

    The pre-1.37 conventions give one event per message; ``gen_ai.client.inference.operation.details``
    carries the same attributes as an inference span."""
    inputs: list[Any] = []
    outputs: list[Any] = []
    system: Any = None
    for name, body in events:
        if name == _DETAILS_EVENT:
            inputs.extend(lst(_json_value(body.get("gen_ai.input.messages"))))
            outputs.extend(lst(_json_value(body.get("gen_ai.output.messages"))))
            system = _system_of(body) if system is None else system
        elif name in _EVENT_ROLES:
            role = _EVENT_ROLES[name]
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
    return inputs, outputs, system


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
                server = part.get("type") == "server_tool_call"
                if part.get("type") != "tool_call" and not server:
                    continue
                given = part.get("id")
                call_id = given if isinstance(given, str) and given else f"turn{self.turn}-{m}-{p}"
                if call_id in self.called:
                    continue
                self.called.add(call_id)
                name = _text(part.get("name"), "(unnamed)")
                if server:
                    self.sink.tool_call(
                        call_id, name, _json_value(part.get("server_tool_call")), when, server_side=True
                    )
                else:
                    self.sink.tool_call(call_id, name, _json_value(part.get("arguments")), when)

    def results_in(self, messages: list[Any], when: Any) -> None:
        for message in messages:
            for part in lst(obj(message).get("parts")):
                part = obj(part)
                call_id = part.get("id")
                kind = part.get("type")
                if kind not in ("tool_call_response", "server_tool_call_response"):
                    continue
                if not isinstance(call_id, str) or call_id in self.answered or call_id not in self.called:
                    continue  # repeated history, or an answer to a call made before this trace
                self.answered.add(call_id)
                if kind == "server_tool_call_response":
                    output = part.get("server_tool_call_response")
                    self.sink.tool_result(call_id, output, when=when, server_side=True)
                    continue
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
        self.results_in(messages, when)  # server tool results sit beside their calls
        self.turn += 1


def _system_of(attrs: Mapping[str, Any]) -> Any:
    """System instructions: ``gen_ai.system_instructions`` (the conventions) or
    ``gen_ai.system.instructions`` (Latitude's SDK)."""
    for name in _SYSTEM_INSTRUCTIONS:
        if attrs.get(name) is not None:
            return _json_value(attrs[name])
    return None


def _messages_of(span: Mapping[str, Any], attrs: Mapping[str, Any]) -> tuple[list[Any], list[Any], Any]:
    """(input, output, system instructions) under whichever convention the span follows."""
    inputs = lst(_json_value(attrs.get("gen_ai.input.messages")))
    outputs = lst(_json_value(attrs.get("gen_ai.output.messages")))
    system = _system_of(attrs)
    if not inputs and not outputs:
        inputs, outputs = _flattened(attrs, "prompt"), _flattened(attrs, "completion")
    if not inputs and not outputs:
        inputs, outputs = _openinference(attrs, "input"), _openinference(attrs, "output")
    if not inputs and not outputs:
        inputs, outputs, from_events = _event_messages(_span_events(span))
        system = from_events if system is None else system
    return inputs, outputs, system


def _model_of(attrs: Mapping[str, Any]) -> tuple[Any, Any, Any]:
    """(model, provider, endpoint) from the GenAI, OpenLLMetry or OpenInference attributes."""
    provider = (
        attrs.get("gen_ai.provider.name")
        or attrs.get("gen_ai.system")
        or attrs.get("llm.provider")
        or attrs.get("llm.system")
    )
    host, port = attrs.get("server.address"), attrs.get("server.port")
    endpoint = f"{host}:{port}" if host and port else (host or None)
    model = (
        attrs.get("gen_ai.response.model") or attrs.get("gen_ai.request.model") or attrs.get("llm.model_name")
    )
    return model, provider, endpoint


def _inference(span: Mapping[str, Any], attrs: Mapping[str, Any], conv: _Conversation) -> None:
    start = _nanos(_f(span, "startTimeUnixNano"))
    end = _nanos(_f(span, "endTimeUnixNano"))
    inputs, outputs, system = _messages_of(span, attrs)
    model, provider, endpoint = _model_of(attrs)
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
    if "llm.invocation_parameters" in attrs:
        params["invocation_parameters"] = _json_value(attrs["llm.invocation_parameters"])
    request: dict[str, Any] = {"parameters": params}
    if system is not None:
        request["system_instructions"] = system
    if not inputs and attrs.get("input.value") is not None:
        request["input_value"] = attrs["input.value"]  # OpenInference, messages not flattened
    conv.request(
        inputs,
        start,
        request=request,
        span_id=_f(span, "spanId"),
        model=attrs.get("gen_ai.request.model") or attrs.get("llm.model_name"),
    )
    usage = {
        key.removeprefix("gen_ai.usage."): value
        for key, value in attrs.items()
        if key.startswith("gen_ai.usage.")
    } or {
        key.removeprefix("llm.token_count."): value
        for key, value in attrs.items()
        if key.startswith("llm.token_count.")
    }
    extra = {"output_value": attrs["output.value"]} if not outputs and "output.value" in attrs else {}
    conv.response(
        outputs,
        end or start,
        model=model,
        response_id=attrs.get("gen_ai.response.id"),
        finish_reasons=attrs.get("gen_ai.response.finish_reasons"),
        usage=usage or None,
        span_id=_f(span, "spanId"),
        **extra,
    )


def _tool_fields(span: Mapping[str, Any], attrs: Mapping[str, Any]) -> tuple[Any, Any, Any, bool, Any]:
    """(call id, name, arguments, whether a result was recorded, result) of a tool span under
    the GenAI, OpenInference or OpenLLMetry attributes."""
    if attrs.get("openinference.span.kind") == "TOOL":
        arguments = attrs.get("tool.parameters", attrs.get("input.value"))
        call_id = attrs.get("tool_call.id") or attrs.get("gen_ai.tool.call.id")
        return call_id, attrs.get("tool.name"), arguments, "output.value" in attrs, attrs.get("output.value")
    if attrs.get("traceloop.span.kind") == "tool" and "gen_ai.tool.name" not in attrs:
        recorded = "traceloop.entity.output" in attrs
        return (
            attrs.get("gen_ai.tool.call.id"),
            attrs.get("traceloop.entity.name") or _f(span, "name"),
            attrs.get("traceloop.entity.input"),
            recorded,
            _any_json(attrs.get("traceloop.entity.output")),  # json.dumps of what the tool returned
        )
    arguments = next((attrs[k] for k in _TOOL_ARGUMENTS if k in attrs), None)
    result = next((k for k in _TOOL_RESULTS if k in attrs), None)
    return (
        attrs.get("gen_ai.tool.call.id"),
        attrs.get("gen_ai.tool.name"),
        arguments,
        result is not None,
        attrs.get(result) if result is not None else None,
    )


def _execute_tool(span: Mapping[str, Any], attrs: Mapping[str, Any], conv: _Conversation) -> None:
    start = _nanos(_f(span, "startTimeUnixNano"))
    end = _nanos(_f(span, "endTimeUnixNano"))
    call_id, name, arguments, recorded, result = _tool_fields(span, attrs)
    if not isinstance(call_id, str) or not call_id:
        call_id = f"span-{_f(span, 'spanId')}"
    if call_id not in conv.called:
        conv.called.add(call_id)
        conv.sink.tool_call(
            call_id,
            _text(name, "(unnamed)"),
            _json_value(arguments),
            start,
            span_id=_f(span, "spanId"),
        )
    if call_id in conv.answered:
        return
    status = obj(_f(span, "status"))
    failed = (
        hashable(status.get("code")) in _ERROR_STATUS
        or bool(attrs.get("error.type"))
        or attrs.get("gen_ai.tool.result.is_error") is True
    )
    extra: dict[str, Any] = {
        "is_error": failed,
        "span_id": _f(span, "spanId"),
        "error": (status.get("message") or attrs.get("error.type")) if failed else None,
    }
    if not recorded:
        conv.pending[call_id] = extra
        return
    conv.answered.add(call_id)
    conv.sink.tool_result(call_id, _json_value(result), when=end or start, **extra)


def _kind(span: Mapping[str, Any], attrs: Mapping[str, Any], events: list[_Event]) -> str:
    """What a span is: ``inference``, ``tool``, ``agent``, ``other`` (some GenAI attribute,
    a note) or ``none`` (no GenAI attribute at all)."""
    operation = _text(attrs.get("gen_ai.operation.name"), "")
    openinference = attrs.get("openinference.span.kind")
    traceloop = attrs.get("traceloop.span.kind")
    if operation in _AGENT or (not operation and openinference == "AGENT"):
        return "agent"
    if (
        operation in ("execute_tool", "tool")
        or openinference == "TOOL"
        or (not operation and traceloop == "tool")
        or (not operation and "gen_ai.tool.name" in attrs and "gen_ai.tool.call.id" in attrs)
    ):
        return "tool"
    if (
        operation in _INFERENCE
        or openinference == "LLM"
        or attrs.get("llm.request.type") in ("chat", "completion")
        or "gen_ai.input.messages" in attrs
        or "gen_ai.output.messages" in attrs
        or any(_FLAT.match(k) or _OPENINFERENCE.match(k) for k in attrs)
        or any(name in _MESSAGE_EVENTS for name, _ in events)
    ):
        return "inference"
    if any(k.startswith(("gen_ai.", "llm.", "openinference.", "traceloop.")) for k in attrs):
        return "other"
    return "none"


def _convert_spans(docs: list[Any], filename: str, sink: Sink) -> None:
    spans = _spans(docs, sink)
    if not spans:
        raise ImportFormatError(f"no spans in the export; expected {EXPECTED}", file=filename)
    first_attrs = attributes(_f(spans[0][0], "attributes"))
    conversation = next(
        (
            a.get("gen_ai.conversation.id") or a.get("session.id")
            for s, _ in spans
            if "gen_ai.conversation.id" in (a := attributes(_f(s, "attributes"))) or "session.id" in a
        ),
        None,
    )
    trace_ids = {str(_f(s, "traceId")) for s, _ in spans if _f(s, "traceId")}
    sink.start(
        {
            "agent": spans[0][1].get("service.name") or first_attrs.get("gen_ai.agent.name"),
            "session_id": conversation if isinstance(conversation, str) else _f(spans[0][0], "traceId"),
            "trace_ids": sorted(trace_ids),
        },
        _nanos(_f(spans[0][0], "startTimeUnixNano")),
    )
    conv = _Conversation(sink)
    last_end = None
    for span, _ in spans:
        attrs = attributes(_f(span, "attributes"))
        events = _span_events(span)
        operation = _text(attrs.get("gen_ai.operation.name"), "")
        start = _nanos(_f(span, "startTimeUnixNano"))
        last_end = _nanos(_f(span, "endTimeUnixNano")) or last_end
        kind = _kind(span, attrs, events)
        if kind == "inference":
            _inference(span, attrs, conv)
        elif kind == "tool":
            _execute_tool(span, attrs, conv)
        elif kind == "agent":
            model, provider, endpoint = _model_of(attrs)
            sink.model(
                model,
                provider if isinstance(provider, str) else None,
                endpoint if isinstance(endpoint, str) else None,
            )
            inputs, outputs, system = _messages_of(span, attrs)
            sink.note(
                f"agent:{operation or 'invoke_agent'}",
                start,
                agent=attrs.get("gen_ai.agent.name") or attrs.get("agent.name"),
                agent_id=attrs.get("gen_ai.agent.id"),
                span_id=_f(span, "spanId"),
                model=model,
                input_messages=inputs or None,
                output_messages=outputs or None,
                system_instructions=system,
                usage={k: v for k, v in attrs.items() if k.startswith("gen_ai.usage.")} or None,
            )
        elif kind == "other":
            label = operation or attrs.get("openinference.span.kind") or attrs.get("traceloop.span.kind")
            sink.note(
                f"span:{label or _f(span, 'name')}",
                start,
                span_id=_f(span, "spanId"),
                attributes=attrs,
            )
        else:
            sink.stats["spans_without_gen_ai"] += 1
        for name, body in events:
            if name.startswith("gen_ai.") and name not in _MESSAGE_EVENTS:
                sink.note(f"event:{name}", start, span_id=_f(span, "spanId"), attributes=body)
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


# -- the OpenTelemetry Python SDK's console exporters ------------------------------------------


def _is_console_span(value: Any) -> bool:
    """A span as ``ReadableSpan.to_json`` writes it (``ConsoleSpanExporter``)."""
    return isinstance(value, dict) and "context" in value and "start_time" in value


def _is_console_log(value: Any) -> bool:
    """A log record as ``ReadableLogRecord.to_json`` writes it (``ConsoleLogRecordExporter``;
    ``observed_timestamp`` since SDK 1.23, ``event_name`` since 1.35: ``event.name`` before)."""
    return isinstance(value, dict) and "body" in value and "severity_number" in value


def _otlp_value(value: Any) -> dict[str, Any]:
    """A plain JSON value as an OTLP/JSON ``AnyValue`` (what ``any_value`` reads back)."""
    if isinstance(value, bool):
        return {"boolValue": value}
    if isinstance(value, int):
        return {"intValue": str(value)}
    if isinstance(value, float):
        return {"doubleValue": value}
    if isinstance(value, str):
        return {"stringValue": value}
    if isinstance(value, list):
        return {"arrayValue": {"values": [_otlp_value(v) for v in value]}}
    if isinstance(value, dict):
        return {"kvlistValue": {"values": _otlp_attributes(value)}}
    return {}  # null: an empty AnyValue


def _otlp_attributes(value: Any) -> list[dict[str, Any]]:
    return [{"key": str(k), "value": _otlp_value(v)} for k, v in obj(value).items()]


def _hex_id(value: Any) -> str:
    """``0x``-prefixed SDK ids as OTLP/JSON's bare hex; an all-zero (invalid) id as none."""
    text = value.removeprefix("0x") if isinstance(value, str) else ""
    return "" if not text.strip("0") else text


def _iso_nanos(value: Any) -> str | None:
    """``ns_to_iso_str`` time (``2025-01-01T00:00:00.000000Z``) as OTLP's decimal nanoseconds."""
    moment = parse_time(value) if isinstance(value, str) else None
    if moment is None:
        return None
    return str((moment - _EPOCH) // timedelta(microseconds=1) * 1000)


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_STATUS_CODES = {"UNSET": 0, "OK": 1, "ERROR": 2}


def _console_export(record: dict[str, Any]) -> dict[str, Any]:
    """A console span or log record as a one-record OTLP/JSON export, so that it is mapped by
    exactly the code that maps OTLP exports."""
    resource = {"attributes": _otlp_attributes(obj(record.get("resource")).get("attributes"))}
    if _is_console_log(record):
        log = {
            "timeUnixNano": _iso_nanos(record.get("timestamp")),
            "observedTimeUnixNano": _iso_nanos(record.get("observed_timestamp")),
            "traceId": _hex_id(record.get("trace_id")),
            "spanId": _hex_id(record.get("span_id")),
            "eventName": record.get("event_name") or None,
            "attributes": _otlp_attributes(record.get("attributes")),
            "body": _otlp_value(record.get("body")),
        }
        return {"resourceLogs": [{"resource": resource, "scopeLogs": [{"logRecords": [log]}]}]}
    context = obj(record.get("context"))
    status = obj(record.get("status"))
    span = {
        "traceId": _hex_id(context.get("trace_id")),
        "spanId": _hex_id(context.get("span_id")),
        "parentSpanId": _hex_id(record.get("parent_id")),
        "name": record.get("name"),
        "startTimeUnixNano": _iso_nanos(record.get("start_time")),
        "endTimeUnixNano": _iso_nanos(record.get("end_time")),
        "attributes": _otlp_attributes(record.get("attributes")),
        "events": [
            {
                "name": obj(event).get("name"),
                "timeUnixNano": _iso_nanos(obj(event).get("timestamp")),
                "attributes": _otlp_attributes(obj(event).get("attributes")),
            }
            for event in lst(record.get("events"))
        ],
        "status": {
            "code": _STATUS_CODES.get(str(status.get("status_code")), 0),
            "message": status.get("description"),
        },
    }
    return {"resourceSpans": [{"resource": resource, "scopeSpans": [{"spans": [span]}]}]}


# -- reading the file --------------------------------------------------------------------------

_Doc = tuple[int, str, Any]
"""A top-level JSON value of the file: the line it starts on, where it is (``line 3``,
``item[2]``) and the value."""
_Broken = tuple[int, str]
"""The line where a value that does not parse starts, and why."""
_NEXT_OBJECT = re.compile(r"\n(?=\{)")
_JSON_SPACE = re.compile(r"[ \t\r\n]*")


def _concatenated(data: bytes) -> tuple[list[_Doc], list[_Broken]]:
    """JSON values written one after another, pretty-printed or one a line (the SDK's console
    exporters print ``to_json()`` with an indent of 4 and a newline). After a value that does
    not parse, reading resumes at the next line starting with ``{``: each record starts there."""
    try:
        text = data.removeprefix(BOM).decode("utf-8")
    except UnicodeDecodeError:
        return [], []
    decoder = json.JSONDecoder()
    docs: list[_Doc] = []
    broken: list[_Broken] = []
    pos = last = 0
    line = 1
    while True:
        space = _JSON_SPACE.match(text, pos)
        pos = space.end() if space else pos
        if pos >= len(text):
            break
        line += text.count("\n", last, pos)
        last = pos
        try:
            _, end = decoder.raw_decode(text, pos)
        except json.JSONDecodeError as exc:
            broken.append((line, f"not valid JSON ({exc.msg} at line {exc.lineno} column {exc.colno})"))
        except (RecursionError, ValueError) as exc:
            broken.append((line, json_error_reason(exc)))
        else:
            try:  # parsed again, refusing what ``loads`` refuses (NaN, duplicate keys, …)
                value = loads_strict(text[pos:end], where="", surrogates="replace", what=None)
                docs.append((line, f"line {line}", value))
            except InputError as exc:
                broken.append((line, exc.message))
            pos = end
            continue
        resume = _NEXT_OBJECT.search(text, pos)
        if resume is None:
            break
        pos = resume.end()
    return docs, broken


def _documents(data: bytes, filename: str) -> tuple[list[_Doc], list[_Broken]]:
    """One JSON document; one OTLP export per line (the collector's file exporter); or values
    one after another (the SDK's console exporters). Values that do not parse are returned
    apart, for the caller to skip or refuse; a file of which nothing parses is refused here."""
    try:
        return [(1, "line 1", loads(data))], []
    except (ValueError, UnicodeDecodeError):
        pass
    lines = [line for line in data.splitlines() if line.strip()]
    json_lines = len(lines) > 1 and all(line.lstrip().startswith(b"{") for line in lines)
    if json_lines:
        docs: list[_Doc] = []
        broken: list[_Broken] = []
        for lineno, value, error in iter_json_lines(data):
            if error is not None:
                broken.append((lineno, error))
            else:
                docs.append((lineno, f"line {lineno}", value))
    else:
        docs, broken = _concatenated(data)
    if not docs:
        if json_lines:
            raise ImportFormatError(f"{broken[0][1]}; expected {EXPECTED}", file=filename, line=broken[0][0])
        load_json(data, filename, expected=EXPECTED)  # raises, naming line and column
    return docs, broken


def convert(data: bytes, filename: str, sink: Sink) -> None:
    docs, broken = _documents(data, filename)
    if len(docs) == 1 and isinstance(docs[0][2], list):
        items = docs[0][2]
        if not any(_is_console_span(i) or _is_console_log(i) for i in items[:20]):
            _convert_messages(items, sink)
            return
        docs = [(1, f"item[{i}]", item) for i, item in enumerate(items)]  # a JSON array of console spans
    telemetry: list[Any] = []
    other = unknown = 0
    console = any(_is_console_span(d) or _is_console_log(d) for _, _, d in docs)
    skipped = [(line, f"line {line}", f"{reason}; expected {_CONSOLE}") for line, reason in broken]
    for line, where, doc in docs:
        if _is_console_span(doc) or _is_console_log(doc):
            telemetry.append(_console_export(doc))
        elif _has(obj(doc), "resourceSpans") or _has(obj(doc), "resourceLogs"):
            telemetry.append(doc)
        elif any(_has(obj(doc), k) for k in ("resourceMetrics", "resourceProfiles")):
            other += 1  # the collector's file exporter may write metrics (and profiles) too
        elif console:
            kind = "an object" if isinstance(doc, dict) else f"a JSON {type(doc).__name__}"
            skipped.append(
                (line, where, f"{kind} that is neither a span nor a log record; expected {_CONSOLE}")
            )
        else:
            unknown += 1
    if console:  # a broken record of the stream, not a broken file
        for _, where, reason in sorted(skipped, key=lambda item: item[0]):
            sink.skip(where, reason)
    elif broken:
        raise ImportFormatError(f"{broken[0][1]}; expected {EXPECTED}", file=filename, line=broken[0][0])
    if not telemetry or unknown:
        raise ImportFormatError(f"top level has no resourceSpans; expected {EXPECTED}", file=filename)
    if other:
        sink.stats["exports_without_spans_or_logs"] += other
    _convert_spans(telemetry, filename, sink)


IMPORTER = Importer(
    name=FORMAT,
    media_type=MEDIA_TYPE,
    description="OpenTelemetry GenAI: OTLP/JSON trace export or a GenAI message list",
    detect=detect,
    convert=convert,
)
