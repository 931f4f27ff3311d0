"""What every importer shares: the result it reports and the sink it writes events through.

An importer reads an external agent's transcript and calls the ``Sink``; the sink writes the
events through a ``TrajectoryWriter`` (so imported transcripts are redacted and hash-chained
like our own), keeps the source's timestamps, pairs tool calls with their results and counts
what it had to skip. Nothing is dropped without a ``Skipped`` entry saying where and why.

Lone UTF-16 surrogates (``"\\ud83d"`` where an agent cut an emoji in half) are content here,
not evidence: the original transcript is stored and hashed byte for byte, so every value parsed
from it (event text, session id, model names) has each lone surrogate replaced by U+FFFD,
through ``loads``/``load_json``/``iter_json_lines``. Nothing derived from a transcript can then
fail later to encode as UTF-8 (canonical JSON, DuckDB, the terminal).
"""

from __future__ import annotations

import json
import math
import ntpath
import posixpath
import re
import zipfile
from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from ledger.digest import sha256_hex
from ledger.errors import ImportFormatError, InputError
from ledger.safeparse import BOM, loads_strict
from ledger.trajectory.events import EventType, format_time
from ledger.trajectory.writer import TrajectoryWriter

MAX_SKIPPED_KEPT = 1000

ZIP_UNPACKED_FLOOR = 256 << 20
ZIP_UNPACKED_RATIO = 100
"""A ZIP transcript (inspect ``.eval``) may unpack to at most ``max(FLOOR, RATIO x its size)``.
Members are read whole into memory; JSON deflates 5-20x, a ZIP bomb ~1000x. Python's zipfile
stops each member at its declared size, so the sum of declared sizes bounds what is read."""


def check_zip_budget(archive: zipfile.ZipFile, compressed: int, filename: str) -> None:
    """ImportFormatError when ``archive``'s members would unpack past the budget above."""
    total = sum(max(info.file_size, 0) for info in archive.infolist())
    limit = max(ZIP_UNPACKED_FLOOR, ZIP_UNPACKED_RATIO * compressed)
    if total > limit:
        raise ImportFormatError(
            f"ZIP members unpack to {total:,} bytes, more than {limit:,} "
            f"({ZIP_UNPACKED_RATIO}x the archive, at least {ZIP_UNPACKED_FLOOR >> 20} MiB); "
            "refusing what looks like a ZIP bomb",
            file=filename,
        )
"""Skipped entries listed one by one; beyond this only the count grows (a 1 GB garbage file
must not produce a 1 GB report)."""


@dataclass(frozen=True)
class Skipped:
    """One line or record of the source that was not imported, and why."""

    where: str
    reason: str

    def to_json(self) -> dict[str, str]:
        return {"where": self.where, "reason": self.reason}


@dataclass(frozen=True)
class ModelSeen:
    """A model the source says it talked to; the attestation lists these as dependencies."""

    id: str
    provider: str | None = None
    endpoint: str | None = None

    def to_json(self) -> dict[str, str | None]:
        return {"id": self.id, "provider": self.provider, "endpoint": self.endpoint}


@dataclass(frozen=True)
class ImportResult:
    """What one import produced: enough for the CLI to report and for an attestation to cite."""

    format: str
    filename: str
    source_version: str | None
    session_id: str | None
    events: int
    event_counts: Mapping[str, int]
    tool_calls_paired: int
    tool_calls_unpaired: int
    tool_results_unpaired: int
    models: tuple[ModelSeen, ...]
    skipped: tuple[Skipped, ...]
    skipped_total: int
    stats: Mapping[str, int]
    trajectory_sha256: str
    trajectory_head: str
    original_sha256: str
    original_media_type: str

    def to_json(self) -> dict[str, Any]:
        return {
            "format": self.format,
            "filename": self.filename,
            "source_version": self.source_version,
            "session_id": self.session_id,
            "events": self.events,
            "event_counts": dict(sorted(self.event_counts.items())),
            "tool_calls": {
                "paired": self.tool_calls_paired,
                "unpaired_calls": self.tool_calls_unpaired,
                "unpaired_results": self.tool_results_unpaired,
            },
            "models": [m.to_json() for m in self.models],
            "skipped": [s.to_json() for s in self.skipped],
            "skipped_total": self.skipped_total,
            "stats": dict(sorted(self.stats.items())),
            "trajectory": {"sha256": self.trajectory_sha256, "head": self.trajectory_head},
            "original": {"sha256": self.original_sha256, "media_type": self.original_media_type},
        }


def parse_time(value: Any) -> datetime | None:
    """A source timestamp as an aware UTC datetime, or None if absent or unreadable.

    Accepts RFC 3339 / ISO 8601 strings (``Z`` or offsets; naive ones are taken as UTC, which
    is what OpenHands and SWE-agent logs mean in practice) and Unix seconds.
    """
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        try:
            return datetime.fromtimestamp(float(value), UTC)
        except (OverflowError, OSError, ValueError):
            return None
    if not isinstance(value, str) or not value:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


class Sink:
    """The one way an importer writes: typed helpers over ``TrajectoryWriter.emit``.

    Times: the writer stamps each event with its clock; the sink's clock returns the source
    timestamp set for the event at hand. Events the source gives no time for carry the last
    source time forward (they happened after it); before any source time, the import time.
    """

    def __init__(self, writer_factory: Any, source: Mapping[str, Any], import_time: datetime) -> None:
        self._now = import_time
        self._import_time = import_time
        self._writer: TrajectoryWriter = writer_factory(self._clock)
        self._source = dict(source)
        self._started = False
        self._ended = False
        self.counts: Counter[str] = Counter()
        self.stats: Counter[str] = Counter()
        self._open_calls: dict[str, str] = {}
        self._call_names: dict[str, str] = {}
        self.paired = 0
        self.unpaired_results = 0
        self._models: dict[tuple[str, str | None, str | None], None] = {}
        self.skipped: list[Skipped] = []
        self.skipped_total = 0
        self.session_id: str | None = None
        self.source_version: str | None = None

    @property
    def writer(self) -> TrajectoryWriter:
        return self._writer

    def _clock(self) -> datetime:
        return self._now

    def at(self, when: Any) -> None:
        """Set the time of the next events from a source timestamp (ignored when unreadable)."""
        moment = when if isinstance(when, datetime) else parse_time(when)
        if moment is not None:
            self._now = moment

    def emit(self, type: EventType, data: Mapping[str, Any], when: Any = None) -> None:
        if not self._started and type is not EventType.BUILD_START:
            self.start({})
        self.at(when)
        clean = {k: v for k, v in data.items() if v is not None}
        try:
            self._writer.emit(type.value, clean)
        except ValueError as exc:
            if "not representable in JSON" not in str(exc):
                raise
            # integers beyond 2**53, NaN, lone surrogates: canonical JSON cannot hold them, so
            # they are kept as text (rare; counted) rather than losing the event or the import
            self._writer.emit(type.value, _representable(clean))
            self.stats["values_kept_as_text"] += 1
        self.counts[type.value] += 1

    # -- typed helpers -------------------------------------------------------------------

    def start(self, data: Mapping[str, Any], when: Any = None) -> None:
        """``build_start``: the source format, version, session id, cwd, agent, and the link
        to the original bytes (``source.sha256``) that makes the import lossless."""
        if self._started:
            return
        self._started = True
        body = dict(data)
        self.session_id = _opt_str(body.get("session_id"))
        self.source_version = _opt_str(body.get("source_version"))
        body["source"] = self._source
        body["imported_at"] = format_time(self._import_time)
        self.emit(EventType.BUILD_START, body, when)

    def end(self, data: Mapping[str, Any], when: Any = None) -> None:
        if self._ended:
            return
        self._ended = True
        body = dict(data)
        body["tool_calls"] = {
            "paired": self.paired,
            "unpaired_calls": len(self._open_calls),
            "unpaired_results": self.unpaired_results,
        }
        if self.skipped_total:
            body["skipped"] = self.skipped_total
        self.emit(EventType.BUILD_END, body, when)

    @property
    def ended(self) -> bool:
        return self._ended

    def model(self, model_id: Any, provider: str | None = None, endpoint: str | None = None) -> None:
        if isinstance(model_id, str) and model_id and model_id != "<synthetic>":
            self._models.setdefault((model_id, provider, endpoint or None), None)

    def tool_call(self, call_id: str, name: str, tool_input: Any, when: Any = None, **extra: Any) -> None:
        if call_id in self._open_calls:
            self.stats["duplicate_tool_call_ids"] += 1
        self._open_calls[call_id] = name
        self._call_names[call_id] = name
        data = {"id": call_id, "name": name, "input": _as_object(tool_input), **extra}
        self.emit(EventType.TOOL_CALL, data, when)

    def tool_result(
        self, call_id: str | None, output: Any, is_error: bool = False, when: Any = None, **extra: Any
    ) -> bool:
        """Emit a result; True if it closed an open call (``paired``), else it is flagged unpaired."""
        paired = call_id is not None and call_id in self._open_calls
        name = extra.pop("name", None) or (self._call_names.get(call_id) if call_id else None)
        if paired:
            assert call_id is not None
            del self._open_calls[call_id]
            self.paired += 1
        else:
            self.unpaired_results += 1
            extra["unpaired"] = True
        data = {"id": call_id, "name": name, "is_error": bool(is_error), "output": output, **extra}
        self.emit(EventType.TOOL_RESULT, data, when)
        return paired

    def call_name(self, call_id: str | None) -> str | None:
        return self._call_names.get(call_id) if call_id else None

    def note(self, kind: str, when: Any = None, /, **fields: Any) -> None:
        """A ``note`` event. ``fields`` often come from the transcript itself, so their names may
        be anything (``when``, ``kind``): positional-only parameters keep them from colliding,
        and the transcript's own ``kind`` is kept as ``source_kind``."""
        if "kind" in fields:
            fields["source_kind"] = fields.pop("kind")
        self.emit(EventType.NOTE, {"kind": kind, **fields}, when)

    def skip(self, where: str, reason: str) -> None:
        self.skipped_total += 1
        if len(self.skipped) < MAX_SKIPPED_KEPT:
            self.skipped.append(Skipped(where, reason))

    @property
    def unpaired_calls(self) -> int:
        return len(self._open_calls)

    @property
    def models(self) -> tuple[ModelSeen, ...]:
        return tuple(ModelSeen(i, p, e) for (i, p, e) in self._models)


# -- parsing helpers shared by importers ----------------------------------------------------


def relative_to(path: str, cwd: str | None) -> str:
    """A path the agent named, relative to its working directory when it lies inside it.

    Windows sessions (``C:\\repo`` and ``c:\\repo\\src\\x.py``: drive letters, backslashes,
    any case) are compared as Windows compares them; the relative path uses ``/``."""
    if cwd and posixpath.isabs(path):
        rel = posixpath.relpath(path, cwd)
        if not rel.startswith(".."):
            return rel
    elif cwd and _WINDOWS_ABS.match(path) and _WINDOWS_ABS.match(cwd):
        try:
            rel = ntpath.relpath(path, cwd)
        except ValueError:  # another drive
            return path
        if not rel.startswith(".."):
            return rel.replace("\\", "/")
    return path


_WINDOWS_ABS = re.compile(r"\A[A-Za-z]:[\\/]")


def record_digest(data: dict[str, Any], body: Any) -> None:
    """``sha256`` and ``size`` of a file's text as the agent wrote it (UTF-8); nothing when the
    transcript holds no text for it."""
    if isinstance(body, str):
        raw = body.encode("utf-8", "surrogatepass")
        data["sha256"], data["size"] = sha256_hex(raw), len(raw)


def json_type(value: Any) -> str:
    """The JSON name of a parsed value's type, for "a JSON number; expected …" messages."""
    names = {dict: "object", list: "list", str: "string", bool: "boolean", type(None): "null"}
    return names.get(type(value), "number")


def obj(value: Any) -> dict[str, Any]:
    """``value`` if it is a JSON object, else an empty one: absent and malformed read alike."""
    return value if isinstance(value, dict) else {}


def key(value: Any) -> Any:
    """``value`` fit for a set or dict lookup: JSON scalars as they are, anything else as its
    JSON text. Ids and type names come from untrusted files; a list where a string belongs
    must read as "no match", not crash the import with "unhashable type"."""
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return json.dumps(value, sort_keys=True, default=str)


def str_or(value: Any, default: str) -> str:
    return value if isinstance(value, str) else default


def lst(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


_SAFE_INT = 2**53 - 1


def _representable(value: Any) -> Any:
    """``value`` with what RFC 8785 JSON cannot hold turned into text."""
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int):
        return value if -_SAFE_INT <= value <= _SAFE_INT else str(value)
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    if isinstance(value, str):
        return value.encode("utf-8", "surrogatepass").decode("utf-8", "replace")
    if isinstance(value, Mapping):
        return {_representable(str(k)): _representable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_representable(v) for v in value]
    return str(value)


def _opt_str(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _as_object(value: Any) -> Any:
    """Tool inputs are JSON objects in our model; a bare string becomes ``{"input": s}``."""
    if isinstance(value, Mapping):
        return dict(value)
    if value is None:
        return {}
    return {"input": value}


def loads(data: bytes | str) -> Any:
    """``json.loads`` for what other agents wrote: every refusal is a ``ValueError``.

    Lone surrogates become U+FFFD (see the module docstring); deep nesting, integers too long
    to convert, NaN and duplicate keys are ``ValueError`` like any other malformed JSON, so
    the ``except ValueError`` around each nested parse keeps working.
    """
    try:
        return loads_strict(data, where="", surrogates="replace")
    except InputError as exc:
        raise ValueError(exc.message) from None


def load_json(data: bytes, filename: str, *, expected: str) -> Any:
    """The whole file as JSON, or ImportFormatError naming the line and column."""
    return loads_strict(data, where=filename, error=ImportFormatError, surrogates="replace", what=expected)


def _line_value(raw: bytes | str) -> Any:
    return loads_strict(raw, where="", surrogates="replace", what=None)  # callers add what they expected


def iter_json_lines(data: bytes) -> Iterator[tuple[int, Any, str | None]]:
    """``(line number, value, None)`` per non-blank line, or ``(n, None, reason)`` if broken.

    A line where a writer that died mid-record was followed by the next record (``{"type":
    "user", "mess{"type": ...}``), or two records with no newline between them, gives each
    whole record it holds (same line number), after the cut one's reason."""
    for lineno, raw in enumerate(data.splitlines(), start=1):
        if not raw.strip():
            continue
        raw = raw.removeprefix(BOM) if lineno == 1 else raw
        try:
            value = _line_value(raw)
        except InputError as exc:
            glued = _glued_records(raw)
            if glued is None:
                yield lineno, None, exc.message
                continue
            cut, values = glued
            if cut:
                yield lineno, None, f"{exc.message}: a record cut short (its writer stopped mid-line); the "
                f"{len(values)} whole record(s) after it on this line are kept"
            for value in values:
                yield lineno, value, None
            continue
        yield lineno, value, None


_RECORD_START = re.compile(rb'\s*(\{\s*"[^"\\]{1,64}"\s*:)')
_MAX_GLUE_TRIES = 16


def _glued_records(raw: bytes) -> tuple[bool, list[Any]] | None:
    """``(the head was cut short, the whole records after it)`` of a line holding several
    records, or None. A later record is looked for where the line's own first key starts
    again (``{"parentUuid":``, ``{"type":``), at most ``_MAX_GLUE_TRIES`` places: linear work
    whatever the line holds."""
    first = _RECORD_START.match(raw)
    if first is None:
        return None
    key_at = first.group(1)
    at = raw.find(key_at, first.end())
    for _ in range(_MAX_GLUE_TRIES):
        if at == -1:
            return None
        tail = _whole_records(raw[at:])
        if tail is not None:
            head = _whole_records(raw[:at])
            return (head is None), (head or []) + tail
        at = raw.find(key_at, at + 1)
    return None


def _whole_records(chunk: bytes) -> list[Any] | None:
    """The JSON objects ``chunk`` holds back to back (at least one), each as strict as a line;
    None if it holds anything else."""
    try:
        text = chunk.decode("utf-8")
    except UnicodeDecodeError:
        return None
    decoder = json.JSONDecoder()
    values, at, end = [], 0, len(text.rstrip())
    while at < end:
        while text[at] in " \t":
            at += 1
        if text[at] != "{":
            return None
        try:
            _, stop = decoder.raw_decode(text, at)
            values.append(_line_value(text[at:stop]))
        except (ValueError, InputError, RecursionError):
            return None
        at = stop
    return values or None


def object_lines(data: bytes, sink: Sink, what: str) -> list[tuple[int, dict[str, Any]]]:
    """``(line number, object)`` per JSON Lines record; a broken line or one holding another
    JSON value is skipped with its reason (``what`` names the record a line should hold)."""
    records: list[tuple[int, dict[str, Any]]] = []
    for lineno, value, error in iter_json_lines(data):
        if error is not None:
            sink.skip(f"line {lineno}", f"{error}; expected one JSON {what}")
        elif not isinstance(value, dict):
            sink.skip(f"line {lineno}", f"a JSON {type(value).__name__}; expected a {what} object")
        else:
            records.append((lineno, value))
    return records


def head_values(data: bytes, count: int = 5, within: int = 50) -> list[Any]:
    """The first ``count`` parseable values among the first ``within`` lines (and 64 KiB): what
    a JSON Lines detector scores; broken lines are passed over, not counted. None of a
    pretty-printed JSON document (its first line a lone ``{`` or ``[``): a line of it that
    happens to parse is not a record."""
    first = data[:4096].lstrip(b"\xef\xbb\xbf \t\r\n").split(b"\n", 1)[0].strip()
    if first in (b"{", b"["):
        return []
    values: list[Any] = []
    for lineno, value, error in iter_json_lines(data[:65536]):
        if lineno > within or len(values) >= count:
            break
        if error is None:
            values.append(value)
    return values


def text_of(content: Any) -> str:
    """Plain text of a message's content: a string, or the text parts of a block list."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        parts = []
        for block in content:
            if isinstance(block, str):
                parts.append(block)
            elif isinstance(block, Mapping):
                text = block.get("text")
                if isinstance(text, str):
                    parts.append(text)
                elif block.get("type") == "tool_result":
                    parts.append(text_of(block.get("content")))
        return "\n".join(parts)
    return "" if content is None else json.dumps(content, sort_keys=True)
