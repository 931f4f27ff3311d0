"""Our file hashing (ledger.digest.sha256_file) vs coreutils `sha256sum` on the same file, same run."""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from ledger.digest import sha256_file


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--mib", type=int, default=512, help="file size in MiB (default 512)")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args(argv)
    if shutil.which("sha256sum") is None:
        print("sha256sum not found", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "blob"
        with open(path, "wb") as fh:
            chunk = os.urandom(1 << 20)
            for _ in range(args.mib):
                fh.write(chunk)
        ours, theirs = [], []
        for _ in range(args.runs):
            t = time.perf_counter()
            digest = sha256_file(path)
            ours.append(time.perf_counter() - t)
            t = time.perf_counter()
            out = subprocess.run(["sha256sum", str(path)], capture_output=True, text=True, check=True).stdout
            theirs.append(time.perf_counter() - t)
            assert out.split()[0] == digest
    best_ours, best_theirs = min(ours), min(theirs)
    size = args.mib / 1024
    print(f"file: {args.mib} MiB, best of {args.runs}")
    print(f"ledger.digest.sha256_file  {size / best_ours:6.2f} GiB/s  ({best_ours * 1000:.0f} ms)")
    print(f"sha256sum                  {size / best_theirs:6.2f} GiB/s  ({best_theirs * 1000:.0f} ms)")
    print(f"ratio                      {best_theirs / best_ours:6.2f}x faster than sha256sum")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
