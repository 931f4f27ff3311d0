"""inspect_ai eval logs: the ``.eval`` ZIP (``header.json``, ``samples/<id>_epoch_<n>.json``,
``_journal/start.json`` while running) and the older single-object ``.json`` log (samples with
``transcript.events`` or ``events``).

Sample events (inspect_ai/event/): ``model`` (model, input, tools, config, output, call) →
``model_request`` + ``model_response`` + a ``tool_call`` per tool call in the output;
``tool`` (id, function, arguments, result, error) → ``tool_result`` (and its ``tool_call`` first
when no model output announced it); ``sandbox`` exec → ``exec``, write_file → ``file_write``,
read_file → ``note``; ``span_begin`` / ``span_end`` / ``step`` / ``score`` / ``error`` / others →
``note``. ``state`` and ``store`` events (JSON-patch diffs of solver state) are counted in
``stats`` and not copied: the original log, stored by digest, keeps them.

Content de-duplicated into ``attachments`` (``attachment://<hash>``, older ``tc://<hash>``) is
resolved, so the trajectory holds the text the model saw.
"""

from __future__ import annotations

import re
import shlex
import zipfile
import zlib
from collections.abc import Mapping
from io import BytesIO
from typing import Any

from ledger.errors import ImportFormatError
from ledger.importers.api import Importer
from ledger.importers.base import Sink, load_json, loads, lst, obj, str_or, text_of
from ledger.trajectory.events import EventType

FORMAT = "inspect"
MEDIA_TYPE = "application/json"
EVAL_MEDIA_TYPE = "application/zip"
EXPECTED = "an inspect_ai log (.eval ZIP with header.json, or a .json log with 'eval' and 'samples')"
_REF_RE = re.compile(r"\A(?:attachment|tc)://([0-9a-f]{16,64})\Z")
_SAMPLE_RE = re.compile(r"\Asamples/(.+)_epoch_(\d+)\.json\Z")
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
    }
)


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


def _resolve(value: Any, attachments: Mapping[str, Any]) -> Any:
    if isinstance(value, str):
        m = _REF_RE.match(value)
        if m and m.group(1) in attachments:
            return attachments[m.group(1)]
        return value
    if isinstance(value, list):
        return [_resolve(v, attachments) for v in value]
    if isinstance(value, dict):
        return {k: _resolve(v, attachments) for k, v in value.items()}
    return value


def _split_model(name: Any) -> tuple[str | None, str | None]:
    """``provider/model`` → (provider, full name); inspect names models this way."""
    if not isinstance(name, str) or not name:
        return None, None
    return (name.split("/", 1)[0] if "/" in name else None), name


class _Converter:
    def __init__(self, sink: Sink, header: Mapping[str, Any]) -> None:
        self.sink = sink
        self.header = header
        ev = obj(header.get("eval"))
        self.eval = ev
        self.turn = 0
        self.errors = 0

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
        attachments = obj(sample.get("attachments"))
        transcript = sample.get("transcript")
        events = sample.get("events")
        if not isinstance(events, list) and isinstance(transcript, dict):
            events = transcript.get("events")
        if not isinstance(events, list):
            self.sink.skip(
                where, "sample has no 'events' list (or transcript.events); expected sample events"
            )
            return
        self.sink.note(
            "sample",
            None,
            sample_id=sample.get("id"),
            epoch=sample.get("epoch"),
            target=_resolve(sample.get("target"), attachments),
        )
        for k, raw in enumerate(events):
            here = f"{where} event {k}"
            if not isinstance(raw, dict) or not isinstance(raw.get("event"), str):
                self.sink.skip(here, "not an event object with an 'event' kind")
                continue
            try:
                self.event(_resolve(raw, attachments), here)
            except (KeyError, TypeError, ValueError, AttributeError) as exc:
                self.sink.skip(here, f"{raw.get('event')} event unreadable ({exc})")

    def event(self, ev: Mapping[str, Any], where: str) -> None:
        kind, when = ev["event"], ev.get("timestamp")
        sink = self.sink
        if kind == "model":
            provider, model = _split_model(ev.get("model"))
            endpoint = self.eval.get("model_base_url") if model == self.eval.get("model") else None
            sink.model(model, provider, endpoint if isinstance(endpoint, str) else None)
            request = {
                "messages": ev.get("input"),
                "tools": ev.get("tools"),
                "tool_choice": ev.get("tool_choice"),
                "config": ev.get("config"),
            }
            if ev.get("input_refs") is not None:
                request["input_refs"] = ev.get("input_refs")
            sink.emit(
                EventType.MODEL_REQUEST,
                {
                    "turn": self.turn,
                    "model": model,
                    "provider": provider,
                    "request": request,
                    "request_scope": "full",
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
                },
                ev.get("completed") or when,
            )
            for choice in output.get("choices") or []:
                message = choice.get("message") if isinstance(choice, dict) else None
                for call in (message or {}).get("tool_calls") or []:
                    if isinstance(call, dict) and isinstance(call.get("id"), str):
                        sink.tool_call(
                            call["id"],
                            str(call.get("function")),
                            call.get("arguments"),
                            ev.get("completed") or when,
                            turn=self.turn,
                        )
            self.turn += 1
        elif kind == "tool":
            call_id = ev.get("id")
            if not isinstance(call_id, str):
                raise ValueError("tool event without a string id")
            if sink.call_name(call_id) is None:
                sink.tool_call(call_id, str(ev.get("function")), ev.get("arguments"), when, turn=self.turn)
            result = ev.get("result")
            shown = str_or(result, text_of(result))
            error = ev.get("error")
            sink.tool_result(
                call_id,
                shown,
                error is not None or bool(ev.get("failed")),
                ev.get("completed") or when,
                name=ev.get("function"),
                error=error,
                truncated=ev.get("truncated"),
            )
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
                sink.note(f"sandbox:{action}", when, file=ev.get("file"))
        elif kind in ("state", "store"):
            sink.stats[f"unmapped:{kind}"] += 1
        else:
            if kind == "error":
                self.errors += 1
            if kind not in _NOTE_EVENTS:
                sink.stats[f"unknown_event:{kind}"] += 1
            fields = {
                k: ev.get(k)
                for k in ("name", "type", "id", "parent_id", "action", "score", "error", "message", "target")
            }
            sink.note(kind, when, **fields)

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


def _sample_key(name: str) -> tuple[int, str, int]:
    m = _SAMPLE_RE.match(name)
    if not m:
        return (1, name, 0)
    sid = m.group(1)
    return (0, f"{int(sid):020d}" if sid.isdigit() else sid, int(m.group(2)))


def _convert_zip(data: bytes, filename: str, sink: Sink) -> None:
    try:
        archive = zipfile.ZipFile(BytesIO(data))
        names = archive.namelist()
    except (zipfile.BadZipFile, ValueError) as exc:
        raise ImportFormatError(f"broken ZIP ({exc}); expected {EXPECTED}", file=filename) from None

    def member(name: str) -> Any:
        try:
            return loads(archive.read(name))
        except (ValueError, UnicodeDecodeError, zipfile.BadZipFile, zlib.error, KeyError, OSError) as exc:
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
    for name in sorted(
        (n for n in names if n.startswith("samples/") and n.endswith(".json")), key=_sample_key
    ):
        try:
            sample = loads(archive.read(name))
        except (ValueError, UnicodeDecodeError, zipfile.BadZipFile, zlib.error, OSError) as exc:
            sink.skip(name, f"unreadable sample ({exc}); expected a JSON sample")
            continue
        if not isinstance(sample, dict):
            sink.skip(name, "not a JSON object; expected a sample")
            continue
        conv.sample(sample, name)
    conv.end()


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
