"""The [spec] chain pin: a recipe reviewed against one spec refuses to build from another."""

from __future__ import annotations

from ledger.errors import RecipeError
from ledger.recipe import resolve_recipe
from ledger.spec import compute_chain
from ledger.workspace import Workspace

from .conftest import VALID, WriteRecipe, run_ledger


def test_matching_pin_resolves(ws: Workspace, write_recipe: WriteRecipe) -> None:
    chain = compute_chain(ws.root, "SPEC/app/lib")
    resolved = resolve_recipe(
        write_recipe(VALID + f'\n[spec]\nchain = "{chain.hash}"\n'), ws, probe=False
    )
    assert resolved.chain.hash == chain.hash
    assert resolved.chain.sha256 == chain.sha256
    assert resolved.recipe.spec.chain == chain.hash


def test_pin_mismatch_names_both_hashes(ws: Workspace, write_recipe: WriteRecipe) -> None:
    pinned = compute_chain(ws.root, "SPEC/app/lib").hash
    path = write_recipe(VALID + f'\n[spec]\nchain = "{pinned}"\n')
    # An ancestor's public text changes: every descendant's chain moves.
    root_node = ws.spec_dir / "app" / "_node.md"
    root_node.write_text(root_node.read_text().replace("Python 3.11.", "Python 3.12."))
    now = compute_chain(ws.root, "SPEC/app/lib").hash
    assert now != pinned

    try:
        resolve_recipe(path, ws, probe=False)
    except RecipeError as err:
        assert (err.file, err.line) == ("recipes/r.toml", 25)
        assert err.message == (
            f"[spec] chain: pinned {pinned}, but SPEC/app/lib now hashes to {now}; the spec moved"
        )
    else:
        raise AssertionError("a moved spec must be refused")

    code, out, err_text = run_ledger("recipe", "check", "--no-probe", str(path))
    assert code == 2 and out == ""
    assert f"pinned {pinned}, but SPEC/app/lib now hashes to {now}" in err_text
    assert "Traceback" not in err_text


def test_private_edits_do_not_move_the_pin(ws: Workspace, write_recipe: WriteRecipe) -> None:
    pinned = compute_chain(ws.root, "SPEC/app/lib").hash
    path = write_recipe(VALID + f'\n[spec]\nchain = "{pinned}"\n')
    node = ws.spec_dir / "app" / "lib" / "_node.md"
    node.write_text(node.read_text() + "\n# Private\n\n## TODO\n\nReview later.\n")
    assert resolve_recipe(path, ws, probe=False).chain.hash == pinned
