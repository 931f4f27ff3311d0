"""SWE-agent ``<instance_id>.traj``: one JSON object (see swe-agent.com, usage/trajectories).

``trajectory[]`` holds one step per model call: ``response`` (model output), ``thought``,
``action`` (a shell command or a SWE-agent tool command, run in the agent's shell),
``observation``, ``state`` (open file, working dir), ``execution_time``, and since 1.1
``query`` (the messages sent) and ``extra_info``. ``history[]`` is the chat; its assistant
messages carry ``tool_calls`` with the function-call ids (and ``thinking_blocks``), its ``tool``
messages ``tool_call_ids``. ``info`` has ``exit_status``, ``submission`` and ``model_stats``;
``replay_config`` (a dict, or a JSON string in 1.x files) the model configuration. The format
records no timestamps.

Each step → ``model_request`` (the ``query``, else the history messages before its assistant
turn), ``model_response``, ``tool_call`` + ``exec`` + ``tool_result`` for the action (id from the
history's tool call when present, else ``step-N``), ``file_write`` for editing commands, and
``build_end`` from ``info``. Steps and history turns are paired by content, not position:
SWE-agent appends a step to the trajectory but not to the history when it requeries the
model after a format error, a blocked command or a bash syntax error
(sweagent/agent/agents.py, ``handle_error_with_retry``); such a step's action never ran and
becomes an ``action_not_run`` note. A step with an empty action (no action parsed, or the
agent exited) is a ``step_without_action`` note, and a step whose ``query`` is the
``StepOutput`` default ``[{}]`` (an autosubmission after an error) made no model call.

A RetryAgent file has ``attempts[]`` (each a trajectory/history/info of its own) and, once the
run is over, the chosen attempt's keys copied to the top level: every attempt is imported,
each opened by an ``attempt`` note. A file with only ``history`` (SWE-agent's demonstrations)
is read as the same steps rebuilt from the chat: each assistant turn's ``action``, answered by
the next tool or user message; ``tool_calls`` given as text (JSON, or a Python ``repr`` in
older demonstrations) are read as literals. Predictions (``preds.json``, ``all_preds.jsonl``,
``<instance>.pred``) hold patches, not trajectories, and are refused with that said.
"""

from __future__ import annotations

import ast
import shlex
from collections.abc import Mapping
from typing import Any

from ledger.errors import ImportFormatError
from ledger.importers.api import Importer
from ledger.importers.base import Sink, load_json, loads, lst, obj, relative_to, str_or, text_of
from ledger.trajectory.events import EventType

FORMAT = "swe-agent"
MEDIA_TYPE = "application/json"
EXPECTED = "a SWE-agent .traj object with a 'trajectory' list (or, for demonstrations, a chat 'history')"
# Commands that write the file they name (or the open file): SWE-agent's edit tools.
_EDIT_COMMANDS = frozenset({"edit", "create", "insert", "append", "str_replace_editor", "edit_file"})
_EDITOR_WRITES = frozenset({"create", "str_replace", "insert", "undo_edit"})


def _is_chat_message(value: Any) -> bool:
    """A SWE-agent history entry: role plus SWE-agent's own keys (agent, message_type)."""
    return (
        isinstance(value, dict)
        and isinstance(value.get("role"), str)
        and ("message_type" in value or "agent" in value)
    )


def _is_prediction(value: Any) -> bool:
    """A SWE-bench prediction (``.pred``, a ``preds.json`` value, an ``all_preds.jsonl`` line)."""
    return isinstance(value, dict) and "model_patch" in value and "instance_id" in value


def _is_predictions(doc: Any) -> bool:
    """``preds.json`` (instance id → prediction), a single ``.pred``, or a list of predictions."""
    if _is_prediction(doc):
        return True
    if isinstance(doc, dict) and doc:
        return all(_is_prediction(v) for v in list(doc.values())[:5])
    return isinstance(doc, list) and bool(doc) and all(_is_prediction(v) for v in doc[:5])


PREDICTIONS = (
    "a SWE-bench predictions file (instance_id and model_patch only), not a trajectory; "
    "import each run's <instance_id>/<instance_id>.traj instead"
)


def _has_steps(value: Any) -> bool:
    return isinstance(value, dict) and (
        isinstance(value.get("trajectory"), list) or isinstance(value.get("history"), list)
    )


def detect(data: bytes, filename: str) -> float:
    head = data[:4096].lstrip()
    if not head.startswith(b"{") or (
        b'"trajectory"' not in data and b'"history"' not in data and b'"attempts"' not in data
    ):
        return 0.0
    try:
        value = loads(data)
    except (ValueError, UnicodeDecodeError):
        return 0.0
    if not isinstance(value, dict):
        return 0.0
    if str(value.get("trajectory_format", "")).startswith("mini-swe-agent"):
        return 0.0
    if not isinstance(value.get("trajectory"), list):
        attempts = value.get("attempts")
        if isinstance(attempts, list) and attempts and all(_has_steps(a) for a in attempts[:5]):
            # a RetryAgent file saved mid-run: only the attempts so far
            return 0.9 if filename.endswith(".traj") else 0.8
        # a history-only file (SWE-agent's demonstrations): the chat is the whole record
        history = value.get("history")
        if isinstance(history, list) and history and all(_is_chat_message(m) for m in history[:10]):
            return 0.85 if filename.endswith(".traj") else 0.75
        return 0.0
    steps = value["trajectory"]
    if steps and not all(isinstance(s, dict) and ("action" in s or "response" in s) for s in steps[:5]):
        return 0.2
    score = 0.7
    if "history" in value or "info" in value:
        score = 0.95
    if filename.endswith(".traj"):
        score = min(1.0, score + 0.05)
    return score


def _config(doc: Mapping[str, Any]) -> dict[str, Any]:
    raw = doc.get("replay_config")
    if isinstance(raw, str):
        try:
            raw = loads(raw)
        except ValueError:
            return {}
    return raw if isinstance(raw, dict) else {}


_PSEUDO_MODELS = frozenset({"replay", "human", "human_thought", "instant_empty_submit"})
"""SWE-agent's stand-in models (sweagent/agent/models.py): replayed or typed by a person, no LM."""


def _model_ref(model: Any) -> tuple[str, str | None, str | None] | None:
    if not isinstance(model, dict):
        return None
    name = model.get("name") or model.get("model_name")
    if not isinstance(name, str) or not name:
        return None
    provider = name.split("/", 1)[0] if "/" in name else None
    base = model.get("api_base") or model.get("host_url")
    return name, provider, base if isinstance(base, str) else None


def _models(cfg: Mapping[str, Any]) -> list[tuple[str, str | None, str | None]]:
    """Every model the run configuration names, the acting agent's first: replay_config.agent.model
    (1.x), .model (0.x), a RetryAgent's agent_configs[].model and its retry loop's reviewer,
    chooser and preselector models (sweagent/agent/reviewer.py)."""
    agent = obj(cfg.get("agent"))
    loop = obj(agent.get("retry_loop"))
    chooser = obj(loop.get("chooser"))
    candidates = [
        agent.get("model"),
        cfg.get("model"),
        *(obj(c).get("model") for c in lst(agent.get("agent_configs"))),
        loop.get("model"),
        chooser.get("model"),
        obj(chooser.get("preselector")).get("model"),
    ]
    found: list[tuple[str, str | None, str | None]] = []
    for candidate in candidates:
        ref = _model_ref(candidate)
        if ref is not None and ref not in found:
            found.append(ref)
    return found


def _segments(history: list[Any]) -> tuple[list[list[Any]], list[dict[str, Any]]]:
    """Split the chat into the messages preceding each assistant turn, and those turns."""
    before: list[list[Any]] = []
    turns: list[dict[str, Any]] = []
    current: list[Any] = []
    for msg in history:
        if isinstance(msg, dict) and msg.get("role") == "assistant" and not msg.get("is_demo"):
            before.append(current)
            turns.append(msg)
            current = []
        else:
            current.append(msg)
    return before, turns


def _state(step: Mapping[str, Any]) -> dict[str, Any]:
    state = step.get("state")
    if isinstance(state, str):
        try:
            state = loads(state)
        except ValueError:
            return {}
    return state if isinstance(state, dict) else {}


def _edited_path(action: str, state: Mapping[str, Any], call_args: Mapping[str, Any]) -> str | None:
    """The file an editing command writes, or None if the action does not edit."""
    try:
        words = shlex.split(action.splitlines()[0]) if action.strip() else []
    except ValueError:
        words = action.split()
    if not words or words[0] not in _EDIT_COMMANDS:
        return None
    if words[0] == "str_replace_editor":
        if len(words) < 3 or words[1] not in _EDITOR_WRITES:
            return None
        return words[2]
    for key in ("path", "file_name", "filename"):
        if isinstance(call_args.get(key), str):
            return str(call_args[key])
    if words[0] in ("create",) and len(words) > 1:
        return words[1]
    open_file = state.get("open_file")
    return open_file if isinstance(open_file, str) and open_file != "n/a" else None


def _end_status(exit_status: Any) -> str:
    text = str(exit_status or "")
    if not text:
        return "interrupted"  # AgentInfo.exit_status is None until the last step: saved mid-run
    if text.startswith("submitted"):
        return "success"
    if "error" in text.lower() or "format" in text.lower():
        return "error"
    if text.startswith(("exit_cost", "exit_context", "early_exit", "exit_")):
        return "interrupted"
    return "failed"


def _tool_calls(msg: Mapping[str, Any]) -> list[Any]:
    """An assistant message's tool calls: a list, or (demonstration files) its JSON or Python
    ``repr`` text, read as literals only."""
    raw = msg.get("tool_calls")
    if isinstance(raw, list) or not isinstance(raw, str):
        return lst(raw)
    try:
        return lst(loads(raw))
    except ValueError:
        pass
    try:
        return lst(ast.literal_eval(raw))
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return []


def _steps_from_history(history: list[Any]) -> list[Any]:
    """Steps rebuilt from the chat when a file has no ``trajectory``: each assistant turn with
    its action, and the tool or user message that answered it as the observation."""
    steps: list[Any] = []
    for i, msg in enumerate(history):
        if not (isinstance(msg, dict) and msg.get("role") == "assistant" and not msg.get("is_demo")):
            continue
        answer = history[i + 1] if i + 1 < len(history) else None
        observation = (
            text_of(answer.get("content"))
            if isinstance(answer, dict) and answer.get("role") in ("tool", "user")
            else None
        )
        steps.append(
            {
                "action": msg.get("action"),
                "response": text_of(msg.get("content")),
                "thought": msg.get("thought"),
                "observation": observation,
            }
        )
    return steps


def _align(steps: list[Any], turns: list[dict[str, Any]]) -> tuple[list[int | None], bool]:
    """The history turn of each step (None: the step is not in the history), and whether the
    pairing was by content (so a missing turn means the step was requeried, not lost).

    A turn is a step's when its content is the step's ``response``, or, at the next unpaired
    turn, when their actions are equal; files whose history matches nothing but has one turn
    per step (hand-made ones) are paired by position."""
    found: list[int | None] = []
    nxt = 0
    for step in steps:
        hit: int | None = None
        if isinstance(step, dict):
            response, action = step.get("response"), step.get("action")
            for q in range(nxt, len(turns)):
                same_text = (
                    isinstance(response, str)
                    and response != ""
                    and (text_of(turns[q].get("content")) == response)
                )
                same_action = (
                    q == nxt
                    and isinstance(action, str)
                    and action.strip() != ""
                    and turns[q].get("action") == action
                )
                if same_text or same_action:
                    hit = q
                    break
        if hit is not None:
            nxt = hit + 1
        found.append(hit)
    if any(h is not None for h in found):
        return found, True
    if len(turns) == len(steps):
        return list(range(len(steps))), False
    return found, False


def _called_model(step: Mapping[str, Any]) -> bool:
    """False for a step whose ``query`` is StepOutput's default ``[{}]`` (sweagent/types.py):
    ``forward`` always sets the query, so such a step (an autosubmission after an error) made
    no model call. Files before 1.1 have no ``query``: every step was a model call."""
    if "query" not in step:
        return True
    query = step.get("query")
    return isinstance(query, list) and any(isinstance(m, dict) and m for m in query)


def _call_args(function: Mapping[str, Any]) -> dict[str, Any]:
    raw = function.get("arguments")
    if isinstance(raw, dict):
        return dict(raw)
    if not isinstance(raw, str):
        return {}
    try:
        args = loads(raw or "{}")
    except ValueError:
        return {"arguments": raw}
    return args if isinstance(args, dict) else {"arguments": args}


_STEP_KEYS = frozenset(
    {
        "action",
        "observation",
        "response",
        "state",
        "thought",
        "execution_time",
        "query",
        "extra_info",
        "messages",
    }  # `messages` (1.0): the history after the step, already in `history`
)


class _Steps:
    """Writes one trajectory's steps (a file, or one attempt of a RetryAgent file)."""

    def __init__(self, sink: Sink, model_id: str | None, prefix: str = "") -> None:
        self.sink = sink
        self.model_id = model_id
        self.prefix = prefix
        self.turn = 0

    def run(self, container: Mapping[str, Any], where: str) -> int:
        """Import the container's steps; returns how many steps it has."""
        history = lst(container.get("history"))
        if isinstance(container.get("trajectory"), list):
            steps: list[Any] = container["trajectory"]
            where = f"{where}trajectory"
        else:
            steps = _steps_from_history(history)
            self.sink.stats["steps_from_history"] += len(steps)
            where = f"{where}history"
        before, turns = _segments(history)
        paired, by_content = _align(steps, turns)
        for i, step in enumerate(steps):
            if not isinstance(step, dict):
                self.sink.skip(f"{where}[{i}]", f"a JSON {type(step).__name__}; expected a step object")
                continue
            turn_index = paired[i]
            turn_msg = turns[turn_index] if turn_index is not None else {}
            if not isinstance(step.get("action"), str) and not _tool_calls(turn_msg):
                self.sink.skip(
                    f"{where}[{i}]", "step has no string 'action'; expected action/observation/response"
                )
                continue
            request = before[turn_index] if turn_index is not None else []
            self.step(i, step, turn_msg, request, requeried=by_content and turn_index is None)
        return len(steps)

    def step(
        self,
        i: int,
        step: Mapping[str, Any],
        turn_msg: Mapping[str, Any],
        before: list[Any],
        *,
        requeried: bool,
    ) -> None:
        sink, turn = self.sink, self.turn
        self.turn += 1
        action = step.get("action")
        observation = step.get("observation")
        observation = observation if isinstance(observation, str) else ""
        state = _state(step)
        called = _called_model(step)
        if called:
            if "query" in step:  # 1.1+: the exact messages sent
                request, scope = {"messages": step["query"]}, "full"
            else:
                request, scope = {"messages": before}, "new_messages"
            sink.emit(
                EventType.MODEL_REQUEST,
                {"turn": turn, "model": self.model_id, "request": request, "request_scope": scope},
            )
            response = step.get("response")
            unknown = {k: v for k, v in step.items() if k not in _STEP_KEYS}
            sink.emit(
                EventType.MODEL_RESPONSE,
                {
                    "turn": turn,
                    "model": self.model_id,
                    "response": {
                        "content": [{"type": "text", "text": response if isinstance(response, str) else ""}],
                        "thought": step.get("thought"),
                        "tool_calls": turn_msg.get("tool_calls"),
                        "thinking_blocks": turn_msg.get("thinking_blocks") or None,
                    },
                    "extra_info": step.get("extra_info") or None,
                    "step_fields": unknown or None,
                },
            )
        tool_calls = _tool_calls(turn_msg)
        first = tool_calls[0] if tool_calls and isinstance(tool_calls[0], dict) else {}
        function = obj(first.get("function"))
        args = _call_args(function)
        if not (isinstance(action, str) and action.strip()) and not function:
            # no action parsed (a format error), or the agent exited without one
            sink.note(
                "step_without_action",
                turn=turn,
                model_called=called,
                thought=step.get("thought"),
                response=None if called else step.get("response"),
                observation=observation or None,
            )
            return
        if requeried and observation == "" and not state and not step.get("execution_time"):
            # in the trajectory, not in the history, nothing ran: SWE-agent refused the action
            # (format error, blocked command, bash syntax error) and asked the model again
            sink.note("action_not_run", turn=turn, action=action, tool_calls=tool_calls or None)
            return
        call_id = str_or(first.get("id"), f"{self.prefix}step-{i}")
        command = action if isinstance(action, str) and action.strip() else None
        name = str_or(function.get("name"), ((command or "").split() or ["?"])[0])
        tool_input = {"command": command, **args} if command is not None else args
        sink.tool_call(call_id, name, tool_input, turn=turn)
        if command is not None:
            exec_data: dict[str, Any] = {
                "argv": ["bash", "-c", command.rstrip("\n")],
                "cwd": state.get("working_dir"),
                "tool_call_id": call_id,
            }
            if isinstance(step.get("execution_time"), int | float) and not isinstance(
                step.get("execution_time"), bool
            ):
                exec_data["duration_ms"] = round(float(step["execution_time"]) * 1000)
            sink.emit(EventType.EXEC, exec_data)
        sink.tool_result(call_id, observation, False)
        path = _edited_path(command, state, args) if command is not None else _edited_call(name, args)
        if path is not None:
            # open_file and str_replace_editor name absolute paths; relative to the repo like `create`
            cwd = state.get("working_dir")
            path = relative_to(path, cwd if isinstance(cwd, str) else None)
            sink.emit(EventType.FILE_WRITE, {"path": path, "operation": "edit", "tool_call_id": call_id})


def _edited_call(name: str, args: Mapping[str, Any]) -> str | None:
    """The file a function call (a demonstration turn without an ``action``) writes."""
    if name == "str_replace_editor":
        path = args.get("path")
        return path if args.get("command") in _EDITOR_WRITES and isinstance(path, str) else None
    if name in _EDIT_COMMANDS:
        for key in ("path", "file_name", "filename"):
            if isinstance(args.get(key), str):
                return str(args[key])
    return None


_INFO_KEYS = frozenset(
    {
        "exit_status",
        "submission",
        "model_stats",
        "swe_agent_version",
        "swe_agent_hash",
        "edited_files30",
        "edited_files50",
        "edited_files70",
    }  # edited_files*: the patch again, with context
)
_TOP_KEYS = frozenset({"trajectory", "history", "info", "replay_config", "environment", "attempts"})


def _load(data: bytes, filename: str) -> dict[str, Any]:
    """The .traj object, or ImportFormatError saying what the file is instead."""
    try:
        doc = load_json(data, filename, expected=EXPECTED)
    except ImportFormatError:
        first = data.lstrip().split(b"\n", 1)[0]
        try:
            line = loads(first)
        except (ValueError, UnicodeDecodeError):
            line = None
        if _is_prediction(line):  # all_preds.jsonl: one prediction per line
            raise ImportFormatError(f"is {PREDICTIONS}", file=filename) from None
        raise
    if _is_predictions(doc):
        raise ImportFormatError(f"is {PREDICTIONS}", file=filename)
    if not isinstance(doc, dict):
        kind = "a list" if isinstance(doc, list) else f"a JSON {type(doc).__name__}"
        raise ImportFormatError(
            f"top level is {kind} with no 'trajectory' list; expected {EXPECTED}", file=filename
        )
    return doc


def convert(data: bytes, filename: str, sink: Sink) -> None:
    doc = _load(data, filename)
    attempts = [a for a in lst(doc.get("attempts")) if _has_steps(a)]
    history = lst(doc.get("history"))
    has_top = isinstance(doc.get("trajectory"), list) or any(_is_chat_message(m) for m in history)
    if not has_top and not attempts:
        raise ImportFormatError(
            f"top level has no 'trajectory' list and no chat 'history'; expected {EXPECTED}", file=filename
        )
    # a RetryAgent file saved mid-run has only `attempts`: the last one is the current one
    main: Mapping[str, Any] = doc if has_top else attempts[-1]
    info = obj(main.get("info"))
    cfg = _config(doc) or _config(main)
    models = _models(cfg)
    for ref in models:
        if ref[0] not in _PSEUDO_MODELS:
            sink.model(*ref)
    model_id, provider, endpoint = models[0] if models else (None, None, None)
    env = obj(cfg.get("env"))
    repo = obj(env.get("repo"))
    sink.start(
        {
            "agent": "swe-agent",
            "source_version": info.get("swe_agent_version"),
            "session_id": filename.rsplit("/", 1)[-1].removesuffix(".traj"),
            "environment": main.get("environment"),
            "repo": repo.get("github_url") or repo.get("path"),
            "model": {"id": model_id, "provider": provider, "endpoint": endpoint} if model_id else None,
            "problem_statement_id": (cfg.get("problem_statement") or {}).get("id")
            if isinstance(cfg.get("problem_statement"), dict)
            else None,
        }
    )
    unknown = {k: v for k, v in doc.items() if k not in _TOP_KEYS and k != "trajectory_format"}
    if unknown:
        sink.note("unknown_fields", fields=unknown)
    if attempts:
        chosen = info.get("best_attempt_idx") if has_top else None
        writer = _Steps(sink, model_id)
        total = 0
        for k, attempt in enumerate(attempts):
            attempt_info = obj(attempt.get("info"))
            sink.note(
                "attempt",
                index=k,
                chosen=(k == chosen) if isinstance(chosen, int) and not isinstance(chosen, bool) else None,
                exit_status=attempt_info.get("exit_status"),
                submission=attempt_info.get("submission"),
                model_stats=attempt_info.get("model_stats"),
                review=attempt_info.get("review"),
            )
            writer.prefix = f"attempt-{k}-"
            total += writer.run(attempt, f"attempts[{k}].")
        sink.stats["attempts"] = len(attempts)
    else:
        total = _Steps(sink, model_id).run(doc, "")
    extra_info = {k: v for k, v in info.items() if k not in _INFO_KEYS and v is not None}
    if extra_info:
        # review, summarizer, chooser, best_attempt_idx, rloop_model_stats, swe_rex_*, …
        sink.note("info", **{"fields": extra_info})
    stats = obj(info.get("model_stats"))
    sink.end(
        {
            "status": _end_status(info.get("exit_status")),
            "reason": info.get("exit_status"),
            "submission": info.get("submission"),
            "turns": total,
            "usage": {"input_tokens": stats.get("tokens_sent"), "output_tokens": stats.get("tokens_received")}
            if stats
            else None,
            "cost_usd": stats.get("instance_cost"),
            "api_calls": stats.get("api_calls"),
        }
    )


IMPORTER = Importer(
    FORMAT, MEDIA_TYPE, "SWE-agent .traj (trajectory, history, info, attempts)", detect, convert
)
