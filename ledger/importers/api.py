"""Import an external agent transcript: detect its format, store the original (secrets replaced by
markers), write our trajectory.

``import_bytes`` / ``import_file`` are what the CLI calls; ``attest_import`` then signs a provenance
for the files the imported agent produced (``ledger import … --artifact``). The original
bytes go into the object store first, so the trajectory's ``build_start.source.sha256`` always
names a blob that exists; the trajectory itself goes into the store when complete.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ledger.errors import ImportFormatError
from ledger.importers.base import ImportResult, Sink
from ledger.trajectory.events import utc_now

if TYPE_CHECKING:
    from ledger.objects import ObjectStore
    from ledger.record.external import ExternalAttestation
    from ledger.trajectory.redact import Redactor
    from ledger.workspace import Workspace

MIN_CONFIDENCE = 0.5
"""``auto`` refuses to guess below this: a wrong importer would mis-read the whole file."""


@dataclass(frozen=True)
class Importer:
    """One external format: how to recognise it and how to convert it."""

    name: str
    media_type: str
    description: str
    detect: Callable[[bytes, str], float]
    convert: Callable[[bytes, str, Sink], None]
    media_type_of: Callable[[bytes], str] | None = None
    """For formats with several containers (inspect: ZIP or JSON), the media type of these bytes."""

    def media_type_for(self, data: bytes) -> str:
        return self.media_type_of(data) if self.media_type_of is not None else self.media_type


def importers() -> dict[str, Importer]:
    """Every supported format by name, in the order ``auto`` tries them."""
    from ledger.importers import (
        atif,
        claude_code,
        codex,
        inspect_ai,
        mini_swe_agent,
        openhands,
        otel_genai,
        swe_agent,
    )

    found = [
        claude_code.IMPORTER,
        swe_agent.IMPORTER,
        mini_swe_agent.IMPORTER,
        inspect_ai.IMPORTER,
        openhands.IMPORTER,
        otel_genai.IMPORTER,
        codex.IMPORTER,
        atif.IMPORTER,
    ]
    return {imp.name: imp for imp in found}


def detect_format(data: bytes, filename: str) -> list[tuple[str, float]]:
    """Every format's confidence for this content, best first (ties keep registry order)."""
    scores = []
    for imp in importers().values():
        try:
            score = float(imp.detect(data, filename))
        except Exception:  # a detector must never turn a guess into a crash
            score = 0.0
        scores.append((imp.name, max(0.0, min(1.0, score))))
    return sorted(scores, key=lambda item: -item[1])


def choose_format(data: bytes, filename: str) -> str:
    """The best format for ``auto``; ImportFormatError if none is confident enough."""
    if not data.strip():
        raise ImportFormatError("file is empty; expected an agent transcript", file=filename)
    ranked = detect_format(data, filename)
    name, score = ranked[0]
    if score < MIN_CONFIDENCE:
        names = ", ".join(importers())
        raise ImportFormatError(
            "not a recognised agent transcript; expected one of: " + names,
            file=filename,
            hint="name the format explicitly: ledger import FORMAT FILE",
        )
    return name


def import_bytes(
    data: bytes,
    filename: str,
    store: ObjectStore,
    *,
    format: str = "auto",
    redactor: Redactor | None = None,
    clock: Callable[[], datetime] | None = None,
) -> ImportResult:
    """Convert ``data`` (the content of ``filename``) into a trajectory stored in ``store``.

    ``format`` is an importer name or ``auto``. The redactor defaults to one built from the
    environment (like a build's). ``clock`` gives the import time (for events the source
    does not time). Raises ImportFormatError for unknown or broken input.
    """
    from ledger.trajectory.redact import Redactor
    from ledger.trajectory.writer import TrajectoryWriter

    table = importers()
    name = choose_format(data, filename) if format == "auto" else format
    imp = table.get(name)
    if imp is None:
        raise ImportFormatError(
            f"unknown format {name!r}; expected one of: auto, {', '.join(table)}", file=filename
        )
    redactor = redactor if redactor is not None else Redactor()
    stored, secrets = redacted_original(data, redactor, filename=filename)
    original = store.put_bytes(stored)
    media_type = imp.media_type_for(data)
    source: dict[str, Any] = {
        "format": imp.name,
        "sha256": original,
        "media_type": media_type,
        "filename": os.path.basename(filename),
    }
    if secrets:
        source["redacted_secrets"] = secrets
    tmp = store.root / "tmp" / f"import.{uuid.uuid4().hex}.jsonl"

    def factory(event_clock: Callable[[], datetime]) -> TrajectoryWriter:
        return TrajectoryWriter(tmp, redactor, event_clock, store=store, replayable=False)

    sink = Sink(factory, source, (clock or utc_now)())
    try:
        imp.convert(data, filename, sink)
        if not sink.ended:
            sink.end({"status": "interrupted", "reason": "the source records no end of the run"})
        digest = sink.writer.close()
    except BaseException:
        sink.writer.abandon()
        tmp.unlink(missing_ok=True)
        raise
    return ImportResult(
        format=imp.name,
        filename=os.path.basename(filename),
        source_version=sink.source_version,
        session_id=sink.session_id,
        events=digest.count,
        event_counts=_with_redactions(dict(sink.counts), digest.count),
        tool_calls_paired=sink.paired,
        tool_calls_unpaired=sink.unpaired_calls,
        tool_results_unpaired=sink.unpaired_results,
        models=sink.models,
        skipped=tuple(sink.skipped),
        skipped_total=sink.skipped_total,
        stats=dict(sink.stats),
        trajectory_sha256=digest.file_sha256,
        trajectory_head=digest.head,
        original_sha256=original,
        original_media_type=media_type,
    )


def redacted_original(
    data: bytes, redactor: Redactor, *, filename: str = "<transcript>"
) -> tuple[bytes, int]:
    """The transcript as it may be kept, and how many secrets were replaced in it.

    The original is stored so that an import is lossless, but a secret is never written to
    disk: each one becomes the same salted marker the trajectory uses. A transcript without
    secrets is kept byte for byte. ZIP logs (inspect ``.eval``) are rewritten member by member,
    since their compressed bytes hide what a scan of the archive would look for.
    """
    if data[:4] == b"PK\x03\x04":
        rewritten = _redacted_zip(data, redactor, filename)
        if rewritten is not None:
            return rewritten
    clean, found = redactor.redact_bytes(data)
    return clean, len(found)


def _redacted_zip(data: bytes, redactor: Redactor, filename: str) -> tuple[bytes, int] | None:
    import io
    import zipfile
    import zlib

    from ledger.importers.base import check_zip_budget
    from ledger.importers.zipread import ZIP_ZSTANDARD, read_member

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            check_zip_budget(archive, len(data), filename)
            members = [(info, read_member(archive, data, info)) for info in archive.infolist()]
    except (zipfile.BadZipFile, zlib.error, OSError, ValueError, NotImplementedError, EOFError):
        return None  # not an archive we can read: scanned as plain bytes instead
    cleaned = [(info, *redactor.redact_bytes(content)) for info, content in members]
    secrets = sum(len(found) for _, _, found in cleaned)
    if not secrets:
        return data, 0
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for info, content, _ in cleaned:
            # zipfile cannot write Zstandard (inspect's default): such members are deflated,
            # which every inspect version reads
            method = zipfile.ZIP_DEFLATED if info.compress_type == ZIP_ZSTANDARD else info.compress_type
            archive.writestr(info, content, compress_type=method)
    return out.getvalue(), secrets


def import_file(path: Path, store: ObjectStore, **kwargs: Any) -> ImportResult:
    """``import_bytes`` on a file's content (read whole: every format here needs random access)."""
    try:
        data = Path(path).read_bytes()
    except IsADirectoryError:
        raise ImportFormatError("is a directory; expected a transcript file", file=str(path)) from None
    except OSError as exc:
        raise ImportFormatError(f"cannot read: {exc.strerror}", file=str(path)) from None
    return import_bytes(data, str(path), store, **kwargs)


def _with_redactions(counts: dict[str, int], total: int) -> dict[str, int]:
    """The writer adds a ``redaction`` event after each redacted one; count those too."""
    extra = total - sum(counts.values())
    if extra:
        counts["redaction"] = counts.get("redaction", 0) + extra
    return counts


def attest_import(
    workspace: Workspace,
    result: ImportResult,
    artifacts: Sequence[str],
    signer: Any,
    *,
    spec: str | None = None,
    started_on: datetime,
    ingest: bool = True,
) -> ExternalAttestation:
    """Sign an ``imported/v1`` provenance naming ``artifacts`` as what the imported agent produced.

    ``artifacts`` are workspace-relative; ``spec`` (a CfS leaf) binds them to today's chain of
    that node. The imported trajectory and the original transcript are the byproducts, the
    models the transcript names are dependencies. No test result: nothing was tested here.
    """
    from datetime import UTC

    from ledger import __version__
    from ledger.attest.imported import ImportedBuildInputs, ModelSeen, SourceRef
    from ledger.attest.statement import TRAJECTORY_MEDIA_TYPE, Byproduct
    from ledger.build import new_build_id
    from ledger.record.external import artifact_refs, sign_and_ingest, spec_binding

    if not artifacts:
        raise ImportFormatError("nothing to attest: give at least one --artifact PATH")
    refs = artifact_refs(workspace, artifacts)
    binding = spec_binding(workspace, spec) if spec else None
    inputs = ImportedBuildInputs(
        build_id=new_build_id(),
        origin="imported",
        artifacts=refs,
        models=[ModelSeen(m.id, m.provider, m.endpoint) for m in result.models],
        trajectory=Byproduct("trajectory", result.trajectory_sha256, TRAJECTORY_MEDIA_TYPE),
        original=Byproduct("original-transcript", result.original_sha256, result.original_media_type),
        source=SourceRef(result.format, result.original_sha256, result.original_media_type, result.filename),
        started_on=started_on,
        finished_on=datetime.now(UTC),
        builder_version=__version__,
        binding=binding,
    )
    return sign_and_ingest(workspace, inputs, signer, ingest=ingest)
