"""Replay: a recorded run serves the same answers; any change in what the loop asks is named."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from ledger.agent import AgentLoop, ReplayClient, ToolBox
from ledger.agent.messages import first_difference
from ledger.digest import sha256_file
from ledger.errors import ModelError
from tests.agent.conftest import ListRecorder, LocalSandbox
from tests.agent.test_loop import EXAMPLE, LIMITS, MODEL, SYSTEM, run_script

USER = "Implement SPEC/calc as calc.py with tests."


def fresh_copy(original: Path, tmp_path: Path, name: str) -> Path:
    """A second scratch from the same inputs (the spec tree), as a replay would start with."""
    copy = tmp_path / name
    shutil.copytree(original / "code-from-spec", copy / "code-from-spec")
    return copy


def replay(events: list[dict[str, Any]], scratch: Path) -> tuple[Any, ListRecorder, ReplayClient]:
    recorder = ListRecorder()
    client = ReplayClient.from_events(events)
    loop = AgentLoop(client, ToolBox(LocalSandbox(scratch), recorder), recorder, LIMITS)
    return loop.run(SYSTEM, USER, MODEL), recorder, client


def test_replaying_a_recorded_build_rebuilds_the_same_bytes(
    sandbox: LocalSandbox, recorder: ListRecorder, scratch: Path, tmp_path: Path
) -> None:
    original = run_script(EXAMPLE, sandbox, recorder)
    again = fresh_copy(scratch, tmp_path, "replay")
    outcome, replayed, client = replay(recorder.as_trajectory(), again)  # no server running
    client.finish()
    assert outcome == original
    assert sha256_file(again / "calc.py") == sha256_file(scratch / "calc.py")
    assert replayed.of("model_request") == recorder.of("model_request")
    assert replayed.of("tool_result") == recorder.of("tool_result")


def test_a_changed_tool_result_stops_the_replay_at_that_turn_naming_the_path(
    sandbox: LocalSandbox, recorder: ListRecorder, scratch: Path, tmp_path: Path
) -> None:
    run_script(EXAMPLE, sandbox, recorder)
    again = fresh_copy(scratch, tmp_path, "replay")
    (again / "extra.txt").write_text("not there when recorded\n")  # list_files answers differently
    with pytest.raises(ModelError) as info:
        replay(recorder.as_trajectory(), again)
    message = str(info.value)
    assert message.startswith("replay: request for turn 2 differs from the recording at "
                              "$.messages[2].content[0].content: recorded 'code-from-spec/")
    assert "got 'code-from-spec/" in message


def test_running_past_the_recording_or_stopping_short_is_an_error() -> None:
    request: Any = {"model": "m", "max_tokens": 1, "messages": [{"role": "user", "content": "u"}]}
    response: Any = {"id": "x", "model": "m", "content": [], "stop_reason": "end_turn"}
    client = ReplayClient([(request, response)])
    with pytest.raises(ModelError, match="only 0 of 1 recorded turns were used"):
        client.finish()
    assert client.create(request) == response
    with pytest.raises(ModelError, match="turn 2 requested but the recording holds only 1"):
        client.create(request)


def test_normalize_lets_redacted_recordings_match() -> None:
    recorded: Any = {"model": "m", "max_tokens": 1,
                "messages": [{"role": "user", "content": "key [REDACTED:anthropic]"}]}
    live: Any = {**recorded, "messages": [{"role": "user", "content": "key sk-ant-xyz"}]}

    def redact(req: Any) -> Any:
        return {**req, "messages": [{"role": "user", "content": "key [REDACTED:anthropic]"}]}

    client = ReplayClient([(recorded, {"id": "x"})], normalize=redact)
    assert client.create(live)["id"] == "x"


def test_from_events_rejects_unpaired_events() -> None:
    with pytest.raises(ModelError, match="event 3: model_response without a request"):
        ReplayClient.from_events([{"seq": 3, "type": "model_response", "data": {"response": {}}}])


@pytest.mark.parametrize(("a", "b", "where"), [
    ({"x": [1, {"y": 2}]}, {"x": [1, {"y": 3}]}, "$.x[1].y: recorded 2, got 3"),
    ({"x": 1}, {"x": 1, "z": 0}, "$.z: not recorded, got 0"),
    ({"x": 1, "z": 0}, {"x": 1}, "$.z: recorded 0, missing now"),
    ([1, 2], [1, 2, 3], "$: recorded 2 items, got 3"),
    ({"a b": True}, {"a b": 1}, "$['a b']: recorded True, got 1"),
    ({"t": 1}, {"t": 1.0}, None),
])
def test_first_difference_names_the_json_path(a: Any, b: Any, where: str | None) -> None:
    assert first_difference(a, b) == where


