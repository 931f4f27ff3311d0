"""N-version builds (`ledger build --n K`) and REGENERATED (`ledger rebuild --live`)."""

from __future__ import annotations

import base64
import json
from pathlib import Path

from tests.build.conftest import sandbox_kind
from tests.conftest import assert_user_error, run_ledger


def test_n_version_builds_are_attested_as_one_group_and_converge(demo_workspace: Path) -> None:
    result = run_ledger("build", "recipes/roman.toml", "--n", "2", "--json", "--sandbox", sandbox_kind(),
                        cwd=demo_workspace)  # fmt: skip
    assert result.code == 0, result
    report = json.loads(result.stdout)
    assert report["converged"] and report["installed"]
    assert [len(row) for row in report["similarity"]] == [2, 2] and report["similarity"][0][1] == 1.0
    groups = []
    for build in report["builds"]:
        assert build["test_result"] == "PASSED"
        line = (demo_workspace / build["attestation"]).read_text().splitlines()[0]
        statement = json.loads(base64.b64decode(json.loads(line)["payload"]))
        groups.append(statement["predicate"]["buildDefinition"]["internalParameters"]["group"])
    assert groups[0]["id"] == groups[1]["id"] == report["group"]
    assert [g["index"] for g in groups] == [0, 1] and groups[0]["of"] == 2
    verify = run_ledger("verify", "src/textkit/roman.py", cwd=demo_workspace)
    assert verify.code == 0, verify


def test_rebuild_regenerates_the_same_digest(demo_workspace: Path) -> None:
    built = run_ledger(
        "build", "recipes/roman.toml", "--json", "--sandbox", sandbox_kind(), cwd=demo_workspace
    )
    build_id = json.loads(built.stdout)["build_id"]
    assert_user_error(run_ledger("rebuild", build_id, cwd=demo_workspace), "calls the model again")
    result = run_ledger(
        "rebuild", build_id, "--live", "--json", "--sandbox", sandbox_kind(), cwd=demo_workspace
    )
    assert result.code == 0, result
    report = json.loads(result.stdout)
    assert report["regenerated"] and report["original"] == build_id
    assert report["rebuilt"]["build_id"] != build_id


def test_rebuild_refuses_when_the_recipe_moved(demo_workspace: Path) -> None:
    built = run_ledger(
        "build", "recipes/roman.toml", "--json", "--sandbox", sandbox_kind(), cwd=demo_workspace
    )
    build_id = json.loads(built.stdout)["build_id"]
    recipe = demo_workspace / "recipes" / "roman.toml"
    recipe.write_text(recipe.read_text().replace("seed = 7", "seed = 8"))
    result = run_ledger("rebuild", build_id, "--live", cwd=demo_workspace)
    assert_user_error(result, "recipe recipes/roman.toml changed since build")
