"""REGENERATED: run a signed build's recipe again against the live model and compare.

``verify --replay`` answers "do the recorded answers still produce these bytes"; a rebuild
answers "does the model, asked the same way today, produce them again". Most endpoints are
not deterministic, so drift is reported, not hidden: the artifact diff and the first point
where the two trajectories went apart. The new build is attested like any other (it is real
evidence) but does not change the workspace.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ledger.errors import InputError

if TYPE_CHECKING:
    from ledger.build import BuildResult
    from ledger.diff.report import BuildDiff
    from ledger.workspace import Workspace


@dataclass(frozen=True)
class RebuildReport:
    original: str
    rebuilt: BuildResult
    regenerated: bool
    diff: BuildDiff

    def reason(self) -> str:
        if self.regenerated:
            return f"REGENERATED: build {self.rebuilt.build_id} reproduced the artifacts of {self.original}"
        return f"drift: {self.diff.headline()}"

    def to_json(self) -> dict[str, Any]:
        return {
            "original": self.original,
            "rebuilt": self.rebuilt.to_json(),
            "regenerated": self.regenerated,
            "reason": self.reason(),
            "diff": self.diff.to_json(),
        }


def rebuild(workspace: Workspace, reference: str, *, sandbox: str | None = None) -> RebuildReport:
    """Rebuild the build named by ``reference`` (build id, artifact path or attestation file)."""
    from ledger.build import BuildOptions, run_build
    from ledger.diff import diff_builds
    from ledger.diff.resolve import Resolver, load_trajectory
    from ledger.fsutil import confine
    from ledger.recipe import resolve_recipe

    resolver = Resolver(workspace)
    original = resolver.resolve(reference)
    loaded = load_trajectory(workspace, original)
    start = next((e for e in loaded.events or () if e.type == "build_start"), None)
    source = start.data.get("recipe", {}).get("source") if start is not None else None
    if not source:
        raise InputError(f"build {original.build_id} names no recipe file in its trajectory; cannot rebuild")
    recipe_path = confine(workspace.root, str(source), what="recipe")
    current = resolve_recipe(recipe_path, workspace, probe=False).digest
    attested = original.pins.get("recipe.digest")
    if current != attested:
        raise InputError(
            f"recipe {source} changed since build {original.build_id} "
            f"(sha256 {current[:12]}… now, {str(attested)[:12]}… attested)",
            hint="a rebuild re-runs the same pinned recipe; restore it, or run `ledger build` for a new one",
        )
    result = run_build(workspace, recipe_path, BuildOptions(sandbox=sandbox, update_workspace=False))
    diff = diff_builds(workspace, original.build_id, result.build_id, resolver=Resolver(workspace))
    same = dict(original.artifacts) == result.artifacts
    return RebuildReport(original.build_id, result, same, diff)
