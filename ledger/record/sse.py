"""Server-sent events of the Messages API: parse the byte stream, rebuild the final message.

The proxy passes every byte to the client unchanged as it arrives and feeds the same bytes
here; the trajectory then holds the message the client ended up with (what the SDK's
``get_final_message()`` returns) plus the number of raw events, not thousands of deltas.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

from ledger.errors import InputError
from ledger.safeparse import loads_strict


@dataclass(frozen=True)
class SSEEvent:
    event: str
    data: str


class SSEParser:
    """Incremental ``text/event-stream`` parser (WHATWG rules: LF, CRLF or CR line ends)."""

    def __init__(self) -> None:
        self._buffer = ""
        self._decoder = _utf8_decoder()
        self._event = ""
        self._data: list[str] = []

    def feed(self, chunk: bytes) -> list[SSEEvent]:
        self._buffer += self._decoder.decode(chunk)
        return self._drain(final=False)

    def close(self) -> list[SSEEvent]:
        self._buffer += self._decoder.decode(b"", final=True)
        events = self._drain(final=True)
        if self._buffer:
            events += self._line(self._buffer)
            self._buffer = ""
        return events + self._line("")

    def _drain(self, *, final: bool) -> list[SSEEvent]:
        events: list[SSEEvent] = []
        while True:
            cut = _line_end(self._buffer)
            if cut is None:
                return events
            end, width = cut
            if not final and self._buffer[end] == "\r" and end + 1 == len(self._buffer):
                return events  # a CR at the end of a chunk may be the first half of CRLF
            line = self._buffer[:end]
            self._buffer = self._buffer[end + width :]
            events += self._line(line)

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


def _line_end(text: str) -> tuple[int, int] | None:
    for i, ch in enumerate(text):
        if ch == "\n":
            return i, 1
        if ch == "\r":
            return (i, 2) if text[i + 1 : i + 2] == "\n" else (i, 1)
    return None


@dataclass
class MessageAccumulator:
    """Folds Messages API stream events into the final message object."""

    events: int = 0
    message: dict[str, Any] | None = None
    errors: list[Any] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    _partial_json: dict[int, str] = field(default_factory=dict)

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
        except (KeyError, IndexError, TypeError, AttributeError) as exc:
            self.problems.append(f"event {self.events} ({kind}): unexpected shape ({exc!r})")

    def _on_message_start(self, data: dict[str, Any]) -> None:
        self.message = copy.deepcopy(data["message"])
        self.message["content"] = list(self.message.get("content") or [])

    def _block(self, index: int) -> dict[str, Any]:
        assert self.message is not None
        block: dict[str, Any] = self.message["content"][index]
        return block

    def _on_content_block_start(self, data: dict[str, Any]) -> None:
        assert self.message is not None, "content_block_start before message_start"
        content = self.message["content"]
        index = int(data["index"])
        while len(content) <= index:
            content.append({})
        content[index] = copy.deepcopy(data["content_block"])

    def _on_content_block_delta(self, data: dict[str, Any]) -> None:
        index = int(data["index"])
        block = self._block(index)
        delta = data["delta"]
        kind = delta.get("type")
        if kind == "text_delta":
            block["text"] = block.get("text", "") + delta["text"]
        elif kind == "input_json_delta":
            self._partial_json[index] = self._partial_json.get(index, "") + delta["partial_json"]
        elif kind == "thinking_delta":
            block["thinking"] = block.get("thinking", "") + delta["thinking"]
        elif kind == "signature_delta":
            block["signature"] = delta["signature"]
        elif kind == "citations_delta":
            block.setdefault("citations", []).append(delta["citation"])
        else:
            self.problems.append(f"event {self.events}: unknown delta type {kind!r}")

    def _on_content_block_stop(self, data: dict[str, Any]) -> None:
        index = int(data["index"])
        if index in self._partial_json:
            raw = self._partial_json.pop(index)
            try:
                value = loads_strict(raw, where="sse", surrogates="replace") if raw else {}
                self._block(index)["input"] = value
            except InputError:
                self.problems.append(f"content block {index}: tool input is not JSON: {raw[:200]!r}")

    def _on_message_delta(self, data: dict[str, Any]) -> None:
        assert self.message is not None, "message_delta before message_start"
        self.message.update(data.get("delta") or {})
        usage = data.get("usage")
        if isinstance(usage, dict):
            merged = dict(self.message.get("usage") or {})
            merged.update({k: v for k, v in usage.items() if v is not None})
            self.message["usage"] = merged

    def _on_message_stop(self, data: dict[str, Any]) -> None:
        pass

    def _on_error(self, data: dict[str, Any]) -> None:
        self.errors.append(data.get("error", data))
