"""The build trajectory: a hash-chained, redacted JSON Lines record of everything a build did.

Write with ``TrajectoryWriter(path, Redactor(env_names))``; ``close()`` gives the head and file
digests an attestation records and moves the file into the object store. Check a file with
``verify_trajectory``; read it with ``read_trajectory``. See ``events`` for the line format.
"""

from __future__ import annotations

from ledger.trajectory.events import (
    EVENT_DATA_KEYS,
    EVENT_TYPES,
    GENESIS,
    MEDIA_TYPE,
    Event,
    EventType,
    format_time,
    summarize,
)
from ledger.trajectory.reader import (
    TrajectoryBroken,
    VerifyReport,
    iter_trajectory,
    parse_line,
    read_trajectory,
    verify_trajectory,
)
from ledger.trajectory.redact import MARKER_RE, Finding, Redacted, Redactor, normalize_markers
from ledger.trajectory.writer import TrajectoryDigest, TrajectoryWriter

__all__ = [
    "EVENT_DATA_KEYS",
    "EVENT_TYPES",
    "GENESIS",
    "MARKER_RE",
    "MEDIA_TYPE",
    "Event",
    "EventType",
    "Finding",
    "Redacted",
    "Redactor",
    "TrajectoryBroken",
    "TrajectoryDigest",
    "TrajectoryWriter",
    "VerifyReport",
    "format_time",
    "iter_trajectory",
    "normalize_markers",
    "parse_line",
    "read_trajectory",
    "summarize",
    "verify_trajectory",
]
