"""Anthropic Messages API payloads: the JSON shapes recorded in trajectories, and their parsing.

Requests and responses stay JSON (TypedDicts) because they are recorded and compared byte for
byte in canonical form; the loop parses each response once into the frozen ``Reply`` below.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Required, TypedDict

from ledger.errors import ModelError


class MessagesRequest(TypedDict, total=False):
    """The body of ``POST /v1/messages`` exactly as sent (``seed`` only where the endpoint takes it)."""

    model: Required[str]
    max_tokens: Required[int]
    messages: Required[list[dict[str, Any]]]
    system: str
    tools: list[dict[str, Any]]
    temperature: float
    metadata: dict[str, Any]
    seed: int
    stream: bool


class MessagesResponse(TypedDict, total=False):
    """A Messages API ``message`` object as received."""

    id: Required[str]
    type: str
    role: str
    model: Required[str]
    content: Required[list[dict[str, Any]]]
    stop_reason: str | None
    stop_sequence: str | None
    usage: dict[str, Any]


@dataclass(frozen=True)
class TextBlock:
    text: str


@dataclass(frozen=True)
class ToolUse:
    id: str
    name: str
    input: dict[str, Any]


@dataclass(frozen=True)
class OtherBlock:
    """A block the loop does not act on (thinking, server tools); echoed back unchanged."""

    raw: dict[str, Any]


Block = TextBlock | ToolUse | OtherBlock


@dataclass(frozen=True)
class Usage:
    input_tokens: int
    output_tokens: int


@dataclass(frozen=True)
class Reply:
    id: str
    model: str
    content: tuple[Block, ...]
    stop_reason: str | None
    usage: Usage

    @property
    def tool_uses(self) -> tuple[ToolUse, ...]:
        return tuple(b for b in self.content if isinstance(b, ToolUse))

    @property
    def text(self) -> str:
        return "".join(b.text for b in self.content if isinstance(b, TextBlock))

    def as_assistant_message(self) -> dict[str, Any]:
        """The reply as the next request's assistant turn: only the fields a request accepts."""
        blocks: list[dict[str, Any]] = []
        for b in self.content:
            if isinstance(b, TextBlock):
                blocks.append({"type": "text", "text": b.text})
            elif isinstance(b, ToolUse):
                blocks.append({"type": "tool_use", "id": b.id, "name": b.name, "input": b.input})
            else:
                blocks.append(b.raw)
        return {"role": "assistant", "content": blocks}


def _field(obj: Mapping[str, Any], key: str, kind: type | tuple[type, ...], where: str) -> Any:
    value = obj.get(key)
    if not isinstance(value, kind) or (isinstance(value, bool) and kind is int):
        raise ModelError(
            f"model response {where}.{key}: expected {_kind_name(kind)}, got {value!r:.80}"
        )
    return value


def _kind_name(kind: type | tuple[type, ...]) -> str:
    kinds = kind if isinstance(kind, tuple) else (kind,)
    return " or ".join(k.__name__ for k in kinds)


def parse_response(data: Mapping[str, Any]) -> Reply:
    """Validate a Messages API response and turn it into a ``Reply``; ModelError names the field."""
    if not isinstance(data, Mapping):
        raise ModelError(f"model response: expected a JSON object, got {type(data).__name__}")
    if data.get("type", "message") != "message":
        raise ModelError(f"model response $.type: expected 'message', got {data.get('type')!r}")
    msg_id = _field(data, "id", str, "$")
    model = _field(data, "model", str, "$")
    content = _field(data, "content", list, "$")
    blocks: list[Block] = []
    for i, raw in enumerate(content):
        where = f"$.content[{i}]"
        if not isinstance(raw, Mapping):
            raise ModelError(f"model response {where}: expected an object, got {raw!r:.80}")
        kind = raw.get("type")
        if kind == "text":
            blocks.append(TextBlock(_field(raw, "text", str, where)))
        elif kind == "tool_use":
            blocks.append(
                ToolUse(
                    id=_field(raw, "id", str, where),
                    name=_field(raw, "name", str, where),
                    input=dict(_field(raw, "input", dict, where)),
                )
            )
        elif isinstance(kind, str):
            blocks.append(OtherBlock(dict(raw)))
        else:
            raise ModelError(f"model response {where}.type: expected a string, got {kind!r:.80}")
    stop = data.get("stop_reason")
    if stop is not None and not isinstance(stop, str):
        raise ModelError(f"model response $.stop_reason: expected a string, got {stop!r:.80}")
    usage_raw = data.get("usage") or {}
    if not isinstance(usage_raw, Mapping):
        raise ModelError(f"model response $.usage: expected an object, got {usage_raw!r:.80}")
    usage = Usage(
        input_tokens=_int_or_zero(usage_raw.get("input_tokens")),
        output_tokens=_int_or_zero(usage_raw.get("output_tokens")),
    )
    return Reply(id=msg_id, model=model, content=tuple(blocks), stop_reason=stop, usage=usage)


def _int_or_zero(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def tool_result_text(content: Any) -> str:
    """The text of a ``tool_result`` block's content (a string or a list of text blocks)."""
    if isinstance(content, str):
        return content
    if isinstance(content, Sequence):
        return "".join(
            str(b.get("text", "")) for b in content if isinstance(b, Mapping) and b.get("type") == "text"
        )
    return ""


def first_difference(expected: Any, actual: Any, path: str = "$") -> str | None:
    """The JSONPath of the first place two JSON values differ, with both values; None if equal.

    Keys are visited in sorted order so the answer does not depend on dict insertion order
    (the same order RFC 8785 canonical JSON uses).
    """
    if isinstance(expected, Mapping) and isinstance(actual, Mapping):
        for key in sorted(set(expected) | set(actual)):
            sub = f"{path}.{key}" if str(key).isidentifier() else f"{path}[{key!r}]"
            if key not in expected:
                return f"{sub}: not recorded, got {_short(actual[key])}"
            if key not in actual:
                return f"{sub}: recorded {_short(expected[key])}, missing now"
            found = first_difference(expected[key], actual[key], sub)
            if found is not None:
                return found
        return None
    is_list = (list, tuple)
    if isinstance(expected, is_list) and isinstance(actual, is_list):
        for i, (e, a) in enumerate(zip(expected, actual, strict=False)):
            found = first_difference(e, a, f"{path}[{i}]")
            if found is not None:
                return found
        if len(expected) != len(actual):
            return f"{path}: recorded {len(expected)} items, got {len(actual)}"
        return None
    if type(expected) is not type(actual) and not (_is_number(expected) and _is_number(actual)):
        return f"{path}: recorded {_short(expected)}, got {_short(actual)}"
    if expected != actual:
        return f"{path}: recorded {_short(expected)}, got {_short(actual)}"
    return None


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _short(value: Any, limit: int = 80) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."
