"""OpenTelemetry GenAI exports in the variants real exporters write, built inline.

Shapes follow open-telemetry/semantic-conventions @953276ff (docs/gen-ai/: spans, agent spans,
events incl. the deprecated per-message events, the gen_ai.input/output.messages schemas with
``server_tool_call`` parts), opentelemetry-proto docs/specification.md (OTLP/JSON: hex ids,
int64 as strings, enums as integers; protobuf's proto field names are read too), OpenLLMetry's
``traceloop.*`` attributes and OpenInference's spec/semantic_conventions.md (``llm.*``).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from ledger.errors import ImportFormatError
from ledger.importers import ImportResult, detect_format, import_bytes
from ledger.objects import ObjectStore
from ledger.trajectory import Redactor
from tests.importers.helpers import trajectory_events

NS = 1_767_225_600_000_000_000  # 2026-01-01T00:00:00Z in Unix nanoseconds



def _import(store: ObjectStore, doc: Any) -> ImportResult:
    data = doc if isinstance(doc, bytes) else json.dumps(doc).encode()
    assert detect_format(data, "trace.json")[0][0] == "otel-genai"
    return import_bytes(data, "trace.json", store, redactor=Redactor(environ={}))



def val(value: Any) -> dict[str, Any]:
    """An OTLP/JSON AnyValue (int64 as a decimal string)."""
    if isinstance(value, bool):
        return {"boolValue": value}
    if isinstance(value, int):
        return {"intValue": str(value)}
    if isinstance(value, float):
        return {"doubleValue": value}
    if isinstance(value, list):
        return {"arrayValue": {"values": [val(v) for v in value]}}
    if isinstance(value, dict):
        return {"kvlistValue": {"values": [{"key": k, "value": val(v)} for k, v in value.items()]}}
    return {"stringValue": value}


def span(span_id: str, start: int, attrs: dict[str, Any], **fields: Any) -> dict[str, Any]:
    return {"traceId": "5b8efff798038103d269b633813fc60c", "spanId": span_id, "name": span_id,
            "startTimeUnixNano": str(NS + start * 10**9), "endTimeUnixNano": str(NS + start * 10**9 + 5 * 10**8),
            "attributes": [{"key": k, "value": val(v)} for k, v in attrs.items()], **fields}  # fmt: skip


def export(*spans: dict[str, Any], logs: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "resourceSpans": [{"resource": {"attributes": [{"key": "service.name", "value": val("agent")}]},
                           "scopeSpans": [{"scope": {"name": "test"}, "spans": list(spans)}]}]
    }  # fmt: skip
    if logs is not None:
        doc["resourceLogs"] = [{"resource": {}, "scopeLogs": [{"logRecords": logs}]}]
    return doc


USER = [{"role": "user", "parts": [{"type": "text", "content": "list files"}]}]
CALL_LS = [{"role": "assistant", "parts": [{"type": "tool_call", "id": "c1", "name": "ls", "arguments": {}}]}]
CHAT = {"gen_ai.operation.name": "chat", "gen_ai.provider.name": "openai", "gen_ai.request.model": "gpt-5"}


def test_proto_field_names_read_like_lower_camel_case(store: ObjectStore) -> None:
    camel = export(span("a1", 1, {**CHAT, "gen_ai.input.messages": json.dumps(USER),
                                  "gen_ai.output.messages": json.dumps(CALL_LS)}))  # fmt: skip
    text = json.dumps(camel)
    for camel_key, snake in [("resourceSpans", "resource_spans"), ("scopeSpans", "scope_spans"),
                             ("startTimeUnixNano", "start_time_unix_nano"), ("endTimeUnixNano", "end_time_unix_nano"),
                             ("spanId", "span_id"), ("traceId", "trace_id"), ("stringValue", "string_value")]:  # fmt: skip
        text = text.replace(f'"{camel_key}"', f'"{snake}"')
    a, b = _import(store, camel), _import(store, text.encode())
    assert a.event_counts == b.event_counts and b.event_counts["tool_call"] == 1
    assert [e["time"] for e in trajectory_events(store, a)] == [e["time"] for e in trajectory_events(store, b)]


def test_error_status_in_any_encoding_fails_the_tool(store: ObjectStore) -> None:
    # OTLP/JSON says enums are integers; exporters also write the name, or "2"
    tools = [
        span(f"t{i}", i, {"gen_ai.operation.name": "execute_tool", "gen_ai.tool.name": "run",
                          "gen_ai.tool.call.id": f"c{i}", "gen_ai.tool.call.result": "x"}, status={"code": code})
        for i, code in enumerate([2, "2", "STATUS_CODE_ERROR", 1, "STATUS_CODE_OK"])
    ]  # fmt: skip
    events = trajectory_events(store, _import(store, export(*tools)))
    assert [e["data"]["is_error"] for e in events if e["type"] == "tool_result"] == [
        True,
        True,
        True,
        False,
        False,
    ]


def test_agent_spans_are_notes_even_when_they_carry_messages(store: ObjectStore) -> None:
    # gen-ai-agent-spans.md: invoke_agent may record gen_ai.input/output.messages; its model
    # calls are chat spans of their own, so the agent span must not be a second model call
    agent = span("ag", 0, {"gen_ai.operation.name": "invoke_agent", "gen_ai.agent.name": "coder",
                           "gen_ai.provider.name": "openai", "gen_ai.request.model": "gpt-5",
                           "gen_ai.input.messages": json.dumps(USER),
                           "gen_ai.output.messages": json.dumps([{"role": "assistant", "parts": [{"type": "text", "content": "3"}]}])})  # fmt: skip
    chat = span("ch", 1, {**CHAT, "gen_ai.input.messages": json.dumps(USER)})
    result = _import(store, export(agent, chat))
    assert result.event_counts["model_request"] == 1 and result.event_counts["note"] == 1
    note = next(e["data"] for e in trajectory_events(store, result) if e["type"] == "note")
    assert note["kind"] == "agent:invoke_agent" and note["output_messages"][0]["parts"][0]["content"] == "3"


def test_server_tool_calls_are_paired_and_marked(store: ObjectStore) -> None:
    # gen-ai-output-messages.json ServerToolCallPart / ServerToolCallResponsePart
    output = [{"role": "assistant", "parts": [
        {"type": "server_tool_call", "id": "s1", "name": "web_search", "server_tool_call": {"query": "otel"}},
        {"type": "server_tool_call_response", "id": "s1", "server_tool_call_response": {"hits": 2}},
        {"type": "text", "content": "found 2"}]}]  # fmt: skip
    first = span(
        "a",
        1,
        {**CHAT, "gen_ai.input.messages": json.dumps(USER), "gen_ai.output.messages": json.dumps(output)},
    )
    again = span("b", 2, {**CHAT, "gen_ai.input.messages": json.dumps(USER + output)})  # history repeats it
    result = _import(store, export(first, again))
    results = [e["data"] for e in trajectory_events(store, result) if e["type"] == "tool_result"]
    assert [(r["id"], r["output"], r["server_side"]) for r in results] == [("s1", {"hits": 2}, True)]
    assert result.tool_calls_paired == 1


def test_log_records_attach_to_their_span_or_form_their_own(store: ObjectStore) -> None:
    # gen-ai-events.md: gen_ai.client.inference.operation.details as a log record of the chat
    # span; the deprecated per-message events (eventName, or the event.name attribute, and a
    # body) of no exported span become inferences split at each gen_ai.choice
    details = {"timeUnixNano": str(NS + 10**9), "spanId": "ch", "traceId": "5b8efff798038103d269b633813fc60c",
               "eventName": "gen_ai.client.inference.operation.details",
               "attributes": [{"key": "gen_ai.input.messages", "value": val(json.dumps(USER))},
                              {"key": "gen_ai.output.messages", "value": val(json.dumps(CALL_LS))}]}  # fmt: skip

    def legacy(n: int, name: str, body: dict[str, Any]) -> dict[str, Any]:
        return {"timeUnixNano": str(NS + n * 10**9), "attributes": [{"key": "event.name", "value": val(name)}],
                "body": val(body)}  # fmt: skip

    logs = [
        details,
        legacy(5, "gen_ai.user.message", {"content": "hello"}),
        legacy(6, "gen_ai.choice", {"index": 0, "finish_reason": "stop", "message": {"content": "hi"}}),
        legacy(7, "gen_ai.user.message", {"content": "hello"}),
        legacy(7, "gen_ai.assistant.message", {"content": "hi"}),
        legacy(7, "gen_ai.user.message", {"content": "bye"}),
        legacy(8, "gen_ai.choice", {"index": 0, "finish_reason": "stop", "message": {"content": "bye"}}),
        {"timeUnixNano": str(NS), "body": val("app started")},
    ]
    result = _import(store, export(span("ch", 1, CHAT), logs=logs))
    events = trajectory_events(store, result)
    requests = [e["data"]["request"]["messages"] for e in events if e["type"] == "model_request"]
    assert [len(r) for r in requests] == [1, 1, 3]
    assert result.event_counts["tool_call"] == 1  # from the details record of span "ch"
    assert result.stats["log_records_without_span"] == 6 and result.stats["log_records_without_gen_ai"] == 1


def test_logs_alone_import(store: ObjectStore) -> None:
    record = {"timeUnixNano": str(NS), "eventName": "gen_ai.client.inference.operation.details",
              "attributes": [{"key": "gen_ai.input.messages", "value": val(json.dumps(USER))}]}  # fmt: skip
    result = _import(store, {"resourceLogs": [{"scopeLogs": [{"logRecords": [record]}]}]})
    assert result.event_counts["model_request"] == 1


def test_openinference_llm_and_tool_spans(store: ObjectStore) -> None:
    # OpenInference: flattened llm.input_messages.<i>.message.*, TOOL spans with tool.name
    llm = span("l1", 1, {
        "openinference.span.kind": "LLM", "llm.model_name": "claude-sonnet-4-5", "llm.provider": "anthropic",
        "llm.input_messages.0.message.role": "user",
        "llm.input_messages.0.message.contents.0.message_content.type": "text",
        "llm.input_messages.0.message.contents.0.message_content.text": "weather in Paris?",
        "llm.output_messages.0.message.role": "assistant",
        "llm.output_messages.0.message.tool_calls.0.tool_call.id": "tc1",
        "llm.output_messages.0.message.tool_calls.0.tool_call.function.name": "get_weather",
        "llm.output_messages.0.message.tool_calls.0.tool_call.function.arguments": '{"city": "Paris"}',
        "llm.token_count.prompt": 12, "llm.token_count.completion": 7,
    })  # fmt: skip
    tool = span("t1", 2, {"openinference.span.kind": "TOOL", "tool.name": "get_weather", "tool_call.id": "tc1",
                          "input.value": '{"city": "Paris"}', "output.value": "sunny"})  # fmt: skip
    chain = span("c1", 0, {"openinference.span.kind": "CHAIN", "input.value": "weather in Paris?"})
    result = _import(store, export(chain, llm, tool))
    events = trajectory_events(store, result)
    request = next(e["data"] for e in events if e["type"] == "model_request")
    assert request["request"]["messages"] == [
        {"role": "user", "parts": [{"type": "text", "content": "weather in Paris?"}]}
    ]
    response = next(e["data"] for e in events if e["type"] == "model_response")
    assert response["usage"] == {"prompt": 12, "completion": 7}
    call = next(e["data"] for e in events if e["type"] == "tool_call")
    assert call["input"] == {"city": "Paris"} and result.tool_calls_paired == 1
    assert [m.to_json() for m in result.models] == [
        {"id": "claude-sonnet-4-5", "provider": "anthropic", "endpoint": None}
    ]
    assert result.event_counts["note"] == 1 and "spans_without_gen_ai" not in result.stats


def test_openllmetry_tool_spans_are_tool_calls(store: ObjectStore) -> None:
    # OpenLLMetry decorators: traceloop.span.kind tool / workflow, entity input/output as JSON
    workflow = span("w", 0, {"traceloop.span.kind": "workflow", "traceloop.entity.name": "fix_bug"})
    tool = span("t", 1, {"traceloop.span.kind": "tool", "traceloop.entity.name": "run_tests",
                         "traceloop.entity.input": '{"args": [], "kwargs": {"path": "tests/"}}',
                         "traceloop.entity.output": '"2 passed"'})  # fmt: skip
    result = _import(store, export(workflow, tool))
    events = trajectory_events(store, result)
    call = next(e["data"] for e in events if e["type"] == "tool_call")
    assert call["name"] == "run_tests" and call["input"]["kwargs"] == {"path": "tests/"}
    assert next(e["data"]["output"] for e in events if e["type"] == "tool_result") == "2 passed"
    assert result.event_counts["note"] == 1


def test_plain_attribute_objects_numeric_times_and_evaluation_events(store: ObjectStore) -> None:
    # not OTLP, but written by some exporters: attributes as an object, times as JSON numbers
    one = span("x", 1, {})
    one["attributes"] = {
        **CHAT,
        "gen_ai.input.messages": USER,
        "gen_ai.request.max_tokens": {"intValue": "64"},
    }
    one["startTimeUnixNano"] = NS + 10**9
    one["events"] = [{"name": "gen_ai.evaluation.result", "timeUnixNano": str(NS + 2 * 10**9),
                      "attributes": [{"key": "gen_ai.evaluation.name", "value": val("relevance")},
                                     {"key": "gen_ai.evaluation.score.value", "value": val(0.9)}]}]  # fmt: skip
    result = _import(store, export(one))
    events = trajectory_events(store, result)
    request = next(e for e in events if e["type"] == "model_request")
    assert request["data"]["request"]["messages"] == USER and request["time"] == "2026-01-01T00:00:01.000000Z"
    assert request["data"]["request"]["parameters"]["max_tokens"] == 64
    note = next(e["data"] for e in events if e["type"] == "note")
    assert (
        note["kind"] == "event:gen_ai.evaluation.result"
        and note["attributes"]["gen_ai.evaluation.score.value"] == 0.9
    )


def test_collector_file_with_metrics_lines_beside_the_traces(store: ObjectStore) -> None:
    # the collector's file exporter writes one export per line; metrics may share the file
    metrics = {"resourceMetrics": [{"scopeMetrics": [{"metrics": [{"name": "gen_ai.client.token.usage"}]}]}]}
    traces = export(span("a", 1, {**CHAT, "gen_ai.input.messages": json.dumps(USER)}))
    data = (json.dumps(metrics) + "\n" + json.dumps(traces) + "\n").encode()
    result = _import(store, data)
    assert result.event_counts["model_request"] == 1 and result.stats["exports_without_spans_or_logs"] == 1


def test_tool_spans_of_pydantic_ai_v1_v2_and_latitude_are_tool_calls(store: ObjectStore) -> None:
    # Pydantic AI instrumentation versions 1-2 (pydantic_ai/_instrumentation.py): "running tool"
    # spans with gen_ai.tool.name / gen_ai.tool.call.id, tool_arguments, tool_response and no
    # operation name. Latitude's SDK: operation "tool", gen_ai.tool.result.value / .is_error.
    # Both were notes: the call's result came only from the next request's history, if any.
    chat = span("m", 0, {**CHAT, "gen_ai.input.messages": json.dumps(USER),
                         "gen_ai.output.messages": json.dumps(CALL_LS)})  # fmt: skip
    legacy = span("t1", 1, {"gen_ai.tool.name": "ls", "gen_ai.tool.call.id": "c1", "logfire.msg": "running tool: ls",
                            "tool_arguments": '{"path": "."}', "tool_response": "a.py"})  # fmt: skip
    latitude = span("t2", 2, {"gen_ai.operation.name": "tool", "gen_ai.tool.name": "get_weather",
                              "gen_ai.tool.call.id": "c2", "gen_ai.tool.call.arguments": '{"location": "Paris"}',
                              "gen_ai.tool.result.value": '{"error": "no such city"}',
                              "gen_ai.tool.result.is_error": True}, status={"code": 1})  # fmt: skip
    result = _import(store, export(chat, legacy, latitude))
    events = trajectory_events(store, result)
    calls = {e["data"]["id"]: e["data"] for e in events if e["type"] == "tool_call"}
    assert calls["c1"]["name"] == "ls" and calls["c2"]["input"] == {"location": "Paris"}
    results = {e["data"]["id"]: e["data"] for e in events if e["type"] == "tool_result"}
    assert (results["c1"]["output"], results["c1"]["is_error"]) == ("a.py", False)
    assert (results["c2"]["output"], results["c2"]["is_error"]) == ({"error": "no such city"}, True)
    assert result.tool_calls_paired == 2 and "note" not in result.event_counts


def test_system_instructions_under_latitudes_dotted_name(store: ObjectStore) -> None:
    # Latitude's SDK (latitude-llm packages/constants/src/tracing/attributes.ts) writes
    # gen_ai.system.instructions; the conventions name it gen_ai.system_instructions
    system = [{"type": "text", "content": "Be brief."}]
    dotted = span("a", 1, {**CHAT, "gen_ai.input.messages": json.dumps(USER),
                           "gen_ai.system.instructions": json.dumps(system)})  # fmt: skip
    request = next(e["data"] for e in trajectory_events(store, _import(store, export(dotted)))
                   if e["type"] == "model_request")  # fmt: skip
    assert request["request"]["system_instructions"] == system


# -- the OpenTelemetry Python SDK's console exporters ------------------------------------------
# opentelemetry-python opentelemetry-sdk/src/opentelemetry/sdk/trace/__init__.py (ReadableSpan.to_json:
# "0x" ids, ns_to_iso_str times, status_code by name, attributes as a plain dict) and
# _logs/_internal/__init__.py (ReadableLogRecord.to_json); ConsoleSpanExporter and
# ConsoleLogRecordExporter print each record as to_json() (indent 4) + os.linesep.

TRACE = "5b8efff798038103d269b633813fc60c"
RESOURCE = {"attributes": {"telemetry.sdk.language": "python", "telemetry.sdk.name": "opentelemetry",
                           "telemetry.sdk.version": "1.45.2", "service.name": "agent"}, "schema_url": ""}  # fmt: skip


def iso(start: float) -> str:
    """``ns_to_iso_str`` of NS + ``start`` seconds."""
    moment = datetime.fromtimestamp(NS / 1e9 + start, UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def console_span(span_id: str, start: int, attrs: dict[str, Any], **fields: Any) -> dict[str, Any]:
    return {"name": span_id, "context": {"trace_id": f"0x{TRACE}", "span_id": f"0x{span_id}", "trace_state": "[]"},
            "kind": "SpanKind.CLIENT", "parent_id": None, "start_time": iso(start), "end_time": iso(start + 0.5),
            "status": {"status_code": "UNSET"}, "attributes": attrs, "events": [], "links": [], "resource": RESOURCE,
            **fields}  # fmt: skip


def console_log(start: float, event_name: str, body: Any, span_id: str | None = None) -> dict[str, Any]:
    # as the SDK 1.45 prints a record emitted without a timestamp: only observed_timestamp is set
    return {"body": body, "severity_number": None, "severity_text": None, "attributes": {"gen_ai.system": "openai"},
            "dropped_attributes": 0, "timestamp": None, "observed_timestamp": iso(start),
            "trace_id": f"0x{TRACE}" if span_id else "", "span_id": f"0x{span_id}" if span_id else "",
            "trace_flags": 1, "resource": RESOURCE, "event_name": event_name}  # fmt: skip


def printed(*records: Any, indent: int | None = 4, newline: str = "\n") -> bytes:
    return "".join(json.dumps(r, indent=indent) + newline for r in records).encode()


SYSTEM = [{"type": "text", "content": "Be brief."}]
CHAT_IO = {**CHAT, "gen_ai.input.messages": json.dumps(USER), "gen_ai.output.messages": json.dumps(CALL_LS),
           "gen_ai.system_instructions": json.dumps(SYSTEM), "gen_ai.usage.input_tokens": 12,
           "gen_ai.response.finish_reasons": ["tool_calls"]}  # fmt: skip
TOOL_LS = {"gen_ai.operation.name": "execute_tool", "gen_ai.tool.name": "ls", "gen_ai.tool.call.id": "c1",
           "gen_ai.tool.call.arguments": "{}", "gen_ai.tool.call.result": "a.py"}  # fmt: skip
AGENT = {"gen_ai.operation.name": "invoke_agent", "gen_ai.agent.name": "coder"}
EVALUATION = {"gen_ai.evaluation.name": "relevance", "gen_ai.evaluation.score.value": 0.5}


def _mapped(store: ObjectStore, result: ImportResult) -> list[Any]:
    """Everything the import wrote but the link to the original bytes and the import time."""
    events = trajectory_events(store, result)
    for event in events:
        for key in ("source", "imported_at"):
            event["data"].pop(key, None)
    return [(e["type"], e["time"], e["data"]) for e in events]


CONSOLE_SPANS = [
    console_span("00000000000000a0", 0, AGENT, kind="SpanKind.INTERNAL",
                 events=[{"name": "gen_ai.evaluation.result", "timestamp": iso(0.25), "attributes": EVALUATION}]),
    console_span("00000000000000a1", 1, CHAT_IO, parent_id="0x00000000000000a0"),
    console_span("00000000000000a2", 2, TOOL_LS, parent_id="0x00000000000000a0",
                 status={"status_code": "ERROR", "description": "exit status 2"}),
]  # fmt: skip


@pytest.mark.parametrize(
    "data",
    [
        printed(*CONSOLE_SPANS),  # ConsoleSpanExporter
        printed(*CONSOLE_SPANS, newline="\r\n"),  # on Windows (os.linesep)
        printed(*CONSOLE_SPANS, indent=None),  # one a line
        json.dumps(CONSOLE_SPANS, indent=2).encode(),  # a JSON array of them
    ],
    ids=["pretty", "crlf", "lines", "array"],
)
def test_console_span_exporter_output_maps_like_the_otlp_export(store: ObjectStore, data: bytes) -> None:
    otlp = export(
        span("00000000000000a0", 0, AGENT, events=[{"name": "gen_ai.evaluation.result", "timeUnixNano": str(NS + 25 * 10**7),
                                                    "attributes": [{"key": k, "value": val(v)} for k, v in EVALUATION.items()]}]),
        span("00000000000000a1", 1, CHAT_IO),
        span("00000000000000a2", 2, TOOL_LS, status={"code": 2, "message": "exit status 2"}),
    )  # fmt: skip
    expected = _mapped(store, _import(store, otlp))
    result = _import(store, data)
    assert _mapped(store, result) == expected and not result.skipped
    assert result.event_counts["tool_call"] == 1 and result.event_counts["note"] == 2
    failed = next(e for t, _, e in expected if t == "tool_result")
    assert (failed["is_error"], failed["error"], failed["output"]) == (True, "exit status 2", "a.py")
    start = next(e for t, _, e in expected if t == "build_start")
    assert start["agent"] == "agent" and start["trace_ids"] == [TRACE]


def test_console_log_records_attach_to_the_span_they_name(store: ObjectStore) -> None:
    # both console exporters printing to stdout: openai-v2's per-message events (utils.py
    # message_to_event / choice_to_event: event_name, body) between the spans; the chat span
    # itself records no content
    stream = printed(
        console_log(1.1, "gen_ai.user.message", {"content": "list files"}, "00000000000000a1"),
        console_log(1.4, "gen_ai.choice", {"index": 0, "finish_reason": "tool_calls", "message": {
            "role": "assistant", "tool_calls": [{"id": "c1", "type": "function",
                                                 "function": {"name": "ls", "arguments": "{}"}}]}}, "00000000000000a1"),
        console_span("00000000000000a1", 1, CHAT),
        console_log(3.0, "gen_ai.user.message", {"content": "thanks"}),  # of no span: an inference of its own
    )  # fmt: skip
    result = _import(store, stream)
    events = trajectory_events(store, result)
    requests = [e["data"]["request"]["messages"] for e in events if e["type"] == "model_request"]
    assert requests == [USER, [{"role": "user", "parts": [{"type": "text", "content": "thanks"}]}]]
    call = next(e for e in events if e["type"] == "tool_call")
    assert call["data"]["name"] == "ls" and call["time"] == "2026-01-01T00:00:01.500000Z"
    assert result.stats["log_records_without_span"] == 1 and not result.skipped


def test_a_broken_console_record_is_skipped_and_listed(store: ObjectStore) -> None:
    good = [console_span("00000000000000a1", 1, CHAT_IO), console_span("00000000000000a3", 3, TOOL_LS)]
    lost_comma = (b'"SpanKind.CLIENT",', b'"SpanKind.CLIENT"')
    broken = printed(console_span("00000000000000a2", 2, CHAT)).replace(*lost_comma)
    first = printed(good[0])
    rest = printed(good[1], {"unrelated": True})
    data = first + broken + rest + b'{\n    "name": "cut'  # the process was killed mid-write
    result = _import(store, data)
    assert result.event_counts["model_request"] == 1 and result.tool_calls_paired == 1
    lines = [first.count(b"\n") + 1, (first + broken + rest).count(b"\n") - 2, data.count(b"\n")]
    assert [s.where for s in result.skipped] == [f"line {n}" for n in lines]
    assert "Expecting ',' delimiter" in result.skipped[0].reason
    assert "console exporters" in result.skipped[0].reason
    assert result.skipped[1].reason.startswith("an object that is neither a span nor a log record")
    assert "Unterminated string" in result.skipped[2].reason


def test_console_output_that_does_not_parse_names_the_file_and_line(store: ObjectStore) -> None:
    data = json.dumps(console_span("00000000000000a1", 1, CHAT_IO), indent=4)
    data = data.replace('"links": [],', '"links": []')  # a comma lost
    with pytest.raises(ImportFormatError, match="ConsoleSpanExporter") as info:
        import_bytes(data.encode(), "spans.txt", store, format="otel-genai", redactor=Redactor(environ={}))
    assert info.value.file == "spans.txt" and info.value.line == data[: data.index('"links"')].count("\n") + 2
