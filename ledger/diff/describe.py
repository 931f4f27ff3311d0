"""One line per event saying what it did, for every rendering of a diff."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from ledger.trajectory import normalize_markers

if TYPE_CHECKING:
    from ledger.diff.align import EventLike


def _dumps(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(", ", ": "))


def describe(event: EventLike, width: int = 110) -> str:
    """One line saying what the event did."""
    d = event.data
    t = event.type
    text: str
    if t == "model_request":
        req = d.get("request")
        req = req if isinstance(req, Mapping) else {}
        msgs = req.get("messages")
        n = len(msgs) if isinstance(msgs, list) else "?"
        text = f"model_request turn {d.get('turn', '?')} → {req.get('model', '?')} ({n} messages)"
    elif t == "model_response":
        resp = d.get("response")
        resp = resp if isinstance(resp, Mapping) else {}
        blocks = resp.get("content")
        parts = []
        for blk in blocks if isinstance(blocks, list) else []:
            if not isinstance(blk, Mapping):
                continue
            if blk.get("type") == "tool_use":
                parts.append(f"{blk.get('name')}({_compact(blk.get('input'), 40)})")
            elif blk.get("type") == "text":
                parts.append(repr(_compact(blk.get("text"), 40)))
        text = f"model_response turn {d.get('turn', '?')} {resp.get('stop_reason')}: {', '.join(parts)}"
    elif t == "tool_call":
        text = f"tool_call {d.get('name')} {_compact(d.get('input'), 80)}"
    elif t == "tool_result":
        flag = " ERROR" if d.get("is_error") else ""
        body = d.get("content", d.get("output", ""))
        text = f"tool_result {d.get('name')}{flag}: {_compact(body, 80)}"
    elif t == "exec":
        argv = d.get("argv")
        cmd = " ".join(str(x) for x in argv) if isinstance(argv, list) else str(argv)
        text = f"exec $ {cmd} → exit {d.get('exit_code', '?')}"
    elif t == "build_end":
        stop = d.get("stop_reason", d.get("status", ""))
        text = f"build_end {stop} turns={d.get('turns', '?')} test={d.get('test_result', '?')}"
    else:
        from ledger.trajectory import Event, summarize

        body = summarize(event, width) if isinstance(event, Event) else _compact(d, width)
        text = f"{t} {body}"
    text = " ".join(normalize_markers(text).split())
    return text if len(text) <= width else text[: width - 1] + "…"


def _compact(value: Any, width: int) -> str:
    text = value if isinstance(value, str) else _dumps(value)
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"
