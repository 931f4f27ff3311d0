"""`ledger recipe check|digest` as a user runs them."""

from __future__ import annotations

import json
from pathlib import Path

from ledger.recipe import load_recipe, recipe_digest
from ledger.workspace import Workspace

from .conftest import LOOPBACK, VALID, WriteRecipe, run_ledger


def test_check_prints_summary_digest_tools_and_chain(
    ws: Workspace, write_recipe: WriteRecipe
) -> None:
    path = write_recipe(VALID)
    code, out, err = run_ledger("recipe", "check", str(path))
    assert code == 0, err
    digest = recipe_digest(load_recipe(path, ws), ws)
    flat = " ".join(out.split())
    for needle in (
        "SPEC/app/lib -> src/lib.py",
        "claude-sonnet-4-5-20250929",
        "prompts/generate.md",
        "not pinned",
        "python",
    ):
        assert needle in flat, needle
    assert digest[:40] in out.replace("│", "").replace(" ", "").replace("\n", "")
    assert err.strip() == "recipe lib: ok"


def test_check_json_is_machine_readable(ws: Workspace, write_recipe: WriteRecipe) -> None:
    path = write_recipe(LOOPBACK)
    code, out, _ = run_ledger("recipe", "check", "--json", str(path))
    assert code == 0
    data = json.loads(out)
    assert data["digest"] == recipe_digest(load_recipe(path, ws), ws)
    assert data["recipe"]["model"]["endpoint"] == "http://127.0.0.1:0"
    assert set(data["files"]) == {"prompts/generate.md", "scripts/lib.json"}
    assert data["chain"]["target"] == "SPEC/app/lib"
    assert data["chain"]["output"] == "src/lib.py"
    assert len(data["chain"]["computed"]) == 27 and data["chain"]["pinned"] is None
    assert data["probed"] is True and data["tools"] == []


def test_check_json_without_probes_leaves_tool_results_open(
    ws: Workspace, write_recipe: WriteRecipe
) -> None:
    code, out, _ = run_ledger("recipe", "check", "--json", "--no-probe", str(write_recipe(VALID)))
    assert code == 0
    assert json.loads(out)["tools"] == [
        {"name": "python", "pinned": "3", "found": None, "path": None, "ok": None}
    ]


def test_digest_prints_only_the_digest(ws: Workspace, write_recipe: WriteRecipe) -> None:
    path = write_recipe(VALID)
    code, out, err = run_ledger("recipe", "digest", str(path))
    assert code == 0 and err == ""
    assert out == recipe_digest(load_recipe(path, ws), ws) + "\n"


def test_explicit_workspace_for_a_recipe_kept_elsewhere(
    ws: Workspace, write_recipe: WriteRecipe
) -> None:
    elsewhere = ws.root.parent / "shared-recipes"
    elsewhere.mkdir()
    path = elsewhere / "lib.toml"
    path.write_text(VALID)
    code, out, _ = run_ledger("recipe", "digest", "--workspace", str(ws.root), str(path))
    assert code == 0
    assert out.strip() == recipe_digest(load_recipe(write_recipe(VALID), ws), ws)


def test_recipe_outside_any_workspace_is_a_usage_error(tmp_path: Path) -> None:
    lone = tmp_path / "lone" / "r.toml"
    lone.parent.mkdir()
    lone.write_text(VALID)
    code, _, err = run_ledger("recipe", "check", str(lone))
    assert code == 2
    assert err.startswith("error: no workspace found")


def test_missing_recipe_file(ws: Workspace) -> None:
    code, _, err = run_ledger("recipe", "check", str(ws.recipes_dir / "nope.toml"))
    assert code == 2
    assert err.splitlines()[0].startswith("error: recipes/nope.toml: cannot read recipe")
