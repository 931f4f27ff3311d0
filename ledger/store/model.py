"""Values the store returns: frozen dataclasses, with ``to_json`` for ``--json`` output."""

from __future__ import annotations

import dataclasses
from datetime import datetime
from typing import Any


def as_json(value: Any) -> Any:
    """Dataclasses, tuples and datetimes as plain JSON values (times as ISO 8601 UTC with Z)."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: as_json(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, datetime):
        return value.isoformat() + "Z"
    if isinstance(value, tuple | list):
        return [as_json(v) for v in value]
    if isinstance(value, dict):
        return {str(k): as_json(v) for k, v in value.items()}
    return value


class _Json:
    def to_json(self) -> Any:
        return as_json(self)


@dataclasses.dataclass(frozen=True)
class Rejection(_Json):
    where: str
    reason: str
    envelope_sha256: str


@dataclasses.dataclass(frozen=True)
class IngestReport(_Json):
    files: int
    envelopes: int
    accepted: int
    duplicates: int
    rejected: tuple[Rejection, ...]
    quarantined: int
    builds: int
    spec_texts_stored: int
    tree_size: int


@dataclasses.dataclass(frozen=True)
class SubjectInfo(_Json):
    name: str | None
    sha256: str | None


@dataclasses.dataclass(frozen=True)
class PathBuild(_Json):
    """A build whose provenance names this path as a subject, and the bytes it attested."""

    build_id: str
    sha256: str
    finished_on: datetime | None


@dataclasses.dataclass(frozen=True)
class MemberInfo(_Json):
    position: int
    label: str
    role: str | None
    file: str | None
    sha256: str | None
    cfs_hash: str | None
    text_stored: bool


@dataclasses.dataclass(frozen=True)
class DependencyInfo(_Json):
    kind: str
    name: str | None
    uri: str | None
    version: str | None
    sha256: str | None


@dataclasses.dataclass(frozen=True)
class TestInfo(_Json):
    result: str
    command: str | None
    passed: int
    failed: int
    warned: int
    failed_tests: tuple[str, ...]
    signer_keyid: str
    envelope_sha256: str


@dataclasses.dataclass(frozen=True)
class TrajectoryInfo(_Json):
    sha256: str | None
    indexed: bool  # the blob was in the object store at ingest and its events are in `events`
    events: int | None
    turns: int | None
    tool_calls: int | None
    first_time: datetime | None
    last_time: datetime | None
    last_type: str | None


@dataclasses.dataclass(frozen=True)
class BuildRecord(_Json):
    build_id: str
    build_type: str
    recipe_name: str | None
    recipe_sha256: str | None
    target: str | None
    chain_cfs: str | None
    chain_sha256: str | None
    sandbox: str | None
    model_provider: str | None
    model_id: str | None
    model_endpoint: str | None
    seed: int | None
    temperature: float | None
    max_tokens: int | None
    builder_version: str | None
    started_on: datetime | None
    finished_on: datetime | None
    signer_keyid: str
    signer: str
    envelope_sha256: str
    subjects: tuple[SubjectInfo, ...]
    members: tuple[MemberInfo, ...]
    dependencies: tuple[DependencyInfo, ...]
    tests: tuple[TestInfo, ...]
    trajectory: TrajectoryInfo

    @property
    def test_result(self) -> str:
        """PASSED only when every signed test result says so; NONE when there is none."""
        if not self.tests:
            return "NONE"
        results = {t.result for t in self.tests}
        for worst in ("FAILED", "WARNED"):
            if worst in results:
                return worst
        return "PASSED"

    @property
    def tools(self) -> tuple[DependencyInfo, ...]:
        return tuple(d for d in self.dependencies if d.kind == "tool")


@dataclasses.dataclass(frozen=True)
class TraceResult(_Json):
    query: str
    sha256: str
    builds: tuple[BuildRecord, ...]


@dataclasses.dataclass(frozen=True)
class EventInfo(_Json):
    seq: int
    time: datetime | None
    type: str
    turn: int | None
    tool: str | None
    command: str | None
    files: tuple[str, ...]


@dataclasses.dataclass(frozen=True)
class EnvelopeInfo(_Json):
    seq: int
    envelope_sha256: str
    predicate_type: str | None
    signer: str
    source: str | None
    source_line: int | None


@dataclasses.dataclass(frozen=True)
class BuildDetail(_Json):
    build: BuildRecord
    envelopes: tuple[EnvelopeInfo, ...]
    events: tuple[EventInfo, ...]


@dataclasses.dataclass(frozen=True)
class ImpactHit(_Json):
    """An artifact whose attested chain includes the node (from the ledger alone)."""

    name: str | None
    sha256: str | None
    build_id: str
    target: str | None
    chain_cfs: str | None
    chain_sha256: str | None
    finished_on: datetime | None
    matched: tuple[str, ...]  # member labels that matched the node
    latest: bool  # the newest build of this artifact path


@dataclasses.dataclass(frozen=True)
class ImpactRow(_Json):
    hit: ImpactHit
    status: str  # current | stale | unknown
    detail: str


@dataclasses.dataclass(frozen=True)
class LogEntry(_Json):
    build_id: str
    finished_on: datetime | None
    target: str | None
    recipe_name: str | None
    model_id: str | None
    chain_cfs: str | None
    signer_keyid: str
    tests: str
    subjects: int


@dataclasses.dataclass(frozen=True)
class SqlResult(_Json):
    columns: tuple[str, ...]
    rows: tuple[tuple[Any, ...], ...]


@dataclasses.dataclass(frozen=True)
class ExportedTable(_Json):
    table: str
    path: str
    rows: int


@dataclasses.dataclass(frozen=True)
class CheckpointInfo(_Json):
    origin: str
    tree_size: int
    root_hash: str  # hex
    file: str
    verifier_key: str


@dataclasses.dataclass(frozen=True)
class AuditReport(_Json):
    ok: bool
    envelopes: int
    rows_checked: int
    tree_size: int
    root_hash: str
    checkpoints_verified: tuple[str, ...]
    problems: tuple[str, ...]
