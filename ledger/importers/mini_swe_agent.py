"""mini-swe-agent trajectories: the saved ``{"info", "messages", "trajectory_format"}`` object
(``mini-swe-agent-1`` from 1.x, ``mini-swe-agent-1.1`` from 2.0; docs/usage/output_files.md,
agents/default.py ``serialize``) and the older bare list of chat messages.

The agent has one tool, bash. Text-based models put one fenced ```` ```bash ```` (1.x) or
```` ```mswea_bash_command ```` (2.x) block in each assistant message, and the next user message
is its observation (``<returncode>N</returncode>`` and ``<output>…</output>``, or the 1.x
timeout template, a failed command flagged ``timed_out``); a reply with no block or several is
a format error and nothing runs. With tool-calling models (2.x default) the
assistant message carries OpenAI ``tool_calls`` and observations are ``tool`` messages with a
``tool_call_id``; with Responses-API models (``litellm_response`` …) the assistant turn is the
whole ``{"object": "response", "output": [...]}`` and observations are role-less
``{"type": "function_call_output", "call_id"}`` items. 2.x messages carry ``extra``
(``actions``, ``returncode``, ``cost``, ``timestamp``, the raw ``response``); 1.x messages a
top-level ``timestamp``.

Each model turn → ``model_request`` (the messages since the previous turn), ``model_response``,
and per action ``tool_call`` → ``exec`` + ``tool_result``. In 2.x a format error keeps no
assistant message: the billed reply is in the error message's ``extra.response``, and is
imported as a ``model_response`` flagged ``format_error``. Commands a person typed
(interactive ``human`` mode: a user message with ``extra.actions``) are tool calls with
``source: user``. ``exit`` messages (2.x) are ``exit`` notes (and answer the command that
submitted); ``info`` gives ``build_end``. Messages of any other shape are ``message`` notes.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from ledger.errors import ImportFormatError
from ledger.importers.api import Importer
from ledger.importers.base import Sink, key, load_json, loads, obj, text_of
from ledger.trajectory.events import EventType

FORMAT = "mini-swe-agent"
MEDIA_TYPE = "application/json"
EXPECTED = "a mini-swe-agent trajectory (an object with 'messages', or a list of chat messages)"
ACTION_RE = re.compile(r"```(?:bash|mswea_bash_command)\s*\n(.*?)\n```", re.DOTALL)
RETURNCODE_RE = re.compile(r"<returncode>\s*(-?\d+)\s*</returncode>")
TIMEOUT_RE = re.compile(
    r"\A\s*The last command <command>.*?</command> timed out and has been killed", re.DOTALL
)
"""1.x ``timeout_template`` (agents/default.py): the observation of a command it killed, with no
return code (2.x records ``returncode: -1`` and ``exception_info`` instead)."""
SUBMIT_MARKERS = ("COMPLETE_TASK_AND_SUBMIT_FINAL_OUTPUT", "MINI_SWE_AGENT_FINAL_OUTPUT")
_ROLES = frozenset({"system", "user", "assistant", "tool", "exit"})
_TOP_KEYS = frozenset({"info", "messages", "trajectory_format", "instance_id"})


def _messages(doc: Any) -> list[Any] | None:
    if isinstance(doc, list):
        return doc
    if isinstance(doc, dict) and isinstance(doc.get("messages"), list):
        return list(doc["messages"])
    return None


def detect(data: bytes, filename: str) -> float:
    head = data[:4096].lstrip()
    if not head.startswith((b"{", b"[")):
        return 0.0
    try:
        doc = loads(data)
    except (ValueError, UnicodeDecodeError):
        return 0.0
    if isinstance(doc, dict) and str(doc.get("trajectory_format", "")).startswith("mini-swe-agent"):
        return 1.0
    messages = _messages(doc)
    if not messages or not all(isinstance(m, dict) and key(m.get("role")) in _ROLES for m in messages[:20]):
        return 0.0
    text = " ".join(text_of(m.get("content")) for m in messages[:4])
    if "mswea_bash_command" in text or any(marker in text for marker in SUBMIT_MARKERS):
        return 0.9
    if isinstance(doc, dict) and isinstance(doc.get("info"), dict):
        return 0.7
    if any(
        ACTION_RE.search(text_of(m.get("content"))) for m in messages[:10] if m.get("role") == "assistant"
    ):
        return 0.6
    return 0.3


def _model_ref(model: Mapping[str, Any]) -> tuple[str, str | None, str | None] | None:
    name = model.get("model_name")
    if not isinstance(name, str) or not name:
        return None
    kwargs = obj(model.get("model_kwargs"))
    endpoint = kwargs.get("api_base") or kwargs.get("base_url")
    provider = name.split("/", 1)[0] if "/" in name else None
    return name, provider, endpoint if isinstance(endpoint, str) else None


def _models(info: Mapping[str, Any]) -> list[tuple[str, str | None, str | None]]:
    """The configured model, or (roulette / interleaving models, models/extra/roulette.py) the
    models it picks from: ``config.model.model_kwargs`` is then a list of model configs."""
    model = obj(obj(info.get("config")).get("model"))
    inner = model.get("model_kwargs")
    found = []
    if isinstance(inner, list):
        found = [ref for m in inner if isinstance(m, dict) and (ref := _model_ref(m)) is not None]
    if not found and (ref := _model_ref(model)) is not None:
        found = [ref]
    return list(dict.fromkeys(found))


def _call(call_id: Any, fallback: str) -> str:
    return call_id if isinstance(call_id, str) and call_id else fallback


def _args(raw: Any) -> dict[str, Any]:
    if isinstance(raw, dict):
        return dict(raw)
    try:
        args = loads(raw if isinstance(raw, str) and raw else "{}")
    except (TypeError, ValueError):
        return {"arguments": raw}
    return args if isinstance(args, dict) else {"input": args}


def _actions(msg: Mapping[str, Any], turn: int) -> list[tuple[str, str, dict[str, Any]]]:
    """(call id, tool name, input) for each action of a model turn."""
    out: list[tuple[str, str, dict[str, Any]]] = []
    calls = msg.get("tool_calls")
    if isinstance(calls, list) and calls:
        for k, call in enumerate(calls):
            fn = call.get("function") if isinstance(call, dict) else None
            if not isinstance(fn, dict):
                continue
            name = fn.get("name")
            out.append(
                (
                    _call(call.get("id"), f"turn-{turn}-{k}"),
                    _nonempty_or(name, "bash"),
                    _args(fn.get("arguments")),
                )
            )
        return out
    output = msg.get("output")
    if isinstance(output, list):  # Responses API: function_call items
        for k, item in enumerate(output):
            if isinstance(item, dict) and item.get("type") == "function_call":
                call_id = _call(item.get("call_id") or item.get("id"), f"turn-{turn}-{k}")
                out.append((call_id, _nonempty_or(item.get("name"), "bash"), _args(item.get("arguments"))))
        if out:
            return out
    listed = obj(msg.get("extra")).get("actions")
    if isinstance(listed, list) and listed:
        for k, action in enumerate(listed):
            if isinstance(action, dict) and isinstance(action.get("command"), str):
                call_id = _call(action.get("tool_call_id"), f"turn-{turn}-{k}")
                out.append((call_id, "bash", {"command": action["command"]}))
        return out
    blocks = ACTION_RE.findall(text_of(msg.get("content")))
    # 1.x runs exactly one block; none or several is a format error and nothing runs
    return [(f"turn-{turn}-0", "bash", {"command": blocks[0].strip()})] if len(blocks) == 1 else []


def _time(msg: Mapping[str, Any]) -> Any:
    """``extra.timestamp`` (2.x), else the message's own ``timestamp`` (1.x)."""
    extra = msg.get("extra")
    when = extra.get("timestamp") if isinstance(extra, dict) else None
    return when if when is not None else msg.get("timestamp")


def _nonempty_or(value: Any, default: str) -> str:
    """``value`` if it is a non-empty string (unlike ``base.str_or``, "" also takes the default)."""
    return value if isinstance(value, str) and value else default


def _response_text(msg: Mapping[str, Any]) -> Any:
    """A Responses-API turn's text (its ``message`` output items), else the message content."""
    output = msg.get("output")
    if msg.get("object") == "response" and isinstance(output, list):
        parts = [
            text_of(item.get("content"))
            for item in output
            if isinstance(item, dict) and item.get("type") == "message"
        ]
        return "\n".join(p for p in parts if p) or None
    return msg.get("content")


def _usage(msg: Mapping[str, Any], extra: Mapping[str, Any]) -> dict[str, Any] | None:
    """Token counts of the raw reply (chat completions or Responses API usage)."""
    raw = extra.get("response")
    usage = obj(msg.get("usage")) or obj(obj(raw).get("usage"))
    tokens_in = usage.get("prompt_tokens", usage.get("input_tokens"))
    tokens_out = usage.get("completion_tokens", usage.get("output_tokens"))
    if tokens_in is None and tokens_out is None:
        return None
    return {"input_tokens": tokens_in, "output_tokens": tokens_out}


def _reply_of_error(extra: Mapping[str, Any]) -> dict[str, Any]:
    """The model message a 2.x format error carries in ``extra.response`` (chat completion:
    ``choices[0].message``; Responses API: the response itself), else its ``model_response``
    text (text-based models)."""
    raw = obj(extra.get("response"))
    choices = raw.get("choices")
    if isinstance(choices, list) and choices and isinstance(choices[0], dict):
        return obj(choices[0].get("message"))
    if raw.get("object") == "response":
        return raw
    text = extra.get("model_response")
    return {"role": "assistant", "content": text} if isinstance(text, str) else {}


class _Converter:
    def __init__(self, sink: Sink, models: list[tuple[str, str | None, str | None]]) -> None:
        self.sink = sink
        self.model_id: str | None = models[0][0] if models else None
        self.provider: str | None = models[0][1] if models else None
        self.pending: list[Any] = []
        self.observed = 0  # messages in `pending` that were observations of an action
        self.open_actions: list[tuple[str, dict[str, Any]]] = []
        self.turn = 0
        self.last_command = ""
        self.last_output: str | None = None
        self.exit_extra: dict[str, Any] = {}

    def message(self, i: int, msg: Any) -> None:
        if not isinstance(msg, dict):
            self.sink.skip(
                f"messages[{i}]",
                "not a chat message; expected an object with role system/user/assistant/tool",
            )
            return
        role, when, extra = key(msg.get("role")), _time(msg), obj(msg.get("extra"))
        if role == "assistant" or msg.get("object") == "response":
            self.model_turn(msg, extra, when)
            return
        if role not in _ROLES and msg.get("type") != "function_call_output":
            # a message shape this importer does not know (2.x keeps each model's native format)
            self.sink.note("message", when, index=i, message=msg)
            return
        if extra.get("interrupt_type") == "FormatError":
            # 2.x: the reply was billed, then refused; only this error message was kept
            self.model_turn(_reply_of_error(extra), extra, when, format_error=True)
        elif role == "user" and isinstance(extra.get("actions"), list) and not self.open_actions:
            # a command a person typed (interactive agent, human mode): runs like the model's
            self.pending.append(msg)
            for call_id, name, args in _actions({"extra": extra}, self.turn):
                call_id = f"user-{i}-{call_id}"
                self.sink.tool_call(call_id, name, args, when, source="user")
                self.open_actions.append((call_id, args))
            return
        self.pending.append(msg)
        if role == "exit":
            self.exit(msg, extra, when)
        elif self.open_actions and not extra.get("interrupt_type"):
            # (a UserInterruption or other interrupt message is no command's output)
            self.observation(msg, extra, when)

    def model_turn(
        self, msg: Mapping[str, Any], extra: Mapping[str, Any], when: Any, *, format_error: bool = False
    ) -> None:
        sink, turn = self.sink, self.turn
        model = msg.get("model_name") if isinstance(msg.get("model_name"), str) else self.model_id
        if model != self.model_id:
            sink.model(model)
        sink.emit(
            EventType.MODEL_REQUEST,
            {
                "turn": turn,
                "model": model,
                "request": {"messages": self.pending},
                "request_scope": "new_messages",
            },
            when,
        )
        self.pending = []
        self.observed = 0
        response: dict[str, Any] = {
            "role": "assistant",
            "content": _response_text(msg),
            "tool_calls": msg.get("tool_calls"),
            "reasoning_content": msg.get("reasoning_content"),
            "thinking_blocks": msg.get("thinking_blocks"),
        }
        if msg.get("object") == "response":
            response["output"] = msg.get("output")
            response["id"] = msg.get("id")
        sink.emit(
            EventType.MODEL_RESPONSE,
            {
                "turn": turn,
                "model": model,
                "provider": self.provider if model == self.model_id else None,
                "response": {k: v for k, v in response.items() if v is not None},
                "usage": _usage(msg, extra),
                "cost_usd": extra.get("cost"),
                "format_error": True if format_error else None,
            },
            when,
        )
        self.turn += 1
        self.open_actions = []
        if format_error:
            return  # nothing ran
        for call_id, name, args in _actions(msg, turn):
            sink.tool_call(call_id, name, args, when, turn=turn)
            self.open_actions.append((call_id, args))
            self.last_command = str(args.get("command", ""))

    def _take(self, wanted: Any) -> tuple[str, dict[str, Any]]:
        index = 0
        if isinstance(wanted, str):
            index = next((k for k, (cid, _) in enumerate(self.open_actions) if cid == wanted), 0)
        return self.open_actions.pop(index)

    def observation(self, msg: Mapping[str, Any], extra: Mapping[str, Any], when: Any) -> None:
        call_id, args = self._take(msg.get("tool_call_id") or msg.get("call_id"))
        output = text_of(msg.get("content") if "content" in msg else msg.get("output"))
        code_match = RETURNCODE_RE.search(output)
        code = (
            extra.get("returncode")
            if isinstance(extra.get("returncode"), int) and not isinstance(extra.get("returncode"), bool)
            else (int(code_match.group(1)) if code_match else None)
        )
        # 2.x pads the outputs of actions it never ran (a submission or an interruption came first)
        ran = extra.get("exception_info") != "action was not executed"
        timed_out = code is None and bool(TIMEOUT_RE.match(output))
        if ran and isinstance(args.get("command"), str):
            self.sink.emit(
                EventType.EXEC,
                {
                    "argv": ["bash", "-c", args["command"]],
                    "exit_code": code,
                    "tool_call_id": call_id,
                    "timed_out": True if timed_out else None,
                },
                when,
            )
        self.sink.tool_result(
            call_id, output, bool(code) or not ran or timed_out, when, not_executed=None if ran else True
        )
        self.last_output = output
        self.observed += 1

    def exit(self, msg: Mapping[str, Any], extra: Mapping[str, Any], when: Any) -> None:
        """2.x ``exit`` message: the run's end (``extra.exit_status``, ``submission``, and for an
        uncaught exception ``exception_str``/``traceback``). A submission ends the command that
        printed the submit marker (environments/local.py ``_check_finished``: return code 0)."""
        self.exit_extra = dict(extra)
        status = extra.get("exit_status")
        if self.open_actions:
            call_id, args = self._take(None)
            output = text_of(msg.get("content"))
            submitted = status == "Submitted"
            if isinstance(args.get("command"), str):
                self.sink.emit(
                    EventType.EXEC,
                    {
                        "argv": ["bash", "-c", args["command"]],
                        "exit_code": 0 if submitted else None,
                        "tool_call_id": call_id,
                    },
                    when,
                )
            self.sink.tool_result(call_id, output, not submitted, when)
            self.last_output = output
        self.observed += 1  # an end, not a message waiting for the model
        self.sink.note(
            "exit",
            when,
            exit_status=status,
            exception=extra.get("exception_str"),
            traceback=extra.get("traceback"),
        )


def _end_status(exit_status: Any, submitted: bool) -> str:
    if exit_status == "Submitted" or (not exit_status and submitted):
        return "success"
    if not exit_status or exit_status in ("LimitsExceeded", "TimeExceeded", "UserInterruption"):
        return "interrupted"
    if str(exit_status).endswith(("Error", "Exception")):  # RepeatedFormatError, uncaught exceptions
        return "error"
    return "failed"


def _looks_like_predictions(doc: Any) -> bool:
    """``preds.json``: instance id → {model_name_or_path, instance_id, model_patch}."""
    return (
        isinstance(doc, dict)
        and bool(doc)
        and all(isinstance(v, dict) and "model_patch" in v for v in list(doc.values())[:5])
    )


def convert(data: bytes, filename: str, sink: Sink) -> None:
    doc = load_json(data, filename, expected=EXPECTED)
    messages = _messages(doc)
    if messages is None:
        if _looks_like_predictions(doc):
            raise ImportFormatError(
                "is a SWE-bench predictions file (preds.json: instance_id → model_patch), not a trajectory; "
                "import each <instance_id>/<instance_id>.traj.json instead",
                file=filename,
            )
        raise ImportFormatError(f"no message list at the top level; expected {EXPECTED}", file=filename)
    info = obj(doc.get("info")) if isinstance(doc, dict) else {}
    models = _models(info)
    for ref in models:
        sink.model(*ref)
    model_id, provider, endpoint = models[0] if models else (None, None, None)
    version = doc.get("trajectory_format") if isinstance(doc, dict) else "bare-message-list"
    config = obj(info.get("config"))
    instance = doc.get("instance_id") if isinstance(doc, dict) else None
    sink.start(
        {
            "agent": "mini-swe-agent",
            "source_version": info.get("mini_version") or version,
            "trajectory_format": version,
            "session_id": instance
            if isinstance(instance, str) and instance
            else filename.rsplit("/", 1)[-1].removesuffix(".json").removesuffix(".traj"),
            "model": {"id": model_id, "provider": provider, "endpoint": endpoint} if model_id else None,
            "agent_type": config.get("agent_type"),
            "model_type": config.get("model_type"),
            "environment_type": config.get("environment_type"),
        },
        _time(messages[0]) if messages and isinstance(messages[0], dict) else None,
    )
    if isinstance(doc, dict):
        unknown = {k: v for k, v in doc.items() if k not in _TOP_KEYS}
        if unknown:  # run scripts merge their own keys into the saved object (agent.save extra dicts)
            sink.note("unknown_fields", fields=unknown)
    run = _Converter(sink, models)
    for i, msg in enumerate(messages):
        run.message(i, msg)
    pending = run.pending
    unanswered = len(pending) - run.observed if pending else 0
    if unanswered > 0:
        sink.note(
            "trailing_messages",
            None,
            count=unanswered,
            roles=[m.get("role") or m.get("type") for m in pending if isinstance(m, dict)],
        )
    submitted = any(marker in run.last_command for marker in SUBMIT_MARKERS)
    exit_status = info.get("exit_status") or run.exit_extra.get("exit_status")
    stats = obj(info.get("model_stats"))
    submission = info.get("submission") if "submission" in info else run.exit_extra.get("submission")
    sink.end(
        {
            "status": _end_status(exit_status, submitted),
            "reason": exit_status or ("submitted" if submitted else None),
            "submission": submission if info or run.exit_extra else (run.last_output if submitted else None),
            "turns": run.turn,
            "cost_usd": stats.get("instance_cost"),
            "api_calls": stats.get("api_calls"),
            "exception": info.get("exception_str"),
        }
    )


IMPORTER = Importer(
    FORMAT,
    MEDIA_TYPE,
    "mini-swe-agent .traj.json (1.x / 2.x saved format or bare message list)",
    detect,
    convert,
)
