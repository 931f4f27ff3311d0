"""The result of ``ledger diff A B``: plain frozen values that every renderer (text, JSON, HTML) reads.

Nothing here computes; ``compare`` fills these in. Whatever could not be compared (a trajectory
missing from the object store, a member text nobody kept) is modelled with a reason, never dropped.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from ledger.diff.align import EventLike

Op = Literal["equal", "changed", "insert", "delete"]
Change = Literal["added", "removed", "changed"]


@dataclass(frozen=True)
class SideInfo:
    """Which build one side of the diff is, and where its verified evidence came from."""

    build_id: str
    given: str  # the argument as the user typed it
    resolved_by: str  # "build id" | "artifact" | "attestation file"
    attestation: str  # file:line of the verified provenance statement
    signer: str
    recipe: str
    target: str
    finished_on: str | None
    test_result: str | None


@dataclass(frozen=True)
class PinChange:
    """One recipe pin (recipe digest, model.id, tools.python, prompt digest, sandbox…) that differs."""

    field: str
    a: str | None
    b: str | None


@dataclass(frozen=True)
class MemberChange:
    """A spec-chain member that was added, removed or whose content changed (by label)."""

    label: str
    change: Change
    role_a: str | None
    role_b: str | None
    file_a: str | None
    file_b: str | None
    sha256_a: str | None
    sha256_b: str | None
    unified_diff: str | None  # None when a text was not available
    text_note: str  # where the texts came from, or why there is no diff


@dataclass(frozen=True)
class Step:
    """One row of the aligned trajectories: a pair of events, or an event on one side only."""

    op: Op
    a_index: int | None  # position in A's event list (None: inserted in B)
    b_index: int | None
    type: str
    fields: tuple[str, ...] = ()  # for "changed": the data paths that differ (after normalisation)
    a_event: EventLike | None = field(default=None, compare=False, repr=False)
    b_event: EventLike | None = field(default=None, compare=False, repr=False)

    # Summaries are made when a renderer asks: aligning 10,000 events must not format 20,000 lines.
    @cached_property
    def a_summary(self) -> str | None:
        from ledger.diff.describe import describe

        return describe(self.a_event) if self.a_event is not None else None

    @cached_property
    def b_summary(self) -> str | None:
        from ledger.diff.describe import describe

        return describe(self.b_event) if self.b_event is not None else None

    def to_json(self) -> dict[str, Any]:
        return {
            "op": self.op,
            "a_index": self.a_index,
            "b_index": self.b_index,
            "type": self.type,
            "fields": list(self.fields),
            "a_summary": self.a_summary,
            "b_summary": self.b_summary,
        }


@dataclass(frozen=True)
class Divergence:
    """The first point where the two runs went apart, with what each side did there."""

    a_index: int | None  # None: B did something A never did (A's position is a_position)
    b_index: int | None
    a_position: int  # index in A at which the divergence sits (for an insertion: before this event)
    b_position: int
    a_seq: int | None
    b_seq: int | None
    op: Op
    type: str
    a_did: str  # one line each
    b_did: str
    detail: str  # the first differing field, with an excerpt from each side when it is text


@dataclass(frozen=True)
class ToolCallOnly:
    side: Literal["a", "b"]
    index: int
    name: str
    summary: str


@dataclass(frozen=True)
class Totals:
    events: int
    turns: int
    tool_calls: int
    input_tokens: int
    output_tokens: int
    wall_s: float | None  # first to last event time
    exec_s: float  # sum of sandboxed command durations


@dataclass(frozen=True)
class TrajectoryDiff:
    """Aligned trajectories, or the reason they could not be compared."""

    available: bool
    note: str
    steps: tuple[Step, ...] = ()
    divergence: Divergence | None = None
    only_a: tuple[ToolCallOnly, ...] = ()
    only_b: tuple[ToolCallOnly, ...] = ()
    totals_a: Totals | None = None
    totals_b: Totals | None = None

    def counts(self) -> dict[str, int]:
        out = {"equal": 0, "changed": 0, "insert": 0, "delete": 0}
        for s in self.steps:
            out[s.op] += 1
        return out

    def to_json(self) -> dict[str, Any]:
        from dataclasses import asdict

        return {
            "available": self.available,
            "note": self.note,
            "first_divergence": asdict(self.divergence) if self.divergence else None,
            "counts": self.counts(),
            "tool_calls_only_in_a": [asdict(x) for x in self.only_a],
            "tool_calls_only_in_b": [asdict(x) for x in self.only_b],
            "totals": {
                "a": asdict(self.totals_a) if self.totals_a else None,
                "b": asdict(self.totals_b) if self.totals_b else None,
            },
            "steps": [s.to_json() for s in self.steps],
        }


@dataclass(frozen=True)
class ArtifactChange:
    path: str
    change: Change
    sha256_a: str | None
    sha256_b: str | None
    unified_diff: str | None
    text_note: str


@dataclass(frozen=True)
class BuildDiff:
    a: SideInfo
    b: SideInfo
    pins: tuple[PinChange, ...]
    members: tuple[MemberChange, ...]
    trajectory: TrajectoryDiff
    artifacts: tuple[ArtifactChange, ...]
    artifacts_same: tuple[str, ...]

    @property
    def identical_inputs(self) -> bool:
        return not self.pins and not self.members

    def headline(self) -> str:
        """One line: what differs, for the top of every rendering."""
        parts = []
        if self.pins:
            parts.append(f"{len(self.pins)} recipe pin(s)")
        if self.members:
            parts.append(f"{len(self.members)} spec member(s)")
        t = self.trajectory
        if t.available and t.divergence is not None:
            d = t.divergence
            parts.append(f"trajectories diverge at A#{d.a_position} / B#{d.b_position} ({d.type})")
        elif not t.available:
            parts.append("trajectories not compared")
        if self.artifacts:
            parts.append(f"{len(self.artifacts)} artifact(s)")
        if not parts:
            return "no divergence: same inputs, same trajectory, same artifacts"
        return "differ: " + ", ".join(parts)

    def to_json(self) -> dict[str, Any]:
        from dataclasses import asdict

        return {
            "a": asdict(self.a),
            "b": asdict(self.b),
            "headline": self.headline(),
            "pins": [asdict(p) for p in self.pins],
            "spec_members": [asdict(m) for m in self.members],
            "trajectory": self.trajectory.to_json(),
            "artifacts": {
                "changed": [asdict(x) for x in self.artifacts],
                "same": list(self.artifacts_same),
            },
        }
