"""The hash chain: what a writer produces verifies, and every kind of tampering is named."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ledger.digest import canonical_json
from ledger.errors import TrajectoryError
from ledger.trajectory import (
    GENESIS,
    Redactor,
    TrajectoryBroken,
    TrajectoryWriter,
    read_trajectory,
    verify_trajectory,
)


def lines_of(path: Path) -> list[bytes]:
    return path.read_bytes().splitlines(keepends=True)


def rewrite(path: Path, lines: list[bytes]) -> None:
    path.write_bytes(b"".join(lines))


def test_round_trip_chain_and_digests(tmp_path: Path, redactor: Redactor, clock: Any) -> None:
    path = tmp_path / "t.jsonl"
    with TrajectoryWriter(path, redactor, clock) as w:
        first = w.emit("build_start", {"build_id": "b-1"})
        second = w.emit("note", {"text": "hello"})
        assert first.prev == GENESIS
        assert second.prev == first.digest
        assert w.head == second.digest
        digest = w.close()

    raw = path.read_bytes()
    assert digest.count == 2
    assert digest.file_sha256 == hashlib.sha256(raw).hexdigest()
    # the head is the SHA-256 of the last line's bytes, which are its canonical JSON
    last_line = raw.splitlines()[-1]
    assert digest.head == hashlib.sha256(last_line).hexdigest()
    assert last_line == canonical_json(json.loads(last_line))

    events = read_trajectory(path)
    assert [e.type for e in events] == ["build_start", "note"]
    assert events[0].time == "2025-03-01T12:00:00.000000Z"
    assert events[1].data == {"text": "hello"}
    report = verify_trajectory(path, expected_head=digest.head)
    assert report.ok and report.count == 2 and report.head == digest.head
    assert report.file_sha256 == digest.file_sha256
    assert not report.complete  # no build_end: a crashed build's prefix


def test_complete_build_verifies(build_file: Path) -> None:
    report = verify_trajectory(build_file)
    assert report.ok, report.reason
    assert report.count == 8
    assert report.complete


def test_edited_data_field_blames_that_event(build_file: Path) -> None:
    lines = lines_of(build_file)
    event = json.loads(lines[3])
    event["data"]["input"]["argv"] = ["rm", "-rf", "/"]
    lines[3] = canonical_json(event) + b"\n"  # still canonical: only the chain can tell
    rewrite(build_file, lines)

    report = verify_trajectory(build_file)
    assert not report.ok
    assert report.first_broken_seq == 3
    assert report.reason is not None and "event 3 does not hash to the prev" in report.reason


def test_edited_last_event_needs_the_attested_head(tmp_path: Path, make_build: Any) -> None:
    path = tmp_path / "t.jsonl"
    head = make_build(path).close().head
    lines = lines_of(path)
    event = json.loads(lines[-1])
    event["data"]["status"] = "failed"
    lines[-1] = canonical_json(event) + b"\n"
    rewrite(path, lines)

    assert verify_trajectory(path).ok  # nothing after it vouches for the last event…
    report = verify_trajectory(path, expected_head=head)  # …but the attestation does
    assert not report.ok and report.first_broken_seq == 7


def test_events_appended_after_the_attested_head(tmp_path: Path, redactor: Redactor, clock: Any) -> None:
    path = tmp_path / "t.jsonl"
    w = TrajectoryWriter(path, redactor, clock)
    w.emit("build_start", {})
    head = w.head
    w.emit("note", {"text": "added later"})
    w.close()
    report = verify_trajectory(path, expected_head=head)
    assert not report.ok and report.first_broken_seq == 1
    assert report.reason is not None and "appended" in report.reason


def test_deleted_line(build_file: Path) -> None:
    lines = lines_of(build_file)
    del lines[4]
    rewrite(build_file, lines)
    report = verify_trajectory(build_file)
    assert (report.ok, report.first_broken_seq) == (False, 4)
    assert report.reason is not None and "seq is 5, expected 4" in report.reason


def test_deleted_line_with_renumbering(build_file: Path) -> None:
    """An attacker who also fixes up seq is caught by the prev link."""
    lines = lines_of(build_file)
    del lines[4]
    for i in range(4, len(lines)):
        event = json.loads(lines[i])
        event["seq"] = i
        lines[i] = canonical_json(event) + b"\n"
    rewrite(build_file, lines)
    report = verify_trajectory(build_file)
    assert (report.ok, report.first_broken_seq) == (False, 3)


def test_swapped_lines(build_file: Path) -> None:
    lines = lines_of(build_file)
    lines[2], lines[3] = lines[3], lines[2]
    rewrite(build_file, lines)
    report = verify_trajectory(build_file)
    assert (report.ok, report.first_broken_seq) == (False, 2)


def test_reordered_keys_are_not_canonical(build_file: Path) -> None:
    lines = lines_of(build_file)
    event = json.loads(lines[5])
    reordered = {k: event[k] for k in ("type", "seq", "time", "prev", "data")}
    lines[5] = json.dumps(reordered, separators=(",", ":")).encode() + b"\n"
    rewrite(build_file, lines)
    report = verify_trajectory(build_file)
    assert (report.ok, report.first_broken_seq) == (False, 5)
    assert report.reason == "line 6: not in RFC 8785 canonical form (reformatted, or keys reordered?)"


def test_truncated_mid_line(build_file: Path) -> None:
    data = build_file.read_bytes()
    cut = data.rindex(b"\n", 0, len(data) - 1) + 20  # 20 bytes into the last line
    build_file.write_bytes(data[:cut])
    report = verify_trajectory(build_file)
    assert (report.ok, report.first_broken_seq) == (False, 7)
    assert report.reason is not None and "truncated" in report.reason


def test_wrong_type_and_bad_json(build_file: Path) -> None:
    lines = lines_of(build_file)
    event = json.loads(lines[1])
    event["type"] = "model_whisper"
    lines[1] = canonical_json(event) + b"\n"
    rewrite(build_file, lines)
    report = verify_trajectory(build_file)
    assert report.first_broken_seq == 1
    assert report.reason is not None and "'model_whisper' is not an event type" in report.reason

    lines[1] = b"{not json\n"
    rewrite(build_file, lines)
    report = verify_trajectory(build_file)
    assert report.first_broken_seq == 1
    assert report.reason is not None and "not valid JSON" in report.reason


def test_cut_from_the_front(build_file: Path) -> None:
    rewrite(build_file, lines_of(build_file)[1:])
    report = verify_trajectory(build_file)
    assert (report.ok, report.first_broken_seq) == (False, 0)


def test_read_trajectory_raises_with_file_and_line(build_file: Path) -> None:
    lines = lines_of(build_file)
    lines[2] = b'{"seq": 2}\n'
    rewrite(build_file, lines)
    with pytest.raises(TrajectoryError) as exc:
        read_trajectory(build_file)
    assert exc.value.line == 3
    assert str(exc.value).startswith(f"{build_file}:3: event keys missing")

    lines = lines_of(build_file)
    lines[2], lines[3] = lines[3], lines[2]
    rewrite(build_file, lines)
    with pytest.raises((TrajectoryError, TrajectoryBroken)):
        read_trajectory(build_file)


def test_read_trajectory_refuses_broken_chain_unless_asked(build_file: Path) -> None:
    lines = lines_of(build_file)
    del lines[1]
    rewrite(build_file, lines)
    with pytest.raises(TrajectoryBroken) as exc:
        read_trajectory(build_file)
    assert exc.value.exit_code == 1 and "event 1:" in exc.value.message
    assert len(read_trajectory(build_file, verify=False)) == 7


def test_unreadable_file_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(TrajectoryError) as exc:
        verify_trajectory(tmp_path / "missing.jsonl")
    assert exc.value.exit_code == 2


# JSON values as they survive RFC 8785: I-JSON integers, finite floats, any str.
json_scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**53) + 1, max_value=2**53 - 1)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(st.characters(exclude_categories=["Cs"]))
)
json_values = st.recursive(
    json_scalars,
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(st.text(st.characters(exclude_categories=["Cs"])), children, max_size=4)
    ),
    max_leaves=20,
)
event_data = st.dictionaries(st.text(max_size=10), json_values, max_size=5)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(datas=st.lists(event_data, min_size=1, max_size=5))
def test_any_data_round_trips_and_verifies(
    tmp_path_factory: pytest.TempPathFactory,
    clock: Callable[[], datetime],
    datas: list[dict[str, Any]],
) -> None:
    path = tmp_path_factory.mktemp("prop") / "t.jsonl"
    # No env secrets and text without key shapes: the data must come back exactly.
    redactor = Redactor([], environ={})
    with TrajectoryWriter(path, redactor, clock) as w:
        written = [w.emit("note", d) for d in datas]
        digest = w.close()
    events = [e for e in read_trajectory(path) if e.type == "note"]
    redacted_any = len(read_trajectory(path)) != len(datas)
    assert [e.data for e in events] == [e.data for e in written]
    if not redacted_any:
        assert [e.data for e in events] == datas
    report = verify_trajectory(path, expected_head=digest.head)
    assert report.ok, report.reason


def test_impossible_time_is_refused(build_file: Path) -> None:
    lines = lines_of(build_file)
    event = json.loads(lines[0])
    event["time"] = "2025-13-45T12:00:00.000000Z"
    lines[0] = canonical_json(event) + b"\n"
    rewrite(build_file, lines)
    report = verify_trajectory(build_file)
    assert report.first_broken_seq == 0
    assert report.reason is not None and "expected RFC 3339 UTC" in report.reason
