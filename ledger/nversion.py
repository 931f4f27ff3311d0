"""N-version generation: K independent builds of one recipe, and how far they agree.

Model output is rarely reproducible from a seed, so the useful question is whether independent
runs converge: the distinct artifact digests, each run's test outcome, and the pairwise
similarity of the artifacts. All K builds are attested and linked as one group
(``internalParameters.group`` in each provenance). The workspace is updated only when every
run produced the same bytes and passed its tests.
"""

from __future__ import annotations

import difflib
import secrets
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from ledger.build import BuildOptions, BuildResult, install_artifacts, run_build
from ledger.workspace import Workspace


@dataclass(frozen=True)
class Convergence:
    group: str
    builds: tuple[BuildResult, ...]
    distinct: dict[str, tuple[str, ...]]  # "path sha256" → build ids that produced it
    similarity: tuple[tuple[float, ...], ...]  # pairwise ratio of artifact text, 1.0 = identical
    installed: bool

    @property
    def converged(self) -> bool:
        return len(self.distinct) == 1

    def to_json(self) -> dict[str, Any]:
        return {
            "group": self.group,
            "converged": self.converged,
            "installed": self.installed,
            "distinct_artifacts": {k: list(v) for k, v in self.distinct.items()},
            "builds": [
                {
                    "build_id": b.build_id,
                    "artifacts": b.artifacts,
                    "test_result": b.test_result,
                    "turns": b.turns,
                    "duration_s": b.duration_s,
                    "attestation": b.attestation,
                }
                for b in self.builds
            ],
            "similarity": [list(row) for row in self.similarity],
        }


def run_n_version(
    workspace: Workspace,
    recipe_path: Path,
    count: int,
    options: BuildOptions | None = None,
    *,
    on_build: Callable[[int, BuildResult], None] | None = None,
) -> Convergence:
    from ledger.spec import compute_chain

    options = options or BuildOptions()
    if count < 2:
        raise ValueError("N-version generation needs at least 2 builds")
    group = f"group-{secrets.token_hex(6)}"
    builds: list[BuildResult] = []
    for index in range(count):
        run_options = replace(
            options, update_workspace=False, group={"id": group, "index": index, "of": count}
        )
        result = run_build(workspace, recipe_path, run_options)
        builds.append(result)
        if on_build is not None:
            on_build(index, result)
    distinct: dict[str, list[str]] = {}
    for b in builds:
        key = ", ".join(f"{path} {digest}" for path, digest in sorted(b.artifacts.items()))
        distinct.setdefault(key, []).append(b.build_id)
    texts = [
        "\n".join(data.decode("utf-8", "replace") for _, data in sorted(b.artifact_bytes.items()))
        for b in builds
    ]
    similarity = tuple(
        tuple(
            1.0 if i == j else round(difflib.SequenceMatcher(None, a, b).ratio(), 4)
            for j, b in enumerate(texts)
        )
        for i, a in enumerate(texts)
    )
    installed = False
    if (
        options.update_workspace
        and len(distinct) == 1
        and all(b.test_result in ("PASSED", None) for b in builds)
    ):
        install_artifacts(
            workspace, compute_chain(workspace.root, builds[0].target), builds[0].artifact_bytes
        )
        installed = True
    return Convergence(
        group, tuple(builds), {k: tuple(v) for k, v in distinct.items()}, similarity, installed
    )
