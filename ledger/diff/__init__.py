"""``ledger diff A B``: what changed between two verified builds, and where their runs went apart.

Data path: ``resolve`` (A/B → verified provenance, trajectory, texts) → ``align`` (event
alignment, first divergence) → ``compare`` (pins, members, artifacts) → ``report`` (the result
values) → ``render_text`` / ``render_html`` (or ``BuildDiff.to_json()``).
"""

from __future__ import annotations

from ledger.diff.align import align_trajectories
from ledger.diff.compare import diff_builds
from ledger.diff.report import (
    ArtifactChange,
    BuildDiff,
    Divergence,
    MemberChange,
    PinChange,
    SideInfo,
    Step,
    ToolCallOnly,
    Totals,
    TrajectoryDiff,
)
from ledger.diff.resolve import ResolvedBuild, Resolver, UnknownBuild, UnverifiedBuild

__all__ = [
    "ArtifactChange",
    "BuildDiff",
    "Divergence",
    "MemberChange",
    "PinChange",
    "ResolvedBuild",
    "Resolver",
    "SideInfo",
    "Step",
    "ToolCallOnly",
    "Totals",
    "TrajectoryDiff",
    "UnknownBuild",
    "UnverifiedBuild",
    "align_trajectories",
    "diff_builds",
]
