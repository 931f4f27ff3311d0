"""The writer: crash-safe appends, the store hand-off, and what it refuses."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from ledger.objects import ObjectStore
from ledger.trajectory import (
    Redactor,
    TrajectoryWriter,
    read_trajectory,
    verify_trajectory,
)


def test_every_event_is_on_disk_before_emit_returns(tmp_path: Path, redactor: Redactor, clock: Any) -> None:
    """A crash after any emit leaves a valid, verifiable prefix."""
    path = tmp_path / "t.jsonl"
    w = TrajectoryWriter(path, redactor, clock)
    for i in range(5):
        w.emit("note", {"i": i})
        report = verify_trajectory(path)  # read by another process, mid-build
        assert report.ok and report.count == i + 1 and report.head == w.head
    w.abandon()


def test_close_moves_the_file_into_the_store(tmp_path: Path, make_build: Any) -> None:
    store = ObjectStore(tmp_path / "objects")
    path = tmp_path / "build-tmp" / "trajectory.jsonl"
    digest = make_build(path, store=store).close()
    assert not path.exists()
    stored = store.path_for(digest.file_sha256)
    assert store.verify(digest.file_sha256)
    report = verify_trajectory(stored, expected_head=digest.head)
    assert report.ok and report.complete and report.count == digest.count == 8


def test_store_argument(tmp_path: Path, redactor: Redactor) -> None:
    store = ObjectStore(tmp_path / "objects")
    with TrajectoryWriter(tmp_path / "t.jsonl", redactor, store=store, fsync=True) as w:
        w.emit("build_start", {})
        digest = w.close()
        assert w.close() == digest  # idempotent; leaving the block does not store it twice
    assert store.has(digest.file_sha256)
    assert list(store.iter_digests()) == [digest.file_sha256]


def test_refusals(tmp_path: Path, redactor: Redactor) -> None:
    path = tmp_path / "t.jsonl"
    w = TrajectoryWriter(path, redactor)
    with pytest.raises(ValueError, match="unknown event type 'chat'"):
        w.emit("chat", {})
    with pytest.raises(ValueError, match="written by the writer itself"):
        w.emit("redaction", {"event": 0, "redactions": []})
    with pytest.raises(ValueError, match="not representable in JSON"):
        w.emit("note", {"x": float("nan")})  # only our own code makes NaN: a bug to find
    with pytest.raises(TypeError, match="expected a JSON object"):
        w.emit("note", ["not", "an", "object"])  # type: ignore[arg-type]
    assert path.read_bytes() == b""  # nothing half-written by the refusals
    w.close()
    with pytest.raises(ValueError, match="closed"):
        w.emit("note", {})
    with pytest.raises(FileExistsError):
        TrajectoryWriter(path, redactor)  # never appends to or clobbers a trajectory
    with pytest.raises(TypeError, match="needs a Redactor"):
        TrajectoryWriter(tmp_path / "u.jsonl", None)  # type: ignore[arg-type]


def test_time_is_utc_with_microseconds(tmp_path: Path, redactor: Redactor) -> None:
    from datetime import timedelta, timezone

    cet = timezone(timedelta(hours=1))
    w = TrajectoryWriter(
        tmp_path / "t.jsonl", redactor, lambda: datetime(2025, 1, 1, 13, 0, 0, 5, tzinfo=cet)
    )
    assert w.emit("note", {}).time == "2025-01-01T12:00:00.000005Z"
    naive = TrajectoryWriter(tmp_path / "n.jsonl", redactor, lambda: datetime(2025, 1, 1))
    with pytest.raises(ValueError, match="naive"):
        naive.emit("note", {})
    w.close()
    naive.close()


def test_lines_are_canonical_bytes(build_file: Path) -> None:
    from ledger.digest import canonical_json

    for line in build_file.read_bytes().splitlines():
        assert line == canonical_json(json.loads(line))
    assert [e.seq for e in read_trajectory(build_file)] == list(range(8))


def test_a_failed_build_keeps_its_prefix_out_of_the_store(tmp_path: Path, redactor: Redactor) -> None:
    store = ObjectStore(tmp_path / "objects")
    path = tmp_path / "t.jsonl"
    with pytest.raises(RuntimeError), TrajectoryWriter(path, redactor, store=store) as w:
        w.emit("build_start", {})
        raise RuntimeError("model endpoint went away")
    assert list(store.iter_digests()) == []
    assert verify_trajectory(path).ok  # the prefix is there to inspect


def test_what_a_model_can_send_but_json_cannot_hold_is_written_as_its_nearest_json(
    tmp_path: Path, redactor: Redactor
) -> None:
    """A build must not die because a model cut an emoji in half or wrote a 20-digit number."""
    path = tmp_path / "t.jsonl"
    with TrajectoryWriter(path, redactor) as w:
        w.emit("model_response", {"text": "fire \ud83d", "n": 2**64, "huge": 10**400, "ok": 7})
        w.close()
    (event,) = read_trajectory(path)
    assert event.data == {"text": "fire \ufffd", "n": float(2**64), "huge": str(10**400), "ok": 7}
    assert verify_trajectory(path).ok
