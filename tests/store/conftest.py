"""A fixture ledger: the demo spec tree, a throwaway ed25519 key, freshly signed builds.

Builds are signed with the attest engine (BuildInputs/TestOutcome → statements → DSSE) and
written to ``attestations/``; trajectories go into ``.ledger/objects/`` through ObjectStore.
"""

from __future__ import annotations

import shutil
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from ledger.attest.files import attest_build
from ledger.attest.signers import KeyFileSigner, generate_key, load_signer
from ledger.attest.statement import (
    TRAJECTORY_MEDIA_TYPE,
    BuildInputs,
    Byproduct,
    ChainMemberRef,
    FileRef,
    ModelRef,
    TestOutcome,
)
from ledger.digest import sha256_hex
from ledger.objects import ObjectStore
from ledger.spec import compute_chain
from ledger.store.duckdb_store import DuckDBStore
from ledger.trajectory.events import GENESIS, Event
from ledger.workspace import Workspace

DEMO = Path(__file__).resolve().parents[2] / "ledger" / "examples" / "demo"
T0 = datetime(2025, 3, 1, 12, 0, 0, tzinfo=UTC)


def trajectory_blob(build_id: str, artifact: str, content: bytes, t: datetime) -> bytes:
    """A small hash-chained trajectory: one turn, a write_file tool call, an exec, the end."""
    specs = [
        ("build_start", {"build_id": build_id}),
        ("model_request", {"turn": 0, "model": "claude-sonnet-4-5-20250929", "request": {"messages": []}}),
        ("model_response", {"turn": 0, "response": {"stop_reason": "tool_use", "content": []}}),
        ("tool_call", {"turn": 0, "id": "t1", "name": "write_file", "input": {"path": artifact}}),
        ("tool_result", {"id": "t1", "name": "write_file", "is_error": False, "output": "ok"}),
        ("file_write", {"path": artifact, "sha256": sha256_hex(content), "size": len(content)}),
        (
            "exec",
            {"argv": ["python", "-m", "pytest"], "exit_code": 0, "files": {"created": [".pytest_cache"]}},
        ),
        ("build_end", {"status": "success", "turns": 1}),
    ]
    prev = GENESIS
    out = b""
    for seq, (etype, data) in enumerate(specs):
        ev = Event(seq, (t + timedelta(seconds=seq)).strftime("%Y-%m-%dT%H:%M:%S.%fZ"), etype, data, prev)
        out += ev.canonical() + b"\n"
        prev = ev.digest
    return out


@dataclass
class LedgerWorkspace:
    """A workspace with a trusted signing key; ``build`` signs and writes one build."""

    ws: Workspace
    signer: KeyFileSigner
    key_path: Path
    store_url: str | None = None  # a PostgreSQL team ledger instead of the embedded DuckDB file

    @property
    def root(self) -> Path:
        return self.ws.root

    def store(self, **kwargs: object) -> DuckDBStore:
        if self.store_url is not None:
            from ledger.store.postgres_store import PostgresStore

            return PostgresStore(self.ws, url=self.store_url, **kwargs)  # type: ignore[arg-type,return-value]
        return DuckDBStore(self.ws, **kwargs)  # type: ignore[arg-type]

    def build(
        self,
        build_id: str,
        target: str,
        content: bytes,
        *,
        minutes: int = 0,
        model: str = "claude-sonnet-4-5-20250929",
        result: str = "PASSED",
        store_trajectory: bool = True,
        signer: KeyFileSigner | None = None,
        attestation_dir: Path | None = None,
    ) -> str:
        """Sign a build of ``target`` whose one artifact has ``content``; returns its digest."""
        chain = compute_chain(self.root, target)
        assert chain.output is not None
        finished = T0 + timedelta(minutes=minutes)
        traj = trajectory_blob(build_id, chain.output, content, finished - timedelta(minutes=1))
        objects = ObjectStore(self.ws.objects_dir)
        traj_sha = objects.put_bytes(traj) if store_trajectory else sha256_hex(traj)
        digest = sha256_hex(content)
        inputs = BuildInputs(
            build_id=build_id,
            recipe_name=target.rsplit("/", 1)[-1],
            recipe_digest=sha256_hex(target.encode()),
            target=target,
            chain_cfs=chain.hash,
            chain_sha256=chain.sha256,
            members=[ChainMemberRef(m.label, m.role, m.file, m.sha256, m.cfs_hash) for m in chain.members],
            model=ModelRef(
                "anthropic", model, "https://api.anthropic.com", seed=7, temperature=0.0, max_tokens=8192
            ),
            tools={"python": "3.11.7"},
            prompt=FileRef("prompts/generate.md", sha256_hex(b"prompt")),
            artifacts=[FileRef(chain.output, digest)],
            trajectory=Byproduct("trajectory", traj_sha, TRAJECTORY_MEDIA_TYPE),
            exec_log=None,
            started_on=finished - timedelta(minutes=2),
            finished_on=finished,
            sandbox="none",
            builder_version="0.1.0",
        )
        outcome = TestOutcome(
            result=result,  # type: ignore[arg-type]
            command="python -m pytest",
            passed=("test_ok",) if result == "PASSED" else (),
            failed=("test_broken",) if result == "FAILED" else (),
        )
        attest_build(attestation_dir or self.ws.attestations_dir, inputs, outcome, signer or self.signer)
        return digest


def make_workspace(root: Path, store_url: str | None = None) -> LedgerWorkspace:
    root.mkdir(parents=True, exist_ok=True)
    shutil.copytree(DEMO / "code-from-spec", root / "code-from-spec")
    key = generate_key("ed25519", root / "keys" / "signing.pem", passphrase=None)
    store = f'\n[store]\nurl = "{store_url}"\n' if store_url else ""
    (root / "ledger.toml").write_text(
        f'[signing]\nkey = "keys/signing.pem"\n\n[[trust.keys]]\npath = "keys/signing.pub"\nkeyid = "{key.keyid}"\n'
        + store
    )
    (root / "attestations").mkdir()
    return LedgerWorkspace(Workspace(root), load_signer(key.private_path), key.private_path, store_url)


@pytest.fixture
def lw(tmp_path: Path) -> LedgerWorkspace:
    return make_workspace(tmp_path / "project")


@dataclass(frozen=True)
class Fixture:
    lw: LedgerWorkspace
    slugify_old: str
    slugify_new: str
    wordcount: str
    roman: str


def sign_fixture_builds(lw: LedgerWorkspace) -> Fixture:
    return Fixture(
        lw,
        slugify_old=lw.build(
            "b-slugify-1", "SPEC/textkit/slugify", b"def slugify(): pass  # v1\n", minutes=0
        ),
        slugify_new=lw.build(
            "b-slugify-2", "SPEC/textkit/slugify", b"def slugify(): pass  # v2\n", minutes=30
        ),
        wordcount=lw.build(
            "b-wordcount-1", "SPEC/textkit/wordcount", b"def count(): pass\n", minutes=10, result="FAILED"
        ),
        roman=lw.build(
            "b-roman-1",
            "SPEC/textkit/roman",
            b"def roman(): pass\n",
            minutes=20,
            model="claude-opus-4-1-20250805",
            store_trajectory=False,
        ),
    )


@pytest.fixture
def fixture_ledger(lw: LedgerWorkspace) -> Fixture:
    fx = sign_fixture_builds(lw)
    report = lw.store().ingest([lw.ws.attestations_dir])
    assert report.accepted == 8 and not report.rejected
    return fx


def read_all(store: DuckDBStore, tables: Sequence[str]) -> dict[str, list[tuple[object, ...]]]:
    out = {}
    for name in tables:
        with store.reader() as con:
            out[name] = sorted(con.execute(f"SELECT * FROM {name}").fetchall(), key=repr)
    return out


@dataclass(frozen=True)
class CliResult:
    code: int
    stdout: str
    stderr: str


def invoke(command: object, *args: str) -> CliResult:
    """Run one click command as ``ledger`` would: a LedgerError becomes its exit code + one line."""
    from click.testing import CliRunner

    from ledger.errors import LedgerError

    result = CliRunner(env={"COLUMNS": "250"}).invoke(command, list(args))  # type: ignore[arg-type]
    exc = result.exception
    if isinstance(exc, LedgerError):
        return CliResult(exc.exit_code, result.stdout, result.stderr + exc.diagnostics())
    if exc is not None and not isinstance(exc, SystemExit):
        raise exc
    return CliResult(result.exit_code, result.stdout, result.stderr)
