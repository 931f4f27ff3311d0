"""Alignment on small hand-made event lists: insertions, deletions, salts and volatile fields."""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import pairwise
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from ledger.diff.align import align_trajectories, match_keys


@dataclass(frozen=True)
class Ev:
    type: str
    data: dict[str, Any] = field(default_factory=dict)
    seq: int = 0
    time: str = "2025-01-01T00:00:00.000000Z"


def call(cmd: str, tid: str = "toolu_1") -> list[Ev]:
    return [
        Ev("tool_call", {"id": tid, "name": "run_command", "input": {"command": cmd}}),
        Ev("exec", {"argv": ["/bin/sh", "-c", cmd], "exit_code": 0, "duration_s": 0.1}),
        Ev("tool_result", {"id": tid, "name": "run_command", "is_error": False, "content": f"ran {cmd}"}),
    ]


def test_a_removed_call_is_a_deletion_and_later_events_stay_paired() -> None:
    a = [Ev("build_start"), *call("one"), *call("two"), *call("three"), Ev("build_end")]
    b = [Ev("build_start"), *call("one"), *call("three"), Ev("build_end")]
    diff = align_trajectories(a, b)
    assert [s.op for s in diff.steps].count("delete") == 3
    assert [x.summary for x in diff.only_a] == ['tool_call run_command {"command": "two"}']
    d = diff.divergence
    assert d is not None and (d.op, d.a_index, d.b_index, d.b_position) == ("delete", 4, None, 4)
    assert diff.steps[-1].op == "equal" and (diff.steps[-1].a_index, diff.steps[-1].b_index) == (10, 7)


def test_durations_ids_and_redaction_salts_are_not_differences() -> None:
    a = [*call("echo [REDACTED:env.TOKEN:0a1b2c3d]", "toolu_a")]
    b = [*call("echo [REDACTED:env.TOKEN:99ffee00]", "toolu_b")]
    b[1] = Ev("exec", {**b[1].data, "duration_s": 7.5})
    diff = align_trajectories(a, b)
    assert diff.divergence is None and {s.op for s in diff.steps} == {"equal"}


def test_a_changed_result_names_the_field_and_both_values() -> None:
    a = call("date")
    b = call("date")
    b[2] = Ev("tool_result", {**b[2].data, "content": "Tue"})
    d = align_trajectories(a, b).divergence
    assert d is not None and (d.op, d.type, d.a_index) == ("changed", "tool_result", 2)
    assert d.detail == "content: A 'ran date' / B 'Tue'"


@given(st.lists(st.integers(0, 6), max_size=40), st.lists(st.integers(0, 6), max_size=40))
def test_matches_are_equal_keys_in_increasing_order(a: list[int], b: list[int]) -> None:
    pairs = match_keys(a, b)
    assert all(a[i] == b[j] for i, j in pairs)
    assert all(i1 < i2 and j1 < j2 for (i1, j1), (i2, j2) in pairwise(pairs))
    if a == b:
        assert pairs == [(i, i) for i in range(len(a))]
