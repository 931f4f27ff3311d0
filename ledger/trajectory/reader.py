"""Reading and verifying trajectory files.

``verify_trajectory`` walks the file once and names the first event that does not hold:
a line that is not canonical JSON of a well-formed event, a ``seq`` out of order, or a
``prev`` that is not the digest of the event before. A ``prev`` mismatch at event *j* blames
event *j-1*: its bytes no longer hash to what its successor recorded, so it is the event that
was altered (or the place where events were removed or inserted). An edit to the *last*
event can only be caught against a head recorded elsewhere, hence ``expected_head``.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, BinaryIO

from ledger.digest import canonical_json, sha256_hex
from ledger.errors import CheckFailed, TrajectoryError
from ledger.safeparse import find_lone_surrogate, json_error_reason
from ledger.trajectory.events import EVENT_TYPES, GENESIS, HEX64_RE, TIME_RE, Event
from ledger.trajectory.redact import MARKER_RE

_MAX_SAFE = 2**53 - 1
_KEYS = frozenset({"seq", "time", "type", "data", "prev"})


class TrajectoryBroken(CheckFailed):
    """A well-formed trajectory whose hash chain does not hold (exit 1)."""


@dataclass(frozen=True)
class VerifyReport:
    """Outcome of ``verify_trajectory``.

    ``count``: lines in the file. ``head``: SHA-256 of the last line (without its newline),
    the head digest when ``ok``. ``complete``: the last event is ``build_end`` (a crashed
    build leaves a valid but incomplete prefix). ``first_broken_seq``/``reason``: the first
    event that does not verify and why, or None.
    """

    path: str
    ok: bool
    count: int
    head: str
    file_sha256: str
    complete: bool
    first_broken_seq: int | None = None
    reason: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "ok": self.ok,
            "count": self.count,
            "head": self.head,
            "file_sha256": self.file_sha256,
            "complete": self.complete,
            "first_broken_seq": self.first_broken_seq,
            "reason": self.reason,
        }


def parse_line(raw: bytes, lineno: int, file: str) -> Event:
    """One line (with its newline) → Event; TrajectoryError naming what was expected."""

    def fail(message: str) -> TrajectoryError:
        return TrajectoryError(message, file=file, line=lineno)

    if not raw.endswith(b"\n"):
        raise fail("line does not end with a newline (file truncated mid-write?)")
    body = raw[:-1]
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise fail(f"not UTF-8 at byte {exc.start}") from None
    try:
        obj = json.loads(text, parse_constant=_reject_constant, parse_int=_parse_int)
    except (ValueError, RecursionError) as exc:  # RecursionError: "[[[[…" nested too deeply
        raise fail(f"{json_error_reason(exc)}; expected one event object per line") from None
    if not isinstance(obj, dict):
        raise fail(f"a JSON {type(obj).__name__}; expected an event object")
    if set(obj) != _KEYS:
        missing, extra = sorted(_KEYS - set(obj)), sorted(set(obj) - _KEYS)
        raise fail(f"event keys missing {missing} / unexpected {extra}; expected {sorted(_KEYS)}")
    seq, time, etype, data, prev = (obj[k] for k in ("seq", "time", "type", "data", "prev"))
    if not isinstance(seq, int) or isinstance(seq, bool) or seq < 0:
        raise fail(f"seq is {seq!r}; expected a non-negative integer")
    if not isinstance(etype, str) or etype not in EVENT_TYPES:
        raise fail(f"type {etype!r} is not an event type; expected one of {sorted(EVENT_TYPES)}")
    if not isinstance(time, str) or not TIME_RE.match(time) or not _valid_time(time):
        raise fail(f"time {time!r}; expected RFC 3339 UTC like 2025-01-31T12:00:00.000000Z")
    if not isinstance(prev, str) or not HEX64_RE.match(prev):
        raise fail(f"prev {prev!r}; expected 64 lowercase hex characters")
    if not isinstance(data, dict):
        raise fail(f"data is a {type(data).__name__}; expected a JSON object")
    if etype == "redaction":
        _check_redaction_data(data, fail)
    try:
        canonical = canonical_json(obj)
    except ValueError:
        # our writer cannot have written a lone surrogate: canonical JSON refuses it. The walk
        # that names its field runs only here, off the path of every valid line.
        surrogate = find_lone_surrogate(data, "data")
        if surrogate is not None:
            why = f"field '{surrogate}' contains a lone UTF-16 surrogate; expected valid Unicode text"
            raise fail(why) from None
        canonical = b""
    if canonical != body:
        raise fail("not in RFC 8785 canonical form (reformatted, or keys reordered?)")
    return Event(seq=seq, time=time, type=etype, data=data, prev=prev)


def _parse_int(token: str) -> int | float:
    """JCS numbers are IEEE doubles: an integral double beyond 2**53 is written without a
    fraction ("9007199254740992") and must read back as that double, not as an int."""
    value = int(token)
    if -_MAX_SAFE <= value <= _MAX_SAFE:
        return value
    try:
        return float(value)
    except OverflowError:
        return value  # fails the canonical check below


def _valid_time(text: str) -> bool:
    try:
        datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ")
    except ValueError:
        return False
    return True


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _check_redaction_data(data: dict[str, Any], fail: Any) -> None:
    event, items = data.get("event"), data.get("redactions")
    ok = (
        set(data) == {"event", "redactions"}
        and isinstance(event, int)
        and not isinstance(event, bool)
        and isinstance(items, list)
        and bool(items)
        and all(
            isinstance(r, dict)
            and isinstance(r.get("path"), str)
            and isinstance(r.get("kind"), str)
            and isinstance(r.get("marker"), str)
            and MARKER_RE.fullmatch(r["marker"])
            for r in items
        )
    )
    if not ok:
        raise fail("redaction data; expected {event: int, redactions: [{path, kind, marker}]}")


class _Chain:
    """The running state of a verification: head so far and the previous event's type."""

    def __init__(self, keep_digests: bool = False) -> None:
        self.head = GENESIS
        self.count = 0
        self.last_type: str | None = None
        self.digests: dict[str, int] | None = {} if keep_digests else None

    def check(self, event: Event, raw: bytes) -> tuple[int, str] | None:
        """None if ``event`` extends the chain (and advance), else (broken seq, reason)."""
        i = self.count
        if event.seq != i:
            return i, f"seq is {event.seq}, expected {i} (an event was deleted, inserted or moved)"
        if event.prev != self.head:
            if i == 0:
                return 0, "prev of event 0 is not the genesis value 0…0 (the start was cut off?)"
            return i - 1, (
                f"event {i - 1} does not hash to the prev recorded in event {i} "
                f"(event {i - 1} was altered, or events were removed or inserted after it)"
            )
        if event.type == "redaction" and (
            event.data["event"] != i - 1 or self.last_type in (None, "redaction")
        ):
            return i, "redaction event does not directly follow the event it describes"
        self.head = sha256_hex(raw[:-1])
        if self.digests is not None:
            self.digests[self.head] = i
        self.count += 1
        self.last_type = event.type
        return None


@contextlib.contextmanager
def _open(path: Path) -> Iterator[BinaryIO]:
    try:
        fh = open(path, "rb")  # noqa: SIM115 - only open() errors mean "unreadable"
    except OSError as exc:
        raise TrajectoryError(f"cannot read trajectory: {exc.strerror or exc}", file=str(path)) from None
    with fh:
        yield fh


def iter_trajectory(path: Path, *, verify: bool = True) -> Iterator[Event]:
    """Events one at a time (constant memory); with ``verify``, a broken chain raises."""
    chain = _Chain()
    with _open(path) as fh:
        for lineno, raw in enumerate(fh, 1):
            event = parse_line(raw, lineno, str(path))
            if verify:
                problem = chain.check(event, raw)
                if problem is not None:
                    seq, reason = problem
                    raise TrajectoryBroken(f"event {seq}: {reason}", file=str(path), line=lineno)
            yield event


def read_trajectory(path: Path, *, verify: bool = True) -> list[Event]:
    """All events. Malformed lines raise TrajectoryError (file:line, what was expected);
    with ``verify`` (default) a broken chain raises TrajectoryBroken."""
    return list(iter_trajectory(path, verify=verify))


def verify_trajectory(path: Path, *, expected_head: str | None = None) -> VerifyReport:
    """Check every line and the chain; never raises for a bad line, only if unreadable.

    ``expected_head`` (from an attestation) also catches an altered last event and events
    appended or removed at the end.
    """
    chain = _Chain(keep_digests=expected_head is not None)
    file_hash = hashlib.sha256()
    count = 0
    last_raw = b"\n"
    broken: tuple[int, str] | None = None
    with _open(path) as fh:
        for lineno, raw in enumerate(fh, 1):
            file_hash.update(raw)
            count += 1
            last_raw = raw
            if broken is not None:
                continue
            try:
                event = parse_line(raw, lineno, str(path))
            except TrajectoryError as exc:
                broken = (chain.count, f"line {lineno}: {exc.message}")
                continue
            problem = chain.check(event, raw)
            if problem is not None:
                broken = (problem[0], f"line {lineno}: {problem[1]}")
    if broken is None and expected_head is not None and chain.head != expected_head:
        broken = _head_mismatch(chain, expected_head)
    head = sha256_hex(last_raw[:-1] if last_raw.endswith(b"\n") else last_raw) if count else GENESIS
    return VerifyReport(
        path=str(path),
        ok=broken is None,
        count=count,
        head=head,
        file_sha256=file_hash.hexdigest(),
        complete=broken is None and chain.last_type == "build_end",
        first_broken_seq=None if broken is None else broken[0],
        reason=None if broken is None else broken[1],
    )


def _head_mismatch(chain: _Chain, expected: str) -> tuple[int, str]:
    assert chain.digests is not None
    at = chain.digests.get(expected)
    if at is not None:
        return at + 1, f"events after {at} were appended after the expected head {expected}"
    last = max(chain.count - 1, 0)
    return last, (
        f"head {chain.head} differs from the expected head {expected} "
        f"(event {last} was altered, or events were removed from the end)"
    )
