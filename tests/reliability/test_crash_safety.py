"""kill -9 at random points during build, ingest and checkpoint; nothing accepted is ever lost.

After every kill no attestation, artifact or manifest is half-written; at the end ``verify`` and
``audit`` pass and ``reindex`` recovers every envelope the ledger had accepted.
"""

from __future__ import annotations

import random
import time
from pathlib import Path

import pytest

from tests.build.conftest import sandbox_kind
from tests.conftest import run_ledger
from tests.reliability.conftest import make_demo
from tests.reliability.figures import record
from tests.reliability.stress import fixture_signer, half_written, kill_9, start_ledger


def accepted_envelopes(root: Path) -> set[str]:
    import duckdb

    db = root / ".ledger" / "ledger.duckdb"
    if not db.exists():
        return set()
    con = duckdb.connect(str(db), read_only=True)
    try:
        return {r[0] for r in con.execute("SELECT envelope_sha256 FROM envelopes").fetchall()}
    finally:
        con.close()


def timed(root: Path, *args: str) -> float:
    """Wall time of one uninterrupted run: kill delays are fractions of it, on any machine speed."""
    started = time.monotonic()
    result = run_ledger(*args, cwd=root)
    assert result.code == 0, result
    return time.monotonic() - started


def crash_campaign(root: Path, builds: int, ingests: int, checkpoints: int, seed: int) -> dict[str, int]:
    rng = random.Random(seed)
    signer = fixture_signer(root)
    duration = {
        "build": timed(root, "build", "recipes/roman.toml", "--sandbox", sandbox_kind()),
        "ingest": timed(root, "ingest", "attestations"),
        "checkpoint": timed(root, "checkpoint"),
    }
    plan = ["build"] * builds + ["ingest"] * ingests + ["checkpoint"] * checkpoints
    rng.shuffle(plan)
    kills = mid_flight = 0
    for n, what in enumerate(plan):
        if what == "build":
            proc = start_ledger(root, "build", "recipes/roman.toml", "--sandbox", sandbox_kind())
        elif what == "ingest":
            target = ("slugify", "wordcount", "normalize")[n % 3]
            signer.build(f"crash-{n}", f"SPEC/textkit/{target}", f"# build {n}\n".encode(), minutes=n)
            proc = start_ledger(root, "ingest", "attestations")
        else:
            proc = start_ledger(root, "checkpoint")
        # a random point inside the operation (as long as an uninterrupted one took), plus a few
        # kills just after it, so both "mid-write" and "already done" are exercised
        delay = rng.uniform(0.05, 1.1) * duration[what]
        time.sleep(delay)
        mid_flight += kill_9(proc)
        kills += 1
        assert half_written(root) == [], (what, delay)
    return {"kills": kills, "mid_flight": mid_flight}


def check_recovery(root: Path) -> tuple[int, int]:
    """(accepted before reindex, lost by reindex); asserts verify/audit pass."""
    if (root / "src" / "textkit" / "roman.py").exists():
        verify = run_ledger("verify", "src/textkit/roman.py", cwd=root)
        assert verify.code == 0, verify
    audit = run_ledger("audit", cwd=root)
    assert audit.code == 0, audit
    before = accepted_envelopes(root)
    reindex = run_ledger("reindex", cwd=root)
    assert reindex.code == 0, reindex
    after = accepted_envelopes(root)
    assert run_ledger("audit", cwd=root).code in (0, 1)  # checkpoints may predate a new order
    return len(before), len(before - after)


@pytest.mark.slow
def test_fifty_kill_9s_during_build_ingest_and_checkpoint_lose_nothing(tmp_path: Path) -> None:
    root = make_demo(tmp_path / "demo")
    figures = crash_campaign(root, builds=20, ingests=15, checkpoints=15, seed=20251123)
    accepted, lost = check_recovery(root)
    record("crash", kills=figures["kills"], mid_flight=figures["mid_flight"], accepted=accepted, losses=lost)
    print(
        f"{figures['kills']} kills ({figures['mid_flight']} mid-flight), {accepted} accepted, {lost} losses"
    )
    assert figures["kills"] == 50 and figures["mid_flight"] >= 25
    assert accepted > 0 and lost == 0


def test_a_few_kills_lose_nothing(tmp_path: Path) -> None:
    """The fast variant of the campaign above: 2 builds, 2 ingests, 2 checkpoints."""
    root = make_demo(tmp_path / "demo")
    fixture_signer(root).build("seed", "SPEC/textkit/slugify", b"# seed\n")
    assert run_ledger("ingest", "attestations", cwd=root).code == 0
    figures = crash_campaign(root, builds=2, ingests=2, checkpoints=2, seed=7)
    accepted, lost = check_recovery(root)
    assert figures["kills"] == 6 and accepted >= 2 and lost == 0
