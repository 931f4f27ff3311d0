"""The content-addressed object store: idempotent, atomic, tamper-evident."""

from __future__ import annotations

import hashlib
import os
import stat
from pathlib import Path

import pytest

from ledger.errors import InputError
from ledger.objects import ObjectCorrupt, ObjectNotFound, ObjectStore


@pytest.fixture
def store(tmp_path: Path) -> ObjectStore:
    return ObjectStore(tmp_path / ".ledger" / "objects")


def test_put_bytes_is_content_addressed_and_idempotent(store: ObjectStore) -> None:
    digest = store.put_bytes(b"hello\n")
    assert digest == hashlib.sha256(b"hello\n").hexdigest()
    path = store.path_for(digest)
    assert path == store.root / "sha256" / digest[:2] / digest[2:]
    assert stat.S_IMODE(path.stat().st_mode) == 0o444
    mtime = path.stat().st_mtime_ns
    assert store.put_bytes(b"hello\n") == digest
    assert path.stat().st_mtime_ns == mtime  # not rewritten
    assert store.get_bytes(digest) == b"hello\n"
    with store.open(digest) as fh:
        assert fh.read() == b"hello\n"
    assert store.has(digest) and store.verify(digest)
    assert list(store.iter_digests()) == [digest]
    assert not any((store.root / "tmp").iterdir())  # no temp files left behind


def test_put_file_streams_and_matches_put_bytes(store: ObjectStore, tmp_path: Path) -> None:
    data = os.urandom(3 * (1 << 20) + 17)  # spans several 1 MiB chunks
    src = tmp_path / "big.bin"
    src.write_bytes(data)
    digest = store.put_file(src)
    assert digest == hashlib.sha256(data).hexdigest()
    assert src.exists()  # copied, not moved
    assert store.get_bytes(digest) == data
    assert store.put_bytes(data) == digest


def test_put_file_move_takes_the_file(store: ObjectStore, tmp_path: Path) -> None:
    src = tmp_path / "build" / "trajectory.jsonl"
    src.parent.mkdir()
    src.write_bytes(b"line\n")
    digest = store.put_file(src, move=True)
    assert not src.exists()
    assert store.get_bytes(digest) == b"line\n"
    # moving equal content again just drops the source
    src.write_bytes(b"line\n")
    assert store.put_file(src, move=True) == digest
    assert not src.exists()
    assert list(store.iter_digests()) == [digest]


def test_tampering_is_detected(store: ObjectStore) -> None:
    digest = store.put_bytes(b"the real trajectory\n")
    path = store.path_for(digest)
    os.chmod(path, 0o644)
    path.write_bytes(b"a forged trajectory\n")
    assert not store.verify(digest)
    with pytest.raises(ObjectCorrupt) as exc:
        store.get_bytes(digest)
    assert exc.value.exit_code == 1 and "hashes to" in exc.value.message


def test_missing_and_malformed_digests(store: ObjectStore) -> None:
    absent = "0" * 64
    assert not store.has(absent) and not store.verify(absent)
    with pytest.raises(ObjectNotFound):
        store.get_bytes(absent)
    for bad in ("ABC", "A" * 64, "sha256:" + "0" * 64, "0" * 63, "../" + "0" * 61, "g" * 64):
        with pytest.raises(InputError, match="expected 64 lowercase hex"):
            store.path_for(bad)


def test_iter_digests_skips_stray_files(store: ObjectStore) -> None:
    a, b = store.put_bytes(b"a"), store.put_bytes(b"b")
    (store.root / "sha256" / "zz").mkdir()
    (store.root / "sha256" / a[:2] / "README").write_text("not a blob")
    assert list(store.iter_digests()) == sorted([a, b])
    assert list(ObjectStore(store.root / "nowhere").iter_digests()) == []


def test_write_failures_are_one_line_store_errors(tmp_path: Path) -> None:
    from ledger.errors import StoreError

    not_a_dir = tmp_path / "objects"
    not_a_dir.write_text("a file where the store should be")
    with pytest.raises(StoreError, match="cannot write to the object store"):
        ObjectStore(not_a_dir).put_bytes(b"x")


def test_put_file_move_of_a_symlink_stores_the_target(store: ObjectStore, tmp_path: Path) -> None:
    target = tmp_path / "real.txt"
    target.write_bytes(b"content")
    link = tmp_path / "link.txt"
    link.symlink_to(target)
    digest = store.put_file(link, move=True)
    assert not link.exists() and target.exists()
    assert not store.path_for(digest).is_symlink()
    assert store.get_bytes(digest) == b"content"
