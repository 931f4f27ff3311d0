"""inspect_ai eval logs: the ``.eval`` ZIP (``header.json``, ``samples/<id>_epoch_<n>.json``,
``_journal/start.json`` while running) and the older single-object ``.json`` log (samples with
``events`` or, in older logs, ``transcript.events``; the oldest logs have no events at
all, only the sample's ``messages``, which are then read as the conversation).

Sample events (inspect_ai/event/): ``model`` (model, input, tools, config, output, call) →
``model_request`` + ``model_response`` + a ``tool_call`` per tool call in the output (and a
``tool_call`` / ``tool_result`` pair, ``server_side``, per provider-run ``tool_use`` content such
as web search); ``tool`` (id, function, arguments, result, error) → ``tool_result`` (and its
``tool_call`` first when no model output announced it; a ``pending`` tool has no result yet);
``sandbox`` exec → ``exec``, write_file → ``file_write``, read_file → ``note``; every other kind
(span_begin / span_end / step / score / error / approval / input / info / logger / subtask /
compaction / interrupt / checkpoint / anchor / branch / sample_init / sample_limit / score_edit,
and kinds newer than this importer) → ``note`` carrying the event's fields. ``state`` and
``store`` events (JSON-patch diffs of solver state) are counted in ``stats`` and not copied: the
original log, stored by digest, keeps them. Events nested in ``subtask`` / ``tool`` events
(``events``, how logs before the flat transcript recorded them) are read in place, and the
events of retried attempts (``error_retries[].events``) before the sample's own.

De-duplicated content is expanded back: strings in ``attachments`` (``attachment://<hash>``,
older ``tc://<hash>`` with ``transcript.content``) and model inputs pooled in
``events_data.messages`` (``input_refs`` ranges; ``message_pool`` in the short-lived v3 layout).
Chunked ``.eval`` samples (``samples/<id>_epoch_<n>/sample.json`` with ``events/``,
``messages/`` and ``attachments/`` chunks, refs ``attachment://<index>``) are reassembled.
A ZIP member written twice (a re-run sample) counts once: the last copy, as inspect reads it.
Members are deflated, or Zstandard-compressed as inspect writes them since 0.3.205 (read by
``zipread``).
"""

from __future__ import annotations

import re
import shlex
import zipfile
import zlib
from collections.abc import Callable, Mapping, Sequence
from io import BytesIO
from typing import Any

from ledger.errors import ImportFormatError
from ledger.importers.api import Importer
from ledger.importers.base import Sink, check_zip_budget, load_json, loads, lst, obj, str_or, text_of
from ledger.importers.zipread import read_member
from ledger.trajectory.events import EventType

FORMAT = "inspect"
MEDIA_TYPE = "application/json"
EVAL_MEDIA_TYPE = "application/zip"
EXPECTED = "an inspect_ai log (.eval ZIP with header.json, or a .json log with 'eval' and 'samples')"
_REF_RE = re.compile(r"\A(?:attachment|tc)://([0-9a-f]{16,64}|[0-9]{1,12})\Z")
_SAMPLE_RE = re.compile(r"\Asamples/(.+)_epoch_(\d+)\.json\Z")
_CHUNKED_RE = re.compile(r"\Asamples/(.+_epoch_\d+)/sample\.json\Z")
_CHUNK_RE = re.compile(r"\A(events|messages|attachments)/(\d+)\.json\Z")
_NOTE_EVENTS = frozenset(
    {
        "span_begin",
        "span_end",
        "step",
        "score",
        "sample_init",
        "sample_limit",
        "input",
        "info",
        "logger",
        "approval",
        "subtask",
        "error",
        "compaction",
        "interrupt",
        "score_edit",
        "checkpoint",
        "branch",
        "anchor",
    }
)
_NOTE_OMIT = frozenset(
    {"event", "timestamp", "working_start", "uuid", "metadata", "pending", "events", "kind"}
)
"""Event fields a note leaves out: the kind and time it already carries, bookkeeping, and
nested events (read as events of their own)."""
_MAX_NESTING = 64


def detect(data: bytes, filename: str) -> float:
    if data[:4] == b"PK\x03\x04":
        try:
            names = set(zipfile.ZipFile(BytesIO(data)).namelist())
        except (zipfile.BadZipFile, ValueError):
            return 0.0
        if "header.json" in names or "_journal/start.json" in names:
            return 1.0
        return 0.6 if any(n.startswith("samples/") for n in names) else 0.0
    head = data[:4096].lstrip()
    if not head.startswith(b"{") or b'"eval"' not in data:
        return 0.0
    try:
        doc = loads(data)
    except (ValueError, UnicodeDecodeError):
        return 0.0
    if not isinstance(doc, dict) or not isinstance(doc.get("eval"), dict):
        return 0.0
    return 0.95 if ("samples" in doc or "status" in doc) and "task" in doc["eval"] else 0.6


def _resolve(value: Any, attachments: Mapping[str, Any], depth: int = 0) -> Any:
    """``value`` with each attachment ref replaced by its content. Refs sit near the top of
    an event (message content, tool results); below ``_MAX_NESTING`` levels values are kept as
    they are, so a pathologically deep value cannot exhaust the stack."""
    if isinstance(value, str):
        m = _REF_RE.match(value)
        if m and m.group(1) in attachments:
            return attachments[m.group(1)]
        return value
    if depth >= _MAX_NESTING:
        return value
    if isinstance(value, list):
        return [_resolve(v, attachments, depth + 1) for v in value]
    if isinstance(value, dict):
        return {k: _resolve(v, attachments, depth + 1) for k, v in value.items()}
    return value


def _expand_refs(refs: Any, pool: Sequence[Any]) -> list[Any] | None:
    """``input_refs`` (``[[start, end_exclusive], …]``) as the pooled messages, or None if a
    range is malformed or reaches past the pool (the refs are then kept as they are)."""
    out: list[Any] = []
    for item in lst(refs):
        if not (isinstance(item, list) and len(item) == 2 and all(type(i) is int for i in item)):
            return None
        start, end = item
        if not 0 <= start <= end <= len(pool):
            return None
        out.extend(pool[start:end])
    return out


def _split_model(name: Any) -> tuple[str | None, str | None]:
    """``provider/model`` → (provider, full name); inspect names models this way."""
    if not isinstance(name, str) or not name:
        return None, None
    return (name.split("/", 1)[0] if "/" in name else None), name


def _tool_output(result: Any) -> Any:
    """A tool's result as text where it is text (a string, a ``text`` content or a list of
    them); results with images, audio, video or documents are kept as their content list."""
    if isinstance(result, str):
        return result
    if isinstance(result, dict) and result.get("type") == "text" and isinstance(result.get("text"), str):
        return result["text"]
    if isinstance(result, list) and not all(
        isinstance(p, str) or (isinstance(p, dict) and p.get("type") == "text") for p in result
    ):
        return result
    return str_or(result, text_of(result))


class _Converter:
    def __init__(self, sink: Sink, header: Mapping[str, Any]) -> None:
        self.sink = sink
        self.header = header
        ev = obj(header.get("eval"))
        self.eval = ev
        self.turn = 0
        self.errors = 0
        self.pool: list[Any] = []
        self.prev_input: list[Any] | None = None  # the sample's previous model request

    def start(self, log_version: Any) -> None:
        packages = obj(self.eval.get("packages"))
        provider, model = _split_model(self.eval.get("model"))
        endpoint = self.eval.get("model_base_url")
        self.sink.model(model, provider, endpoint if isinstance(endpoint, str) else None)
        self.sink.start(
            {
                "agent": "inspect_ai",
                "source_version": packages.get("inspect_ai"),
                "log_version": log_version,
                "session_id": self.eval.get("run_id"),
                "eval_id": self.eval.get("eval_id"),
                "task": self.eval.get("task"),
                "task_id": self.eval.get("task_id"),
                "model": {"id": model, "provider": provider, "endpoint": endpoint} if model else None,
                "revision": self.eval.get("revision"),
            },
            self.eval.get("created"),
        )

    def sample(self, sample: Mapping[str, Any], where: str) -> None:
        transcript = obj(sample.get("transcript"))
        attachments = {**obj(transcript.get("content")), **obj(sample.get("attachments"))}
        events = sample.get("events")
        if not isinstance(events, list):
            events = transcript.get("events")
        pooled = obj(sample.get("events_data")).get("messages")
        if not isinstance(pooled, list):
            pooled = sample.get("message_pool")
        self.pool = _resolve(lst(pooled), attachments)
        self.prev_input = None
        error, limit = obj(sample.get("error")), obj(sample.get("limit"))
        self.sink.note(
            "sample",
            None,
            sample_id=sample.get("id"),
            epoch=sample.get("epoch"),
            target=_resolve(sample.get("target"), attachments),
            error=error.get("message") if error else None,
            limit=limit or None,
        )
        for r, retry in enumerate(lst(sample.get("error_retries"))):
            retry = obj(retry)
            retry_events = lst(retry.get("events"))
            self.sink.note(
                "error_retry", None, attempt=r, error=retry.get("message"), events=len(retry_events)
            )
            self.sink.stats["retried_attempts"] += 1
            self.events(retry_events, attachments, f"{where} error_retries[{r}]", 0)
        if isinstance(events, list) and (events or not isinstance(sample.get("messages"), list)):
            self.events(events, attachments, where, 0)
        elif isinstance(sample.get("messages"), list):
            # logs written before inspect recorded transcripts: the conversation is all there is
            self.sink.stats["samples_without_events"] += 1
            self.conversation(_resolve(sample["messages"], attachments), sample, where)
        else:
            self.sink.skip(
                where, "sample has no 'events' list (or transcript.events); expected sample events"
            )

    def events(self, events: list[Any], attachments: Mapping[str, Any], where: str, depth: int) -> None:
        for k, raw in enumerate(events):
            here = f"{where} event {k}"
            if not isinstance(raw, dict) or not isinstance(raw.get("event"), str):
                self.sink.skip(here, "not an event object with an 'event' kind")
                continue
            # nested events are resolved as events of their own, below
            ev = _resolve({k: v for k, v in raw.items() if k != "events"}, attachments)
            try:
                self.event(ev, here)
            except (KeyError, TypeError, ValueError, AttributeError) as exc:
                self.sink.skip(here, f"{raw.get('event')} event unreadable ({exc})")
            nested = raw.get("events")
            if raw["event"] in ("tool", "subtask") and isinstance(nested, list) and nested:
                if depth >= _MAX_NESTING:
                    self.sink.skip(here, f"events nested deeper than {_MAX_NESTING} levels")
                else:
                    self.events(nested, attachments, f"{here} events", depth + 1)
            if raw["event"] == "tool":
                self.tool_result(ev, here)

    def request_messages(self, messages: Any) -> tuple[Any, dict[str, Any]]:
        """What a model request adds to the sample's previous one, and the scope that says so.

        Every request of an agent loop repeats the conversation so far (pooled logs store it
        once, by reference); keeping only the new messages keeps the trajectory linear in the
        log instead of quadratic. The original log is stored whole beside it.
        """
        prev, self.prev_input = self.prev_input, messages if isinstance(messages, list) else None
        extends = isinstance(messages, list) and bool(prev) and messages[: len(prev or ())] == prev
        if extends and prev is not None:
            return messages[len(prev) :], {"request_scope": "new_messages", "prior_messages": len(prev)}
        return messages, {"request_scope": "full"}

    def conversation(self, messages: list[Any], sample: Mapping[str, Any], where: str) -> None:
        """A sample's ``messages`` as turns: each assistant message answers all before it."""
        provider, model = _split_model(obj(sample.get("output")).get("model") or self.eval.get("model"))
        for i, message in enumerate(messages):
            if not isinstance(message, dict):
                self.sink.skip(f"{where} messages[{i}]", "not a chat message object")
                continue
            role = message.get("role")
            if role == "assistant":
                new, scope = self.request_messages(messages[:i])
                base = {"turn": self.turn, "model": model, "provider": provider}
                self.sink.emit(EventType.MODEL_REQUEST, {**base, "request": {"messages": new}, **scope})
                self.sink.emit(EventType.MODEL_RESPONSE, {**base, "response": {"message": message}})
                self.calls_in(message)
                self.turn += 1
            elif role == "tool":
                call_id = message.get("tool_call_id")
                error = message.get("error")
                self.sink.tool_result(
                    call_id if isinstance(call_id, str) else None,
                    _tool_output(message.get("content")),
                    error is not None,
                    name=message.get("function"),
                    error=error,
                )

    def calls_in(self, message: Any, when: Any = None) -> None:
        """Tool calls an assistant message asks for, and the tools the provider ran itself."""
        message = obj(message)
        for call in lst(message.get("tool_calls")):
            if isinstance(call, dict) and isinstance(call.get("id"), str):
                self.sink.tool_call(
                    call["id"], str(call.get("function")), call.get("arguments"), when, turn=self.turn
                )
        for part in lst(message.get("content")):
            if isinstance(part, dict) and part.get("type") == "tool_use" and isinstance(part.get("id"), str):
                # ContentToolUse: web_search / mcp_call / code_execution run by the provider
                self.sink.tool_call(
                    part["id"],
                    str(part.get("name")),
                    part.get("arguments"),
                    when,
                    turn=self.turn,
                    server_side=True,
                    tool_type=part.get("tool_type"),
                )
                error = part.get("error")
                self.sink.tool_result(
                    part["id"], part.get("result"), error is not None, when, error=error, server_side=True
                )

    def event(self, ev: Mapping[str, Any], where: str) -> None:
        kind, when = ev["event"], ev.get("timestamp")
        sink = self.sink
        if kind == "model":
            provider, model = _split_model(ev.get("model"))
            endpoint = self.eval.get("model_base_url") if model == self.eval.get("model") else None
            sink.model(model, provider, endpoint if isinstance(endpoint, str) else None)
            messages = ev.get("input")
            refs = ev.get("input_refs")
            request: dict[str, Any] = {
                "messages": messages,
                "tools": ev.get("tools"),
                "tool_choice": ev.get("tool_choice"),
                "config": ev.get("config"),
            }
            if refs is not None and not messages:
                expanded = _expand_refs(refs, self.pool)
                if expanded is None:
                    request["input_refs"] = refs
                    sink.stats["unresolved_input_refs"] += 1
                else:
                    request["messages"] = expanded
            request["messages"], scope = self.request_messages(request["messages"])
            sink.emit(
                EventType.MODEL_REQUEST,
                {
                    "turn": self.turn,
                    "model": model,
                    "provider": provider,
                    "role": ev.get("role"),
                    "request": request,
                    **scope,
                },
                when,
            )
            output = obj(ev.get("output"))
            sink.emit(
                EventType.MODEL_RESPONSE,
                {
                    "turn": self.turn,
                    "model": model,
                    "provider": provider,
                    "response": output,
                    "error": ev.get("error"),
                    "cache": ev.get("cache"),
                    "pending": ev.get("pending") or None,
                },
                ev.get("completed") or when,
            )
            for choice in lst(output.get("choices")):
                self.calls_in(obj(choice).get("message"), ev.get("completed") or when)
            self.turn += 1
        elif kind == "tool":
            call_id = ev.get("id")
            if not isinstance(call_id, str):
                raise ValueError("tool event without a string id")
            if sink.call_name(call_id) is None:
                sink.tool_call(call_id, str(ev.get("function")), ev.get("arguments"), when, turn=self.turn)
            # the result follows the tool's nested events (see ``events``)
        elif kind == "sandbox":
            action = ev.get("action")
            if action == "exec":
                cmd = ev.get("cmd")
                try:
                    argv = shlex.split(cmd) if isinstance(cmd, str) else []
                except ValueError:
                    argv = [str(cmd)]
                result = ev.get("result")
                sink.emit(
                    EventType.EXEC,
                    {
                        "argv": argv,
                        "exit_code": result if isinstance(result, int) else None,
                        "input": ev.get("input"),
                        "output": ev.get("output"),
                        "options": ev.get("options"),
                    },
                    when,
                )
            elif action == "write_file" and isinstance(ev.get("file"), str):
                sink.emit(
                    EventType.FILE_WRITE,
                    {"path": ev["file"], "operation": "write_file", "input_preview": ev.get("input")},
                    when,
                )
            else:
                sink.note(f"sandbox:{action}", when, file=ev.get("file"), output=ev.get("output"))
        elif kind in ("state", "store"):
            sink.stats[f"unmapped:{kind}"] += 1
        else:
            if kind == "error":
                self.errors += 1
            if kind not in _NOTE_EVENTS:
                sink.stats[f"unknown_event:{kind}"] += 1
            fields = {k: v for k, v in ev.items() if k not in _NOTE_OMIT}
            if kind == "sample_init":
                fields.pop("state", None)  # the whole initial TaskState; the original keeps it
            sink.note(kind, when, **fields)

    def tool_result(self, ev: Mapping[str, Any], where: str) -> None:
        call_id = ev.get("id")
        if not isinstance(call_id, str):
            return  # already skipped by ``event``
        if ev.get("pending"):
            self.sink.stats["pending_tool_calls"] += 1
            return  # still running when the log was written: no result to report
        error = ev.get("error")
        self.sink.tool_result(
            call_id,
            _tool_output(ev.get("result")),
            error is not None or bool(ev.get("failed")),
            ev.get("completed") or ev.get("timestamp"),
            name=ev.get("function"),
            error=error,
            truncated=ev.get("truncated"),
        )

    def end(self) -> None:
        status = self.header.get("status")
        mapped = {
            "success": "success",
            "error": "error",
            "cancelled": "interrupted",
            "started": "interrupted",
        }
        stats = obj(self.header.get("stats"))
        results = obj(self.header.get("results"))
        usage = obj(stats.get("model_usage"))
        totals = {"input_tokens": 0, "output_tokens": 0}
        for item in usage.values():
            for key in totals:
                if isinstance(item, dict) and isinstance(item.get(key), int):
                    totals[key] += item[key]
        self.sink.end(
            {
                "status": mapped.get(str(status), "failed" if self.errors else "interrupted"),
                "reason": status,
                "turns": self.turn,
                "usage": totals if usage else None,
                "scores": results.get("scores"),
                "error": self.header.get("error"),
            },
            stats.get("completed_at"),
        )


_UNREADABLE = (ValueError, UnicodeDecodeError, zipfile.BadZipFile, zlib.error, OSError, EOFError)
"""What reading a ZIP member can raise: corrupt data, an unknown method, a truncated archive."""


def _sample_key(name: str) -> tuple[int, str, int]:
    m = _SAMPLE_RE.match(name) or _SAMPLE_RE.match(name.removesuffix("/sample.json") + ".json")
    if not m:
        return (1, name, 0)
    sid = m.group(1)
    return (0, f"{int(sid):020d}" if sid.isdigit() else sid, int(m.group(2)))


def _convert_zip(data: bytes, filename: str, sink: Sink) -> None:
    try:
        archive = zipfile.ZipFile(BytesIO(data))
        check_zip_budget(archive, len(data), filename)
        # a member written twice (a re-run sample) is read as its last copy, as inspect does
        names = list(dict.fromkeys(archive.namelist()))
    except (zipfile.BadZipFile, ValueError) as exc:
        raise ImportFormatError(f"broken ZIP ({exc}); expected {EXPECTED}", file=filename) from None

    def read(name: str) -> bytes:
        return read_member(archive, data, name)

    def member(name: str) -> Any:
        try:
            return loads(read(name))
        except (*_UNREADABLE, KeyError) as exc:
            raise ImportFormatError(f"{name}: unreadable ({exc}); expected JSON", file=filename) from None

    if "header.json" in names:
        header = member("header.json")
    elif "_journal/start.json" in names:
        header = member("_journal/start.json")  # the run never finished: no header yet
        sink.stats["incomplete_log"] = 1
    else:
        raise ImportFormatError(
            f"ZIP has neither header.json nor _journal/start.json; expected {EXPECTED}", file=filename
        )
    if not isinstance(header, dict) or not isinstance(header.get("eval"), dict):
        raise ImportFormatError(f"header.json has no 'eval' object; expected {EXPECTED}", file=filename)
    conv = _Converter(sink, header)
    conv.start(header.get("version"))
    samples = [n for n in names if _SAMPLE_RE.match(n) or _CHUNKED_RE.match(n)]
    for name in sorted(samples, key=_sample_key):
        try:
            sample = loads(read(name))
            if isinstance(sample, dict) and name.endswith("/sample.json"):
                sample = _chunked_sample(read, names, name.removesuffix("sample.json"), sample)
        except _UNREADABLE as exc:
            sink.skip(name, f"unreadable sample ({exc}); expected a JSON sample")
            continue
        if not isinstance(sample, dict):
            sink.skip(name, "not a JSON object; expected a sample")
            continue
        conv.sample(sample, name)
    conv.end()


def _chunked_sample(
    read: Callable[[str], bytes], names: list[str], prefix: str, shell: dict[str, Any]
) -> dict[str, Any]:
    """A chunked sample (inspect ``_recorders/chunked/format.py``) as one monolith sample:
    the ``events`` and ``messages`` (the input pool) chunks concatenated in start order, the
    ``attachments`` chunks as a list that ``attachment://<index>`` refs point into."""
    chunks: dict[str, list[tuple[int, str]]] = {"events": [], "messages": [], "attachments": []}
    for name in names:
        m = _CHUNK_RE.match(name.removeprefix(prefix)) if name.startswith(prefix) else None
        if m:
            chunks[m.group(1)].append((int(m.group(2)), name))
    seqs: dict[str, list[Any]] = {}
    for seq, found in chunks.items():
        items: list[Any] = []
        for start, name in sorted(found):
            if start != len(items):
                raise ValueError(f"{name} starts at {start}, expected {len(items)}")
            chunk = loads(read(name))
            if not isinstance(chunk, list):
                raise ValueError(f"{name} is not a JSON list")
            items.extend(chunk)
        seqs[seq] = items
    sample = dict(shell)
    sample["events"] = seqs["events"]
    sample["events_data"] = {"messages": seqs["messages"]}
    sample["attachments"] = {str(i): v for i, v in enumerate(seqs["attachments"])}
    refs = _expand_refs(shell.get("message_refs"), seqs["messages"])
    sample["messages"] = refs or []
    return sample


def convert(data: bytes, filename: str, sink: Sink) -> None:
    if data[:4] == b"PK\x03\x04":
        _convert_zip(data, filename, sink)
        return
    doc = load_json(data, filename, expected=EXPECTED)
    if not isinstance(doc, dict) or not isinstance(doc.get("eval"), dict):
        raise ImportFormatError(f"top level has no 'eval' object; expected {EXPECTED}", file=filename)
    conv = _Converter(sink, doc)
    conv.start(doc.get("version"))
    samples = lst(doc.get("samples"))
    for k, sample in enumerate(samples):
        if not isinstance(sample, dict):
            sink.skip(f"samples[{k}]", "not a JSON object; expected a sample")
            continue
        conv.sample(sample, f"samples[{k}]")
    conv.end()


def _detect_media(data: bytes) -> str:
    return EVAL_MEDIA_TYPE if data[:4] == b"PK\x03\x04" else MEDIA_TYPE


IMPORTER = Importer(
    FORMAT, MEDIA_TYPE, "inspect_ai eval log (.eval ZIP or .json)", detect, convert, _detect_media
)
