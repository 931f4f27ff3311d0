"""Timeouts and resource limits behave the same with and without bubblewrap."""

from __future__ import annotations

import secrets
import threading
import time
from pathlib import Path

from ledger.sandbox import Limits, open_sandbox

from .conftest import pids_with


def test_timeout_kills_the_whole_process_group(workspace: Path, kind: str) -> None:
    duration = f"{1000 + secrets.randbelow(1000)}.{secrets.randbelow(1000)}"
    seen: set[int] = set()
    done = threading.Event()

    def watch() -> None:
        while not done.is_set():
            seen.update(pids_with(f"sleep\x00{duration}"))
            time.sleep(0.05)

    watcher = threading.Thread(target=watch)
    with open_sandbox(workspace, kind=kind) as sandbox:
        watcher.start()
        try:
            result = sandbox.run(["sh", "-c", f"sleep {duration} & wait"], timeout_s=1.5)
        finally:
            done.set()
            watcher.join()
    assert result.timed_out and result.exit_code == 137
    assert 1.5 <= result.duration_s < 5
    assert seen, "the child sleep was never observed running"
    time.sleep(0.2)
    assert pids_with(f"sleep\x00{duration}") == set()
    for pid in seen:
        assert not Path(f"/proc/{pid}").exists() or "Z" in Path(f"/proc/{pid}/stat").read_text()


def test_cpu_and_file_size_limits_stop_the_command(workspace: Path, kind: str) -> None:
    limits = Limits(cpu_seconds=1, max_file_bytes=1 << 20)
    with open_sandbox(workspace, kind=kind, limits=limits) as sandbox:
        spin = sandbox.run(["python3", "-c", "while True: pass"], timeout_s=20)
        big = sandbox.run(["sh", "-c", "head -c 3000000 /dev/zero > big.bin"], timeout_s=20)
        size = (sandbox.scratch / "big.bin").stat().st_size
    assert not spin.timed_out and spin.exit_code in (137, 152)  # SIGKILL / SIGXCPU
    assert spin.duration_s < 10
    assert big.exit_code != 0
    assert size == 1 << 20
