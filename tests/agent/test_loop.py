"""The agent loop end to end: the real SDK, the loopback model, real subprocesses in scratch."""

from __future__ import annotations

import itertools
import json
from pathlib import Path
from typing import Any

import pytest

from ledger.agent import (
    AgentLimits,
    AgentLoop,
    AnthropicClient,
    ModelSettings,
    ToolBox,
)
from ledger.agent.loopback import serve_script
from ledger.agent.loopback_script import load_script, parse_script
from ledger.agent.messages import MessagesRequest, MessagesResponse
from ledger.errors import ModelError
from tests.agent.conftest import ListRecorder, LocalSandbox

EXAMPLE = Path(__file__).parents[2] / "ledger/agent/scripts/python_module_with_tests.json"
MODEL = ModelSettings(id="loopback-scripted-test-model-20250101", temperature=0.0,
                      max_tokens=4096, seed=7)
LIMITS = AgentLimits(max_turns=10, timeout_s=120)
SYSTEM = "You generate code from the spec below.\n\n# calc\nAdd and multiply."


def run_script(script: Any, sandbox: LocalSandbox, recorder: ListRecorder,
               limits: AgentLimits = LIMITS, model: ModelSettings = MODEL,
               stream: bool = False) -> Any:
    with serve_script(script) as server:
        client = AnthropicClient(server.base_url, environ={}, stream=stream)
        loop = AgentLoop(client, ToolBox(sandbox, recorder), recorder, limits)
        return loop.run(SYSTEM, "Implement SPEC/calc as calc.py with tests.", model)


def test_example_script_writes_a_module_and_its_tests_pass(
    sandbox: LocalSandbox, recorder: ListRecorder, scratch: Path
) -> None:
    outcome = run_script(EXAMPLE, sandbox, recorder)
    assert outcome.stop_reason == "end_turn" and not outcome.hit_limit
    assert outcome.final_text == "calc.py is written and its tests pass."
    assert (outcome.turns, outcome.tool_calls) == (4, 4)
    assert outcome.input_tokens > 0 and outcome.output_tokens > 0
    assert "def mul" in (scratch / "calc.py").read_text()
    assert [r.exit_code for r in sandbox.runs] == [0]
    assert recorder.types() == [
        "model_request", "model_response", "tool_call", "tool_result",
        "model_request", "model_response",
        "tool_call", "file_write", "tool_result", "tool_call", "file_write", "tool_result",
        "model_request", "model_response", "tool_call", "exec", "tool_result",
        "model_request", "model_response",
    ]
    test_run = recorder.of("tool_result")[-1]
    assert test_run["content"] == "exit code 0\n[stdout]\nunittest exit code: 0\n\n[stderr]\n"
    first = recorder.of("model_request")[0]
    assert first["request"]["system"] == SYSTEM
    assert [t["name"] for t in first["request"]["tools"]] == [
        "read_file", "write_file", "list_files", "search_text", "run_command"]
    assert first["request"]["temperature"] == 0.0  # sent in the JSON body via extra_body
    # the seed is always recorded, and sent only when the endpoint takes one
    assert (first["seed"], first["seed_sent"]) == (7, False) and "seed" not in first["request"]
    last = recorder.of("model_request")[-1]["request"]["messages"]
    assert [m["role"] for m in last] == ["user", "assistant"] * 3 + ["user"]
    assert all(r["retries"] == [] for r in recorder.of("model_response"))


def test_streaming_client_and_pytest_through_run_command(
    sandbox: LocalSandbox, recorder: ListRecorder, scratch: Path
) -> None:
    script = parse_script({"turns": [
        {"content": [
            {"type": "tool_use", "name": "write_file",
             "input": {"path": "shapes/area.py", "content": "def square(x):\n    return x * x\n"}},
            {"type": "tool_use", "name": "write_file", "input": {
                "path": "shapes/test_area.py",
                "content": "from shapes.area import square\n\n\ndef test_square():\n"
                           "    assert square(3) == 9\n"}},
            {"type": "tool_use", "name": "write_file",
             "input": {"path": "shapes/__init__.py", "content": ""}},
        ]},
        {"content": [{"type": "tool_use", "name": "run_command", "input": {
            "command": "python3 -m pytest -q -p no:cacheprovider shapes 2>&1 | grep -o '1 passed'"}}]},
        {"expect": {"tool_result_contains": "1 passed", "tool_result_is_error": False},
         "content": [{"type": "text", "text": "square() is done."}]},
    ]})
    outcome = run_script(script, sandbox, recorder, stream=True,
                         model=ModelSettings("m-scripted-test-model", 0.0, 1024, 3, send_seed=True))
    assert outcome.stop_reason == "end_turn", recorder.of("tool_result")
    assert outcome.final_text == "square() is done."
    assert (scratch / "shapes" / "area.py").is_file()
    assert all(q["request"]["seed"] == 3 and q["seed_sent"] for q in recorder.of("model_request"))


def endless_tool_use(n: int) -> Any:
    return parse_script({"turns": [
        {"content": [{"type": "tool_use", "name": "list_files", "input": {}}]}] * n})


def test_max_turns_stops_the_loop(sandbox: LocalSandbox, recorder: ListRecorder) -> None:
    outcome = run_script(endless_tool_use(5), sandbox, recorder,
                         limits=AgentLimits(max_turns=2, timeout_s=60))
    assert (outcome.stop_reason, outcome.turns, outcome.hit_limit) == ("max_turns", 2, True)


def test_token_budget_stops_the_loop(sandbox: LocalSandbox, recorder: ListRecorder) -> None:
    outcome = run_script(endless_tool_use(5), sandbox, recorder,
                         limits=AgentLimits(max_turns=9, timeout_s=60, max_tokens=1))
    assert (outcome.stop_reason, outcome.turns) == ("token_budget", 1)


class CannedClient:
    """Answers every request with the same response (for shapes a scripted server won't send)."""

    def __init__(self, response: dict[str, Any]) -> None:
        self.response = response
        self.requests: list[MessagesRequest] = []

    def create(self, request: MessagesRequest, *, on_retry: Any = None) -> MessagesResponse:
        self.requests.append(request)
        return json.loads(json.dumps(self.response))  # type: ignore[no-any-return]


TOOL_TURN = {"id": "msg_1", "type": "message", "role": "assistant", "model": "m",
             "content": [{"type": "tool_use", "id": "t", "name": "run_command",
                          "input": {"command": "true"}}],
             "stop_reason": "tool_use", "usage": {"input_tokens": 1, "output_tokens": 1}}


def test_wall_clock_timeout_stops_between_tool_calls(
    sandbox: LocalSandbox, recorder: ListRecorder
) -> None:
    ticks = itertools.count(0, 40)  # every clock read advances 40 s
    loop = AgentLoop(CannedClient(TOOL_TURN), ToolBox(sandbox, recorder), recorder,
                     AgentLimits(max_turns=50, timeout_s=100), clock=lambda: float(next(ticks)))
    outcome = loop.run("s", "u", MODEL)
    assert outcome.stop_reason == "timeout" and outcome.turns == 1
    assert len(sandbox.runs) == 1


def test_no_temperature_means_none_is_sent(sandbox: LocalSandbox, recorder: ListRecorder) -> None:
    client = CannedClient({**TOOL_TURN, "content": [{"type": "text", "text": "ok"}],
                           "stop_reason": "end_turn"})
    loop = AgentLoop(client, ToolBox(sandbox, recorder), recorder, LIMITS)
    assert loop.run("s", "u", ModelSettings("m", None, 100)).final_text == "ok"
    assert "temperature" not in client.requests[0] and "seed" not in client.requests[0]


@pytest.mark.parametrize(("response", "message"), [
    ({**TOOL_TURN, "content": [{"type": "text", "text": "x"}]}, "stop_reason is tool_use"),
    ({**TOOL_TURN, "content": [{"type": "tool_use", "name": "x", "input": {}}]},
     "$.content[0].id: expected str"),
    ({"id": "m", "model": "m"}, "$.content: expected list"),
])
def test_malformed_model_responses_raise_model_error(
    sandbox: LocalSandbox, recorder: ListRecorder, response: dict[str, Any], message: str
) -> None:
    loop = AgentLoop(CannedClient(response), ToolBox(sandbox, recorder), recorder, LIMITS)
    with pytest.raises(ModelError) as info:
        loop.run("s", "u", MODEL)
    assert message in str(info.value)


def test_example_script_is_loadable_as_a_path_or_object() -> None:
    assert load_script(EXAMPLE).turns[0].content[1]["name"] == "list_files"
