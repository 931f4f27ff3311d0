"""Server-sent events of the Messages API: parse the byte stream, rebuild the final message.

The proxy passes every byte to the client unchanged as it arrives and feeds the same bytes
here; the trajectory then holds the message the client ended up with (what the SDK's
``get_final_message()`` returns) plus the number of raw events, not thousands of deltas.

The stream is the upstream's, so it is input like any other: both halves run in time linear
in its size (a multi-megabyte line or a million one-byte deltas cost no more than their bytes),
and an event that breaks the protocol (a delta before ``message_start``, an index that is not a
small integer) becomes a ``problems`` entry, never an exception that would cut the client's
stream off.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass, field
from typing import Any

from ledger.errors import InputError
from ledger.safeparse import loads_strict

# How far past the last content block an index may point: the API numbers blocks 0, 1, 2…;
# a hostile ``index: 1000000000`` must not allocate a billion placeholder blocks.
MAX_INDEX_GAP = 64
_LINE_END = re.compile(r"\r\n|\r|\n")


@dataclass(frozen=True)
class SSEEvent:
    event: str
    data: str


class SSEParser:
    """Incremental ``text/event-stream`` parser (WHATWG rules: LF, CRLF or CR line ends).

    Each chunk is scanned once: the unfinished last line is kept as a list of pieces, so a
    line that arrives over thousands of chunks is never rescanned or recopied.
    """

    def __init__(self) -> None:
        self._pending: list[str] = []  # the current line so far (no line end seen yet)
        self._after_cr = False  # the last text ended with CR: a LF opening the next is its pair
        self._decoder = _utf8_decoder()
        self._event = ""
        self._data: list[str] = []

    def feed(self, chunk: bytes) -> list[SSEEvent]:
        return self._take(self._decoder.decode(chunk))

    def close(self) -> list[SSEEvent]:
        events = self._take(self._decoder.decode(b"", final=True))
        if self._pending:
            events += self._line("".join(self._pending))
            self._pending = []
        return events + self._line("")

    def _take(self, text: str) -> list[SSEEvent]:
        if not text:
            return []
        if self._after_cr and text.startswith("\n"):
            text = text[1:]
        self._after_cr = text.endswith("\r")
        events: list[SSEEvent] = []
        start = 0
        for end in _LINE_END.finditer(text):
            self._pending.append(text[start : end.start()])
            line = "".join(self._pending)
            self._pending = []
            events += self._line(line)
            start = end.end()
        if start < len(text):
            self._pending.append(text[start:])
        return events

    def _line(self, line: str) -> list[SSEEvent]:
        if line == "":
            if not self._data and not self._event:
                return []
            event = SSEEvent(self._event or "message", "\n".join(self._data))
            self._event, self._data = "", []
            return [event]
        if line.startswith(":"):
            return []
        name, _, value = line.partition(":")
        value = value.removeprefix(" ")
        if name == "event":
            self._event = value
        elif name == "data":
            self._data.append(value)
        return []


def _utf8_decoder() -> Any:
    import codecs

    return codecs.getincrementaldecoder("utf-8")(errors="replace")


class _ShapeError(Exception):
    """An event the protocol does not allow here (reported as a problem, not raised)."""


_TEXT_DELTAS = {"text_delta": "text", "thinking_delta": "thinking"}


@dataclass
class MessageAccumulator:
    """Folds Messages API stream events into the final message object."""

    events: int = 0
    errors: list[Any] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    _message: Any = None
    _partial_json: dict[int, list[str]] = field(default_factory=dict)
    # text and thinking deltas, joined once when the message is read (appending to a growing
    # string per delta would copy it every time: quadratic in a long answer)
    _parts: dict[tuple[int, str], list[str]] = field(default_factory=dict)

    @property
    def message(self) -> Any:
        """The message so far (``None`` before ``message_start``)."""
        self._fold()
        return self._message

    def _fold(self) -> None:
        """Join the pending text and thinking deltas into their blocks."""
        if self._parts and isinstance(self._message, dict):
            for (index, key), parts in self._parts.items():
                block = self._message["content"][index]
                before = block.get(key)
                block[key] = (before if isinstance(before, str) else "") + "".join(parts)
        self._parts.clear()

    def add(self, event: SSEEvent) -> None:
        self.events += 1
        try:
            data = loads_strict(event.data, where="sse", surrogates="replace") if event.data else {}
        except InputError:
            self.problems.append(f"event {self.events} ({event.event}): data is not JSON")
            return
        if not isinstance(data, dict):
            self.problems.append(f"event {self.events} ({event.event}): data is not an object")
            return
        kind = data.get("type", event.event)
        handler = getattr(self, "_on_" + str(kind), None)
        if handler is None:
            return  # ping and event types this version does not know pass through unrecorded
        try:
            handler(data)
        except _ShapeError as exc:
            self.problems.append(f"event {self.events} ({kind}): {exc}")
        except (KeyError, IndexError, TypeError, AttributeError, ValueError) as exc:
            self.problems.append(f"event {self.events} ({kind}): unexpected shape ({exc!r})")

    def _content(self) -> list[Any]:
        if not isinstance(self._message, dict):
            raise _ShapeError("before message_start")
        content: list[Any] = self._message["content"]
        return content

    def _index(self, data: dict[str, Any], *, new: bool = False) -> int:
        """The event's block index: an integer naming a block (or, ``new``, the next few)."""
        index = data["index"]
        content = self._content()
        limit = len(content) + MAX_INDEX_GAP if new else len(content)
        if isinstance(index, bool) or not isinstance(index, int) or not 0 <= index < max(limit, 1):
            raise _ShapeError(f"content block index {index!r} out of range")
        if not new and not isinstance(content[index], dict):
            raise _ShapeError(f"content block {index} is not an object")
        return index

    def _on_message_start(self, data: dict[str, Any]) -> None:
        message = data["message"]
        if not isinstance(message, dict):
            raise _ShapeError("message is not an object")
        if self._message is not None:
            raise _ShapeError("a second message_start")
        self._message = copy.deepcopy(message)
        self._message["content"] = list(self._message.get("content") or [])

    def _on_content_block_start(self, data: dict[str, Any]) -> None:
        index = self._index(data, new=True)
        content = self._content()
        self._fold()  # pending deltas of a block about to be replaced
        while len(content) <= index:
            content.append({})
        content[index] = copy.deepcopy(data["content_block"])

    def _on_content_block_delta(self, data: dict[str, Any]) -> None:
        index = self._index(data)
        block = self._content()[index]
        delta = data["delta"]
        kind = delta.get("type")
        if kind in _TEXT_DELTAS:
            key = _TEXT_DELTAS[kind]
            piece = delta[key]
            if not isinstance(piece, str):
                raise _ShapeError(f"{kind} is not a string")
            self._parts.setdefault((index, key), []).append(piece)
        elif kind == "input_json_delta":
            piece = delta["partial_json"]
            if not isinstance(piece, str):
                raise _ShapeError("partial_json is not a string")
            self._partial_json.setdefault(index, []).append(piece)
        elif kind == "signature_delta":
            block["signature"] = delta["signature"]
        elif kind == "citations_delta":
            block.setdefault("citations", []).append(delta["citation"])
        else:
            self.problems.append(f"event {self.events}: unknown delta type {kind!r}")

    def _on_content_block_stop(self, data: dict[str, Any]) -> None:
        index = self._index(data)
        if index in self._partial_json:
            raw = "".join(self._partial_json.pop(index))
            try:
                value = loads_strict(raw, where="sse", surrogates="replace") if raw else {}
                self._content()[index]["input"] = value
            except InputError:
                self.problems.append(f"content block {index}: tool input is not JSON: {raw[:200]!r}")

    def _on_message_delta(self, data: dict[str, Any]) -> None:
        self._content()
        delta = data.get("delta") or {}
        if not isinstance(delta, dict):
            raise _ShapeError("delta is not an object")
        self._message.update({k: v for k, v in delta.items() if k != "content"})
        usage = data.get("usage")
        if isinstance(usage, dict):
            merged = dict(self._message.get("usage") or {})
            merged.update({k: v for k, v in usage.items() if v is not None})
            self._message["usage"] = merged

    def _on_message_stop(self, data: dict[str, Any]) -> None:
        pass

    def _on_error(self, data: dict[str, Any]) -> None:
        self.errors.append(data.get("error", data))
