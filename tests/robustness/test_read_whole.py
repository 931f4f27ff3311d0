"""``read_whole``: ingest's few-syscall file read gives what ``open().read()`` gives."""

from __future__ import annotations

from pathlib import Path

import pytest

from ledger.fsutil import read_whole


@pytest.mark.parametrize("data", [b"", b"x", b"line\n" * 3000, bytes(range(256)) * 5000])
def test_reads_the_whole_file(tmp_path: Path, data: bytes) -> None:
    path = tmp_path / "f"
    path.write_bytes(data)
    assert read_whole(str(path)) == data
    assert read_whole(str(path), len(data)) == data


def test_a_file_that_grew_since_its_stat_is_still_read_whole(tmp_path: Path) -> None:
    path = tmp_path / "f"
    path.write_bytes(b"a" * 10)
    seen = 10
    path.write_bytes(b"b" * 3_000_000)
    assert read_whole(str(path), seen) == b"b" * 3_000_000


def test_a_file_that_shrank_reads_what_is_there(tmp_path: Path) -> None:
    path = tmp_path / "f"
    path.write_bytes(b"abc")
    assert read_whole(str(path), 100) == b"abc"


def test_errors_are_oserrors(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        read_whole(str(tmp_path / "missing"))
    with pytest.raises(IsADirectoryError):
        read_whole(str(tmp_path))
