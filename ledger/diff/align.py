"""Event-by-event alignment of two trajectories and their first divergence.

Events are aligned on *keys* (type, tool name, normalised tool input; for model responses the
tools they asked for), so an inserted or removed tool call shifts nothing after it. The
alignment is patience-style: common prefix and suffix first, then keys unique on both sides
as anchors (longest increasing run), recursing between anchors, with ``difflib`` for small
anchorless gaps. Aligned pairs are then compared in full, ignoring what always differs between
two runs (time, seq, prev, build id, durations, server-assigned message and tool-use ids) and
the per-build salt of redaction markers.

Comparison strings here are only compared, never hashed or signed, so the C ``json`` encoder
with sorted keys is used instead of RFC 8785 (10,000 events must align in well under 100 ms).
"""

from __future__ import annotations

import difflib
import json
import re
from collections import Counter
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any, Protocol

from ledger.diff.describe import describe
from ledger.diff.report import Divergence, Step, ToolCallOnly, Totals, TrajectoryDiff
from ledger.trajectory import normalize_markers

# The build_start event restates the build's inputs; those are diffed as recipe pins and spec
# members, so it is aligned and shown but never reported as the behavioural first divergence.
INPUT_EVENTS = frozenset({"build_start"})

# Top-level data keys that differ between any two runs of the same thing.
_VOLATILE: Mapping[str, frozenset[str]] = {
    "build_start": frozenset({"build_id"}),
    "model_request": frozenset(),
    "model_response": frozenset({"latency_ms"}),
    "tool_call": frozenset({"id"}),
    "tool_result": frozenset({"id"}),
    # An exec's output digests change with any timing it prints ("Ran 2 tests in 0.001s"); what
    # the agent saw of it is compared in its tool_result, and the test verdict in test_result.
    "exec": frozenset({"duration_s", "duration_ms", "stdout", "stderr", "stdout_sha256", "stderr_sha256"}),
    "test_result": frozenset({"duration_s", "duration_ms"}),
    "redaction": frozenset({"event"}),  # the seq of the event before: shifts with insertions
    "build_end": frozenset({"build_id", "duration_ms", "duration_s"}),
}
# Message / tool-use ids chosen by the endpoint, inside requests and responses.
_SERVER_IDS = re.compile(r'"(id|tool_use_id)": "(?:toolu|msg)_[^"]*"')
_WITH_SERVER_IDS = frozenset({"model_request", "model_response"})
_SMALL_GAP = 250_000  # a*b below which an anchorless gap is aligned with difflib


class EventLike(Protocol):
    """What alignment reads from an event (``ledger.trajectory.Event`` fits)."""

    @property
    def seq(self) -> int: ...
    @property
    def time(self) -> str: ...
    @property
    def type(self) -> str: ...
    @property
    def data(self) -> Mapping[str, Any]: ...


_dumps = json.JSONEncoder(sort_keys=True, ensure_ascii=False, separators=(", ", ": ")).encode


def _unsalted(text: str) -> str:
    return normalize_markers(text) if "[REDACTED:" in text else text


def _trimmed(event: EventLike) -> Mapping[str, Any]:
    drop = _VOLATILE.get(event.type)
    return {k: v for k, v in event.data.items() if k not in drop} if drop else event.data


def normalized(event: EventLike) -> str:
    """The event's data as compared: volatile keys dropped, server ids and marker salts removed."""
    text = _dumps(_trimmed(event))
    if event.type in _WITH_SERVER_IDS:
        text = _SERVER_IDS.sub(r'"\1": "<id>"', text)
    return _unsalted(text)


def _keys(events: Sequence[EventLike]) -> list[str]:
    """Alignment keys: what an event *is*, without the parts that may legitimately differ.

    ``repr`` (3x faster than a JSON encoder) is enough for keys: they are only compared with each
    other, and trajectory lines are RFC 8785 canonical, so equal objects parse in equal key order.
    """
    call_input: dict[str, str] = {}
    out: list[str] = []
    for e in events:
        d = e.data
        t = e.type
        if t == "tool_call":
            inp = _unsalted(repr(d.get("input")))
            call_input[str(d.get("id"))] = inp
            key = f"{t}\x00{d.get('name')}\x00{inp}"
        elif t == "tool_result":
            key = f"{t}\x00{d.get('name')}\x00{call_input.get(str(d.get('id')), '')}"
        elif t == "model_response":
            resp = d.get("response")
            resp = resp if isinstance(resp, Mapping) else {}
            blocks = resp.get("content")
            uses = [
                (b.get("name"), b.get("input"))
                for b in (blocks if isinstance(blocks, list) else [])
                if isinstance(b, Mapping) and b.get("type") == "tool_use"
            ]
            key = f"{t}\x00{resp.get('stop_reason')}\x00{_unsalted(repr(uses))}"
        elif t == "exec":
            key = f"{t}\x00{_unsalted(repr(d.get('argv')))}"
        elif t == "file_write":
            key = f"{t}\x00{d.get('path')}"
        elif t == "test_result":
            key = f"{t}\x00{d.get('command')}"
        else:
            key = t
        out.append(key)
    return out


# ---------------------------------------------------------------- sequence alignment


def match_keys(a: Sequence[int], b: Sequence[int]) -> list[tuple[int, int]]:
    """Index pairs (i, j), increasing in both, of equal keys: a patience-style LCS approximation."""
    out: list[tuple[int, int]] = []
    _match(a, b, 0, len(a), 0, len(b), out)
    return out


def _match(
    a: Sequence[int], b: Sequence[int], alo: int, ahi: int, blo: int, bhi: int, out: list[tuple[int, int]]
) -> None:
    while alo < ahi and blo < bhi and a[alo] == b[blo]:
        out.append((alo, blo))
        alo += 1
        blo += 1
    tail: list[tuple[int, int]] = []
    while ahi > alo and bhi > blo and a[ahi - 1] == b[bhi - 1]:
        ahi -= 1
        bhi -= 1
        tail.append((ahi, bhi))
    if alo < ahi and blo < bhi:
        anchors = _unique_anchors(a, b, alo, ahi, blo, bhi)
        if anchors:
            pi, pj = alo, blo
            for i, j in anchors:
                _match(a, b, pi, i, pj, j, out)
                out.append((i, j))
                pi, pj = i + 1, j + 1
            _match(a, b, pi, ahi, pj, bhi, out)
        elif (ahi - alo) * (bhi - blo) <= _SMALL_GAP:
            sm = difflib.SequenceMatcher(None, a[alo:ahi], b[blo:bhi], autojunk=False)
            for block in sm.get_matching_blocks():
                out.extend((alo + block.a + k, blo + block.b + k) for k in range(block.size))
        # else: a large gap with nothing unique in common stays unmatched (paired by type later)
    out.extend(reversed(tail))


def _unique_anchors(
    a: Sequence[int], b: Sequence[int], alo: int, ahi: int, blo: int, bhi: int
) -> list[tuple[int, int]]:
    """Keys occurring exactly once on each side, reduced to their longest increasing run in b."""
    count_a = Counter(a[alo:ahi])
    count_b = Counter(b[blo:bhi])
    pos_b = {b[j]: j for j in range(blo, bhi) if count_b[b[j]] == 1}
    pairs = [(i, pos_b[a[i]]) for i in range(alo, ahi) if count_a[a[i]] == 1 and a[i] in pos_b]
    return _longest_increasing(pairs)


def _longest_increasing(pairs: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Patience sorting on the second element: O(n log n)."""
    import bisect

    tops: list[int] = []  # smallest j ending an increasing run of each length
    tops_at: list[int] = []  # index into pairs of that element
    back: list[int] = []
    for n, (_, j) in enumerate(pairs):
        k = bisect.bisect_left(tops, j)
        back.append(tops_at[k - 1] if k else -1)
        if k == len(tops):
            tops.append(j)
            tops_at.append(n)
        else:
            tops[k] = j
            tops_at[k] = n
    result: list[tuple[int, int]] = []
    n = tops_at[-1] if tops_at else -1
    while n >= 0:
        result.append(pairs[n])
        n = back[n]
    result.reverse()
    return result


# ---------------------------------------------------------------- the diff


def align_trajectories(a: Sequence[EventLike], b: Sequence[EventLike]) -> TrajectoryDiff:
    """Align two event lists and find the first divergence (see the module docstring)."""
    keys_a, keys_b = _keys(a), _keys(b)
    ids: dict[str, int] = {}
    ia = [ids.setdefault(k, len(ids)) for k in keys_a]
    ib = [ids.setdefault(k, len(ids)) for k in keys_b]
    pairs = match_keys(ia, ib)

    steps: list[Step] = []
    i = j = 0
    for mi, mj in [*pairs, (len(a), len(b))]:
        steps.extend(_gap(a, b, i, mi, j, mj))
        if mi < len(a) and mj < len(b):
            steps.append(_pair(a, b, mi, mj))
        i, j = mi + 1, mj + 1

    only_a = tuple(
        ToolCallOnly("a", s.a_index, str(a[s.a_index].data.get("name")), s.a_summary or "")
        for s in steps
        if s.op == "delete" and s.type == "tool_call" and s.a_index is not None
    )
    only_b = tuple(
        ToolCallOnly("b", s.b_index, str(b[s.b_index].data.get("name")), s.b_summary or "")
        for s in steps
        if s.op == "insert" and s.type == "tool_call" and s.b_index is not None
    )
    return TrajectoryDiff(
        available=True,
        note=f"{len(a)} events in A, {len(b)} in B",
        steps=tuple(steps),
        divergence=_first_divergence(steps, a, b),
        only_a=only_a,
        only_b=only_b,
        totals_a=totals(a),
        totals_b=totals(b),
    )


def _pair(a: Sequence[EventLike], b: Sequence[EventLike], i: int, j: int) -> Step:
    ea, eb = a[i], b[j]
    if ea.type == eb.type and (ea.data == eb.data or _trimmed(ea) == _trimmed(eb)):
        return Step("equal", i, j, ea.type, a_event=ea, b_event=eb)  # the common case, without JSON
    na, nb = normalized(ea), normalized(eb)
    if ea.type == eb.type and na == nb:
        return Step("equal", i, j, ea.type, a_event=ea, b_event=eb)
    fields = _differing_paths(json.loads(na), json.loads(nb)) if ea.type == eb.type else ("type",)
    return Step("changed", i, j, ea.type, tuple(fields), a_event=ea, b_event=eb)


def _gap(
    a: Sequence[EventLike], b: Sequence[EventLike], alo: int, ahi: int, blo: int, bhi: int
) -> list[Step]:
    """Unmatched runs: events of the same type are paired in order (changed), the rest one-sided."""
    if alo >= ahi and blo >= bhi:
        return []
    out: list[Step] = []
    types_a = [a[i].type for i in range(alo, ahi)]
    types_b = [b[j].type for j in range(blo, bhi)]
    matched: list[tuple[int, int]] = []
    if types_a and types_b and len(types_a) * len(types_b) <= _SMALL_GAP:
        sm = difflib.SequenceMatcher(None, types_a, types_b, autojunk=False)
        for block in sm.get_matching_blocks():
            matched.extend((alo + block.a + k, blo + block.b + k) for k in range(block.size))
    i, j = alo, blo
    for mi, mj in [*matched, (ahi, bhi)]:
        out.extend(Step("delete", k, None, a[k].type, a_event=a[k]) for k in range(i, mi))
        out.extend(Step("insert", None, k, b[k].type, b_event=b[k]) for k in range(j, mj))
        if mi < ahi and mj < bhi:
            out.append(_pair(a, b, mi, mj))
        i, j = mi + 1, mj + 1
    return out


def _first_divergence(
    steps: Sequence[Step], a: Sequence[EventLike], b: Sequence[EventLike]
) -> Divergence | None:
    next_a = next_b = 0
    for s in steps:
        if s.op != "equal" and s.type not in INPUT_EVENTS:
            a_pos = s.a_index if s.a_index is not None else next_a
            b_pos = s.b_index if s.b_index is not None else next_b
            ea = a[s.a_index] if s.a_index is not None else None
            eb = b[s.b_index] if s.b_index is not None else None
            return Divergence(
                a_index=s.a_index,
                b_index=s.b_index,
                a_position=a_pos,
                b_position=b_pos,
                a_seq=ea.seq if ea else None,
                b_seq=eb.seq if eb else None,
                op=s.op,
                type=s.type,
                a_did=s.a_summary if s.a_summary is not None else "(nothing here: B's event is extra)",
                b_did=s.b_summary if s.b_summary is not None else "(nothing here: A's event is missing in B)",
                detail=_detail(s, ea, eb),
            )
        if s.a_index is not None:
            next_a = s.a_index + 1
        if s.b_index is not None:
            next_b = s.b_index + 1
    return None


def _detail(step: Step, ea: EventLike | None, eb: EventLike | None) -> str:
    if step.op == "insert":
        return f"only in B: {step.type}"
    if step.op == "delete":
        return f"only in A: {step.type}"
    assert ea is not None and eb is not None
    if not step.fields:
        return "differs"
    path = step.fields[0]
    va = _at(json.loads(normalized(ea)), path)
    vb = _at(json.loads(normalized(eb)), path)
    if isinstance(va, str) and isinstance(vb, str):
        la, lb = va.splitlines(), vb.splitlines()
        if len(la) <= 1 and len(lb) <= 1:
            return f"{path}: A {_clip(va)!r} / B {_clip(vb)!r}"
        for n in range(max(len(la), len(lb))):
            x = la[n] if n < len(la) else "(end of text)"
            y = lb[n] if n < len(lb) else "(end of text)"
            if x != y:
                return f"{path} line {n + 1}: A {_clip(x)!r} / B {_clip(y)!r}"
        return f"{path}: same lines, different line endings or trailing whitespace"
    return f"{path}: A {_clip(_dumps(va))} / B {_clip(_dumps(vb))}"


def _clip(text: str, width: int = 120) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


_MISSING = object()


def _at(value: Any, path: str) -> Any:
    for part in path.split(".") if path else []:
        if isinstance(value, dict):
            value = value.get(part, _MISSING)
        elif isinstance(value, list) and part.startswith("[") and part.endswith("]"):
            k = int(part[1:-1])
            value = value[k] if k < len(value) else _MISSING
        else:
            return _MISSING
    return None if value is _MISSING else value


def _differing_paths(x: Any, y: Any, prefix: str = "", limit: int = 8) -> list[str]:
    """Dotted paths (``request.system``, ``input.[2]``) where two JSON values differ, depth-first."""
    out: list[str] = []

    def walk(p: Any, q: Any, where: str) -> None:
        if len(out) >= limit or p == q:
            return
        if isinstance(p, dict) and isinstance(q, dict):
            for k in sorted(set(p) | set(q)):
                walk(p.get(k, _MISSING), q.get(k, _MISSING), f"{where}.{k}" if where else str(k))
            return
        if isinstance(p, list) and isinstance(q, list) and len(p) == len(q):
            for n, (u, v) in enumerate(zip(p, q, strict=True)):
                walk(u, v, f"{where}.[{n}]" if where else f"[{n}]")
            return
        out.append(where or "(data)")

    walk(x, y, prefix)
    return out


# ---------------------------------------------------------------- per-side facts


def totals(events: Sequence[EventLike]) -> Totals:
    turns = tools = tin = tout = 0
    exec_s = 0.0
    for e in events:
        d = e.data
        if e.type == "model_response":
            turns += 1
            resp = d.get("response")
            usage = resp.get("usage") if isinstance(resp, Mapping) else None
            if isinstance(usage, Mapping):
                tin += _int(usage.get("input_tokens"))
                tout += _int(usage.get("output_tokens"))
        elif e.type == "tool_call":
            tools += 1
        elif e.type == "exec":
            if isinstance(d.get("duration_s"), int | float):
                exec_s += float(d["duration_s"])
            elif isinstance(d.get("duration_ms"), int | float):
                exec_s += float(d["duration_ms"]) / 1000
    wall = None
    if events:
        try:
            first = datetime.fromisoformat(events[0].time.replace("Z", "+00:00"))
            last = datetime.fromisoformat(events[-1].time.replace("Z", "+00:00"))
            wall = round((last - first).total_seconds(), 3)
        except ValueError:
            wall = None
    return Totals(len(events), turns, tools, tin, tout, wall, round(exec_s, 3))


def _int(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


__all__ = [
    "INPUT_EVENTS",
    "EventLike",
    "align_trajectories",
    "describe",
    "match_keys",
    "normalized",
    "totals",
]
