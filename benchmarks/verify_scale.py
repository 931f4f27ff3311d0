"""`ledger verify` of one artifact in a workspace of N signed builds, vs its signature checks alone.

Run: .venv/bin/python -m benchmarks.verify_scale [N]     (default N = 5000 builds)

verify trusts no index: it re-reads and re-verifies every envelope under attestations/ (two
per build), so its time grows with N. The baseline, measured in the same run, is the part no
implementation of that rule can skip: one Ed25519 check per envelope on one core (libsodium,
over the PAEs already in memory). The ratio is what parsing and reading cost on top.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks._ledger_fixture import make_workspace_with_progress
from ledger.attest.dsse import parse_envelope
from ledger.store.duckdb_store import DuckDBStore
from ledger.store.verifier import _Checker, key_material

LEDGER = str(Path(sys.executable).with_name("ledger"))


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 5_000
    with tempfile.TemporaryDirectory(prefix="ledger-verify-bench-") as tmp:
        root = Path(tmp) / "ws"
        ws = make_workspace_with_progress(root, n)
        # the fixture's artifact digests are sha256("<name>:<i>"): these bytes are build 5's api.py
        artifact = root / "src" / "m5" / "api.py"
        artifact.parent.mkdir(parents=True)
        artifact.write_bytes(b"api:5")

        runs = []
        for _ in range(3):
            t = time.perf_counter()
            done = subprocess.run(
                [LEDGER, "verify", "--json", str(artifact)], cwd=root, capture_output=True, text=True
            )
            runs.append(time.perf_counter() - t)
        verdict = json.loads(done.stdout)["artifacts"][0]
        assert verdict["levels"]["SIGNED"]["status"] == "met", verdict

        envelopes = [
            parse_envelope(json.loads(line))
            for f in sorted(ws.attestations_dir.iterdir())
            for line in f.read_bytes().splitlines()
            if line.strip()
        ]
        checker = _Checker(key_material(DuckDBStore(ws).policy))
        t = time.perf_counter()
        for envelope in envelopes:
            assert checker.verify(envelope)[0] is not None
        sig_s = time.perf_counter() - t

    best = min(runs)
    count = len(envelopes)
    print(f"builds {n}, envelopes {count}")
    print(f"ledger verify (CLI, one artifact), best of 3: {best:7.2f} s  {count / best:8.0f} envelopes/s")
    print(f"Ed25519 checks alone (one core)           : {sig_s:7.2f} s  {count / sig_s:8.0f} envelopes/s")
    print(f"ratio verify / signature checks           : {best / sig_s:7.1f}x")

if __name__ == "__main__":
    main()
