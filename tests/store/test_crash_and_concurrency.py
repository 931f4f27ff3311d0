"""kill -9 in the middle of a batch, and two ingest processes at once."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from ledger.store.audit import audit
from tests.store.conftest import LedgerWorkspace, sign_fixture_builds

REPO = Path(__file__).resolve().parents[2]


def start(lw: LedgerWorkspace, pause: float, batch: int, *paths: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tests.store.ingest_worker",
            str(lw.root),
            str(pause),
            str(batch),
            *map(str, paths),
        ],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )


def wait_for(proc: subprocess.Popen[str], marker: str, times: int = 1) -> None:
    assert proc.stdout is not None
    seen = 0
    for line in proc.stdout:
        if line.strip() == marker:
            seen += 1
            if seen == times:
                return
    raise AssertionError(
        f"worker ended before printing {marker} x{times}: {proc.stderr.read() if proc.stderr else ''}"
    )


def test_kill_9_mid_batch_keeps_the_committed_batches_only(lw: LedgerWorkspace) -> None:
    sign_fixture_builds(lw)
    files = sorted(lw.ws.attestations_dir.glob("*.intoto.jsonl"))
    proc = start(lw, 60, 2, 4, lw.ws.attestations_dir)  # batches of 4 envelopes = 2 builds
    wait_for(proc, "INSERTED", times=2)  # first batch committed, second one's rows inserted
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)

    store = lw.store()
    first_two = sorted(f.relative_to(lw.root).as_posix() for f in files[:2])
    assert store.sql("SELECT DISTINCT source FROM envelopes ORDER BY 1").rows == tuple(
        (s,) for s in first_two
    )
    assert store.sql("SELECT count(*) FROM builds").rows == ((2,),)
    assert store.sql("SELECT count(*) FROM log").rows == ((4,),)
    assert audit(store, lw.ws).ok

    report = store.ingest([lw.ws.attestations_dir])  # the next ingest completes the work
    assert (report.accepted, report.duplicates) == (4, 4)
    assert audit(store, lw.ws).ok


def test_two_ingest_processes_at_once_both_succeed(lw: LedgerWorkspace) -> None:
    sign_fixture_builds(lw)
    files = sorted(lw.ws.attestations_dir.glob("*.intoto.jsonl"))
    first = start(lw, 1.5, 1, 100, *files[:2])
    wait_for(first, "INSERTED")  # holds the write lock for 1.5 s more
    second = start(lw, 0, 1, 100, *files[2:])
    out1, err1 = first.communicate(timeout=60)
    out2, err2 = second.communicate(timeout=60)
    assert (first.returncode, second.returncode) == (0, 0), err1 + err2
    assert "DONE 4" in out1 and "DONE 4" in out2
    assert "lock" not in (err1 + err2).lower()
    store = lw.store()
    assert store.sql("SELECT count(*) FROM envelopes").rows == ((8,),)
    assert audit(store, lw.ws).ok


READER = """
import sys
import time
from pathlib import Path
from ledger.store.duckdb_store import DuckDBStore
from ledger.workspace import Workspace
store = DuckDBStore(Workspace(Path(sys.argv[1])))
print(store.sql("SELECT count(*) FROM envelopes").rows[0][0], flush=True)
"""


def test_a_waiting_reader_makes_a_long_ingest_let_go_between_batches(lw: LedgerWorkspace) -> None:
    from ledger.fsutil import lock_wanted
    from ledger.store.duckdb_store import _HeldWriter

    store = lw.store()
    with _HeldWriter(store) as held:
        held.connection()
        held.batch_written()
        assert held.holding  # nobody waiting: the lock is kept for the next batch

        reader = subprocess.Popen(
            [sys.executable, "-c", READER, str(lw.root)],
            cwd=REPO,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env={**os.environ, "PYTHONPATH": str(REPO)},
        )
        for _ in range(200):
            if lock_wanted(store.lock_path):
                break
            time.sleep(0.05)
        assert lock_wanted(store.lock_path), "the reader left no hint that it waits"
        assert reader.poll() is None  # blocked on the lock

        held.batch_written()  # the end of the next batch: it lets go
        assert not held.holding
        out, err = reader.communicate(timeout=30)
        assert (reader.returncode, out.strip()) == (0, "0"), err
        assert not lock_wanted(store.lock_path)


def test_a_waiting_hint_goes_with_its_waiter(tmp_path: Path) -> None:
    """A hint names its process: one left by a process that died is ignored (and removed), and
    a waiter that gets the lock takes its own hint down, so no later ingest lets go for nobody."""
    import threading

    from ledger.fsutil import file_lock, lock_wanted

    lock = tmp_path / "ledger.lock"
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    stale = tmp_path / f"ledger.lock.wanted.{int(dead.stdout)}.1"
    stale.touch()
    assert not lock_wanted(lock) and not stale.exists()

    got_in = threading.Event()

    def wait_for_the_lock() -> None:
        with file_lock(lock):
            got_in.set()

    with file_lock(lock):
        waiter = threading.Thread(target=wait_for_the_lock)
        waiter.start()
        for _ in range(200):
            if lock_wanted(lock):
                break
            time.sleep(0.01)
        assert lock_wanted(lock)
    waiter.join(timeout=10)
    assert got_in.is_set() and not lock_wanted(lock)
    assert not list(tmp_path.glob("ledger.lock.wanted*"))
