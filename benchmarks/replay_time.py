"""Replay time of a ~500-event build as a ratio to the original build's wall time (same run).

The build is real: the loopback scripted test model drives 100 tool calls in the sandbox, the
build is signed, then `verify --replay` re-runs every tool call from the signed trajectory.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DEMO = REPO / "ledger" / "examples" / "demo"


def script(turns: int) -> dict[str, object]:
    body = [
        {"content": [{"type": "tool_use", "name": "run_command", "input": {"command": f"echo step {i}"}}]}
        for i in range(turns)
    ]
    module = {"path": "src/textkit/roman.py", "content": "ROMAN = 'I'\n"}
    write = {"content": [{"type": "tool_use", "name": "write_file", "input": module}]}
    return {"model": "loopback-scripted-test-model-20250101",
            "turns": [write, *body, {"content": [{"type": "text", "text": "done"}]}]}  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    from ledger.attest.signers import generate_key
    from ledger.build import BuildOptions, run_build
    from ledger.replay import replay_build
    from ledger.sandbox import probe_bwrap
    from ledger.workspace import Workspace

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--turns", type=int, default=100, help="tool calls in the build (5 events each)")
    args = parser.parse_args(argv)
    sandbox = "bwrap" if probe_bwrap().ok else "none"
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "ws"
        shutil.copytree(DEMO, root)
        generate_key("ed25519", root / "keys" / "signing.pem", passphrase=None)
        (root / "ledger.toml").write_text(
            '[signing]\nkey = "keys/signing.pem"\n[[trust.keys]]\npath = "keys/signing.pub"\n'
        )
        (root / "scripts" / "roman.json").write_text(json.dumps(script(args.turns)))
        recipe = root / "recipes" / "roman.toml"
        recipe.write_text(recipe.read_text().replace("max_turns = 12", f"max_turns = {args.turns + 5}"))
        ws = Workspace(root)
        t = time.perf_counter()
        result = run_build(ws, recipe, BuildOptions(sandbox=sandbox, ingest=False, probe_tools=False))
        build_s = time.perf_counter() - t
        line = (root / str(result.attestation)).read_text().splitlines()[0]
        import base64

        provenance = json.loads(base64.b64decode(json.loads(line)["payload"]))
        t = time.perf_counter()
        report = replay_build(ws, provenance, sandbox=sandbox)
        replay_s = time.perf_counter() - t
    if not report.ok:
        print(f"replay failed: {report.reason}", file=sys.stderr)
        return 1
    print(f"sandbox {sandbox}; {report.events_replayed} events replayed")
    print(f"original build  {build_s:7.2f} s (incl. tests, signing)")
    print(f"replay          {replay_s:7.2f} s")
    print(f"ratio           {replay_s / build_s:7.2f}x the original wall time")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
