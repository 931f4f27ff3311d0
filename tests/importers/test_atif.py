"""ATIF (Harbor's Agent Trajectory Interchange Format): Harbor's golden trajectories, plus variants.

The fixtures are Harbor's own golden tests (tests/assets/trajectories/atif/SOURCES.md): a
Terminus-2 run handed off by context summarization (ATIF-v1.7: a system step whose observation
names subagent trajectories, ``continued_trajectory_ref``), its continuation (copied context)
and an OpenHands run (ATIF-v1.5: system steps, ``tool_definitions``, a file created). The inline
trajectories follow RFC 0001 and Harbor's pydantic models for what those files do not show:
every version's fields (v1.0 … v1.8), timestamps, metrics, content parts, embedded subagents,
the agents' shell and file tools, and malformed steps.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pytest

from ledger.errors import ImportFormatError
from ledger.importers import ImportResult, detect_format, import_bytes, import_file
from ledger.objects import ObjectStore
from ledger.trajectory import Redactor
from tests.conftest import assert_user_error, run_ledger
from tests.importers.helpers import data_of, trajectory_events

ASSETS = Path(__file__).resolve().parents[1] / "assets" / "trajectories"
ATIF = ASSETS / "atif"
HANDOFF = ATIF / "terminus_2_hello-world-context-summarization-linear-history.trajectory.json"
CONTINUED = ATIF / "terminus_2_hello-world-context-summarization-linear-history.trajectory.cont-1.json"
OPENHANDS = ATIF / "openhands_hello-world.trajectory.json"
T = "2025-10-11T10:30:{:02d}Z"





def _notes(events: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    return [n for n in data_of(events, "note") if n["kind"] == kind]


def _file(store: ObjectStore, path: Path) -> ImportResult:
    return import_file(path, store, redactor=Redactor(environ={}))


def trajectory(*steps: Any, version: str | None = "ATIF-v1.7", **root: Any) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "session_id": "run-1",
        "agent": {"name": "harbor-agent", "version": "1.0.0", "model_name": "anthropic/claude-sonnet-4-5"},
        "steps": list(steps),
        **root,
    }
    if version is not None:
        doc["schema_version"] = version
    return doc


def step(n: int, source: str, message: Any = "", **fields: Any) -> dict[str, Any]:
    return {"step_id": n, "source": source, "message": message, **fields}


def call(call_id: str, name: str, **arguments: Any) -> dict[str, Any]:
    return {"tool_call_id": call_id, "function_name": name, "arguments": arguments}


def results(*items: dict[str, Any]) -> dict[str, Any]:
    return {"results": list(items)}


def _import(store: ObjectStore, doc: Any, name: str = "trajectory.json") -> ImportResult:
    data = json.dumps(doc).encode()
    assert detect_format(data, name)[0] == ("atif", 1.0)
    return import_bytes(data, name, store, format="atif", redactor=Redactor(environ={}))


# -- the fixtures ---------------------------------------------------------------------------------


def test_terminus_handoff_fixture_keeps_observations_and_the_subagent_references(store: ObjectStore) -> None:
    # 5 steps: the user prompt -> model_request; 3 agent steps (keystrokes in the message,
    # no tool_calls) -> 3 model_response, each observation naming no call -> note; the system
    # step (context_management: compaction/replace) -> note, its result (3 subagent refs, no
    # content) -> note. continued_trajectory_ref names the next file.
    result = _file(store, HANDOFF)
    assert (result.format, result.source_version, result.session_id) == (
        "atif",
        "ATIF-v1.7",
        "NORMALIZED_SESSION_ID",
    )
    assert dict(result.event_counts) == {
        "build_start": 1,
        "model_request": 1,
        "model_response": 3,
        "note": 5,
        "build_end": 1,
    }
    assert [(m.id, m.provider) for m in result.models] == [("openai/gpt-4o", "openai")]
    assert not result.skipped and result.stats["results_without_call"] == 4
    events = trajectory_events(store, result)
    start = events[0]["data"]
    assert (start["agent"], start["agent_version"], start["model"]) == (
        "terminus-2",
        "2.0.0",
        {"id": "openai/gpt-4o", "provider": "openai"},
    )
    request = data_of(events, "model_request")[0]
    assert request["request"]["messages"][0]["role"] == "user"
    assert "Create a file called hello.txt" in request["request"]["messages"][0]["content"]
    responses = data_of(events, "model_response")
    assert [r["usage"] for r in responses] == [
        {"input_tokens": 682, "output_tokens": 60},
        {"input_tokens": 750, "output_tokens": 50},
        {"input_tokens": 820, "output_tokens": 50},
    ]
    assert [r["turn"] for r in responses] == [0, 1, 2] and responses[0]["cost_usd"] == 0.002305
    assert responses[0]["model"] == "gpt-4o"  # as the step wrote it; the model seen is the agent's
    first = _notes(events, "observation")[0]
    assert (first["step_id"], first["text"]) == (
        2,
        "New Terminal Output:\n\nroot@CONTAINER_ID:/app# mkdir test_dir\n\n",
    )
    (handoff,) = _notes(events, "context_management")
    assert handoff["context_management"] == {"type": "compaction", "boundary": "replace"}
    assert handoff["text"] == "Performed context summarization and handoff to continue task."
    refs = _notes(events, "observation")[-1]
    assert (refs["source"], refs["no_content"], refs.get("text")) == ("system", True, None)
    assert [r["trajectory_path"] for r in refs["subagent_trajectory_ref"]] == [
        "trajectory.summarization-1-summary.json",
        "trajectory.summarization-1-questions.json",
        "trajectory.summarization-1-answers.json",
    ]
    end = events[-1]["data"]
    assert end["reason"].startswith("continued in trajectory.cont-1.json")
    assert end["continued_trajectory_ref"] == "trajectory.cont-1.json"
    assert (end["usage"], end["cost_usd"], end["turns"], end["steps"]) == (
        {"input_tokens": 2252, "output_tokens": 160},
        0.00723,
        3,
        5,
    )


def test_continuation_fixture_flags_the_copied_context(store: ObjectStore) -> None:
    # steps 1-4 are is_copied_context (user, user, agent, user) -> 3 model_request and a
    # model_response flagged copied_context; steps 5-8 are new agent steps.
    result = _file(store, CONTINUED)
    events = trajectory_events(store, result)
    assert result.stats["copied_context_steps"] == 4
    copied = [e["data"]["step_id"] for e in events if e["data"].get("copied_context")]
    assert copied == [1, 2, 3, 4]
    responses = data_of(events, "model_response")
    assert [r.get("copied_context") for r in responses] == [True, None, None, None, None]
    assert events[-1]["data"]["usage"] == {"input_tokens": 7802, "output_tokens": 1030}
    assert "continued_trajectory_ref" not in events[-1]["data"]


def test_openhands_fixture_maps_the_editor_create_to_a_file_write(store: ObjectStore) -> None:
    # system prompt, two system events -> 3 notes; the task -> model_request; str_replace_editor
    # create (answered: "File created successfully") -> tool_call, tool_result, file_write;
    # finish (no observation) -> a call without result.
    result = _file(store, OPENHANDS)
    assert result.source_version == "ATIF-v1.5"
    assert (result.tool_calls_paired, result.tool_calls_unpaired, result.tool_results_unpaired) == (1, 1, 0)
    events = trajectory_events(store, result)
    start = events[0]["data"]
    assert start["tool_definitions"] == [
        "execute_bash",
        "think",
        "finish",
        "execute_ipython_cell",
        "task_tracker",
        "str_replace_editor",
    ]
    assert start["agent_extra"] == {"agent_class": "CodeActAgent"}
    assert [n["text"][:26] for n in _notes(events, "system")] == [
        "You are OpenHands agent, a",
        "Retrieving content for: Cr",
        "Added workspace context",
    ]
    (written,) = data_of(events, "file_write")
    assert written == {
        "path": "/app/hello.txt",
        "operation": "create",
        "sha256": hashlib.sha256(b"Hello, world!").hexdigest(),
        "size": 13,
        "tool_call_id": "call_fake_1",
        "step_id": 5,
    }
    assert [c["name"] for c in data_of(events, "tool_call")] == ["str_replace_editor", "finish"]
    assert not result.models  # no model named anywhere in the file
    assert events[-1]["data"]["usage"] == {"input_tokens": 220, "output_tokens": 80}


@pytest.mark.parametrize("path", sorted(ATIF.glob("*.json")), ids=lambda p: p.name[:30])
def test_every_atif_fixture_is_detected_as_atif(path: Path) -> None:
    ranked = detect_format(path.read_bytes(), str(path))
    assert ranked[0] == ("atif", 1.0)
    assert all(score < 0.5 for name, score in ranked[1:]), ranked


@pytest.mark.parametrize(
    "path",
    sorted(p for p in ASSETS.rglob("*") if p.is_file() and p.parent.name != "atif" and p.suffix != ".md"),
    ids=lambda p: f"{p.parent.name}/{p.name}"[:40],
)
def test_no_other_fixture_is_taken_for_atif(path: Path) -> None:
    assert dict(detect_format(path.read_bytes(), str(path)))["atif"] == 0.0


# -- every version --------------------------------------------------------------------------------


def test_rfc_example_with_parallel_calls_reasoning_and_metrics(store: ObjectStore) -> None:
    # RFC 0001 section IV (v1.4/v1.5): two calls answered in the same step, reasoning, metrics
    # with cached tokens, cost, completion token ids and logprobs, metrics.extra.
    doc = trajectory(
        step(1, "user", "What is the current trading price of Alphabet (GOOGL)?", timestamp=T.format(0)),
        step(
            2,
            "agent",
            "I will search for the current trading price and volume for GOOGL.",
            timestamp=T.format(2),
            model_name="gemini-2.5-flash",
            reasoning_effort="medium",
            reasoning_content="Two data points: price and volume.",
            tool_calls=[
                call("call_price_1", "financial_search", ticker="GOOGL", metric="price"),
                call("call_volume_2", "financial_search", ticker="GOOGL", metric="volume"),
            ],
            observation=results(
                {"source_call_id": "call_price_1", "content": "GOOGL is trading at $185.35"},
                {"source_call_id": "call_volume_2", "content": "GOOGL volume: 1.5M shares traded."},
            ),
            metrics={
                "prompt_tokens": 520,
                "completion_tokens": 80,
                "cached_tokens": 200,
                "cost_usd": 0.00045,
            },
        ),
        step(
            3,
            "agent",
            "GOOGL is at $185.35 on 1.5M shares.",
            timestamp=T.format(5),
            model_name="gemini-2.5-flash",
            metrics={
                "prompt_tokens": 600,
                "completion_tokens": 3,
                "prompt_token_ids": [1, 2, 3, 4],
                "completion_token_ids": [1722, 310, 5533],
                "logprobs": [-0.1, -0.05, -0.02],
                "cost_usd": 0.00033,
                "extra": {"reasoning_tokens": 12},
            },
        ),
        version="ATIF-v1.4",
        agent={"name": "harbor-agent", "version": "1.0.0", "model_name": "gemini-2.5-flash", "extra": {}},
        notes="Initial test trajectory for financial data retrieval.",
        extra={"task": "stocks"},
        final_metrics={
            "total_prompt_tokens": 1120,
            "total_completion_tokens": 83,
            "total_cached_tokens": 200,
        },
    )
    result = _import(store, doc)
    events = trajectory_events(store, result)
    assert (result.tool_calls_paired, result.tool_calls_unpaired) == (2, 0)
    times = {(e["type"], e["data"].get("step_id")): e["time"] for e in events}
    assert times[("model_request", 1)] == "2025-10-11T10:30:00.000000Z"
    assert times[("model_response", 2)] == times[("tool_result", 2)] == "2025-10-11T10:30:02.000000Z"
    assert times[("model_response", 3)] == "2025-10-11T10:30:05.000000Z"
    assert (
        events[0]["time"] == "2025-10-11T10:30:00.000000Z"
        and events[-1]["time"] == "2025-10-11T10:30:05.000000Z"
    )
    first, second = data_of(events, "model_response")
    assert [b["type"] for b in first["response"]["content"]] == ["thinking", "text", "tool_use", "tool_use"]
    assert first["response"]["content"][0]["thinking"] == "Two data points: price and volume."
    assert (first["usage"], first["usage_detail"], first["reasoning_effort"]) == (
        {"input_tokens": 520, "output_tokens": 80},
        {"cached_tokens": 200},
        "medium",
    )
    assert second["usage_detail"] == {
        "prompt_token_ids_count": 4,
        "completion_token_ids_count": 3,
        "logprobs_count": 3,
        "extra": {"reasoning_tokens": 12},
    }
    outputs = {r["id"]: (r["name"], r["output"]) for r in data_of(events, "tool_result")}
    assert outputs["call_volume_2"] == ("financial_search", "GOOGL volume: 1.5M shares traded.")
    assert [m.id for m in result.models] == ["gemini-2.5-flash"]
    assert _notes(events, "notes")[0]["text"] == "Initial test trajectory for financial data retrieval."
    start, end = events[0]["data"], events[-1]["data"]
    assert start["extra"] == {"task": "stocks"}
    assert end["usage_detail"] == {
        "total_prompt_tokens": 1120,
        "total_completion_tokens": 83,
        "total_cached_tokens": 200,
        "from": "final_metrics",
    }
    assert end["cost_usd"] == pytest.approx(0.00078)  # no total given: the steps' sum


def test_v1_0_file_without_newer_fields_and_times_in_other_offsets(store: ObjectStore) -> None:
    doc = trajectory(
        step(1, "system", "You are terse.", timestamp="2025-10-16T16:30:00+02:00"),
        step(2, "user", "hi", timestamp="2025-10-16T14:30:01.250Z"),
        step(3, "agent", "hello", timestamp="2025-10-16T14:30:02", metrics={"prompt_tokens": 9}),
        version="ATIF-v1.0",
    )
    result = _import(store, doc)
    events = trajectory_events(store, result)
    assert [e["time"] for e in events] == [
        "2025-10-16T14:30:00.000000Z",
        "2025-10-16T14:30:00.000000Z",
        "2025-10-16T14:30:01.250000Z",
        "2025-10-16T14:30:02.000000Z",  # naive: taken as UTC
        "2025-10-16T14:30:02.000000Z",
    ]
    assert [e["type"] for e in events] == [
        "build_start",
        "note",
        "model_request",
        "model_response",
        "build_end",
    ]
    end = events[-1]["data"]
    assert end["usage"] == {"input_tokens": 9, "output_tokens": 0} and end["usage_detail"]["from"] == "steps"
    assert [(m.id, m.provider) for m in result.models] == [("anthropic/claude-sonnet-4-5", "anthropic")]


def test_unreadable_or_missing_timestamps_carry_the_last_time_forward(store: ObjectStore) -> None:
    doc = trajectory(
        step(1, "user", "go", timestamp=T.format(1)),
        step(2, "agent", "a", timestamp="yesterday"),
        step(3, "agent", "b", timestamp=12),
        step(4, "agent", "c"),
    )
    result = _import(store, doc)
    events = trajectory_events(store, result)
    assert {e["time"] for e in events[1:]} == {"2025-10-11T10:30:01.000000Z"}
    assert result.stats["timestamps_unreadable"] == 2


def test_v1_2_system_step_observation_and_v1_6_v1_8_content_parts(store: ObjectStore) -> None:
    image = {"type": "image", "source": {"media_type": "image/png", "path": "images/step_2.png"}}
    audio = {
        "type": "audio",
        "source": {"media_type": "audio/wav", "path": "audio/q.wav", "duration_sec": 2.5},
    }
    doc = trajectory(
        step(1, "user", [{"type": "text", "text": "What is in this image?"}, image, audio]),
        step(
            2,
            "agent",
            [{"type": "text", "text": "Let me look."}],
            tool_calls=[call("c1", "screenshot")],
            observation=results(
                {"source_call_id": "c1", "content": [{"type": "text", "text": "a cat"}, image]}
            ),
        ),
        step(
            3, "system", "Environment reset", observation=results({"content": "checkpoint ckpt-7 restored"})
        ),
        version="ATIF-v1.8",
    )
    result = _import(store, doc)
    events = trajectory_events(store, result)
    content = data_of(events, "model_request")[0]["request"]["messages"][0]["content"]
    assert content == [{"type": "text", "text": "What is in this image?"}, image, audio]
    assert data_of(events, "model_response")[0]["response"]["content"][0] == {
        "type": "text",
        "text": "Let me look.",
    }
    (shown,) = data_of(events, "tool_result")
    assert (shown["output"], shown["media"]) == ("a cat", [image])
    (reset,) = _notes(events, "system")
    assert reset["text"] == "Environment reset"
    (restored,) = _notes(events, "observation")
    assert (restored["source"], restored["text"], restored["step_id"]) == (
        "system",
        "checkpoint ckpt-7 restored",
        3,
    )


def test_v1_7_embedded_subagents_dispatch_steps_and_extra_fields(store: ObjectStore) -> None:
    child = {
        "schema_version": "ATIF-v1.7",
        "trajectory_id": "child-1",
        "agent": {"name": "reviewer", "version": "0.1", "model_name": "openai/gpt-5-mini"},
        "steps": [
            step(1, "user", "review a.py"),
            step(
                2,
                "agent",
                "",
                tool_calls=[call("c1", "Bash", command="ruff check a.py")],
                observation=results({"source_call_id": "c1", "content": "All checks passed!"}),
            ),
        ],
    }
    orphan = {
        "trajectory_id": "never-referenced",
        "agent": {"name": "helper", "version": "0"},
        "steps": [step(1, "agent", "idle")],
    }
    doc = trajectory(
        step(1, "user", "fix and review a.py"),
        step(
            2,
            "agent",
            "",
            llm_call_count=0,
            tool_calls=[{**call("c1", "Task", prompt="review a.py"), "extra": {"timeout": 600}}],
            observation=results(
                {
                    "source_call_id": "c1",
                    "content": "review done",
                    "subagent_trajectory_ref": [{"trajectory_id": "child-1", "session_id": "run-1"}],
                    "extra": {"retrieval_score": 0.9},
                }
            ),
        ),
        step(3, "agent", "done", llm_call_count=3, metrics={"prompt_tokens": 30, "completion_tokens": 3}),
        session_id=None,
        trajectory_id="parent-1",
        subagent_trajectories=[child, orphan],
    )
    result = _import(store, doc)
    assert not result.skipped
    assert result.session_id == "parent-1"  # v1.7: session_id optional, the document id stands in
    assert (result.tool_calls_paired, result.tool_calls_unpaired, result.tool_results_unpaired) == (2, 0, 0)
    events = trajectory_events(store, result)
    order = [(e["type"], e["data"].get("kind") or e["data"].get("id")) for e in events[1:-1]]
    assert order == [
        ("model_request", None),
        ("note", "dispatch"),
        ("tool_call", "c1"),
        ("tool_result", "c1"),
        ("note", "subagent_start"),  # imported where the result names it
        ("model_request", None),
        ("model_response", None),
        ("tool_call", "child-1/c1"),  # the child's c1 is not the parent's c1
        ("tool_result", "child-1/c1"),
        ("exec", None),
        ("note", "subagent_end"),
        ("model_response", None),
        ("note", "subagent_start"),  # never referenced: after the parent's steps
        ("model_response", None),
        ("note", "subagent_end"),
    ]
    task = data_of(events, "tool_call")[0]
    assert (task["dispatch"], task["extra"]) == (True, {"timeout": 600})
    assert data_of(events, "tool_result")[0]["extra"] == {"retrieval_score": 0.9}
    child_call = data_of(events, "tool_call")[1]
    assert (child_call["subagent"], child_call["source_id"]) == ("child-1", "c1")
    (ran,) = data_of(events, "exec")
    assert (ran["argv"], ran["tool_call_id"], ran["subagent"], ran["step_id"]) == (
        ["bash", "-c", "ruff check a.py"],
        "child-1/c1",
        "child-1",
        2,
    )
    aggregated = data_of(events, "model_response")[-2]
    assert aggregated["llm_call_count"] == 3 and aggregated["turn"] == 1
    assert [m.id for m in result.models] == ["anthropic/claude-sonnet-4-5", "openai/gpt-5-mini"]
    assert result.stats["dispatch_steps"] == 1 and result.stats["subagents_embedded"] == 2


def test_embedded_subagents_that_repeat_an_id_or_nest_too_deep_are_skipped(store: ObjectStore) -> None:
    def sub(tid: str, *inner: dict[str, Any]) -> dict[str, Any]:
        doc = {"trajectory_id": tid, "agent": {"name": tid, "version": "1"}, "steps": [step(1, "agent", tid)]}
        return {**doc, "subagent_trajectories": list(inner)} if inner else doc

    deep = sub("level-18")
    for level in range(17, 0, -1):
        deep = sub(f"level-{level}", deep)
    doc = trajectory(
        step(1, "user", "go"),
        subagent_trajectories=[sub("twin"), sub("twin"), deep, {"trajectory_id": "no-steps", "agent": {}}, 7],
    )
    result = _import(store, doc)
    reasons = {s.where: s.reason for s in result.skipped}
    nested = "subagent_trajectories[2]" + ".subagent_trajectories[0]" * 16
    assert reasons == {
        "subagent_trajectories[1]": "trajectory_id 'twin' repeats that of subagent_trajectories[0]; expected a unique id",
        nested: "embedded subagents nested deeper than 16; not imported",
        "subagent_trajectories[3]": "steps is a JSON null; expected a list of steps",
        "subagent_trajectories[4]": "a JSON number; expected an embedded ATIF trajectory",
    }
    assert result.stats["subagents_embedded"] == 1 + 16  # twin, level-1 … level-16


def test_codex_outputs_wrapped_with_metadata_give_the_exit_code(store: ObjectStore) -> None:
    wrapped = json.dumps({"output": "boom", "metadata": {"exit_code": 2, "duration_seconds": 0.1}})
    doc = trajectory(
        step(
            1,
            "agent",
            "",
            tool_calls=[call("s1", "shell", command=["make"], workdir="/w")],
            observation=results({"source_call_id": "s1", "content": wrapped}),
        )
    )
    events = trajectory_events(store, _import(store, doc))
    (ran,) = data_of(events, "exec")
    assert (ran["argv"], ran["cwd"], ran["exit_code"]) == (["make"], "/w", 2)
    assert data_of(events, "tool_result")[0]["is_error"] is True


def test_unknown_fields_are_kept_as_notes_or_on_their_event(store: ObjectStore) -> None:
    doc = trajectory(
        step(1, "user", "go", mood="curious"),
        step(
            2,
            "agent",
            "",
            tool_calls=[{**call("c1", "lookup", q="x"), "priority": 1}],
            observation=results({"source_call_id": "c1", "content": "ok", "confidence": 0.5}),
            metrics={"prompt_tokens": 3, "perplexity": 1.2},
        ),
        version="ATIF-v2.0",
        rl_experience={"reward": 1.0},
        agent={"name": "a", "version": "1", "temperature": 0.2},
    )
    result = _import(store, doc)
    events = trajectory_events(store, result)
    root, per_step = _notes(events, "unknown_fields")
    assert (root["fields"], root["agent_fields"]) == (
        {"rl_experience": {"reward": 1.0}},
        {"temperature": 0.2},
    )
    assert (per_step["step_id"], per_step["fields"]) == (1, {"mood": "curious"})
    assert data_of(events, "tool_call")[0]["unknown_fields"] == {"priority": 1}
    assert data_of(events, "tool_result")[0]["unknown_fields"] == {"confidence": 0.5}
    assert data_of(events, "model_response")[0]["usage_detail"] == {"other": {"perplexity": 1.2}}
    assert result.source_version == "ATIF-v2.0" and not result.skipped


# -- shell and file tools -------------------------------------------------------------------------


def test_shell_tools_become_exec_with_their_exit_codes(store: ObjectStore) -> None:
    doc = trajectory(
        step(1, "user", "run the tests"),
        step(
            2,
            "agent",
            "",
            tool_calls=[
                call("b1", "Bash", command="pytest -q"),
                call("b2", "Bash", command="rm -rf /"),
                call("x1", "exec_command", cmd="make", workdir="/repo"),
                call("m1", "bash", command="ls"),
                call("s1", "shell", command=["git", "status"]),
                call("o1", "execute_bash", command="true"),
                call("t1", "bash_command", keystrokes="ls -la\n", duration=0.1),
            ],
            observation=results(
                # Harbor's Claude Code converter: text "[exit_code] N", extra.tool_result_is_error
                {
                    "source_call_id": "b1",
                    "content": "1 failed\n[exit_code] 1",
                    "extra": {"tool_result_is_error": True},
                },
                # refused by a hook: an error with no exit code, so it never ran
                {
                    "source_call_id": "b2",
                    "content": "Permission denied",
                    "extra": {"tool_result_is_error": True},
                },
                {"source_call_id": "x1", "content": "Process exited with code 0\nOutput:\nok"},
                {"source_call_id": "m1", "content": "<returncode>0</returncode>\n<output>a.py</output>"},
                {"source_call_id": "s1", "content": "clean", "extra": {"exit_code": 0, "timed_out": True}},
                {"source_call_id": "o1", "content": "\n[The command completed with exit code 0.]"},
                {"source_call_id": "t1", "content": "root@box:/app# ls -la\n"},
            ),
        ),
        agent={"name": "claude-code", "version": "2", "extra": {"cwds": ["/repo"]}},
    )
    result = _import(store, doc)
    events = trajectory_events(store, result)
    runs = {e["tool_call_id"]: e for e in data_of(events, "exec")}
    assert sorted(runs) == ["b1", "m1", "o1", "s1", "x1"]  # not b2 (refused), not t1 (keystrokes)
    assert (runs["b1"]["argv"], runs["b1"]["exit_code"], runs["b1"]["cwd"]) == (
        ["bash", "-c", "pytest -q"],
        1,
        "/repo",
    )
    assert (runs["x1"]["argv"], runs["x1"]["exit_code"], runs["x1"]["cwd"]) == (
        ["bash", "-lc", "make"],
        0,
        "/repo",
    )
    assert (runs["m1"]["exit_code"], runs["o1"]["exit_code"]) == (0, 0)
    assert (runs["s1"]["argv"], runs["s1"]["timed_out"]) == (["git", "status"], True)
    errors = {r["id"]: r["is_error"] for r in data_of(events, "tool_result")}
    assert errors == {"b1": True, "b2": True, "x1": False, "m1": False, "s1": False, "o1": False, "t1": False}
    assert result.stats["keystroke_calls"] == 1


def test_file_tools_write_only_when_the_result_says_they_did(store: ObjectStore) -> None:
    patch = "*** Begin Patch\n*** Add File: /repo/new.txt\n+hello\n*** Update File: /repo/old.py\n@@\n-a\n+b\n*** End Patch"
    doc = trajectory(
        step(1, "user", "edit"),
        step(
            2,
            "agent",
            "",
            tool_calls=[
                call("w1", "Write", file_path="/repo/src/a.py", content="print(1)\n"),
                call("e1", "Edit", file_path="/repo/src/b.py", old_string="x", new_string="y"),
                call("e2", "Edit", file_path="/repo/src/c.py", old_string="x", new_string="y"),
                call("p1", "apply_patch", input=patch),
                call("v1", "str_replace_editor", command="view", path="/repo/src/a.py"),
                call(
                    "r1",
                    "str_replace_editor",
                    command="str_replace",
                    path="/repo/d.py",
                    old_str="a",
                    new_str="b",
                ),
                call("g1", "write_file", file_path="/repo/e.md", content="# e\n"),
                call("w2", "Write", file_path="/repo/never.py", content="x"),
            ],
            observation=results(
                {"source_call_id": "w1", "content": "File created successfully at: /repo/src/a.py"},
                {"source_call_id": "e1", "content": "The file /repo/src/b.py has been updated."},
                {
                    "source_call_id": "e2",
                    "content": "<tool_use_error>String to replace not found</tool_use_error>",
                },
                {
                    "source_call_id": "p1",
                    "content": "Success. Updated the following files:\nA new.txt\nM old.py",
                },
                {"source_call_id": "v1", "content": "1\tprint(1)"},
                {"source_call_id": "r1", "content": "ERROR:\nNo replacement was performed."},
                {
                    "source_call_id": "g1",
                    "content": "Successfully wrote to /repo/e.md",
                    "extra": {"is_error": False},
                },
            ),
        ),
    )
    doc["agent"]["extra"] = {"cwd": "/repo"}
    result = _import(store, doc)
    events = trajectory_events(store, result)
    writes = [
        (w["tool_call_id"], w["path"], w["operation"], w.get("size")) for w in data_of(events, "file_write")
    ]
    assert writes == [
        ("w1", "src/a.py", "create", len(b"print(1)\n")),
        ("e1", "src/b.py", "edit", None),
        ("p1", "new.txt", "create", len(b"hello\n")),
        ("p1", "old.py", "edit", None),
        ("g1", "e.md", "create", 4),
    ]  # not e2 / r1 (failed), v1 (a view), w2 (no result: unknown whether it ran)
    errors = {r["id"]: r["is_error"] for r in data_of(events, "tool_result")}
    assert (errors["e2"], errors["r1"], errors["e1"]) == (True, True, False)
    assert result.tool_calls_unpaired == 1


def test_copied_context_steps_do_not_repeat_their_effects(store: ObjectStore) -> None:
    doc = trajectory(
        step(
            1,
            "agent",
            "",
            is_copied_context=True,
            tool_calls=[call("c1", "Write", file_path="/a.txt", content="a")],
            observation=results({"source_call_id": "c1", "content": "File created successfully"}),
        ),
    )
    result = _import(store, doc)
    events = trajectory_events(store, result)
    assert not data_of(events, "file_write") and not data_of(events, "exec")
    assert data_of(events, "tool_call")[0]["copied_context"] is True


# -- pairing, malformed steps, type confusion -----------------------------------------------------


def test_results_are_paired_by_id_and_the_rest_handled_explicitly(store: ObjectStore) -> None:
    doc = trajectory(
        step(1, "agent", "", tool_calls=[call("early", "lookup", q="a")]),
        step(
            2,
            "agent",
            "",
            tool_calls=[call("c2", "lookup", q="b")],
            observation=results(
                {"source_call_id": "early", "content": "answer a"},  # a call of an earlier step
                {"source_call_id": "ghost", "content": "no call had this id"},
                {"content": "output of no call"},
                {"source_call_id": ["c2"], "content": "bad id"},
                "not a result",
            ),
        ),
    )
    result = _import(store, doc)
    events = trajectory_events(store, result)
    assert (result.tool_calls_paired, result.tool_calls_unpaired, result.tool_results_unpaired) == (1, 1, 1)
    ghost = next(r for r in data_of(events, "tool_result") if r["id"] == "ghost")
    assert ghost["unpaired"] is True
    assert _notes(events, "observation")[0]["text"] == "output of no call"
    assert result.stats["results_for_calls_outside_the_step"] == 2  # early, ghost
    assert {s.where: s.reason for s in result.skipped} == {
        "steps[1].observation.results[3]": "source_call_id of JSON type list; expected a tool_call_id string or null",
        "steps[1].observation.results[4]": "a JSON string; expected a result object",
    }


def test_malformed_steps_are_skipped_with_their_reasons(store: ObjectStore) -> None:
    doc = trajectory(
        "a bare string",
        step(2, "robot", "beep"),
        step(3, "user", {"text": "an object"}),
        step(4, "agent", "ok", tool_calls="none"),
        step(5, "agent", "ok", tool_calls=[{"function_name": "f", "arguments": {}}, call("", "f"), [1]]),
        step(6, "agent", "ok", tool_calls=[{"tool_call_id": "c6", "function_name": 7, "arguments": {}}]),
        step(7, "agent", "ok", observation=["x"]),
        step(8, "agent", "ok", observation={"results": "x"}),
        step(9, "agent", None, metrics="lots"),
        step("ten", "agent", "still imported", tool_calls=[{**call("c10", "f"), "arguments": '{"a": 1}'}]),
        step(11, "agent", "args", tool_calls=[{**call("c11", "f"), "arguments": "not json"}]),
        {"source": ["agent"], "message": "x"},
    )
    result = _import(store, doc)
    reasons = {s.where: s.reason for s in result.skipped}
    assert reasons == {
        "steps[0]": "a JSON string; expected a step object",
        "steps[1]": "source 'robot'; expected system, user or agent",
        "steps[2]": "message is a JSON object; expected a string or a list of content parts",
        "steps[3].tool_calls": "a JSON string; expected a list of tool calls",
        "steps[4].tool_calls[0]": "tool_call_id of JSON type null; expected a non-empty string to pair its result",
        "steps[4].tool_calls[1]": "tool_call_id ''; expected a non-empty string to pair its result",
        "steps[4].tool_calls[2]": "a JSON list; expected a tool call object",
        "steps[5].tool_calls[0]": "function_name of JSON type number; expected the tool's name",
        "steps[6].observation": "a JSON list; expected an object with a results list",
        "steps[7].observation": "results is a JSON string; expected a list of results",
        "steps[11]": "source of JSON type list; expected system, user or agent",
    }
    assert result.skipped_total == 11
    events = trajectory_events(store, result)
    calls = {c["id"]: c["input"] for c in data_of(events, "tool_call")}
    assert calls == {"c10": {"a": 1}, "c11": {"arguments": "not json", "arguments_not_object": True}}
    assert events[-1]["data"]["skipped"] == 11
    assert result.stats["step_ids_not_integers"] == 1 and result.stats["steps_without_message"] == 1
    assert result.stats["metrics_not_objects"] == 1


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"[1, 2]", "top level is a JSON list; expected an ATIF trajectory"),
        (b'{"schema_version": "ATIF-v1.7", "agent": {}}', "top level has no 'steps', not a list"),
        (b'{"schema_version": "ATIF-v1.7", "steps": {"a": 1}}', "'steps' is a JSON object, not a list"),
        (b'{"schema_version": 1.7, "steps": []}', "schema_version is a JSON number; expected a string"),
        (b'{"schema_version": "ATIF-v1.7", "agent": "me", "steps": []}', "agent is a JSON string; expected"),
        (b'{"schema_version": "ATIF-v1.7", "steps": [', "not valid JSON"),
    ],
)
def test_a_file_that_is_no_atif_trajectory_is_a_format_error(
    store: ObjectStore, data: bytes, message: str
) -> None:
    with pytest.raises(ImportFormatError, match=message) as info:
        import_bytes(data, "trajectory.json", store, format="atif", redactor=Redactor(environ={}))
    assert info.value.exit_code == 2 and info.value.file == "trajectory.json"


def test_detection_confidence_by_shape() -> None:
    def score(doc: Any) -> float:
        return dict(detect_format(json.dumps(doc).encode(), "t.json"))["atif"]

    bare = trajectory(step(1, "user", "hi"), step(2, "agent", "hello"), version=None)
    assert score(trajectory(step(1, "user", "hi"))) == 1.0
    assert score(trajectory(version="ATIF-v1.0")) == 1.0  # an empty run is still ATIF
    assert score({**bare, "schema_version": "atif-1.2"}) == 0.9
    assert score(bare) == 0.7
    assert score({k: v for k, v in bare.items() if k != "agent"}) == 0.0
    assert score({"steps": [{"action": "ls", "observation": "a"}]}) == 0.0
    assert score([{"schema_version": "ATIF-v1.7", "steps": []}]) == 0.0


# -- JSON Lines: one trajectory a line -----------------------------------------------------------


def _lines(*docs: Any) -> bytes:
    return b"".join((d if isinstance(d, bytes) else json.dumps(d).encode()) + b"\n" for d in docs)


def test_json_lines_of_trajectories_import_each_line_as_its_own_scope(store: ObjectStore) -> None:
    # Harbor writes one trajectory.json per trial; a data set of runs (to_json(lines=True) and
    # the like) holds one a line. Each line numbers its calls afresh: ids are scoped to it.
    def run(n: int, command: str, tokens: int) -> dict[str, Any]:
        return trajectory(
            step(1, "user", f"task {n}", timestamp=T.format(n * 10)),
            step(
                2,
                "agent",
                "",
                timestamp=T.format(n * 10 + 1),
                tool_calls=[call("call_1", "Bash", command=command)],
                observation=results({"source_call_id": "call_1", "content": "ok\n[exit_code] 0"}),
                metrics={"prompt_tokens": tokens, "completion_tokens": 1},
            ),
            session_id=f"run-{n}",
            final_metrics={"total_prompt_tokens": tokens, "total_completion_tokens": 1, "total_steps": 2},
        )

    other = run(3, "make", 300)
    other["agent"] = {"name": "codex", "version": "0.9", "model_name": "openai/gpt-5"}
    data = _lines(run(1, "ls", 100), run(2, "pytest", 200), b"{broken", [1, 2], other)
    assert detect_format(data, "runs.jsonl")[0] == ("atif", 0.95)
    result = import_bytes(data, "runs.jsonl", store, format="auto", redactor=Redactor(environ={}))
    events = trajectory_events(store, result)
    assert [c["id"] for c in data_of(events, "tool_call")] == ["line 1/call_1", "line 2/call_1", "line 5/call_1"]
    assert result.tool_calls_paired == 3 and result.tool_calls_unpaired == 0
    assert [e["argv"][-1] for e in data_of(events, "exec")] == ["ls", "pytest", "make"]
    assert {e["trajectory"] for e in data_of(events, "exec")} == {"line 1", "line 2", "line 5"}
    assert [(n["trajectory"], n["session_id"]) for n in _notes(events, "trajectory")] == [
        ("line 2", "run-2"),
        ("line 5", "run-3"),
    ]
    assert [s.where for s in result.skipped] == ["line 3", "line 4"]
    assert sorted(m.id for m in result.models) == ["anthropic/claude-sonnet-4-5", "openai/gpt-5"]
    end = data_of(events, "build_end")[0]
    assert (end["trajectories"], end["steps"], end["usage"]) == (3, 6, {"input_tokens": 600, "output_tokens": 3})
    assert events[0]["data"]["session_id"] == "run-1" and result.stats["trajectory_lines"] == 3


def test_json_lines_that_hold_no_trajectories_are_one_line_errors(store: ObjectStore) -> None:
    steps = _lines(step(1, "user", "hi"), step(2, "agent", "hello"))  # a step a line: no trajectory
    with pytest.raises(ImportFormatError, match="JSON Lines whose first object has no 'steps' list") as info:
        import_bytes(steps, "steps.jsonl", store, format="atif", redactor=Redactor(environ={}))
    assert (info.value.file, info.value.line) == ("steps.jsonl", 1)
    assert dict(detect_format(steps, "steps.jsonl"))["atif"] == 0.0


# -- through the CLI ------------------------------------------------------------------------------


def test_cli_auto_imports_a_harbor_trajectory(tmp_path: Path) -> None:
    (tmp_path / "code-from-spec").mkdir()
    result = run_ledger("import", "auto", str(OPENHANDS), "-w", str(tmp_path), "--json", cwd=tmp_path)
    assert result.code == 0, result
    report = json.loads(result.stdout)
    assert (report["format"], report["source_version"], report["event_counts"]["file_write"]) == (
        "atif",
        "ATIF-v1.5",
        1,
    )
    shown = run_ledger(
        "trajectory", "show", report["trajectory"]["sha256"], "-w", str(tmp_path), cwd=tmp_path
    )
    assert shown.code == 0, shown
    assert "imported atif transcript openhands_hello-world.trajectory.json (openhands)" in shown.stdout


def test_cli_refuses_a_broken_trajectory_with_exit_2(tmp_path: Path) -> None:
    (tmp_path / "code-from-spec").mkdir()
    bogus = tmp_path / "trajectory.json"
    bogus.write_text('{"schema_version": "ATIF-v1.7", "agent": {"name": "x"}, "steps": "none"}')
    result = run_ledger("import", "atif", str(bogus), "-w", str(tmp_path), cwd=tmp_path)
    assert_user_error(result, "trajectory.json", "'steps' is a JSON string, not a list")
