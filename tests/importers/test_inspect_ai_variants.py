"""inspect_ai logs in the shapes other inspect versions write, built inline from upstream's models.

Each fixture follows inspect_ai (UKGovernmentBEIS/inspect_ai @499e6152): samples are
``log/_log.py`` ``EvalSample`` (``events``, ``attachments``, ``events_data``, ``error_retries``;
the deprecated ``transcript`` with ``content``), events the ``event/_*.py`` models, and the
``.eval`` ZIP the members ``log/_recorders/eval.py`` and ``_recorders/chunked/format.py`` write.
"""

from __future__ import annotations

import io
import json
import struct
import warnings
import zipfile
import zlib
from pathlib import Path
from typing import Any

import pytest

from ledger.errors import ImportFormatError
from ledger.importers import ImportResult, detect_format, import_bytes
from ledger.objects import ObjectStore
from ledger.trajectory import Redactor
from tests.importers.helpers import trajectory_events

T = "2026-03-20T10:00:0{}+00:00"
HEADER = {
    "version": 2,
    "status": "success",
    "eval": {"run_id": "run-1", "created": T.format(0), "task": "t", "model": "openai/gpt-5"},
}



def _import(store: ObjectStore, data: bytes, name: str = "log.json") -> ImportResult:
    return import_bytes(data, name, store, format="inspect", redactor=Redactor(environ={}))



def _log(*samples: dict[str, Any]) -> bytes:
    return json.dumps({**HEADER, "samples": list(samples)}).encode()


def _zip(members: list[tuple[str, Any]]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive, warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "Duplicate name": written twice on purpose, as inspect does
        for name, value in members:
            archive.writestr(name, json.dumps(value))
    return out.getvalue()


def model_event(n: int, **fields: Any) -> dict[str, Any]:
    """``ModelEvent``: input, tools, tool_choice, config, output (ModelOutput)."""
    output = fields.pop(
        "output", {"model": "gpt-5", "choices": [{"message": {"role": "assistant", "content": "ok"}}]}
    )
    return {"event": "model", "timestamp": T.format(n), "model": "openai/gpt-5", "input": fields.pop("input", []),
            "tools": [], "tool_choice": "auto", "config": {}, "output": output, **fields}  # fmt: skip


def calling(call_id: str, function: str, arguments: dict[str, Any]) -> dict[str, Any]:
    """A ModelOutput whose assistant message asks for one tool call (``ToolCall``)."""
    message = {"role": "assistant", "content": "", "tool_calls": [{"id": call_id, "function": function, "arguments": arguments}]}  # fmt: skip
    return {"model": "gpt-5", "choices": [{"message": message, "stop_reason": "tool_calls"}]}


def test_pooled_model_inputs_are_expanded(store: ObjectStore) -> None:
    # inspect >= 0.3.200 condenses ModelEvent.input into events_data.messages and writes
    # input_refs: [[start, end_exclusive], ...] (event/_pool.py _compress_refs)
    pool = [
        {"role": "system", "content": "attachment://" + "a" * 32},
        {"role": "user", "content": "list files"},
        {"role": "assistant", "content": "done"},
        {"role": "user", "content": "thanks"},
    ]
    sample = {
        "id": 1, "epoch": 1, "input": "list files", "target": "",
        "attachments": {"a" * 32: "You are a careful agent."},
        "events_data": {"messages": pool, "calls": []},
        "events": [
            model_event(1, input=[], input_refs=[[0, 2]]),
            model_event(2, input=[], input_refs=[[0, 2], [2, 4]]),
            model_event(3, input=[], input_refs=[[3, 9]]),  # reaches past the pool
        ],
    }  # fmt: skip
    result = _import(store, _log(sample))
    requests = [e["data"]["request"] for e in trajectory_events(store, result) if e["type"] == "model_request"]
    assert [m["content"] for m in requests[0]["messages"]] == ["You are a careful agent.", "list files"]
    # the second request repeats the first and adds two: only those are kept (linear, not quadratic)
    assert [m["content"] for m in requests[1]["messages"]] == ["done", "thanks"]
    second = [e["data"] for e in trajectory_events(store, result) if e["type"] == "model_request"][1]
    assert (second["request_scope"], second["prior_messages"]) == ("new_messages", 2)
    assert "input_refs" not in requests[0]
    assert requests[2]["input_refs"] == [[3, 9]] and result.stats["unresolved_input_refs"] == 1


def test_the_short_lived_v3_message_pool_is_read_too(store: ObjectStore) -> None:
    # inspect 0.3.195-0.3.199 (INSPECT_LOG_FORMAT_V3) kept the pool as sample.message_pool
    sample = {"id": 1, "epoch": 1, "input": "x", "target": "", "message_pool": [{"role": "user", "content": "hi"}],
              "events": [model_event(1, input=[], input_refs=[[0, 1]])]}  # fmt: skip
    events = trajectory_events(store, _import(store, _log(sample)))
    request = next(e["data"]["request"] for e in events if e["type"] == "model_request")
    assert request["messages"] == [{"role": "user", "content": "hi"}]


def test_old_transcript_with_tc_content_refs(store: ObjectStore) -> None:
    # older logs (e.g. inspect 0.3.3x): sample.transcript = {events, content}, refs "tc://<mm3 hash>"
    digest = "0123456789abcdef0123456789abcdef"
    sample = {"id": "s", "epoch": 1, "input": "x", "target": "", "messages": [],
              "transcript": {"events": [model_event(1, input=[{"role": "user", "content": f"tc://{digest}"}])],
                             "content": {digest: "a prompt longer than fifty characters, kept by reference"}}}  # fmt: skip
    events = trajectory_events(store, _import(store, _log(sample)))
    request = next(e["data"]["request"] for e in events if e["type"] == "model_request")
    assert request["messages"][0]["content"].startswith("a prompt longer")


def test_events_nested_in_subtasks_and_tools_are_imported_in_place(store: ObjectStore) -> None:
    # before the flat transcript (SubtaskEvent.events / ToolEvent.events, now deprecated)
    tool = {"event": "tool", "timestamp": T.format(2), "id": "c1", "function": "bash",
            "arguments": {"cmd": "ls"}, "result": "a.txt", "completed": T.format(4),
            "events": [{"event": "sandbox", "timestamp": T.format(3), "action": "exec",
                        "cmd": "bash -c ls", "result": 0, "output": "a.txt"}]}  # fmt: skip
    subtask: dict[str, Any] = {"event": "subtask", "timestamp": T.format(5), "name": "helper", "input": {}, "result": None,
               "events": [model_event(6)]}  # fmt: skip
    sample = {"id": 1, "epoch": 1, "input": "x", "target": "",
              "events": [model_event(1, output=calling("c1", "bash", {"cmd": "ls"})), tool, subtask]}  # fmt: skip
    result = _import(store, _log(sample))
    kinds = [e["type"] for e in trajectory_events(store, result)][1:-1]
    assert kinds == ["note", "model_request", "model_response", "tool_call", "exec", "tool_result",
                     "note", "model_request", "model_response"]  # fmt: skip
    assert result.tool_calls_paired == 1 and not result.skipped


def test_a_zip_member_written_twice_counts_once(store: ObjectStore) -> None:
    # a re-run sample is appended under the same name; inspect reads the last copy
    first = {"id": 1, "epoch": 1, "input": "x", "target": "", "events": [model_event(1)]}
    second = {**first, "events": [model_event(1), model_event(2)]}
    data = _zip(
        [("header.json", HEADER), ("samples/1_epoch_1.json", first), ("samples/1_epoch_1.json", second)]
    )
    result = _import(store, data, "log.eval")
    assert result.event_counts["model_request"] == 2 and result.event_counts["note"] == 1


def test_chunked_samples_are_reassembled(store: ObjectStore) -> None:
    # _recorders/chunked/format.py: shell sample.json, events/messages/attachments chunks named
    # by their first index; attachment refs become attachment://<index>
    prefix = "samples/7_epoch_1/"
    shell = {"id": 7, "epoch": 1, "input": "x", "target": "y", "message_refs": [[0, 2]]}
    events = [model_event(1, input=[], input_refs=[[0, 1]]), model_event(2, input=[], input_refs=[[0, 2]])]
    data = _zip([
        ("header.json", HEADER),
        (prefix + "sample.json", shell),
        (prefix + "events/0.json", events[:1]),
        (prefix + "events/1.json", events[1:]),
        (prefix + "events/stats.json", {}),
        (prefix + "messages/0.json", [{"role": "user", "content": "attachment://1"}]),
        (prefix + "messages/1.json", [{"role": "assistant", "content": "attachment://0"}]),
        (prefix + "attachments/0.json", ["the answer", "the question"]),
    ])  # fmt: skip
    result = _import(store, data, "log.eval")
    requests = [e["data"]["request"] for e in trajectory_events(store, result) if e["type"] == "model_request"]
    assert [m["content"] for m in requests[0]["messages"]] == ["the question"]
    assert [m["content"] for m in requests[1]["messages"]] == ["the answer"]  # what it adds to the first
    assert not result.skipped and result.event_counts["note"] == 1  # one sample, not five


def test_a_log_from_before_transcripts_imports_its_messages(store: ObjectStore) -> None:
    # the oldest logs: samples carry only the conversation (ChatMessage list)
    messages = [
        {"role": "user", "content": "count files"},
        {"role": "assistant", "content": "", "tool_calls": [{"id": "t1", "function": "bash", "arguments": {"cmd": "ls | wc -l"}}]},
        {"role": "tool", "content": "3", "tool_call_id": "t1", "function": "bash"},
        {"role": "assistant", "content": "3 files"},
    ]  # fmt: skip
    sample = {"id": 1, "epoch": 1, "input": "count files", "target": "3", "messages": messages,
              "output": {"model": "openai/gpt-4", "choices": []}}  # fmt: skip
    result = _import(store, json.dumps({**HEADER, "version": 1, "samples": [sample]}).encode())
    events = trajectory_events(store, result)
    assert result.event_counts["model_request"] == 2 and result.tool_calls_paired == 1
    second = [e["data"] for e in events if e["type"] == "model_request"][1]
    # the second turn's request is the first one plus the assistant's call and the tool's answer
    assert (second["request_scope"], second["prior_messages"], len(second["request"]["messages"])) == (
        "new_messages",
        1,
        2,
    )
    assert second["model"] == "openai/gpt-4"
    assert result.stats["samples_without_events"] == 1 and not result.skipped


# One event of every kind inspect_ai's event/_event.py Event union holds (plus
# sandbox read/write), each with the fields its model requires.
EVERY_KIND: list[dict[str, Any]] = [
    {"event": "sample_init", "sample": {"input": "x", "target": "y"}, "state": {"messages": []}},
    {"event": "span_begin", "id": "s1", "name": "solvers", "type": "solvers"},
    {"event": "step", "action": "begin", "name": "agent"},
    {"event": "state", "changes": [{"op": "add", "path": "/x", "value": 1}]},
    {"event": "store", "changes": []},
    {"event": "anchor", "anchor_id": "a1"},
    {"event": "branch", "from_anchor": "a1"},
    {"event": "checkpoint", "checkpoint_id": 3, "trigger": "turn"},
    {"event": "approval", "message": "run rm?", "call": {"id": "c9", "function": "bash", "arguments": {}},
     "approver": "human", "decision": "reject", "explanation": "destructive"},
    {"event": "input", "input": "yes", "input_ansi": "yes"},
    {"event": "info", "source": "agent", "data": {"progress": 0.5}},
    {"event": "logger", "message": {"level": "warning", "message": "slow", "created": 1.0}},
    {"event": "compaction", "type": "summary", "tokens_before": 9000, "tokens_after": 800},
    {"event": "interrupt", "source": "limit", "interrupted": "generate"},
    {"event": "sample_limit", "type": "token", "message": "token limit reached", "limit": 10000.0},
    {"event": "error", "error": {"message": "boom", "traceback": "", "traceback_ansi": ""}},
    {"event": "score", "score": {"value": "C"}, "target": "y", "intermediate": False},
    {"event": "score_edit", "score_name": "match", "edit": {"value": "I"}},
    {"event": "sandbox", "action": "read_file", "file": "a.txt", "output": "hello"},
    {"event": "sandbox", "action": "write_file", "file": "b.txt", "input": "bye"},
    {"event": "span_end", "id": "s1"},
]  # fmt: skip


def test_every_event_kind_is_mapped_or_noted(store: ObjectStore) -> None:
    events = [{**ev, "timestamp": T.format(1)} for ev in EVERY_KIND]
    sample = {"id": 1, "epoch": 1, "input": "x", "target": "y", "events": events}
    result = _import(store, _log(sample))
    assert not result.skipped
    assert not [k for k in result.stats if k.startswith("unknown_event")]
    assert result.stats["unmapped:state"] == 1 and result.stats["unmapped:store"] == 1
    # 21 events: state/store counted; write_file -> file_write; 18 notes + the sample note
    assert result.event_counts["note"] == 19 and result.event_counts["file_write"] == 1
    notes = {e["data"]["kind"]: e["data"] for e in trajectory_events(store, result) if e["type"] == "note"}
    assert notes["approval"]["decision"] == "reject" and notes["approval"]["call"]["id"] == "c9"
    assert notes["info"]["data"] == {"progress": 0.5}
    assert notes["sample_limit"]["type"] == "token" and notes["compaction"]["tokens_after"] == 800
    assert notes["sandbox:read_file"]["output"] == "hello"
    assert "state" not in notes["sample_init"]  # the whole initial TaskState stays in the original


def test_pending_tools_server_side_tools_and_structured_results(store: ObjectStore) -> None:
    # ContentToolUse (tool_type web_search, run by the provider) in the assistant's content;
    # ToolEvent.result as ContentText / ContentImage lists; a tool still pending
    content = [{"type": "tool_use", "tool_type": "web_search", "id": "ws1", "name": "web_search",
                "arguments": '{"query": "otel"}', "result": "3 results"},
               {"type": "text", "text": "searching"}]  # fmt: skip
    output = calling("c1", "bash", {"cmd": "ls"})
    output["choices"][0]["message"]["content"] = content
    output["choices"][0]["message"]["tool_calls"].append({"id": "c2", "function": "view", "arguments": {}})
    output["choices"][0]["message"]["tool_calls"].append({"id": "c3", "function": "bash", "arguments": {}})
    tool = {"event": "tool", "timestamp": T.format(2), "function": "bash", "arguments": {}}
    events = [
        model_event(1, output=output),
        {**tool, "id": "c1", "result": [{"type": "text", "text": "a"}, {"type": "text", "text": "b"}]},
        {**tool, "id": "c2", "function": "view", "result": [{"type": "image", "image": "data:image/png;base64,AA=="}]},
        {**tool, "id": "c3", "result": "", "pending": True},
    ]  # fmt: skip
    result = _import(store, _log({"id": 1, "epoch": 1, "input": "x", "target": "", "events": events}))
    results = {e["data"]["id"]: e["data"] for e in trajectory_events(store, result) if e["type"] == "tool_result"}
    assert results["ws1"]["output"] == "3 results" and results["ws1"]["server_side"] is True
    assert results["c1"]["output"] == "a\nb"
    assert results["c2"]["output"][0]["type"] == "image"
    assert "c3" not in results and result.tool_calls_unpaired == 1 and result.stats["pending_tool_calls"] == 1


def test_retried_attempts_are_imported_before_the_final_one(store: ObjectStore) -> None:
    # EvalSample.error_retries[].events: what a failed attempt did before it was retried
    retry = {"message": "sandbox died", "traceback": "", "traceback_ansi": "",
             "events": [model_event(1, output=calling("r1", "bash", {"cmd": "make"}))]}  # fmt: skip
    sample = {
        "id": 1,
        "epoch": 1,
        "input": "x",
        "target": "",
        "error_retries": [retry],
        "events": [model_event(5)],
    }
    result = _import(store, _log(sample))
    notes = [e["data"] for e in trajectory_events(store, result) if e["type"] == "note"]
    assert [n["kind"] for n in notes] == ["sample", "error_retry"] and notes[1]["error"] == "sandbox died"
    assert result.event_counts["model_request"] == 2 and result.tool_calls_unpaired == 1


def test_a_log_still_running_has_only_its_journal(store: ObjectStore) -> None:
    # _journal/start.json (LogStart: version, eval, plan) and no header.json yet
    start = {"version": 2, "eval": HEADER["eval"], "plan": {}}
    sample = {"id": 1, "epoch": 1, "input": "x", "target": "", "events": [model_event(1)]}
    data = _zip([("_journal/start.json", start), ("samples/1_epoch_1.json", sample)])
    result = _import(store, data, "running.eval")
    end = trajectory_events(store, result)[-1]["data"]
    assert end["status"] == "interrupted" and result.stats["incomplete_log"] == 1


def test_a_pathologically_deep_value_does_not_exhaust_the_stack(store: ObjectStore) -> None:
    deep = "[" * 900 + "]" * 900  # as deep as the JSON parser accepts
    event = json.dumps({"event": "info", "timestamp": T.format(1), "data": "DEEP"}).replace('"DEEP"', deep)
    log = json.dumps(
        {"version": 2, "eval": {"task": "t"}, "samples": [{"id": 1, "epoch": 1, "events": ["E"]}]}
    )
    log = log.replace('"E"', event)
    result = _import(store, log.encode())
    assert result.event_counts["note"] == 2 and not result.skipped


# -- Zstandard members (inspect >= 0.3.205 writes .eval with ZIP method 93) ---------------------

ASSET = Path(__file__).parents[1] / "assets" / "trajectories" / "inspect_ai"
SECRET = "sk-ant-api03-abcdef1234567890abcdef"


def _zstd(content: bytes) -> bytes:
    """``content`` as Zstandard frames, one per half (writers split big members into frames)."""
    import zstandard

    compressor = zstandard.ZstdCompressor(level=3)
    frames = [compressor.compress(part) for part in (content[: len(content) // 2], content[len(content) // 2 :])]
    return b"".join(frames)


def _zstd_zip(members: list[tuple[str, Any]], **wrong: dict[str, int]) -> bytes:
    """A ZIP whose members are Zstandard (method 93), laid out byte by byte as zipfile_zstd does
    (Python's zipfile cannot write that method). ``wrong`` gives members a false ``size`` or
    ``crc`` (name -> value), or ``garbage`` (name -> length) in place of their frames."""
    out, central = bytearray(), bytearray()
    for name, value in members:
        content = json.dumps(value).encode()
        packed, raw = _zstd(content), name.encode()
        if name in wrong.get("garbage", {}):
            packed = b"\x28\xb5\x2f\xfd" + b"\xff" * wrong["garbage"][name]  # a frame magic, then noise
        crc = wrong.get("crc", {}).get(name, zlib.crc32(content))
        size = wrong.get("size", {}).get(name, len(content))
        offset = len(out)
        out += struct.pack("<4s5H3L2H", b"PK\x03\x04", 63, 0, 93, 0, 0x21, crc, len(packed), size, len(raw), 0)
        out += raw + packed
        central += struct.pack(
            "<4s6H3L5H2L", b"PK\x01\x02", 63, 63, 0, 93, 0, 0x21, crc, len(packed), size, len(raw), 0, 0, 0, 0, 0, offset
        )  # fmt: skip
        central += raw
    n = len(members)
    return bytes(out + central + struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, n, n, len(central), len(out), 0))


def test_a_zstandard_eval_log_written_by_inspect_imports(store: ObjectStore) -> None:
    # inspect's own fixture: every member Zstandard (zipfile raised NotImplementedError before)
    data = (ASSET / "retry-2-then-success.zstd.eval").read_bytes()
    assert {i.compress_type for i in zipfile.ZipFile(io.BytesIO(data)).infolist()} == {93}
    assert detect_format(data, "log.eval")[0][0] == "inspect"
    result = _import(store, data, "retry-2-then-success.eval")
    assert result.source_version == "0.3.208.dev36+g74cc1c427.d20260418"
    assert result.event_counts["model_request"] == 3 and not result.skipped
    assert [m.id for m in result.models] == ["mockllm/fake"]
    assert store.get_bytes(result.original_sha256) == data  # no secret: kept byte for byte


def test_zstandard_members_are_decompressed_frame_by_frame_and_redacted(store: ObjectStore) -> None:
    tool = {"event": "tool", "timestamp": T.format(2), "id": "c1", "function": "bash",
            "arguments": {"cmd": f"export KEY={SECRET}"}, "result": "ok", "completed": T.format(3)}  # fmt: skip
    sample = {"id": 1, "epoch": 1, "input": "x", "target": "",
              "events": [model_event(1, output=calling("c1", "bash", {"cmd": "ls"})), tool]}  # fmt: skip
    data = _zstd_zip([("header.json", HEADER), ("samples/1_epoch_1.json", sample)])
    result = _import(store, data, "log.eval")
    assert result.tool_calls_paired == 1 and not result.skipped
    # the stored original: no secret in any member, members that were Zstandard now deflated
    stored = store.get_bytes(result.original_sha256)
    with zipfile.ZipFile(io.BytesIO(stored)) as archive:
        assert {i.compress_type for i in archive.infolist()} == {zipfile.ZIP_DEFLATED}
        members = [archive.read(i) for i in archive.infolist()]
    assert not any(SECRET.encode() in m for m in members) and any(b"[REDACTED:" in m for m in members)


def test_a_broken_zstandard_member_is_one_line_naming_it(store: ObjectStore) -> None:
    sample = {"id": 1, "epoch": 1, "input": "x", "target": "", "events": [model_event(1)]}
    members = [("header.json", HEADER), ("samples/1_epoch_1.json", sample)]
    with pytest.raises(ImportFormatError, match=r"x\.eval: header\.json: unreadable \(CRC-32 does not match"):
        _import(store, _zstd_zip(members, crc={"header.json": 7}), "x.eval")
    # a sample decompressing past the size the archive declares (a bomb), or not Zstandard at all
    for wrong, reason in (
        ({"size": {"samples/1_epoch_1.json": 10}}, "decompresses past its declared size of 10 bytes"),
        ({"garbage": {"samples/1_epoch_1.json": 40}}, "Zstandard data is corrupt"),
    ):
        result = _import(store, _zstd_zip(members, **wrong), "log.eval")
        assert [s.where for s in result.skipped] == ["samples/1_epoch_1.json"]
        assert reason in result.skipped[0].reason and result.event_counts.get("model_request", 0) == 0
