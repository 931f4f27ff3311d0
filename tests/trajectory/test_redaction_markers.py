from __future__ import annotations

from pathlib import Path


def test_an_authorization_marker_is_not_redacted_again(tmp_path: Path) -> None:
    from ledger.trajectory import Redactor, TrajectoryWriter, verify_trajectory

    writer = TrajectoryWriter(tmp_path / "t.jsonl", Redactor())
    writer.emit("note", {"text": "Authorization: Bearer abcdef1234567890abcdef"})
    writer.close()
    text = (tmp_path / "t.jsonl").read_text()
    assert "abcdef1234567890abcdef" not in text
    assert "[REDACTED:authorization:[REDACTED" not in text
    assert verify_trajectory(tmp_path / "t.jsonl").ok
