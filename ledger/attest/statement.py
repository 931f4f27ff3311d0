"""In-toto Statement v1 builders: SLSA provenance v1 and test-result v0.1 for one build.

The build fills the frozen input dataclasses below; the functions turn them into plain dicts in
exactly the shape documented in ``attestations/README.md``. Whatever is signed is the RFC 8785
canonical JSON of these dicts (``statement_bytes``), so the same build inputs always give the same
payload bytes.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

from ledger.digest import canonical_json, sha256_hex
from ledger.errors import AttestationError
from ledger.fsutil import check_relative

STATEMENT_TYPE = "https://in-toto.io/Statement/v1"
PROVENANCE_TYPE = "https://slsa.dev/provenance/v1"
TEST_RESULT_TYPE = "https://in-toto.io/attestation/test-result/v0.1"
VSA_TYPE = "https://slsa.dev/verification_summary/v1"

BUILD_TYPE_CFS = "https://spec-ledger.dev/buildtypes/cfs-generation/v1"
BUILD_TYPE_IMPORTED = "https://spec-ledger.dev/buildtypes/imported/v1"
BUILDER_ID = "https://spec-ledger.dev/builder/v1"

TRAJECTORY_MEDIA_TYPE = "application/vnd.spec-ledger.trajectory+jsonl"
EXEC_LOG_MEDIA_TYPE = "application/vnd.spec-ledger.exec-log+jsonl"

TestResult = Literal["PASSED", "WARNED", "FAILED"]
Sandbox = Literal["bwrap", "none"]

_HEX64 = re.compile(r"[0-9a-f]{64}")
_CFS_HASH = re.compile(r"[A-Za-z0-9_-]{27}")
_BUILD_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,127}")


@dataclass(frozen=True)
class FileRef:
    """A workspace-relative file and its content digest (an artifact or the prompt)."""

    path: str
    sha256: str


@dataclass(frozen=True)
class Byproduct:
    """Evidence produced alongside the artifacts (trajectory, exec log), stored by digest."""

    name: str
    sha256: str
    media_type: str


@dataclass(frozen=True)
class ChainMemberRef:
    """One member of the spec chain the build was generated from, as attested."""

    label: str  # logical name: "SPEC/a/b", "SPEC/x(y)", "AGENT[SPEC/x]"
    role: str
    file: str
    sha256: str
    cfs_hash: str


@dataclass(frozen=True)
class ModelRef:
    provider: str
    id: str
    endpoint: str
    seed: int | None = None
    temperature: float | None = None
    max_tokens: int | None = None


@dataclass(frozen=True)
class BuildInputs:
    """Everything a provenance statement says about one build."""

    build_id: str
    recipe_name: str
    recipe_digest: str
    target: str
    chain_cfs: str
    chain_sha256: str
    members: Sequence[ChainMemberRef]
    model: ModelRef
    tools: Mapping[str, str]
    prompt: FileRef | None
    artifacts: Sequence[FileRef]
    trajectory: Byproduct
    exec_log: Byproduct | None
    started_on: datetime
    finished_on: datetime
    sandbox: Sandbox
    builder_version: str
    build_type: str = BUILD_TYPE_CFS
    # N-version builds: {"id": group id, "index": i, "of": K}, so the K builds link as one group
    group: Mapping[str, Any] | None = None


@dataclass(frozen=True)
class TestOutcome:
    """What the build's test command reported; test names as the runner named them."""

    result: TestResult
    command: str
    passed: Sequence[str] = field(default_factory=tuple)
    failed: Sequence[str] = field(default_factory=tuple)
    warned: Sequence[str] = field(default_factory=tuple)
    url: str | None = None


def rfc3339(moment: datetime) -> str:
    """UTC with a ``Z`` suffix, as the in-toto Timestamp field type requires."""
    if moment.tzinfo is None:
        raise AttestationError(f"timestamp {moment.isoformat()} has no timezone; expected UTC")
    text = moment.astimezone(UTC).isoformat()
    return text.replace("+00:00", "Z")


def check_build_id(build_id: str) -> str:
    """Build ids become file names (``attestations/<id>.intoto.jsonl``): keep them boring."""
    if not _BUILD_ID.fullmatch(build_id):
        raise AttestationError(
            f"build id {build_id!r} is not allowed; expected 1-128 of [A-Za-z0-9._-], "
            "starting with a letter or digit"
        )
    return build_id


def _hex(value: str, what: str) -> str:
    if not _HEX64.fullmatch(value):
        raise AttestationError(f"{what} {value!r} is not a lowercase hex SHA-256 digest")
    return value


def _subjects(artifacts: Sequence[FileRef]) -> list[dict[str, Any]]:
    if not artifacts:
        raise AttestationError("a statement needs at least one subject; the build has no outputs")
    names: set[str] = set()
    out = []
    for ref in sorted(artifacts, key=lambda a: a.path):
        name = check_relative(ref.path, what="artifact path").as_posix()
        if name in names:
            raise AttestationError(f"artifact {name!r} is listed twice")
        names.add(name)
        out.append({"name": name, "digest": {"sha256": _hex(ref.sha256, f"digest of {name}")}})
    return out


def _member(m: ChainMemberRef) -> dict[str, Any]:
    if not _CFS_HASH.fullmatch(m.cfs_hash):
        raise AttestationError(f"CfS hash of {m.label} {m.cfs_hash!r} is not 27 base64url chars")
    return {
        "name": m.label,
        "digest": {"sha256": _hex(m.sha256, f"digest of {m.label}")},
        "annotations": {
            "kind": "spec-member",
            "role": m.role,
            "file": m.file,
            "cfs_hash": m.cfs_hash,
        },
    }


def model_uri(model: ModelRef) -> str:
    """The Anthropic-Messages model resource of the endpoint: ``<endpoint>/v1/models/<id>``."""
    return f"{model.endpoint.rstrip('/')}/v1/models/{model.id}"


def tool_uri(name: str, version: str) -> str:
    """A generic package URL: the tool as probed, not a download location."""
    return f"pkg:generic/{name}@{version}"


def provenance_statement(inputs: BuildInputs) -> dict[str, Any]:
    """SLSA provenance v1 for one build (see attestations/README.md for every field)."""
    check_build_id(inputs.build_id)
    if not _CFS_HASH.fullmatch(inputs.chain_cfs):
        raise AttestationError(f"chain hash {inputs.chain_cfs!r} is not 27 base64url characters")
    if inputs.sandbox not in ("bwrap", "none"):
        raise AttestationError(f"sandbox {inputs.sandbox!r}; expected 'bwrap' or 'none'")
    deps: list[dict[str, Any]] = [_member(m) for m in inputs.members]
    deps.append(
        {
            "name": "model",
            "uri": model_uri(inputs.model),
            "annotations": {
                "kind": "model",
                "provider": inputs.model.provider,
                "id": inputs.model.id,
                "endpoint": inputs.model.endpoint,
            },
        }
    )
    for name in sorted(inputs.tools):
        version = inputs.tools[name]
        deps.append(
            {
                "name": name,
                "uri": tool_uri(name, version),
                "annotations": {"kind": "tool", "version": version},
            }
        )
    if inputs.prompt is not None:
        prompt = check_relative(inputs.prompt.path, what="prompt path").as_posix()
        deps.append(
            {
                "name": prompt,
                "digest": {"sha256": _hex(inputs.prompt.sha256, f"digest of {prompt}")},
                "annotations": {"kind": "prompt"},
            }
        )
    internal: dict[str, Any] = {}
    for key, value in (
        ("seed", inputs.model.seed),
        ("temperature", inputs.model.temperature),
        ("max_tokens", inputs.model.max_tokens),
    ):
        if value is not None:
            internal[key] = value
    if inputs.group is not None:
        internal["group"] = dict(inputs.group)
    byproducts = [inputs.trajectory] + ([inputs.exec_log] if inputs.exec_log else [])
    build_definition: dict[str, Any] = {
        "buildType": inputs.build_type,
        "externalParameters": {
            "recipe": {
                "name": inputs.recipe_name,
                "digest": {"sha256": _hex(inputs.recipe_digest, "recipe digest")},
            },
            "target": inputs.target,
            "chain": {
                "cfs": inputs.chain_cfs,
                "sha256": _hex(inputs.chain_sha256, "chain digest"),
            },
            "sandbox": inputs.sandbox,
        },
        "resolvedDependencies": deps,
    }
    if internal:
        build_definition["internalParameters"] = internal
    return provenance_envelope_statement(
        inputs.artifacts,
        build_definition,
        build_id=inputs.build_id,
        builder_version=inputs.builder_version,
        started_on=inputs.started_on,
        finished_on=inputs.finished_on,
        byproducts=byproducts,
    )


def provenance_envelope_statement(
    artifacts: Sequence[FileRef],
    build_definition: Mapping[str, Any],
    *,
    build_id: str,
    builder_version: str,
    started_on: datetime,
    finished_on: datetime,
    byproducts: Sequence[Byproduct],
) -> dict[str, Any]:
    """The Statement + SLSA provenance v1 around a build definition (shared by every buildType)."""
    return {
        "_type": STATEMENT_TYPE,
        "subject": _subjects(artifacts),
        "predicateType": PROVENANCE_TYPE,
        "predicate": {
            "buildDefinition": dict(build_definition),
            "runDetails": {
                "builder": {"id": BUILDER_ID, "version": {"spec-ledger": builder_version}},
                "metadata": {
                    "invocationId": build_id,
                    "startedOn": rfc3339(started_on),
                    "finishedOn": rfc3339(finished_on),
                },
                "byproducts": [
                    {
                        "name": b.name,
                        "digest": {"sha256": _hex(b.sha256, f"digest of {b.name}")},
                        "mediaType": b.media_type,
                    }
                    for b in byproducts
                ],
            },
        },
    }


def test_result_statement(
    build_id: str, artifacts: Sequence[FileRef], outcome: TestOutcome
) -> dict[str, Any]:
    """in-toto test-result v0.1 over the build's artifacts.

    The test command is the ``configuration`` ResourceDescriptor (its bytes as ``content``
    plus a digest); its ``invocationId`` annotation ties the result to the provenance of the
    same build, which is what ``verify`` checks for TESTED.
    """
    check_build_id(build_id)
    if outcome.result not in ("PASSED", "WARNED", "FAILED"):
        raise AttestationError(f"test result {outcome.result!r}; expected PASSED|WARNED|FAILED")
    command = outcome.command.encode("utf-8")
    predicate: dict[str, Any] = {
        "result": outcome.result,
        "configuration": [
            {
                "name": "test-command",
                "digest": {"sha256": sha256_hex(command)},
                "content": base64.b64encode(command).decode("ascii"),
                "mediaType": "text/plain; charset=utf-8",
                "annotations": {"command": outcome.command, "invocationId": build_id},
            }
        ],
        "passedTests": list(outcome.passed),
        "warnedTests": list(outcome.warned),
        "failedTests": list(outcome.failed),
    }
    if outcome.url is not None:
        predicate["url"] = outcome.url
    return {
        "_type": STATEMENT_TYPE,
        "subject": _subjects(artifacts),
        "predicateType": TEST_RESULT_TYPE,
        "predicate": predicate,
    }


def statement_bytes(statement: Mapping[str, Any]) -> bytes:
    """The exact bytes that go into a DSSE payload."""
    return canonical_json(statement)
