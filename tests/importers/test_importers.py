"""Each fixture imports into the expected events; counts are derived by hand from the files.

The derivations are written next to each expectation: read the fixture under
tests/assets/trajectories/ alongside to check them.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from ledger.errors import ImportFormatError
from ledger.importers import ImportResult, detect_format, import_bytes, import_file
from ledger.objects import ObjectStore
from ledger.trajectory import Redactor
from tests.importers.helpers import trajectory_events

ASSETS = Path(__file__).resolve().parents[1] / "assets" / "trajectories"
SECRET = b"sk-ant-api03-abcdef1234567890abcdef"  # planted in one Claude Code fixture



def _import(store: ObjectStore, rel: str, **kwargs: object) -> ImportResult:
    return import_file(ASSETS / rel, store, redactor=Redactor(environ={}), **kwargs)  # type: ignore[arg-type]



# (fixture, format, event counts by type, paired, unpaired calls, unpaired results, skipped)
CASES = [
    # representative_messages.jsonl: 12 lines. user text msg_001/003/007/011 -> 4 model_request;
    # assistant msg_002/004/006/008/010 -> 5 model_response; tool_use tool_001 (Edit) and tool_002
    # (Bash) -> 2 tool_call, both answered by tool_result lines msg_005/msg_009 -> 2 paired;
    # Edit succeeded -> 1 file_write; Bash -> 1 exec; the summary line -> 1 note.
    (
        "claude-code/representative_messages.jsonl",
        "claude-code",
        {
            "build_start": 1,
            "model_request": 4,
            "model_response": 5,
            "tool_call": 2,
            "tool_result": 2,
            "file_write": 1,
            "exec": 1,
            "note": 1,
            "build_end": 1,
        },
        2,
        0,
        0,
        0,
    ),
    # ccusage chat.jsonl: 3 usage-only assistant lines (no type, no content) -> 3 model_response.
    (
        "claude-code/ccusage-session-alpha-chat.jsonl",
        "claude-code",
        {"build_start": 1, "model_response": 3, "build_end": 1},
        0,
        0,
        0,
        0,
    ),
    # streaming_split_sidechain_malformed.jsonl, 15 lines:
    #  1 user text -> model_request; 2-5 four parts of msg_A -> ONE model_response, tool_call
    #  toolu_1 (Write) + toolu_2 (Bash); 6 result toolu_1 -> tool_result + file_write; 7 result
    #  toolu_2 -> tool_result + exec; 8 truncated JSON -> skipped; 9 result for toolu_missing ->
    #  unpaired tool_result; 10 sidechain msg_S -> model_response + tool_call toolu_s1; 11 its
    #  result -> tool_result; 12 usage-only -> model_response; 13 a JSON list -> skipped;
    #  14 msg_B -> model_response; 15 summary -> note. The sk-ant- key in toolu_2's command
    #  appears in msg_A's content, the tool_call input and the exec argv -> 3 redaction events.
    (
        "claude-code/streaming_split_sidechain_malformed.jsonl",
        "claude-code",
        {
            "build_start": 1,
            "model_request": 1,
            "model_response": 4,
            "tool_call": 3,
            "tool_result": 4,
            "file_write": 1,
            "exec": 1,
            "note": 1,
            "redaction": 3,
            "build_end": 1,
        },
        3,
        0,
        1,
        2,
    ),
    # forked_branch.jsonl: 3 user prompts, 3 assistant replies; f5 re-parents on f2, so f3/f4
    # are an abandoned branch (checked below).
    (
        "claude-code/forked_branch.jsonl",
        "claude-code",
        {"build_start": 1, "model_request": 3, "model_response": 3, "build_end": 1},
        0,
        0,
        0,
        0,
    ),
    # dag_compact_after_rewind_preserved.jsonl (claude-code-log): 6 user texts (one the compact
    # summary), 5 assistant replies, the compact_boundary -> 1 note; b1u/b1a were rewound (below).
    (
        "claude-code/dag_compact_after_rewind_preserved.jsonl",
        "claude-code",
        {"build_start": 1, "model_request": 6, "model_response": 5, "note": 1, "build_end": 1},
        0,
        0,
        0,
        0,
    ),
    # SWE-agent .traj (both): 5 trajectory steps, each -> model_request, model_response,
    # tool_call, exec, tool_result (paired by the history's call id or step-N); one `edit`
    # action -> 1 file_write.
    *[
        (
            f"swe-agent/{name}",
            "swe-agent",
            {
                "build_start": 1,
                "model_request": 5,
                "model_response": 5,
                "tool_call": 5,
                "exec": 5,
                "tool_result": 5,
                "file_write": 1,
                "build_end": 1,
            },
            5,
            0,
            0,
            0,
        )
        for name in ("6e44b9__sweagenttestrepo-1c2844.traj", "swe-agent__test-repo-i1.traj")
    ],
    # mini-swe-agent bare list: system, user, assistant(echo hello), user(obs), assistant(echo
    # COMPLETE…), user("") -> 2 turns of model_request + model_response + tool_call + exec +
    # tool_result, all paired.
    (
        "mini-swe-agent/local.traj.json",
        "mini-swe-agent",
        {
            "build_start": 1,
            "model_request": 2,
            "model_response": 2,
            "tool_call": 2,
            "exec": 2,
            "tool_result": 2,
            "build_end": 1,
        },
        2,
        0,
        0,
        0,
    ),
    # mini-swe-agent-1.1 object: same two turns; messages[4] is a bare string -> skipped.
    (
        "mini-swe-agent/v2_saved_format.traj.json",
        "mini-swe-agent",
        {
            "build_start": 1,
            "model_request": 2,
            "model_response": 2,
            "tool_call": 2,
            "exec": 2,
            "tool_result": 2,
            "build_end": 1,
        },
        2,
        0,
        0,
        1,
    ),
    # inspect log_formats (.eval and .json): one sample: sample note; events sample_init, step
    # x6 (begin/end of system_message, generate, match), score -> 8 notes; state x2 -> counted in
    # stats only; model -> model_request + model_response. 1 + 8 = 9 notes.
    *[
        (
            f"inspect_ai/{name}",
            "inspect",
            {"build_start": 1, "note": 9, "model_request": 1, "model_response": 1, "build_end": 1},
            0,
            0,
            0,
            0,
        )
        for name in ("log_formats.eval", "log_formats.json")
    ],
    # tools_sandbox_attachments.json: sample note, span_begin, model (+tool_call call_a), sandbox
    # exec, tool call_a, tool call_b (no announcing model output -> its tool_call first), sandbox
    # write_file, state (stats), an event without kind (skipped), model, span_end, score.
    (
        "inspect_ai/tools_sandbox_attachments.json",
        "inspect",
        {
            "build_start": 1,
            "note": 4,
            "model_request": 2,
            "model_response": 2,
            "tool_call": 2,
            "tool_result": 2,
            "exec": 1,
            "file_write": 1,
            "build_end": 1,
        },
        2,
        0,
        0,
        1,
    ),
    # OpenHands basic_interactions: 3 user messages -> model_request, 2 agent messages ->
    # model_response, finish (with tool_call_metadata) -> model_response + tool_call that no
    # observation answers (unpaired) -> build_end success.
    (
        "openhands/basic_interactions.json",
        "openhands",
        {"build_start": 1, "model_request": 3, "model_response": 3, "tool_call": 1, "build_end": 1},
        0,
        1,
        0,
        0,
    ),
    # tool_calls_run_write_error.json: user message; run + write share completion resp1 -> one
    # model_response, 2 tool_call; run observation -> tool_result + exec; write observation ->
    # tool_result + file_write; error with cause 99 -> unpaired result; a string -> skipped;
    # agent_state_changed -> note; finish (resp2) -> model_response + unpaired tool_call.
    (
        "openhands/tool_calls_run_write_error.json",
        "openhands",
        {
            "build_start": 1,
            "model_request": 1,
            "model_response": 2,
            "tool_call": 3,
            "tool_result": 3,
            "exec": 1,
            "file_write": 1,
            "note": 1,
            "build_end": 1,
        },
        2,
        1,
        1,
        1,
    ),
    # function_calling_simple.traj (SWE-agent demonstration): no 'trajectory', only 'history' —
    # system, the issue, then 5 assistant turns each with an action, each answered by a tool
    # message -> 5 steps: 5 x (model_request, model_response, tool_call, exec, tool_result), all
    # paired by the call ids read from the repr'd tool_calls; no state -> no file_write.
    (
        "swe-agent/function_calling_simple.traj",
        "swe-agent",
        {
            "build_start": 1,
            "model_request": 5,
            "model_response": 5,
            "tool_call": 5,
            "exec": 5,
            "tool_result": 5,
            "build_end": 1,
        },
        5,
        0,
        0,
        0,
    ),
    # agent_trace.otlp.json: 7 spans. invoke_agent -> note; 3 chat spans -> 3 model_request +
    # 3 model_response; their outputs name call_1 and call_2 -> 2 tool_call; execute_tool call_1
    # (result recorded) -> tool_result; execute_tool call_2 (no result) -> its tool_result comes
    # from the third request's history -> 2 paired; the HTTP span has no gen_ai.* -> counted only.
    (
        "otel-genai/agent_trace.otlp.json",
        "otel-genai",
        {
            "build_start": 1,
            "note": 1,
            "model_request": 3,
            "model_response": 3,
            "tool_call": 2,
            "tool_result": 2,
            "build_end": 1,
        },
        2,
        0,
        0,
        0,
    ),
    # legacy_events_and_flattened.otlp.jsonl: span e1 (messages as events: system + user, one
    # gen_ai.choice calling ls) -> model_request, model_response, tool_call call_ls; span e2
    # (flattened prompt: user, assistant call_ls, tool answer; completion) -> model_request
    # (whose history answers call_ls -> tool_result, paired) + model_response; "not a span" -> skipped.
    (
        "otel-genai/legacy_events_and_flattened.otlp.jsonl",
        "otel-genai",
        {
            "build_start": 1,
            "model_request": 2,
            "model_response": 2,
            "tool_call": 1,
            "tool_result": 1,
            "build_end": 1,
        },
        1,
        0,
        0,
        1,
    ),
    # codex rollout-2026-01-02…-1111.jsonl: 14 lines. turn_context -> note; the user message (its
    # user_message event a counted duplicate) -> model_request; reasoning + exec_command, then
    # apply_patch, then the MCP call, then the assistant message (its agent_message event a
    # duplicate) -> 4 model_response, 3 tool_call, 3 tool_result (paired); exec_command -> exec;
    # apply_patch Add File -> file_write; the unknown line type -> skipped. More in test_codex.py.
    (
        "codex/rollout-2026-01-02T03-04-05-11111111-1111-4111-8111-111111111111.jsonl",
        "codex",
        {
            "build_start": 1,
            "note": 1,
            "model_request": 1,
            "model_response": 4,
            "tool_call": 3,
            "tool_result": 3,
            "exec": 1,
            "file_write": 1,
            "build_end": 1,
        },
        3,
        0,
        0,
        1,
    ),
    # atif terminus_2_…-linear-history.trajectory.json (ATIF-v1.7, Harbor's golden test): the
    # user prompt -> model_request; 3 agent steps (keystrokes written in the message, no
    # tool_calls) -> 3 model_response, each one's observation names no call -> 3 note; the system
    # step (context_management) -> note, its result (3 subagent refs, no content) -> note.
    (
        "atif/terminus_2_hello-world-context-summarization-linear-history.trajectory.json",
        "atif",
        {"build_start": 1, "model_request": 1, "model_response": 3, "note": 5, "build_end": 1},
        0,
        0,
        0,
        0,
    ),
    # atif openhands_hello-world.trajectory.json (ATIF-v1.5): system prompt + 2 system events ->
    # 3 note; the task -> model_request; 2 agent steps -> 2 model_response; str_replace_editor
    # create -> tool_call + tool_result (paired) + file_write; finish -> tool_call, no result.
    (
        "atif/openhands_hello-world.trajectory.json",
        "atif",
        {
            "build_start": 1,
            "note": 3,
            "model_request": 1,
            "model_response": 2,
            "tool_call": 2,
            "tool_result": 1,
            "file_write": 1,
            "build_end": 1,
        },
        1,
        1,
        0,
        0,
    ),
    # conversation.messages.json: system + user -> model_request; assistant (reasoning +
    # call_r) -> model_response + tool_call; tool answer -> model_request with tool_result
    # (paired); assistant text -> model_response; the last message has no parts -> skipped.
    (
        "otel-genai/conversation.messages.json",
        "otel-genai",
        {
            "build_start": 1,
            "model_request": 2,
            "model_response": 2,
            "tool_call": 1,
            "tool_result": 1,
            "build_end": 1,
        },
        1,
        0,
        0,
        1,
    ),
]


@pytest.mark.parametrize(("rel", "fmt", "counts", "paired", "open_calls", "orphans", "skipped"), CASES)
def test_fixture_imports_with_hand_derived_counts(
    store: ObjectStore,
    rel: str,
    fmt: str,
    counts: dict[str, int],
    paired: int,
    open_calls: int,
    orphans: int,
    skipped: int,
) -> None:
    result = _import(store, rel)
    assert result.format == fmt
    assert dict(result.event_counts) == counts
    assert result.events == sum(counts.values())
    assert (result.tool_calls_paired, result.tool_calls_unpaired, result.tool_results_unpaired) == (
        paired,
        open_calls,
        orphans,
    )
    assert result.skipped_total == skipped == len(result.skipped)
    events = trajectory_events(store, result)
    assert events[0]["type"] == "build_start"
    assert events[-1]["type"] == "build_end"


@pytest.mark.parametrize("rel", sorted({case[0] for case in CASES}))
def test_original_bytes_are_recoverable_by_the_digest_in_build_start(store: ObjectStore, rel: str) -> None:
    result = _import(store, rel)
    start = trajectory_events(store, result)[0]["data"]
    assert isinstance(start, dict)
    source = start["source"]
    assert source["sha256"] == result.original_sha256
    assert source["filename"] == Path(rel).name
    original = (ASSETS / rel).read_bytes()
    stored = store.get_bytes(source["sha256"])
    if SECRET in original:  # byte for byte, except that the key became a marker
        assert SECRET not in stored and source["redacted_secrets"] == original.count(SECRET)
        assert re.sub(rb"\[REDACTED:[^\]]+\]", b"<s>", stored) == original.replace(SECRET, b"<s>")
    else:
        assert stored == original and "redacted_secrets" not in source


def test_a_secret_inside_an_inspect_eval_zip_is_replaced_in_the_stored_original(
    store: ObjectStore, tmp_path: Path
) -> None:
    import io
    import zipfile

    rel = next(case[0] for case in CASES if case[0].endswith(".eval"))
    buf = io.BytesIO()
    with zipfile.ZipFile(ASSETS / rel) as src, zipfile.ZipFile(buf, "w") as dst:
        for info in src.infolist():
            content = src.read(info)
            if info.filename.endswith(".json"):
                content = content.replace(b'"', b'"' + SECRET + b" ", 1)  # into the first string
            dst.writestr(info, content, compress_type=zipfile.ZIP_DEFLATED)
    planted = tmp_path / Path(rel).name
    planted.write_bytes(buf.getvalue())
    result = import_file(planted, store)
    stored = store.get_bytes(result.original_sha256)
    with zipfile.ZipFile(io.BytesIO(stored)) as archive:
        members = {info.filename: archive.read(info) for info in archive.infolist()}
    assert members and not any(SECRET in content for content in members.values())
    assert any(b"[REDACTED:" in content for content in members.values())
    kept = tmp_path / "kept.eval"  # the stored copy is still a log the importer reads alike
    kept.write_bytes(stored)
    assert import_file(kept, store).events == result.events


@pytest.mark.parametrize(("rel", "fmt"), sorted({(case[0], case[1]) for case in CASES}))
def test_auto_detection_picks_the_right_format(rel: str, fmt: str) -> None:
    data = (ASSETS / rel).read_bytes()
    best, score = detect_format(data, rel)[0]
    assert (best, score >= 0.5) == (fmt, True)


def test_a_pretty_printed_json_document_is_not_read_as_json_lines() -> None:
    # the shape of inspect's test_skeleton files: the one line that parses on its own (the last
    # element of an array) looked like an old Codex rollout header, and `auto` imported the file
    # as Codex with every other line skipped
    doc = (
        b'{\n  "description": "spans",\n  "events": [\n'
        b'    {"event": "span_begin", "id": "S1", "timestamp": "2026-01-01T00:00:00+00:00"},\n'
        b'    {"event": "span_end", "id": "S1", "timestamp": "2026-01-01T00:00:08+00:00"}\n'
        b"  ]\n}\n"
    )
    assert all(score < 0.5 for _, score in detect_format(doc, "basic.json"))


def test_source_timestamps_are_kept_in_utc(store: ObjectStore) -> None:
    result = _import(store, "inspect_ai/tools_sandbox_attachments.json")
    events = trajectory_events(store, result)
    exec_event = next(e for e in events if e["type"] == "exec")
    assert exec_event["time"] == "2025-09-30T10:00:03.500000Z"  # 12:00:03.5+02:00
    assert exec_event["data"]["argv"] == ["bash", "--login", "-c", "ls"]  # type: ignore[index]


def test_inspect_attachments_are_resolved(store: ObjectStore) -> None:
    events = trajectory_events(store, _import(store, "inspect_ai/tools_sandbox_attachments.json"))
    request = next(e for e in events if e["type"] == "model_request")["data"]
    assert request["request"]["messages"][0]["content"] == "What is in the dir?"  # type: ignore[index]


def test_claude_streamed_parts_merge_into_one_response(store: ObjectStore) -> None:
    result = _import(store, "claude-code/streaming_split_sidechain_malformed.jsonl")
    events = trajectory_events(store, result)
    first = next(e for e in events if e["type"] == "model_response")["data"]
    response = first["response"]  # type: ignore[index]
    assert [b["type"] for b in response["content"]] == ["thinking", "text", "tool_use", "tool_use"]
    assert response["usage"]["output_tokens"] == 48  # the last part's usage is final
    assert first["uuids"] == ["a1", "a2", "a3", "a4"]  # type: ignore[index]
    assert result.stats["streaming_parts_merged"] == 3
    assert result.stats["sidechain_records"] == 2
    assert [s.where for s in result.skipped] == ["line 8", "line 13"]
    write = next(e for e in events if e["type"] == "file_write")["data"]
    assert write["path"] == "src/app.py" and write["size"] == len(b"print('hi')\n")  # type: ignore[index]


def test_imported_transcripts_are_redacted(store: ObjectStore) -> None:
    result = _import(store, "claude-code/streaming_split_sidechain_malformed.jsonl")
    text = store.get_bytes(result.trajectory_sha256)
    assert SECRET not in text
    assert b"[REDACTED:" in text
    assert result.event_counts["redaction"] == 3


def test_claude_abandoned_branch_is_flagged(store: ObjectStore) -> None:
    result = _import(store, "claude-code/forked_branch.jsonl")
    flagged = [e["data"].get("uuid") for e in trajectory_events(store, result) if e["data"].get("abandoned_branch")]  # type: ignore[union-attr]
    assert flagged == ["f3", "f4"]
    assert result.stats["abandoned_branch_records"] == 2


def test_claude_branch_rewound_before_a_preserved_segment_compaction_is_flagged(store: ObjectStore) -> None:
    # the boundary's logicalParentUuid (b2a2) was re-parented under the compact summary
    result = _import(store, "claude-code/dag_compact_after_rewind_preserved.jsonl")
    data = [e["data"] for e in trajectory_events(store, result)]
    flagged = [d["uuid"] for d in data if isinstance(d, dict) and d.get("abandoned_branch")]
    assert flagged == ["b1u", "b1a"]


def test_models_seen_carry_provider_and_endpoint(store: ObjectStore) -> None:
    result = _import(store, "mini-swe-agent/v2_saved_format.traj.json")
    assert [m.to_json() for m in result.models] == [
        {
            "id": "anthropic/claude-sonnet-4-5-20250929",
            "provider": "anthropic",
            "endpoint": "http://127.0.0.1:9/v1",
        }
    ]


def test_end_status_comes_from_the_source(store: ObjectStore) -> None:
    ends = {
        rel: trajectory_events(store, _import(store, rel))[-1]["data"]["status"]  # type: ignore[index]
        for rel in (
            "swe-agent/swe-agent__test-repo-i1.traj",
            "openhands/basic_interactions.json",
            "mini-swe-agent/local.traj.json",
            "claude-code/representative_messages.jsonl",
        )
    }
    assert ends == {
        "swe-agent/swe-agent__test-repo-i1.traj": "success",
        "openhands/basic_interactions.json": "success",
        "mini-swe-agent/local.traj.json": "success",
        "claude-code/representative_messages.jsonl": "interrupted",  # sessions record no exit
    }


@pytest.mark.parametrize(
    ("data", "fmt", "message"),
    [
        (b"", "auto", "file is empty"),
        (b"\x00\x01garbage\xff", "auto", "not a recognised agent transcript"),
        (b'{"hello": "world"}', "auto", "not a recognised agent transcript"),
        (b'{"trajectory": [', "swe-agent", "not valid JSON"),
        (b'{"messages": 3}', "swe-agent", "no 'trajectory' list"),
        (b"PK\x03\x04broken", "inspect", "broken ZIP"),
        (b"not json\nat all\n", "claude-code", "no JSON record on any line"),
        (b"[]", "nonsense", "unknown format 'nonsense'"),
    ],
)
def test_broken_or_unknown_input_is_an_import_format_error(
    store: ObjectStore, data: bytes, fmt: str, message: str
) -> None:
    with pytest.raises(ImportFormatError, match=message) as info:
        import_bytes(data, "input.bin", store, format=fmt, redactor=Redactor(environ={}))
    assert info.value.exit_code == 2
    assert not list((store.root / "tmp").glob("import.*")) if (store.root / "tmp").exists() else True


def test_json_error_names_the_line(store: ObjectStore) -> None:
    with pytest.raises(ImportFormatError) as info:
        import_bytes(
            b'{\n"trajectory": [\n}', "x.traj", store, format="swe-agent", redactor=Redactor(environ={})
        )
    assert info.value.line == 3 and info.value.file == "x.traj"


def test_malformed_lines_are_counted_not_dropped(store: ObjectStore) -> None:
    good = (ASSETS / "claude-code/representative_messages.jsonl").read_bytes().splitlines()
    mixed = b"\n".join([good[0], b"{oops", good[1], b'"a string"', b"", good[2]]) + b"\n"
    result = import_bytes(mixed, "s.jsonl", store, redactor=Redactor(environ={}))
    assert [(s.where, s.reason.split(";")[0]) for s in result.skipped] == [
        ("line 2", "not valid JSON (Expecting property name enclosed in double quotes at column 2)"),
        ("line 4", "a JSON str"),
    ]
    assert result.event_counts["model_request"] == 2 and result.event_counts["model_response"] == 1
    end = json.loads(store.get_bytes(result.trajectory_sha256).splitlines()[-1])
    assert end["data"]["skipped"] == 2


def test_otel_messages_follow_the_semantic_conventions_schemas() -> None:
    import jsonschema

    folder = ASSETS / "otel-genai"
    inputs = json.loads((folder / "gen-ai-input-messages.json").read_text())
    outputs = json.loads((folder / "gen-ai-output-messages.json").read_text())
    messages = json.loads((folder / "conversation.messages.json").read_text())
    jsonschema.validate(messages[:-1], inputs)  # the last one is the deliberately old shape
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(messages, inputs)
    export = json.loads((folder / "agent_trace.otlp.json").read_text())
    for span in export["resourceSpans"][0]["scopeSpans"][0]["spans"]:
        attrs = {a["key"]: a["value"].get("stringValue") for a in span["attributes"]}
        if "gen_ai.input.messages" in attrs:
            jsonschema.validate(json.loads(attrs["gen_ai.input.messages"]), inputs)
            jsonschema.validate(json.loads(attrs["gen_ai.output.messages"]), outputs)


def test_otel_span_details_reach_the_trajectory(store: ObjectStore) -> None:
    result = _import(store, "otel-genai/agent_trace.otlp.json")
    assert result.session_id == "conv-42"
    assert [m.to_json() for m in result.models] == [
        {"id": "claude-sonnet-4-5-20250929", "provider": "anthropic", "endpoint": "api.anthropic.com:443"}
    ]
    assert result.stats == {"spans_without_gen_ai": 1}
    events = trajectory_events(store, result)
    assert [e["time"] for e in events] == sorted(e["time"] for e in events)  # ordered by span start
    results = {e["data"]["id"]: e["data"] for e in events if e["type"] == "tool_result"}  # type: ignore[index]
    assert results["call_1"]["output"] == "wrote 12 bytes"
    assert results["call_2"]["output"] == "hi\n"  # not on its span: from the next request
    response = next(e["data"] for e in events if e["type"] == "model_response")
    assert response["usage"] == {"input_tokens": 30, "output_tokens": 40}  # type: ignore[index]
    request = next(e["data"] for e in events if e["type"] == "model_request")
    assert request["request"]["parameters"] == {"model": "claude-sonnet-4-5", "temperature": 0.0, "max_tokens": 1024}  # type: ignore[index]



def test_values_canonical_json_cannot_hold_are_kept_as_text(store: ObjectStore) -> None:
    messages = [
        {"role": "user", "parts": [{"type": "text", "content": "go"}]},
        {"role": "assistant", "parts": [{"type": "tool_call", "id": "c", "name": "f", "arguments": {"n": 2**70}}]},
    ]
    result = import_bytes(json.dumps(messages).encode(), "m.json", store, redactor=Redactor(environ={}))
    assert result.format == "otel-genai" and result.stats["values_kept_as_text"] == 2  # response + call
    call = next(e["data"] for e in trajectory_events(store, result) if e["type"] == "tool_call")
    assert call["input"] == {"n": str(2**70)}  # type: ignore[index]
