"""Four ``ledger`` processes building and ingesting into one workspace at once.

Two workers build the demo recipe over and over, two ingest freshly signed envelopes, for a
bounded time. Afterwards every envelope on disk is in the ledger exactly once, ``audit`` passes,
and no worker ever showed the user a lock error.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from ledger.attest.dsse import read_envelope_file
from ledger.digest import sha256_hex
from ledger.store.derive import envelope_canonical
from tests.build.conftest import sandbox_kind
from tests.conftest import run_ledger
from tests.reliability.conftest import make_demo
from tests.reliability.figures import record
from tests.reliability.stress import fixture_signer, start_ledger

LOCK_WORDS = ("database is locked", "could not set lock", "lock", "conflict", "traceback")


def run_workers(root: Path, seconds: float) -> dict[str, list[tuple[int, str]]]:
    signer = fixture_signer(root)
    sign_lock = threading.Lock()
    deadline = time.monotonic() + seconds
    results: dict[str, list[tuple[int, str]]] = {}

    def worker(name: str) -> None:
        out = results.setdefault(name, [])
        n = 0
        while time.monotonic() < deadline:
            n += 1
            if name.startswith("build"):
                proc = start_ledger(root, "build", "recipes/roman.toml", "--sandbox", sandbox_kind())
            else:
                folder = root / "incoming" / f"{name}-{n}"
                with sign_lock:  # the signer fixture is not thread-safe; ingest is what we test
                    signer.build(
                        f"{name}-{n}",
                        "SPEC/textkit/slugify",
                        f"# {name} {n}\n".encode(),
                        minutes=n,
                        attestation_dir=folder,
                    )
                proc = start_ledger(root, "ingest", str(folder))
            _, err = proc.communicate(timeout=120)
            out.append((proc.returncode, err))

    threads = [
        threading.Thread(target=worker, args=(n,)) for n in ("build-1", "build-2", "ingest-1", "ingest-2")
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


def envelopes_on_disk(root: Path) -> set[str]:
    found: set[str] = set()
    for path in [*root.glob("attestations/*.intoto.jsonl"), *root.glob("incoming/*/*.intoto.jsonl")]:
        found.update(sha256_hex(envelope_canonical(line.envelope)) for line in read_envelope_file(path))
    return found


def check(root: Path, seconds: float) -> None:
    results = run_workers(root, seconds)
    runs = [r for rs in results.values() for r in rs]
    for code, err in runs:
        assert code == 0, err
        assert not any(w in err.lower() for w in LOCK_WORDS), err
    rows = run_ledger(
        "sql", "SELECT envelope_sha256, count(*) AS n FROM envelopes GROUP BY 1", "--json", cwd=root
    )
    assert rows.code == 0, rows
    import json

    counted = {r["envelope_sha256"]: r["n"] for r in json.loads(rows.stdout)}
    on_disk = envelopes_on_disk(root)
    duplicated = sorted(k for k, v in counted.items() if v != 1)
    lost = sorted(on_disk - set(counted))
    assert run_ledger("audit", cwd=root).code == 0
    builds = sum(len(v) for k, v in results.items() if k.startswith("build"))
    ingests = sum(len(v) for k, v in results.items() if k.startswith("ingest"))
    record(
        "concurrency",
        seconds=seconds,
        processes=4,
        builds=builds,
        ingests=ingests,
        envelopes=len(counted),
        lost=len(lost),
        duplicated=len(duplicated),
    )
    print(
        f"{seconds:.0f} s x 4 processes: {builds} builds, {ingests} ingests, {len(counted)} envelopes, "
        f"{len(lost)} lost, {len(duplicated)} duplicated"
    )
    assert not lost and not duplicated
    assert builds >= 2 and ingests >= 2


def test_four_processes_for_a_few_seconds(tmp_path: Path) -> None:
    check(make_demo(tmp_path / "demo"), 5)


@pytest.mark.slow
def test_four_processes_for_twenty_seconds(tmp_path: Path) -> None:
    check(make_demo(tmp_path / "demo"), 20)
