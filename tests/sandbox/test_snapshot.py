"""The scratch index: cheap per-call diffs that still catch same-size rewrites and forged mtimes."""

from __future__ import annotations

import os
import threading
from pathlib import Path

from ledger.sandbox.snapshot import ScratchIndex


def test_first_refresh_reports_everything_as_created(tmp_path: Path) -> None:
    (tmp_path / "a").write_text("1")
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "b").write_text("22")
    changes = ScratchIndex(tmp_path).refresh()
    assert changes.created == ("a", "d/b")
    assert [c.size for c in changes.details] == [1, 2]


def test_same_size_rewrite_with_restored_mtime_is_detected(tmp_path: Path) -> None:
    target = tmp_path / "f.txt"
    target.write_text("aaaa")
    index = ScratchIndex(tmp_path)
    index.refresh()
    st = target.stat()
    target.write_text("bbbb")  # same size, within the same timestamp tick
    os.utime(target, ns=(st.st_atime_ns, st.st_mtime_ns))  # and the mtime forged back
    assert index.refresh().modified == ("f.txt",)


def test_touch_without_change_is_not_a_modification(tmp_path: Path) -> None:
    target = tmp_path / "f.txt"
    target.write_text("same")
    index = ScratchIndex(tmp_path)
    index.refresh()
    os.utime(target, ns=(1, 1))
    changes = index.refresh()
    assert changes.modified == () and changes.created == ()


def test_mode_change_is_a_modification(tmp_path: Path) -> None:
    target = tmp_path / "run.sh"
    target.write_text("#!/bin/sh\n")
    index = ScratchIndex(tmp_path)
    index.refresh()
    target.chmod(0o755)
    assert index.refresh().modified == ("run.sh",)


def test_a_planted_fifo_does_not_hang_the_index(tmp_path: Path) -> None:
    index = ScratchIndex(tmp_path)
    index.refresh()
    os.mkfifo(tmp_path / "pipe")
    result: list[tuple[str, ...]] = []
    worker = threading.Thread(target=lambda: result.append(index.refresh().created))
    worker.start()
    worker.join(timeout=5)
    assert not worker.is_alive()
    assert result == [("pipe",)]
    assert index.refresh().details == ()


def test_deleted_and_replaced_by_symlink(tmp_path: Path) -> None:
    (tmp_path / "gone").write_text("x")
    (tmp_path / "swap").write_text("x")
    index = ScratchIndex(tmp_path)
    index.refresh()
    (tmp_path / "gone").unlink()
    (tmp_path / "swap").unlink()
    os.symlink("/etc/passwd", tmp_path / "swap")
    changes = index.refresh()
    assert changes.deleted == ("gone",)
    assert changes.modified == ("swap",)
    assert changes.details[0].kind == "symlink" and changes.details[0].sha256 is None
