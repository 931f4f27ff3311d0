"""Helpers for tests/attest: a fake spec engine, build inputs, config writing (no fixtures)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from ledger.attest.signers import KeyFileSigner
from ledger.attest.statement import (
    EXEC_LOG_MEDIA_TYPE,
    TRAJECTORY_MEDIA_TYPE,
    BuildInputs,
    Byproduct,
    ChainMemberRef,
    FileRef,
    ModelRef,
    TestOutcome,
)
from ledger.digest import sha256_file, sha256_hex

TARGET = "SPEC/golang/implementation/cache"
CHAIN_CFS = "XuQxoX7N4Aj98THLbJswLEUceXs"
STARTED = datetime(2025, 3, 1, 12, 0, 0, tzinfo=UTC)
FINISHED = datetime(2025, 3, 1, 12, 4, 30, tzinfo=UTC)


@dataclass(frozen=True)
class FakeMember:
    label: str
    role: str
    file: str
    sha256: str
    cfs_hash: str


@dataclass(frozen=True)
class FakeChain:
    """Stands in for ``ledger.spec.Chain`` (hash, sha256, members)."""

    hash: str
    sha256: str
    members: tuple[FakeMember, ...]


MEMBERS = (
    FakeMember("SPEC", "ancestor", "code-from-spec/_node.md", sha256_hex(b"root"), "A" * 27),
    FakeMember("SPEC/golang", "ancestor", "code-from-spec/golang/_node.md", sha256_hex(b"go"), "B" * 27),
    FakeMember(
        TARGET,
        "target",
        "code-from-spec/golang/implementation/cache/_node.md",
        sha256_hex(b"cache"),
        "C" * 27,
    ),
)
TODAY = FakeChain(CHAIN_CFS, sha256_hex(b"chain"), MEMBERS)


def fake_chain_lookup(chain: FakeChain = TODAY) -> Callable[[str], FakeChain]:
    def lookup(target: str) -> FakeChain:
        assert target == TARGET
        return chain

    return lookup


@dataclass
class Workspace:
    root: Path
    signer: KeyFileSigner
    artifact: Path
    other_artifact: Path

    @property
    def attestations(self) -> Path:
        return self.root / "attestations"

    def envelope_file(self, build_id: str = "b-0001") -> Path:
        return self.attestations / f"{build_id}.intoto.jsonl"


def build_inputs(
    root: Path,
    build_id: str = "b-0001",
    artifacts: tuple[str, ...] = ("internal/cache/cache.go",),
    finished: datetime = FINISHED,
) -> BuildInputs:
    refs = [FileRef(a, sha256_file(root / a)) for a in artifacts]
    return BuildInputs(
        build_id=build_id,
        recipe_name="cache",
        recipe_digest=sha256_hex(b"recipe"),
        target=TARGET,
        chain_cfs=CHAIN_CFS,
        chain_sha256=TODAY.sha256,
        members=[ChainMemberRef(m.label, m.role, m.file, m.sha256, m.cfs_hash) for m in MEMBERS],
        model=ModelRef(
            "anthropic",
            "claude-sonnet-4-5-20250929",
            "https://api.anthropic.com",
            seed=7,
            temperature=0.0,
            max_tokens=8192,
        ),
        tools={"go": "1.22.5", "python": "3.11.7"},
        prompt=FileRef("prompts/generate.md", sha256_hex(b"prompt")),
        artifacts=refs,
        trajectory=Byproduct("trajectory", sha256_hex(b"traj"), TRAJECTORY_MEDIA_TYPE),
        exec_log=Byproduct("exec-log", sha256_hex(b"exec"), EXEC_LOG_MEDIA_TYPE),
        started_on=STARTED,
        finished_on=finished,
        sandbox="bwrap",
        builder_version="0.1.0",
    )


PASSED = TestOutcome("PASSED", "go test ./internal/cache/...", passed=("TestGet", "TestPut"))


def write_config(root: Path, trust: str, signing_key: str | None = None) -> None:
    text = "[trust]\n" + trust
    if signing_key:
        text += f'\n[signing]\nkey = "{signing_key}"\n'
    (root / "ledger.toml").write_text(text)


@dataclass(frozen=True)
class Result:
    exit_code: int
    stdout: str
    stderr: str
