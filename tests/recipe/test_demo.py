"""The bundled demo workspace and the reference recipe stay valid as the code evolves."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from ledger.recipe import check_target, load_recipe, parse_recipe, resolve_recipe
from ledger.spec import compute_chain, load_tree
from ledger.workspace import Workspace

from .conftest import run_ledger

REPO = Path(__file__).resolve().parents[2]
DEMO = REPO / "ledger" / "examples" / "demo"
DEMO_RECIPES = sorted(DEMO.glob("recipes/*.toml"))
MODULES = ["normalize", "roman", "slugify", "wordcount"]


def test_demo_has_one_recipe_per_generating_leaf() -> None:
    tree = load_tree(DEMO)
    leaves = sorted(n.name for n in tree.nodes.values() if n.is_leaf and n.output)
    assert leaves == [f"SPEC/textkit/{m}" for m in MODULES]
    assert [p.stem for p in DEMO_RECIPES] == MODULES


def test_demo_ships_specs_only_no_generated_outputs() -> None:
    tree = load_tree(DEMO)
    for node in tree.nodes.values():
        if node.output:
            assert not (DEMO / node.output).exists(), node.output
    assert not (DEMO / "src").exists() and not (DEMO / "tests").exists()


@pytest.mark.parametrize("path", DEMO_RECIPES, ids=lambda p: p.stem)
def test_demo_recipe_targets_its_module(path: Path) -> None:
    recipe = parse_recipe(path.read_text(), source=path.name)
    tree = load_tree(DEMO)
    check_target(recipe, tree)
    assert recipe.model.provider == "loopback"
    assert recipe.model.id == "loopback-scripted-test-model-20250101"
    assert recipe.model.endpoint == "http://127.0.0.1:0"
    assert recipe.loopback is not None and recipe.loopback.script == f"scripts/{path.stem}.json"
    assert dict(recipe.tools) == {"python": "3.11"}
    assert recipe.test.command == "python3 -m unittest discover -s tests -p 'test_*.py' -v"
    assert compute_chain(tree, recipe.recipe.target).output == f"src/textkit/{path.stem}.py"


def test_slugify_chain_carries_its_dependency() -> None:
    chain = compute_chain(DEMO, "SPEC/textkit/slugify")
    assert [(m.role, m.label) for m in chain.constraints()] == [
        ("ancestor", "SPEC/textkit"),
        ("depends_on", "SPEC/textkit/normalize"),
        ("target", "SPEC/textkit/slugify"),
    ]


def test_demo_recipes_resolve_once_their_loopback_scripts_exist(tmp_path: Path) -> None:
    # The loopback scripts come with the loopback server; a placeholder stands in here.
    copy = tmp_path / "demo"
    shutil.copytree(DEMO, copy)
    (copy / "scripts").mkdir(exist_ok=True)
    ws = Workspace(copy)
    digests = set()
    for module in MODULES:
        script = copy / "scripts" / f"{module}.json"
        if not script.exists():
            script.write_text("{}\n")
        resolved = resolve_recipe(copy / "recipes" / f"{module}.toml", ws, probe=False)
        assert set(resolved.files) == {"prompts/generate.md", f"scripts/{module}.json"}
        digests.add(resolved.digest)
    assert len(digests) == len(MODULES)


def test_reference_recipe_checks_against_the_demo() -> None:
    example = REPO / "recipes" / "example.toml"
    recipe = load_recipe(example, Workspace(DEMO))
    assert recipe.model.provider == "anthropic"
    # The pin must follow the demo spec: update recipes/example.toml when the demo changes.
    code, out, err = run_ledger(
        "recipe", "check", "--no-probe", "--json", "--workspace", str(DEMO), str(example)
    )
    assert code == 0, err
    assert '"pinned": "' in out
