"""``diff_builds``: recipe pins, spec members, aligned trajectories and artifacts of two verified builds."""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from typing import TYPE_CHECKING

from ledger.diff.align import align_trajectories
from ledger.diff.report import ArtifactChange, BuildDiff, MemberChange, PinChange, SideInfo, TrajectoryDiff
from ledger.diff.resolve import ResolvedBuild, Resolver, TextSources, load_trajectory

if TYPE_CHECKING:
    from ledger.trajectory import Event
    from ledger.workspace import Workspace

MAX_DIFF_LINES = 2000  # a unified diff longer than this is cut (the digests still say it all)


def diff_builds(workspace: Workspace, a: str, b: str, *, resolver: Resolver | None = None) -> BuildDiff:
    """Resolve and verify both sides, then compare everything they attest."""
    resolver = resolver or Resolver(workspace)
    side_a = resolver.resolve(a)
    side_b = resolver.resolve(b)
    traj_a = load_trajectory(workspace, side_a)
    traj_b = load_trajectory(workspace, side_b)
    texts = TextSources(workspace)

    if traj_a.events is not None and traj_b.events is not None:
        trajectory = align_trajectories(traj_a.events, traj_b.events)
    else:
        missing = [t.note for t in (traj_a, traj_b) if t.events is None]
        trajectory = TrajectoryDiff(available=False, note="; ".join(missing))

    changed, same = _artifacts(side_a, side_b, texts, traj_a.events, traj_b.events)
    return BuildDiff(
        a=_info(side_a),
        b=_info(side_b),
        pins=pin_changes(side_a, side_b),
        members=_members(side_a, side_b, texts, traj_a.events, traj_b.events),
        trajectory=trajectory,
        artifacts=changed,
        artifacts_same=same,
    )


def _info(side: ResolvedBuild) -> SideInfo:
    return SideInfo(
        build_id=side.build_id,
        given=side.given,
        resolved_by=side.resolved_by,
        attestation=side.where,
        signer=side.signer,
        recipe=side.recipe,
        target=side.target,
        finished_on=side.finished_on,
        test_result=side.test_result,
    )


def pin_changes(a: ResolvedBuild, b: ResolvedBuild) -> tuple[PinChange, ...]:
    fields = sorted(set(a.pins) | set(b.pins))
    return tuple(PinChange(f, a.pins.get(f), b.pins.get(f)) for f in fields if a.pins.get(f) != b.pins.get(f))


def unified(text_a: bytes, text_b: bytes, name_a: str, name_b: str) -> str | None:
    """A unified diff of two UTF-8 texts, or None when either is not text."""
    try:
        la = text_a.decode("utf-8").splitlines(keepends=True)
        lb = text_b.decode("utf-8").splitlines(keepends=True)
    except UnicodeDecodeError:
        return None
    lines = list(difflib.unified_diff(la, lb, fromfile=name_a, tofile=name_b))
    if len(lines) > MAX_DIFF_LINES:
        lines = [*lines[:MAX_DIFF_LINES], f"… {len(lines) - MAX_DIFF_LINES} more diff lines cut\n"]
    return "".join(
        line if line.endswith("\n") else line + "\n\\ No newline at end of file\n" for line in lines
    )


def _members(
    a: ResolvedBuild,
    b: ResolvedBuild,
    texts: TextSources,
    events_a: Sequence[Event] | None,
    events_b: Sequence[Event] | None,
) -> tuple[MemberChange, ...]:
    by_a = {m.label: m for m in a.members}
    by_b = {m.label: m for m in b.members}
    out: list[MemberChange] = []
    order = [m.label for m in a.members] + [m.label for m in b.members if m.label not in by_a]
    for label in order:
        ma, mb = by_a.get(label), by_b.get(label)
        if ma is not None and mb is not None and ma.sha256 == mb.sha256:
            continue
        change = "added" if ma is None else "removed" if mb is None else "changed"
        diff = None
        note = ""
        if ma is not None and mb is not None:
            ta, where_a = texts.member(a, ma, events_a)
            tb, where_b = texts.member(b, mb, events_b)
            if ta is not None and tb is not None:
                diff = unified(ta, tb, f"A/{ma.file} ({label})", f"B/{mb.file} ({label})")
                note = (
                    f"A text from {where_a}, B text from {where_b}" if diff is not None else "not UTF-8 text"
                )
            else:
                note = f"A: {where_a}; B: {where_b}"
        out.append(
            MemberChange(
                label=label,
                change=change,  # type: ignore[arg-type]
                role_a=ma.role if ma else None,
                role_b=mb.role if mb else None,
                file_a=ma.file if ma else None,
                file_b=mb.file if mb else None,
                sha256_a=ma.sha256 if ma else None,
                sha256_b=mb.sha256 if mb else None,
                unified_diff=diff,
                text_note=note,
            )
        )
    return tuple(out)


def _artifacts(
    a: ResolvedBuild,
    b: ResolvedBuild,
    texts: TextSources,
    events_a: Sequence[Event] | None,
    events_b: Sequence[Event] | None,
) -> tuple[tuple[ArtifactChange, ...], tuple[str, ...]]:
    changed: list[ArtifactChange] = []
    same: list[str] = []
    for name in sorted(set(a.artifacts) | set(b.artifacts)):
        da, db = a.artifacts.get(name), b.artifacts.get(name)
        if da == db:
            same.append(name)
            continue
        diff = None
        note = ""
        if da is not None and db is not None:
            ta, where_a = texts.artifact(a, name, da, events_a)
            tb, where_b = texts.artifact(b, name, db, events_b)
            if ta is not None and tb is not None:
                diff = unified(ta, tb, f"A/{name}", f"B/{name}")
                note = (
                    f"A text from {where_a}, B text from {where_b}"
                    if diff is not None
                    else "binary: digests only"
                )
            else:
                note = f"A: {where_a}; B: {where_b}"
        change = "added" if da is None else "removed" if db is None else "changed"
        changed.append(ArtifactChange(name, change, da, db, diff, note))  # type: ignore[arg-type]
    return tuple(changed), tuple(same)


__all__ = ["diff_builds", "pin_changes", "unified"]
