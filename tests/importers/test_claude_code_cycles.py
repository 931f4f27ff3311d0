"""A malformed Claude Code session whose parentUuid links form a cycle imports, and quickly."""

from __future__ import annotations

import json
import time
from pathlib import Path

from ledger.importers import import_bytes
from ledger.objects import ObjectStore
from ledger.trajectory import Redactor


def record(uid: str, parent: str, text: str) -> str:
    return json.dumps({"type": "user", "uuid": uid, "parentUuid": parent, "sessionId": "s",
                       "timestamp": "2025-10-01T09:00:00Z", "message": {"role": "user", "content": text}})  # fmt: skip


def test_parent_cycle_does_not_hang(tmp_path: Path) -> None:
    # a ↔ b is a cycle off the main thread; d has two children, so fork detection runs
    lines = [record("a", "b", "x"), record("b", "a", "y"), record("c", "d", "z"), record("e", "d", "w")]
    started = time.monotonic()
    result = import_bytes(
        ("\n".join(lines) + "\n").encode(),
        "s.jsonl",
        ObjectStore(tmp_path),
        format="claude-code",
        redactor=Redactor(),
    )
    assert time.monotonic() - started < 5
    assert result.events >= 4
