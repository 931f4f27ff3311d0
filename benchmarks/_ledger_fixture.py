"""Synthetic signed builds for the ledger benchmarks: 3 subjects, 12 chain members, 40 events each.

Builds are real: statements from ``ledger.attest.statement``, DSSE-signed with a throwaway
ed25519 key, one ``attestations/<id>.intoto.jsonl`` per build, and a hash-chained trajectory
blob in the object store layout (written without fsync: generation speed is not measured).
"""

from __future__ import annotations

import os
from concurrent.futures import ProcessPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

from ledger.attest.dsse import PAYLOAD_TYPE, write_envelope_file
from ledger.attest.signers import generate_key, load_signer
from ledger.attest.statement import (
    TRAJECTORY_MEDIA_TYPE,
    BuildInputs,
    Byproduct,
    ChainMemberRef,
    FileRef,
    ModelRef,
    TestOutcome,
    provenance_statement,
    statement_bytes,
    test_result_statement,
)
from ledger.digest import sha256_hex
from ledger.spec.text import b64url
from ledger.trajectory.events import GENESIS, Event
from ledger.workspace import Workspace

T0 = datetime(2025, 1, 1, tzinfo=UTC)
EVENT_TYPES = ("model_request", "model_response", "tool_call", "tool_result", "file_write")
CODE = "def handler(request):\n    return {'status': 200, 'body': request.body}\n" * 3


def digest_of(i: int, what: str) -> str:
    """The artifact digests trace looks up: deterministic, so a benchmark can pick any build."""
    return sha256_hex(f"{what}:{i}".encode())


def _trajectory(i: int, t: datetime) -> bytes:
    out = b""
    prev = GENESIS
    for seq in range(40):
        etype = "build_start" if seq == 0 else "build_end" if seq == 39 else EVENT_TYPES[seq % 5]
        data: dict[str, object] = {"turn": seq // 5}
        if etype == "tool_call":
            data.update(
                name="write_file", id=f"t{seq}", input={"path": f"src/m{i}/f{seq}.py", "content": CODE}
            )
        elif etype == "model_response":
            data.update(response={"content": [{"type": "text", "text": CODE}], "stop_reason": "tool_use"})
        elif etype == "file_write":
            data.update(path=f"src/m{i}/f{seq}.py", sha256=digest_of(seq, "f"), size=len(CODE))
        ev = Event(seq, (t + timedelta(seconds=seq)).strftime("%Y-%m-%dT%H:%M:%S.%fZ"), etype, data, prev)
        line = ev.canonical()
        out += line + b"\n"
        prev = sha256_hex(line)
    return out


def _members(i: int) -> list[ChainMemberRef]:
    out = []
    for j in range(12):
        label = f"SPEC/bench/area{j % 4}/node{j}" if j < 11 else f"AGENT[SPEC/bench/area{i % 50}/leaf]"
        text = f"member {j} of family {i % 200}".encode()
        out.append(
            ChainMemberRef(
                label,
                "ancestor" if j < 3 else "depends_on",
                f"code-from-spec/n{j}/_node.md",
                sha256_hex(text),
                b64url(sha256_hex(text).encode()[:20]),
            )
        )
    return out


def _write_range(root: str, key: str, start: int, stop: int) -> int:
    ws = Workspace(Path(root))
    signer = load_signer(Path(key))
    for i in range(start, stop):
        finished = T0 + timedelta(seconds=30 * i)
        traj = _trajectory(i, finished - timedelta(minutes=2))
        traj_sha = sha256_hex(traj)
        blob = ws.objects_dir / "sha256" / traj_sha[:2] / traj_sha[2:]
        blob.parent.mkdir(parents=True, exist_ok=True)
        blob.write_bytes(traj)
        build_id = f"b-{i:08d}"
        artifacts = [FileRef(f"src/m{i}/{name}.py", digest_of(i, name)) for name in ("api", "core", "util")]
        inputs = BuildInputs(
            build_id=build_id,
            recipe_name=f"recipe{i % 50}",
            recipe_digest=sha256_hex(f"recipe{i % 50}".encode()),
            target=f"SPEC/bench/area{i % 50}/leaf",
            chain_cfs=b64url(sha256_hex(f"chain{i % 200}".encode()).encode()[:20]),
            chain_sha256=sha256_hex(f"chain{i % 200}".encode()),
            members=_members(i),
            model=ModelRef(
                "anthropic",
                "claude-sonnet-4-5-20250929",
                "https://api.anthropic.com",
                seed=i,
                temperature=0.0,
                max_tokens=8192,
            ),
            tools={"python": "3.11.7", "go": "1.22.5"},
            prompt=FileRef("prompts/generate.md", sha256_hex(b"prompt")),
            artifacts=artifacts,
            trajectory=Byproduct("trajectory", traj_sha, TRAJECTORY_MEDIA_TYPE),
            exec_log=None,
            started_on=finished - timedelta(minutes=3),
            finished_on=finished,
            sandbox="bwrap",
            builder_version="0.1.0",
        )
        outcome = TestOutcome(
            "PASSED" if i % 10 else "FAILED",
            "pytest -q",
            passed=("t1", "t2"),
            failed=() if i % 10 else ("t3",),
        )
        statements = [provenance_statement(inputs), test_result_statement(build_id, artifacts, outcome)]
        envelopes = [signer.sign_envelope(PAYLOAD_TYPE, statement_bytes(s)).envelope for s in statements]
        write_envelope_file(ws.attestations_dir / f"{build_id}.intoto.jsonl", envelopes)
    return stop - start


def make_workspace(root: Path, n: int, progress: object = None) -> Workspace:
    """A workspace with ``n`` signed builds, generated in parallel on every core."""
    root.mkdir(parents=True, exist_ok=True)
    key = generate_key("ed25519", root / "keys" / "bench.pem", passphrase=None)
    trust = f'[[trust.keys]]\npath = "keys/bench.pub"\nkeyid = "{key.keyid}"\n'
    (root / "ledger.toml").write_text('[signing]\nkey = "keys/bench.pem"\n\n' + trust)
    ws = Workspace(root)
    ws.attestations_dir.mkdir(exist_ok=True)
    step = 500
    with ProcessPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
        futures = [
            pool.submit(_write_range, str(root), str(key.private_path), s, min(s + step, n))
            for s in range(0, n, step)
        ]
        for f in futures:
            done = f.result()
            if callable(progress):
                progress(done)
    return ws


def make_workspace_with_progress(root: Path, n: int) -> Workspace:
    """``make_workspace`` with a progress bar on stderr, which it clears when done."""
    from rich.console import Console
    from rich.progress import Progress

    with Progress(console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task("signing builds", total=n)
        return make_workspace(root, n, progress=lambda k: bar.advance(task, k))
