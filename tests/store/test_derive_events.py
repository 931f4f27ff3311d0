"""Trajectory rows derived in SQL: examples of the rules SCHEMA.md states, and a property test
against a Python reading of the same rules (the oracle below), line by line."""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ledger.store.derive import parse_time
from ledger.store.derive_events import TrajectoryBlob, trajectory_tables


def rows(*blobs: bytes) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    summary, events = trajectory_tables(
        [TrajectoryBlob(f"b{i}", f"e{i}", f"s{i}", data) for i, data in enumerate(blobs)]
    )
    return summary.to_pylist(), events.to_pylist()


def line(**event: Any) -> bytes:
    return json.dumps(event).encode() + b"\n"


def test_a_recorded_trajectory_gives_one_row_per_event_and_a_summary() -> None:
    blob = (
        line(seq=0, time="2025-03-01T10:00:00Z", type="build_start", data={})
        + line(seq=1, time="2025-03-01T10:00:01.5Z", type="tool_call",
               data={"turn": 1, "name": "write_file", "input": {"path": "src/a.py", "content": "x"}})
        + line(seq=2, time="2025-03-01T10:00:02Z", type="tool_result", data={"turn": 1, "name": "write_file"})
        + line(seq=3, time="2025-03-01T10:00:03Z", type="exec",
               data={"turn": 2, "argv": ["pytest", "-q"], "files": {"created": ["out.txt"], "deleted": ["tmp"]}})
        + line(seq=4, time="2025-03-01T10:00:04Z", type="test_result", data={"command": "pytest -q"})
        + line(seq=5, time="2025-03-01T10:00:05Z", type="build_end", data={})
    )  # fmt: skip
    summary, events = rows(blob)
    assert [(e["seq"], e["type"], e["turn"], e["tool"], e["command"], e["files"]) for e in events] == [
        (0, "build_start", None, None, None, []),
        (1, "tool_call", 1, "write_file", None, ["src/a.py"]),
        (2, "tool_result", 1, "write_file", None, []),
        (3, "exec", 2, None, "pytest -q", ["out.txt", "tmp"]),
        (4, "test_result", None, None, "pytest -q", []),
        (5, "build_end", None, None, None, []),
    ]
    assert events[1]["time"] == datetime(2025, 3, 1, 10, 0, 1, 500000)
    assert summary == [
        {
            "build_id": "b0",
            "envelope_sha256": "e0",
            "sha256": "s0",
            "events": 6,
            "turns": 2,
            "tool_calls": 1,
            "first_time": datetime(2025, 3, 1, 10, 0),
            "last_time": datetime(2025, 3, 1, 10, 0, 5),
            "last_type": "build_end",
        }
    ]
    assert {e["build_id"] for e in events} == {"b0"}


def test_bad_lines_are_kept_as_unparsable_and_blank_lines_skipped() -> None:
    blob = b'{"seq": 7, "type": "x"}\n\n  \r\nnot json\n[1, 2]\n{"a": 1} {"b": 2}\n{"type": "y"}\r\n'
    _, events = rows(blob)
    # the index a line falls back to is its line number in the blob, counted from 0
    assert [(e["seq"], e["type"]) for e in events] == [
        (7, "x"),
        (3, "unparsable"),
        (4, "unparsable"),
        (5, "unparsable"),
        (6, "y"),
    ]


def test_values_of_the_wrong_type_are_not_coerced() -> None:
    blob = line(
        seq=True, time="2025-03-01 10:00:00", type=5, data={"turn": 1.5, "name": 3, "input": {"path": 1}}
    ) + line(seq=2**70, type="exec", data={"turn": "2", "argv": ["a", 1, None, {"k": "v"}], "files": "x"})
    _, events = rows(blob)
    assert events[0] == {**events[0], "seq": 0, "time": None, "type": "", "turn": None, "tool": None}
    assert events[1]["seq"] == 1 and events[1]["turn"] is None
    assert events[1]["command"] == "a"  # an argument that is not a string is left out
    assert events[1]["files"] == []


def test_times_are_rfc3339_with_a_zone_and_stored_as_utc() -> None:
    times = {
        "2025-03-01T10:00:00+02:30": datetime(2025, 3, 1, 7, 30),
        "2025-03-01t10:00:00.123456789z": datetime(2025, 3, 1, 10, 0, 0, 123456),
        "2025-03-01T23:30:00-01:00": datetime(2025, 3, 2, 0, 30),
        "2025-03-01T10:00:00": None,  # no zone: not a point in time
        "2025-03-01T24:00:00Z": None,
        "2025-02-30T10:00:00Z": None,
        "March 1st": None,
        # the form ledger trajectories use takes a fast path in SQL; the same rule applies
        "2025-03-01T10:00:00.123456Z": datetime(2025, 3, 1, 10, 0, 0, 123456),
        "2025-02-30T10:00:00.000000Z": None,
        "0000-03-01T10:00:00.000000Z": None,
        "2025-03-01T24:00:00.000000Z": None,
    }
    _, events = rows(b"".join(line(type="t", time=t) for t in times))
    assert [e["time"] for e in events] == list(times.values())
    assert [parse_time(t) for t in times] == list(times.values())  # the rule statements use


def test_a_blob_without_events_still_has_a_summary() -> None:
    summary, events = rows(b"", b"\n\n")
    assert events == []
    assert [(s["build_id"], s["events"], s["turns"], s["last_type"]) for s in summary] == [
        ("b0", 0, 0, None),
        ("b1", 0, 0, None),
    ]


def test_undecodable_bytes_do_not_lose_the_line() -> None:
    _, events = rows(b'{"type": "note", "data": {"name": "\xff"}}\n')
    assert [e["type"] for e in events] == ["note"]


def test_an_escaped_lone_surrogate_makes_a_line_unparsable_not_a_crash() -> None:
    blob = b'{"type": "note", "data": {"text": "cut \\ud83d"}}\n{"type": "note", "data": {"text": "\\ud83d\\ude00"}}\n'
    _, events = rows(blob)
    assert [e["type"] for e in events] == ["unparsable", "note"]  # a whole pair is an emoji


# ------------------------------------------------------------------ the rules, in Python

_INT = re.compile(r"-?[0-9]+")


def _oracle_line(text: str, index: int) -> tuple[Any, ...] | None:
    stripped = text.strip(" \t\r")
    if not stripped:
        return None

    event: Any = None
    if stripped.startswith("{"):
        try:  # the first of duplicate keys counts; NaN and Infinity read as numbers (as DuckDB does)
            event = json.loads(stripped, object_pairs_hook=lambda kv: dict(reversed(kv)))
        except ValueError:
            event = None
    if not isinstance(event, dict):
        return (index, None, "unparsable", None, None, None, [])

    def integer(v: Any) -> int | None:
        ok = isinstance(v, int) and not isinstance(v, bool) and -(2**63) <= v < 2**63
        return v if ok else None

    def string(v: Any) -> str | None:
        return v if isinstance(v, str) else None

    def texts(v: Any) -> list[str]:
        return [x for x in v if isinstance(x, str)] if isinstance(v, list) else []

    def obj(v: Any) -> dict[str, Any]:
        return v if isinstance(v, dict) else {}

    etype = string(event.get("type")) or ""
    data = obj(event.get("data"))
    seq = integer(event.get("seq"))
    tool = string(data.get("name")) if etype in ("tool_call", "tool_result") else None
    command, files = None, []
    if etype == "tool_call":
        command = string(obj(data.get("input")).get("command"))
        path = string(obj(data.get("input")).get("path"))
        files = [path] if path is not None else []
    elif etype == "exec":
        command = " ".join(texts(data["argv"])) if isinstance(data.get("argv"), list) else None
        touched = obj(data.get("files"))
        files = texts(touched.get("created")) + texts(touched.get("modified")) + texts(touched.get("deleted"))
    elif etype == "file_write":
        path = string(data.get("path"))
        files = [path] if path is not None else []
    elif etype == "test_result":
        command = string(data.get("command"))
    return (
        index if seq is None else seq,
        parse_time(event.get("time")),
        etype,
        integer(data.get("turn")),
        tool,
        command,
        files,
    )


def oracle(blob: bytes) -> list[tuple[Any, ...]]:
    out = []
    for index, text in enumerate(blob.decode("utf-8", "replace").split("\n")):
        row = _oracle_line(text, index)
        if row is not None:
            out.append(row)
    return out


_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**65), max_value=2**65),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=8),
)
_values = st.recursive(
    _scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner, max_size=3),
)
_times = st.one_of(
    _values,
    st.datetimes(min_value=datetime(1000, 1, 1), max_value=datetime(9000, 1, 1)).map(
        lambda d: d.isoformat() + "Z"
    ),
    st.datetimes(min_value=datetime(1, 1, 1)).map(  # the ledger's own form, as its trajectories write it
        lambda d: d.strftime("%Y-%m-%dT%H:%M:%S.%f").zfill(26) + "Z"
    ),
    st.builds(
        lambda d, m: (
            d.isoformat(timespec="seconds")
            + ("+" if m >= 0 else "-")
            + f"{abs(m) // 60:02d}:{abs(m) % 60:02d}"
        ),
        st.datetimes(min_value=datetime(1000, 1, 1), max_value=datetime(9000, 1, 1)),
        st.integers(min_value=-23 * 60, max_value=23 * 60),
    ),
)
_types = st.one_of(
    st.sampled_from(["tool_call", "tool_result", "exec", "file_write", "test_result", "x"]), _values
)
_data = st.fixed_dictionaries(
    {},
    optional={
        "turn": _values,
        "name": _values,
        "input": st.one_of(
            _values, st.fixed_dictionaries({}, optional={"command": _values, "path": _values})
        ),
        "argv": st.one_of(_values, st.lists(_values, max_size=3)),
        "files": st.one_of(
            _values,
            st.fixed_dictionaries(
                {}, optional={"created": _values, "modified": st.lists(_values), "deleted": _values}
            ),
        ),
        "path": _values,
        "command": _values,
    },
)
_events = st.fixed_dictionaries({}, optional={"seq": _values, "time": _times, "type": _types, "data": _data})
_lines = st.one_of(
    _events.map(lambda e: json.dumps(e, ensure_ascii=False)),
    _events.map(lambda e: " " + json.dumps(e) + "\r"),
    st.sampled_from(["", "  ", "\r", "{", "{} {}", "[]", "null", '{"seq": NaN}', '{"seq": 1, "seq": 2}']),
    st.text(max_size=10).filter(lambda s: "\n" not in s),
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_lines, max_size=6))
def test_sql_rows_follow_the_documented_rules(lines: list[str]) -> None:
    blob = "\n".join(lines).encode("utf-8", "surrogatepass")
    _, events = rows(blob)
    got = [(e["seq"], e["time"], e["type"], e["turn"], e["tool"], e["command"], e["files"]) for e in events]
    assert got == oracle(blob)


def test_the_oracle_and_parse_time_agree_on_offsets() -> None:
    assert parse_time("2025-01-01T00:30:00+01:00") == datetime(2024, 12, 31, 23, 30)
    assert parse_time("2025-01-01T00:00:00-00:30") == datetime(2025, 1, 1) + timedelta(minutes=30)
