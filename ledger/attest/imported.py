"""SLSA provenance for work an external agent did: imported transcripts and recorded sessions.

Same Statement + provenance shape as a spec-ledger build, buildType ``imported/v1``, but the
parameters say what we actually know: where the transcript came from (its format and original
digest) or which command was recorded through the proxy, which models the transcript names,
and, only when the user named one, the spec node the work claims to implement. Nothing here
claims a recipe, a sandbox or tests; ``attestations/README.md`` ("Imported builds") documents
every field.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

from ledger.attest.dsse import PAYLOAD_TYPE
from ledger.attest.files import WrittenAttestations, write_signed
from ledger.attest.signers import Signer
from ledger.attest.statement import (
    _CFS_HASH,
    BUILD_TYPE_IMPORTED,
    Byproduct,
    ChainMemberRef,
    FileRef,
    _hex,
    _member,
    check_build_id,
    provenance_envelope_statement,
    statement_bytes,
)
from ledger.errors import AttestationError

Origin = Literal["imported", "recorded"]
ORIGINS: tuple[Origin, ...] = ("imported", "recorded")


@dataclass(frozen=True)
class ModelSeen:
    """A model the transcript (or the proxy) saw; provider and endpoint when the source says."""

    id: str
    provider: str | None = None
    endpoint: str | None = None


@dataclass(frozen=True)
class SourceRef:
    """The external transcript as it was imported: its format and the digest of its bytes."""

    format: str
    sha256: str
    media_type: str
    filename: str


@dataclass(frozen=True)
class SpecBinding:
    """The spec node the user says the work implements, and its chain at attestation time."""

    target: str
    chain_cfs: str
    chain_sha256: str
    members: Sequence[ChainMemberRef]


@dataclass(frozen=True)
class ImportedBuildInputs:
    """Everything an imported/recorded provenance statement says."""

    build_id: str
    origin: Origin
    artifacts: Sequence[FileRef]
    models: Sequence[ModelSeen]
    trajectory: Byproduct
    started_on: datetime
    finished_on: datetime
    builder_version: str
    source: SourceRef | None = None  # imported: the original transcript
    original: Byproduct | None = None  # imported: the original transcript as a byproduct
    command: Sequence[str] | None = None  # recorded: argv, already redacted
    upstream: str | None = None  # recorded: the Messages API endpoint requests went to
    exit_code: int | None = None  # recorded: the command's exit status
    binding: SpecBinding | None = None


def model_dependency(model: ModelSeen) -> dict[str, Any]:
    """A model as a ResourceDescriptor: the endpoint's model URI where known, else a URN."""
    if model.endpoint:
        uri = f"{model.endpoint.rstrip('/')}/v1/models/{model.id}"
    else:
        uri = "urn:spec-ledger:model:" + (f"{model.provider}:" if model.provider else "") + model.id
    annotations: dict[str, Any] = {"kind": "model", "id": model.id}
    if model.provider:
        annotations["provider"] = model.provider
    if model.endpoint:
        annotations["endpoint"] = model.endpoint
    return {"name": "model", "uri": uri, "annotations": annotations}


def _external(inputs: ImportedBuildInputs) -> dict[str, Any]:
    ext: dict[str, Any] = {"origin": inputs.origin}
    if inputs.origin == "imported":
        if inputs.source is None:
            raise AttestationError("an imported build needs its source transcript (format and digest)")
        ext["source"] = {
            "format": inputs.source.format,
            "digest": {"sha256": _hex(inputs.source.sha256, "digest of the original transcript")},
            "mediaType": inputs.source.media_type,
            "filename": inputs.source.filename,
        }
    else:
        if not inputs.command:
            raise AttestationError("a recorded build needs the command that was recorded")
        if not inputs.upstream:
            raise AttestationError("a recorded build needs the upstream endpoint")
        ext["command"] = list(inputs.command)
        ext["upstream"] = inputs.upstream
    if inputs.binding is not None:
        b = inputs.binding
        if not _CFS_HASH.fullmatch(b.chain_cfs):
            raise AttestationError(f"chain hash {b.chain_cfs!r} is not 27 base64url characters")
        ext["target"] = b.target
        ext["chain"] = {"cfs": b.chain_cfs, "sha256": _hex(b.chain_sha256, "chain digest")}
    return ext


def imported_provenance_statement(inputs: ImportedBuildInputs) -> dict[str, Any]:
    """SLSA provenance v1 with buildType imported/v1 (see attestations/README.md)."""
    check_build_id(inputs.build_id)
    if inputs.origin not in ORIGINS:
        raise AttestationError(f"origin {inputs.origin!r}; expected 'imported' or 'recorded'")
    deps: list[dict[str, Any]] = []
    if inputs.binding is not None:
        deps.extend(_member(m) for m in inputs.binding.members)
    seen: set[tuple[str, str | None, str | None]] = set()
    for model in sorted(inputs.models, key=lambda m: (m.id, m.provider or "", m.endpoint or "")):
        key = (model.id, model.provider, model.endpoint)
        if key not in seen and model.id:
            seen.add(key)
            deps.append(model_dependency(model))
    build_definition: dict[str, Any] = {
        "buildType": BUILD_TYPE_IMPORTED,
        "externalParameters": _external(inputs),
        "resolvedDependencies": deps,
    }
    if inputs.exit_code is not None:
        build_definition["internalParameters"] = {"exitCode": inputs.exit_code}
    byproducts = [inputs.trajectory] + ([inputs.original] if inputs.original else [])
    return provenance_envelope_statement(
        inputs.artifacts,
        build_definition,
        build_id=inputs.build_id,
        builder_version=inputs.builder_version,
        started_on=inputs.started_on,
        finished_on=inputs.finished_on,
        byproducts=byproducts,
    )


def attest_imported(
    attestation_dir: Path, inputs: ImportedBuildInputs, signer: Signer
) -> WrittenAttestations:
    """Sign the provenance and write ``<build-id>.intoto.jsonl`` (no test result: none ran)."""
    statement = imported_provenance_statement(inputs)
    signed = signer.sign_envelope(PAYLOAD_TYPE, statement_bytes(statement))
    return write_signed(attestation_dir, inputs.build_id, [signed])


__all__ = [
    "ORIGINS",
    "ImportedBuildInputs",
    "ModelSeen",
    "Origin",
    "SourceRef",
    "SpecBinding",
    "attest_imported",
    "imported_provenance_statement",
    "model_dependency",
]
