"""Parsing and playing the loopback server's script files (format: see ``ledger.agent.loopback``).

Kept apart from the HTTP server so the script's rules (labels, expectations, failure steps)
can be read and tested without a socket.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ledger.agent.messages import tool_result_text
from ledger.digest import canonical_json
from ledger.errors import InputError
from ledger.safeparse import loads_strict

DEFAULT_MODEL = "loopback-scripted-test-model-20250101"
#: Every model id a script may use carries this, so nothing it produces passes for a real model.
TEST_MODEL_LABEL = "scripted-test-model"
STOP_REASONS = frozenset({"end_turn", "tool_use", "max_tokens", "stop_sequence", "refusal"})
_TURN_KEYS = frozenset({"content", "stop_reason", "expect", "error", "retry_after_ms", "usage"})
_EXPECT_KEYS = frozenset({"tool_result_contains", "tool_result_is_error", "otherwise"})
_ERROR_KEYS = frozenset({"status", "type", "message"})


class LoopbackScriptError(InputError):
    """A loopback script file that does not follow the documented format."""


@dataclass(frozen=True)
class Expect:
    tool_result_contains: str | None
    tool_result_is_error: bool | None
    otherwise: Turn | None

    def mismatch(self, body: Mapping[str, Any]) -> str | None:
        """Why the request's last message does not meet this expectation, or None."""
        results = _last_tool_results(body)
        if not results:
            return "expected the last message to carry tool_result blocks, found none"
        text = "\n".join(tool_result_text(r.get("content", "")) for r in results)
        if self.tool_result_contains is not None and self.tool_result_contains not in text:
            return f"expected the last tool_result to contain {self.tool_result_contains!r}"
        if self.tool_result_is_error is not None:
            flags = [bool(r.get("is_error", False)) for r in results]
            if any(f != self.tool_result_is_error for f in flags):
                return f"expected tool_result is_error={str(self.tool_result_is_error).lower()}"
        return None


@dataclass(frozen=True)
class ScriptedError:
    status: int
    type: str
    message: str
    retry_after_ms: int | None


@dataclass(frozen=True)
class Turn:
    """One scripted step: either a reply (content) or an HTTP error that consumes one request."""

    index: int
    content: tuple[dict[str, Any], ...]
    stop_reason: str
    expect: Expect | None
    error: ScriptedError | None
    usage: dict[str, int] | None


@dataclass(frozen=True)
class Script:
    model: str
    turns: tuple[Turn, ...]
    source: str


def load_script(path: Path) -> Script:
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise LoopbackScriptError(f"loopback script {path} does not exist") from None
    except OSError as exc:
        raise LoopbackScriptError(f"cannot read loopback script: {exc.strerror}", file=str(path)) from None
    raw = loads_strict(data, where=str(path), error=LoopbackScriptError, what="a loopback script object")
    return parse_script(raw, source=str(path))


def parse_script(raw: Any, *, source: str = "<script>") -> Script:
    def fail(where: str, what: str) -> LoopbackScriptError:
        return LoopbackScriptError(f"{where}: {what}", file=source)

    if not isinstance(raw, Mapping):
        raise fail("$", "expected an object with 'model' and 'turns'")
    unknown = set(raw) - {"model", "turns", "description"}
    if unknown:
        raise fail("$", f"unknown key(s) {sorted(unknown)}; expected model, turns, description")
    model = raw.get("model", DEFAULT_MODEL)
    if not isinstance(model, str) or TEST_MODEL_LABEL not in model:
        raise fail(
            "$.model",
            f"{model!r} must contain {TEST_MODEL_LABEL!r} so nothing it answers passes for a "
            "real model",
        )
    turns_raw = raw.get("turns")
    if not isinstance(turns_raw, list) or not turns_raw:
        raise fail("$.turns", "expected a non-empty list of turns")
    turns = tuple(_parse_turn(t, i, fail) for i, t in enumerate(turns_raw))
    return Script(model=model, turns=turns, source=source)


def _parse_turn(raw: Any, i: int, fail: Any, *, nested: bool = False) -> Turn:
    where = f"$.turns[{i}]" + (".expect.otherwise" if nested else "")
    if not isinstance(raw, Mapping):
        raise fail(where, "expected an object")
    unknown = set(raw) - _TURN_KEYS
    if unknown:
        raise fail(where, f"unknown key(s) {sorted(unknown)}; expected {sorted(_TURN_KEYS)}")
    error = _parse_error(raw, where, fail)
    if error is not None:
        if "content" in raw or "expect" in raw:
            raise fail(where, "an error turn takes no content or expect")
        return Turn(i, (), "end_turn", None, error, None)
    if "retry_after_ms" in raw:
        raise fail(where + ".retry_after_ms", "only allowed together with 'error'")
    content_raw = raw.get("content")
    if not isinstance(content_raw, list) or not content_raw:
        raise fail(where + ".content", "expected a non-empty list of content blocks")
    content = tuple(
        _parse_block(b, i, j, f"{where}.content[{j}]", fail) for j, b in enumerate(content_raw)
    )
    has_tool_use = any(b["type"] == "tool_use" for b in content)
    stop = raw.get("stop_reason", "tool_use" if has_tool_use else "end_turn")
    if stop not in STOP_REASONS:
        raise fail(where + ".stop_reason", f"expected one of {sorted(STOP_REASONS)}")
    expect = None
    if "expect" in raw:
        if nested:
            raise fail(where, "an 'otherwise' turn cannot have its own expect")
        expect = _parse_expect(raw["expect"], i, where + ".expect", fail)
    usage = raw.get("usage")
    if usage is not None and not (
        isinstance(usage, Mapping)
        and set(usage) <= {"input_tokens", "output_tokens"}
        and all(isinstance(v, int) and not isinstance(v, bool) and v >= 0 for v in usage.values())
    ):
        raise fail(where + ".usage", "expected {input_tokens: int, output_tokens: int}")
    return Turn(i, content, stop, expect, None, dict(usage) if usage else None)


def _parse_block(raw: Any, turn: int, j: int, where: str, fail: Any) -> dict[str, Any]:
    if not isinstance(raw, Mapping):
        raise fail(where, "expected an object")
    kind = raw.get("type")
    if kind == "text":
        if set(raw) != {"type", "text"} or not isinstance(raw["text"], str):
            raise fail(where, "a text block is {type: 'text', text: string}")
        return {"type": "text", "text": raw["text"]}
    if kind == "tool_use":
        if not set(raw) <= {"type", "name", "input", "id"} or not isinstance(raw.get("name"), str):
            raise fail(where, "a tool_use block is {type: 'tool_use', name, input, id?}")
        inp = raw.get("input", {})
        if not isinstance(inp, Mapping):
            raise fail(where + ".input", "expected an object")
        # Deterministic ids: a replay of the same script yields byte-identical responses.
        block_id = raw.get("id", f"toolu_loopback_{turn:03d}_{j}")
        if not isinstance(block_id, str):
            raise fail(where + ".id", "expected a string")
        return {"type": "tool_use", "id": block_id, "name": raw["name"], "input": dict(inp)}
    raise fail(where + ".type", f"expected 'text' or 'tool_use', got {kind!r}")


def _parse_error(raw: Mapping[str, Any], where: str, fail: Any) -> ScriptedError | None:
    err = raw.get("error")
    if err is None:
        return None
    if not isinstance(err, Mapping) or not set(err) <= _ERROR_KEYS:
        raise fail(where + ".error", f"expected an object with keys {sorted(_ERROR_KEYS)}")
    status = err.get("status")
    if not isinstance(status, int) or isinstance(status, bool) or not 400 <= status <= 599:
        raise fail(where + ".error.status", "expected an HTTP status 400..599")
    kind = err.get("type", _default_error_type(status))
    message = err.get("message", f"scripted {status} from the loopback test server")
    if not isinstance(kind, str) or not isinstance(message, str):
        raise fail(where + ".error", "type and message must be strings")
    after = raw.get("retry_after_ms")
    if after is not None and (not isinstance(after, int) or isinstance(after, bool) or after < 0):
        raise fail(where + ".retry_after_ms", "expected a non-negative integer")
    return ScriptedError(status, kind, message, after)


def _parse_expect(raw: Any, i: int, where: str, fail: Any) -> Expect:
    if not isinstance(raw, Mapping) or not raw or not set(raw) <= _EXPECT_KEYS:
        raise fail(where, f"expected an object with keys from {sorted(_EXPECT_KEYS)}")
    contains = raw.get("tool_result_contains")
    if contains is not None and not isinstance(contains, str):
        raise fail(where + ".tool_result_contains", "expected a string")
    is_error = raw.get("tool_result_is_error")
    if is_error is not None and not isinstance(is_error, bool):
        raise fail(where + ".tool_result_is_error", "expected true or false")
    otherwise = None
    if "otherwise" in raw:
        otherwise = _parse_turn(raw["otherwise"], i, fail, nested=True)
    return Expect(contains, is_error, otherwise)


def _default_error_type(status: int) -> str:
    return {
        400: "invalid_request_error", 401: "authentication_error", 403: "permission_error",
        404: "not_found_error", 413: "request_too_large", 429: "rate_limit_error",
        529: "overloaded_error",
    }.get(status, "api_error")


def _last_tool_results(body: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    messages = body.get("messages") or []
    if not messages:
        return []
    last = messages[-1]
    content = last.get("content") if isinstance(last, Mapping) else None
    if last.get("role") != "user" or not isinstance(content, list):
        return []
    return [b for b in content if isinstance(b, Mapping) and b.get("type") == "tool_result"]


def estimate_tokens(value: Any) -> int:
    """A deterministic stand-in for token counts: canonical JSON bytes / 4, rounded up."""
    return max(1, math.ceil(len(canonical_json(value)) / 4))
