"""Hypothesis strategies and the shared property for the parser fuzz tests.

Inputs are either random bytes or a valid seed (a real spec node, manifest, recipe, envelope,
trajectory, transcript) with a few random edits: structure-aware mutation finds the deep paths
that random bytes never reach.
"""

from __future__ import annotations

import contextlib
import signal
from collections.abc import Callable, Iterator
from types import FrameType

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from ledger.errors import InputError, LedgerError

DEADLINE_S = 5.0  # per example; a parser that takes longer on a few KB is hung


class Hung(Exception):
    """Raised inside the parser when one example exceeds DEADLINE_S."""


@contextlib.contextmanager
def deadline(seconds: float = DEADLINE_S) -> Iterator[None]:
    """SIGALRM-based wall-clock limit, so a real hang fails the example instead of the run."""

    def fire(signum: int, frame: FrameType | None) -> None:
        raise Hung(f"parser still running after {seconds} s")

    previous = signal.signal(signal.SIGALRM, fire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def clean_outcome(call: Callable[[], object], *, allow_check_failed: bool = False) -> str:
    """Run one parse: 'ok' for a valid parse, 'error' for a clean input error; anything else fails.

    ``allow_check_failed`` admits a LedgerError with exit 1 (a well-formed input whose check
    failed, e.g. a broken hash chain) where the parser also verifies.
    """
    try:
        with deadline():
            call()
    except Hung:
        raise
    except LedgerError as exc:
        if not isinstance(exc, InputError):
            assert allow_check_failed and exc.exit_code == 1, (
                f"{type(exc).__name__} exit {exc.exit_code}: {exc}"
            )
        assert exc.exit_code in (1, 2)
        assert exc.message.strip() and "\n" not in exc.message.strip(), repr(exc.message)
        return "error"
    return "ok"


def _edit(data: bytes, draw: st.DrawFn) -> bytes:
    """One random edit: flip, delete, insert, duplicate a slice, or truncate."""
    if not data:
        return draw(st.binary(max_size=64))
    kind = draw(st.sampled_from(["flip", "delete", "insert", "duplicate", "truncate", "token"]))
    i = draw(st.integers(0, len(data) - 1))
    j = draw(st.integers(i, min(len(data), i + 64)))
    if kind == "flip":
        return data[:i] + bytes([data[i] ^ draw(st.integers(1, 255))]) + data[i + 1 :]
    if kind == "delete":
        return data[:i] + data[j:]
    if kind == "insert":
        return data[:i] + draw(st.binary(min_size=1, max_size=32)) + data[i:]
    if kind == "duplicate":
        return data[:j] + data[i:j] + data[j:]
    if kind == "truncate":
        return data[:i]
    token = draw(
        st.sampled_from(
            [
                b"\n",
                b"\r\n",
                b"---\n",
                b'"',
                b"{",
                b"}",
                b"[",
                b"]",
                b",",
                b"\\u0000",
                b"\x00",
                b"\xff",
                b"null",
                b"1e999",
                b"-0",
                b"true",
                b"#",
                b"=",
                b";",
                b":",
                b"..",
                b"/",
                b"\xef\xbb\xbf",
                b"\t",
                b"'''",
                b'"""',
                b"  - ",
                b"# ",
                b"[[x]]\n",
            ]
        )
    )
    return data[:i] + token + data[i:]


def mutated(seeds: list[bytes], max_edits: int = 4) -> st.SearchStrategy[bytes]:
    """A seed with 1..max_edits random edits, or plain random bytes (1 in 8)."""

    @st.composite
    def build(draw: st.DrawFn) -> bytes:
        if draw(st.integers(0, 7)) == 0:
            return draw(st.binary(max_size=512))
        data = draw(st.sampled_from(seeds))
        for _ in range(draw(st.integers(1, max_edits))):
            data = _edit(data, draw)
        return data

    return build()


def fuzz_settings(examples: int) -> settings:
    return settings(
        max_examples=examples,
        deadline=None,  # our own SIGALRM deadline above covers hangs; hypothesis' would flake on CI
        derandomize=False,
        suppress_health_check=[
            HealthCheck.too_slow,
            HealthCheck.data_too_large,
            HealthCheck.function_scoped_fixture,
        ],
        database=None,
    )
