"""Reading back what an import wrote, for assertions."""

from __future__ import annotations

from typing import Any

from ledger.importers import ImportResult
from ledger.objects import ObjectStore
from ledger.trajectory import read_trajectory, verify_trajectory


def trajectory_events(store: ObjectStore, result: ImportResult) -> list[dict[str, Any]]:
    """The imported trajectory's events as JSON, after checking its hash chain."""
    path = store.path_for(result.trajectory_sha256)
    assert verify_trajectory(path).ok
    return [e.to_json() for e in read_trajectory(path)]


def data_of(events: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    """The ``data`` of every event of one type, in order."""
    return [e["data"] for e in events if e["type"] == kind]
