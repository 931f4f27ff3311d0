"""Importers of external agent transcripts into the trajectory event model.

    result = import_file(Path("session.jsonl"), ObjectStore(ws.objects_dir))          # auto-detect
    result = import_file(path, store, format="swe-agent", redactor=Redactor(["MY_TOKEN"]))

Each format is one module (``claude_code``, ``swe_agent``, ``mini_swe_agent``, ``inspect_ai``,
``openhands``, ``otel_genai``, ``codex``, ``atif``) exposing ``IMPORTER``:
``detect(data, filename) -> confidence`` and ``convert(data, filename, sink)``. The original
bytes are stored by digest and linked from ``build_start.source``; malformed records are listed
in ``ImportResult.skipped``.
"""

from __future__ import annotations

from ledger.importers.api import (
    MIN_CONFIDENCE,
    Importer,
    choose_format,
    detect_format,
    import_bytes,
    import_file,
    importers,
)
from ledger.importers.base import ImportResult, ModelSeen, Sink, Skipped, parse_time

__all__ = [
    "MIN_CONFIDENCE",
    "ImportResult",
    "Importer",
    "ModelSeen",
    "Sink",
    "Skipped",
    "choose_format",
    "detect_format",
    "import_bytes",
    "import_file",
    "importers",
    "parse_time",
]
