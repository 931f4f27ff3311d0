"""Typed views of verified statements: parse once, after the signature check, at the boundary.

Only payloads whose envelope signature verified reach this module; anything malformed inside a
trusted signer's statement is an input error naming the file, line and field.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from ledger.attest.statement import (
    BUILD_TYPE_CFS,
    BUILD_TYPE_IMPORTED,
    PROVENANCE_TYPE,
    STATEMENT_TYPE,
    TEST_RESULT_TYPE,
)
from ledger.errors import AttestationError
from ledger.safeparse import loads_strict


@dataclass(frozen=True)
class Subject:
    name: str
    sha256: str | None


@dataclass(frozen=True)
class AttestedMember:
    label: str
    role: str
    file: str
    sha256: str
    cfs_hash: str


@dataclass(frozen=True)
class Binding:
    """What a spec-ledger provenance says the build was generated from."""

    target: str
    chain_cfs: str
    chain_sha256: str
    members: tuple[AttestedMember, ...]


@dataclass(frozen=True)
class Provenance:
    build_type: str
    build_id: str | None
    finished_on: datetime | None
    binding: Binding | None  # None for build types that carry no spec chain


@dataclass(frozen=True)
class TestResultView:
    result: str
    invocation_id: str | None
    command: str | None
    failed: tuple[str, ...]


@dataclass(frozen=True)
class Statement:
    predicate_type: str
    subjects: tuple[Subject, ...]
    provenance: Provenance | None
    test_result: TestResultView | None
    # The whole verified statement, for consumers that need fields the views do not model
    # (byproducts for replay, dependencies for diff and the ledger). Only ever built from a
    # payload whose signature verified.
    raw: Mapping[str, Any] = field(default_factory=dict, compare=False, repr=False)

    def digests(self) -> frozenset[str]:
        return frozenset(s.sha256 for s in self.subjects if s.sha256)


class _Reader:
    def __init__(self, file: str | None, line: int | None) -> None:
        self.file = file
        self.line = line

    def fail(self, message: str) -> AttestationError:
        return AttestationError(message, file=self.file, line=self.line)

    def obj(self, value: Any, where: str) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise self.fail(f"field '{where}' is missing or not an object")
        return value

    def text(self, value: Any, where: str) -> str:
        if not isinstance(value, str) or not value:
            raise self.fail(f"field '{where}' is missing or not a non-empty string")
        return value

    def lst(self, value: Any, where: str) -> list[Any]:
        if not isinstance(value, list):
            raise self.fail(f"field '{where}' is missing or not a list")
        return value

    def time(self, value: Any, where: str) -> datetime:
        text = self.text(value, where)
        try:
            moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            raise self.fail(f"field '{where}' is not an RFC 3339 timestamp: {text!r}") from None
        if moment.tzinfo is None:
            raise self.fail(f"field '{where}' has no timezone: {text!r}")
        return moment


def read_statement(payload: bytes, *, file: str | None = None, line: int | None = None) -> Statement:
    """An in-toto Statement v1 from verified payload bytes."""
    r = _Reader(file, line)
    try:
        data = loads_strict(payload, where=file or "<payload>", error=AttestationError, what="a statement")
    except AttestationError as exc:
        raise r.fail(f"signed payload: {exc.message}") from None
    data = r.obj(data, "payload")
    if data.get("_type") != STATEMENT_TYPE:
        raise r.fail(f"field '_type' is {data.get('_type')!r}; expected {STATEMENT_TYPE}")
    raw_subjects = r.lst(data.get("subject"), "subject")
    if not raw_subjects:
        raise r.fail("field 'subject' is empty; a statement must name its artifacts")
    subjects = []
    for i, s in enumerate(raw_subjects):
        s = r.obj(s, f"subject[{i}]")
        digest = r.obj(s.get("digest"), f"subject[{i}].digest")
        for alg, value in digest.items():
            r.text(value, f"subject[{i}].digest.{alg}")
        name = s.get("name", "")
        if not isinstance(name, str):
            raise r.fail(f"field 'subject[{i}].name' is not a string")
        sha = digest.get("sha256")
        subjects.append(Subject(name=name, sha256=sha.lower() if isinstance(sha, str) else None))
    predicate_type = r.text(data.get("predicateType"), "predicateType")
    provenance = None
    test_result = None
    if predicate_type == PROVENANCE_TYPE:
        provenance = _provenance(r, r.obj(data.get("predicate"), "predicate"))
    elif predicate_type == TEST_RESULT_TYPE:
        test_result = _test_result(r, r.obj(data.get("predicate"), "predicate"))
    return Statement(predicate_type, tuple(subjects), provenance, test_result, raw=data)


def _provenance(r: _Reader, pred: dict[str, Any]) -> Provenance:
    bd = r.obj(pred.get("buildDefinition"), "predicate.buildDefinition")
    build_type = r.text(bd.get("buildType"), "predicate.buildDefinition.buildType")
    run = pred.get("runDetails")
    meta = run.get("metadata") if isinstance(run, dict) else None
    build_id = None
    finished = None
    if isinstance(meta, dict):
        if "invocationId" in meta:
            build_id = r.text(meta["invocationId"], "predicate.runDetails.metadata.invocationId")
        if "finishedOn" in meta:
            finished = r.time(meta["finishedOn"], "predicate.runDetails.metadata.finishedOn")
    binding = None
    # an imported build is bound to a spec chain only when the importer named one (--spec)
    bound_import = build_type == BUILD_TYPE_IMPORTED and "chain" in (bd.get("externalParameters") or {})
    if build_type == BUILD_TYPE_CFS or bound_import:
        binding = _binding(r, bd)
        if build_id is None:
            raise r.fail("field 'predicate.runDetails.metadata.invocationId' is missing")
    return Provenance(build_type, build_id, finished, binding)


def _binding(r: _Reader, bd: dict[str, Any]) -> Binding:
    ext = r.obj(bd.get("externalParameters"), "predicate.buildDefinition.externalParameters")
    p = "predicate.buildDefinition.externalParameters"
    chain = r.obj(ext.get("chain"), f"{p}.chain")
    members = []
    deps = r.lst(bd.get("resolvedDependencies", []), "predicate.buildDefinition.resolvedDependencies")
    for i, dep in enumerate(deps):
        where = f"predicate.buildDefinition.resolvedDependencies[{i}]"
        dep = r.obj(dep, where)
        ann = dep.get("annotations")
        if not isinstance(ann, dict) or ann.get("kind") != "spec-member":
            continue
        digest = r.obj(dep.get("digest"), f"{where}.digest")
        members.append(
            AttestedMember(
                label=r.text(dep.get("name"), f"{where}.name"),
                role=r.text(ann.get("role"), f"{where}.annotations.role"),
                file=r.text(ann.get("file"), f"{where}.annotations.file"),
                sha256=r.text(digest.get("sha256"), f"{where}.digest.sha256"),
                cfs_hash=r.text(ann.get("cfs_hash"), f"{where}.annotations.cfs_hash"),
            )
        )
    return Binding(
        target=r.text(ext.get("target"), f"{p}.target"),
        chain_cfs=r.text(chain.get("cfs"), f"{p}.chain.cfs"),
        chain_sha256=r.text(chain.get("sha256"), f"{p}.chain.sha256"),
        members=tuple(members),
    )


def _test_result(r: _Reader, pred: dict[str, Any]) -> TestResultView:
    result = r.text(pred.get("result"), "predicate.result")
    if result not in ("PASSED", "WARNED", "FAILED"):
        raise r.fail(f"field 'predicate.result' is {result!r}; expected PASSED|WARNED|FAILED")
    configuration = r.lst(pred.get("configuration"), "predicate.configuration")
    invocation = None
    command = None
    for i, desc in enumerate(configuration):
        desc = r.obj(desc, f"predicate.configuration[{i}]")
        ann = desc.get("annotations")
        if isinstance(ann, dict):
            if isinstance(ann.get("invocationId"), str):
                invocation = ann["invocationId"]
            if isinstance(ann.get("command"), str):
                command = ann["command"]
    failed = pred.get("failedTests", [])
    failed_names = tuple(str(x) for x in r.lst(failed, "predicate.failedTests"))
    return TestResultView(result, invocation, command, failed_names)
