"""Every stored form, mutated one way at a time, must be caught by the check an auditor would run.

The base is one real signed build of the demo workspace (bwrap sandbox where available) plus a
signed checkpoint; each case edits a copy and runs ``verify`` / ``audit`` / ``trajectory verify``
/ ``spec status`` in process, asserting a non-zero exit and the message that names the defect.
"""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path

import pytest

from tests.reliability.conftest import BuiltWorkspace
from tests.reliability.figures import record
from tests.reliability.tamper import DETECTORS, KNOWN_GAPS, MUTATIONS, Mutation


def _copy(built: BuiltWorkspace, dest: Path) -> BuiltWorkspace:
    shutil.copytree(built.root, dest)
    return dataclasses.replace(built, root=dest)


def detect(built: BuiltWorkspace, mutation: Mutation, dest: Path) -> tuple[bool, str]:
    """Mutate a copy, run the mutation's detector: (caught with the right message, output)."""
    bw = _copy(built, dest)
    mutation.mutate(bw)
    result = DETECTORS[mutation.detector](bw)
    assert "Traceback" not in result.stderr, result
    output = result.stderr + result.stdout
    return result.code in (1, 2) and mutation.expect in output, output


_OUTCOMES: dict[int, bool] = {}  # index in MUTATIONS -> caught; shared with the summary below


def test_the_untouched_build_passes_every_detector(built_demo: BuiltWorkspace) -> None:
    for name, run in DETECTORS.items():
        result = run(built_demo)
        assert result.code == 0, (name, result)


def _case_id(m: Mutation) -> str:
    return f"{m.form}:{m.name}:{m.detector}".replace(" ", "_")


@pytest.mark.parametrize(
    "mutation",
    [
        pytest.param(m, id=_case_id(m), marks=[pytest.mark.xfail(strict=True, reason=KNOWN_GAPS[m.name])])
        if m.name in KNOWN_GAPS
        else pytest.param(m, id=_case_id(m))
        for m in MUTATIONS
    ],
)
def test_each_mutation_is_detected_with_the_right_message(
    built_demo: BuiltWorkspace, mutation: Mutation, tmp_path: Path
) -> None:
    caught, output = detect(built_demo, mutation, tmp_path / "copy")
    _OUTCOMES[MUTATIONS.index(mutation)] = caught
    assert caught, f"{mutation.name} not detected by {mutation.detector}: {output[-1500:]}"


def test_matrix_reports_n_mutations_n_detected(built_demo: BuiltWorkspace, tmp_path: Path) -> None:
    """The README figure; fails if any mutation outside the listed known gaps goes undetected."""
    detected: list[str] = []
    missed: list[str] = []
    for i, mutation in enumerate(MUTATIONS):
        caught = _OUTCOMES[i] if i in _OUTCOMES else detect(built_demo, mutation, tmp_path / f"c{i}")[0]
        (detected if caught else missed).append(mutation.name)
    forms = sorted({m.form for m in MUTATIONS})
    record(
        "tamper",
        mutations=len(MUTATIONS),
        detected=len(detected),
        forms=len(forms),
        known_gaps=sorted(missed),
    )
    print(f"{len(MUTATIONS)} mutations, {len(detected)} detected over {len(forms)} stored forms")
    assert sorted(missed) == sorted(KNOWN_GAPS), f"undetected: {sorted(set(missed) - set(KNOWN_GAPS))}"
