"""Appending events to a trajectory file: redact, chain, write one canonical line, flush.

The only way to add an event is ``emit``, and ``emit`` redacts before anything is serialised,
so unredacted data cannot reach the file. Each event is one ``write`` of its full line on an
unbuffered descriptor: a crash leaves a valid prefix of the chain (at worst a torn last line,
which ``verify_trajectory`` reports).
"""

from __future__ import annotations

import hashlib
import os
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any

from ledger.digest import canonical_json, sha256_hex
from ledger.errors import CheckFailed
from ledger.trajectory.events import EVENT_TYPES, GENESIS, Event, EventType, format_time, utc_now
from ledger.trajectory.redact import REPLAYED_EVENT_TYPES, Redactor

if TYPE_CHECKING:
    from ledger.objects import ObjectStore


@dataclass(frozen=True)
class TrajectoryDigest:
    """What an attestation records about a finished trajectory.

    ``head``: SHA-256 of the last event's canonical bytes (pins the whole chain).
    ``file_sha256``: SHA-256 of the file; the byproduct digest and the object-store key.
    """

    head: str
    file_sha256: str
    count: int


class TrajectoryWriter:
    """Writes one build's trajectory to ``path`` (a new file in the build's temp dir).

    With ``store``, ``close()`` moves the finished file into the object store.
    ``fsync=True`` syncs after every event (survives power loss, costs ~ms per event);
    by default the file is synced once, on close. ``replayable=False`` (imported transcripts)
    applies the heuristic redaction rules to ``model_response`` events too.
    """

    def __init__(
        self,
        path: Path,
        redactor: Redactor,
        clock: Callable[[], datetime] | None = None,
        *,
        store: ObjectStore | None = None,
        fsync: bool = False,
        replayable: bool = True,
    ) -> None:
        if not isinstance(redactor, Redactor):
            raise TypeError("TrajectoryWriter needs a Redactor; trajectories are never unredacted")
        self.path = Path(path)
        self._redactor = redactor
        # What a replay serves back to the tools is redacted without guessing (Redactor.exact_only);
        # an imported transcript is never replayed, so all of it gets every rule.
        self._replayed_redactor = redactor.exact_only() if replayable else redactor
        self._clock = clock or utc_now
        self._store = store
        self._fsync = fsync
        self._lock = threading.Lock()
        self._file_hash = hashlib.sha256()
        self._head = GENESIS
        self._count = 0
        self._result: TrajectoryDigest | None = None
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # O_EXCL: never append to (or clobber) an existing trajectory.
        self._fd: int | None = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_APPEND, 0o600)

    @property
    def head(self) -> str:
        """Digest of the last event written (``GENESIS`` before the first)."""
        return self._head

    @property
    def count(self) -> int:
        return self._count

    def emit(self, type: str, data: Mapping[str, Any]) -> Event:
        """Redact ``data``, append the event, and a ``redaction`` event if anything was removed.

        Returns the event as written (redacted). ``redaction`` events are the writer's own;
        emitting one by hand is refused so the record of redactions cannot be forged.
        """
        if type not in EVENT_TYPES:
            raise ValueError(f"unknown event type {type!r}; expected one of {sorted(EVENT_TYPES)}")
        if type == EventType.REDACTION:
            raise ValueError("redaction events are written by the writer itself, not emitted")
        redactor = self._replayed_redactor if type in REPLAYED_EVENT_TYPES else self._redactor
        redacted = redactor.redact_data(data)
        with self._lock:
            event = self._append(type, redacted.data)
            if redacted.findings:
                record = self._redactor.redact_data(
                    {"event": event.seq, "redactions": [f.to_json() for f in redacted.findings]}
                )
                self._append(EventType.REDACTION.value, record.data)
        return event

    def _append(self, type: str, data: dict[str, Any]) -> Event:
        """Chain and write already-redacted data; callers hold the lock."""
        if self._fd is None:
            raise ValueError(f"trajectory {self.path} is closed")
        event = Event(
            seq=self._count,
            time=format_time(self._clock()),
            type=str(type),
            data=data,
            prev=self._head,
        )
        try:
            line = canonical_json(event.to_json())
        except ValueError as exc:  # rfc8785: ints beyond 2**53, NaN, lone surrogates…
            nearest = nearest_json(data)
            if nearest == data:
                raise ValueError(f"{type} event data is not representable in JSON: {exc}") from exc
            event = Event(event.seq, event.time, event.type, nearest, event.prev)
            line = canonical_json(event.to_json())
        _write_all(self._fd, line + b"\n")
        if self._fsync:
            os.fsync(self._fd)
        self._file_hash.update(line + b"\n")
        self._head = sha256_hex(line)
        self._count += 1
        return event

    def close(self) -> TrajectoryDigest:
        """Sync and close; move into the store if one was given. Idempotent."""
        with self._lock:
            if self._result is not None:
                return self._result
            if self._fd is not None:
                os.fsync(self._fd)
                os.close(self._fd)
                self._fd = None
            result = TrajectoryDigest(self._head, self._file_hash.hexdigest(), self._count)
            if self._store is not None:
                stored = self._store.put_file(self.path, move=True)
                if stored != result.file_sha256:
                    raise CheckFailed(
                        f"trajectory changed on disk before it was stored "
                        f"(wrote {result.file_sha256}, stored {stored})",
                        file=str(self.path),
                    )
            self._result = result
            return result

    def abandon(self) -> None:
        """Close the file without storing it (a failed build keeps its prefix for inspection)."""
        with self._lock:
            if self._fd is not None:
                os.close(self._fd)
                self._fd = None

    def __enter__(self) -> TrajectoryWriter:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if exc_type is None:
            self.close()
        else:
            self.abandon()


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]


_MAX_SAFE = 2**53


def nearest_json(value: Any) -> Any:
    """``value`` with what a model or a tool can hand us but RFC 8785 cannot write replaced by
    its nearest JSON: a lone UTF-16 surrogate (an emoji cut in half) by U+FFFD, an integer
    beyond 2**53 by the IEEE double JSON numbers are (what ``read_trajectory`` reads back),
    or by its decimal text when no double holds it. NaN and infinities stay: only our own
    code could produce them, and refusing them finds the bug."""
    if isinstance(value, str):
        return _scrub(value)
    if isinstance(value, bool) or not isinstance(value, int | dict | list | tuple):
        return value
    if isinstance(value, int):
        if -_MAX_SAFE <= value <= _MAX_SAFE:
            return value
        try:
            return float(value)
        except OverflowError:
            return str(value)
    if isinstance(value, dict):
        return {_scrub(str(k)): nearest_json(v) for k, v in value.items()}
    return [nearest_json(v) for v in value]


def _scrub(text: str) -> str:
    from ledger.safeparse import scrub_surrogates

    return str(scrub_surrogates(text))
