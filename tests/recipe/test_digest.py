"""The recipe digest: the documented form, stable under formatting, sensitive to every byte."""

from __future__ import annotations

import hashlib
from typing import Any

import rfc8785

from ledger.recipe import load_recipe, recipe_digest
from ledger.workspace import Workspace

from .conftest import VALID, WriteRecipe

# VALID again: tables and keys reordered, comments and blank lines added, defaults spelled
# out, 0.0 written as 0, quoted keys.
REFORMATTED = """\
# The same recipe, written by someone else.
[test]
command = "python3 -m unittest"   # the test step
timeout_s = 600

[sandbox]
"timeout_s" = 900
network = false
max_turns = 60
call_timeout_s = 120

[model]
max_tokens = 8192
temperature = 0
seed = 7
endpoint = "https://api.anthropic.com"
id = "claude-sonnet-4-5-20250929"
provider = "anthropic"
send_seed = false
api_key_env = "ANTHROPIC_API_KEY"

[spec]

[tools]
python = "3"


[recipe]
prompt = "prompts/generate.md"
target = "SPEC/app/lib"
name = "lib"
"""


def test_digest_is_sha256_of_the_documented_canonical_form(
    ws: Workspace, write_recipe: WriteRecipe
) -> None:
    prompt_sha = hashlib.sha256(b"Write the output, test it, stop.\n").hexdigest()
    documented: dict[str, Any] = {
        "recipe": {
            "recipe": {"name": "lib", "target": "SPEC/app/lib", "prompt": "prompts/generate.md"},
            "model": {
                "provider": "anthropic",
                "id": "claude-sonnet-4-5-20250929",
                "endpoint": "https://api.anthropic.com",
                "seed": 7,
                "temperature": 0.0,
                "max_tokens": 8192,
                "send_seed": False,
                "api_key_env": "ANTHROPIC_API_KEY",
            },
            "tools": {"python": "3"},
            "sandbox": {"network": False, "timeout_s": 900, "max_turns": 60, "call_timeout_s": 120},
            "test": {"command": "python3 -m unittest", "timeout_s": 600},
            "spec": {"chain": None},
            "loopback": None,
        },
        "files": {"prompts/generate.md": prompt_sha},
    }
    expected = hashlib.sha256(rfc8785.dumps(documented)).hexdigest()
    assert recipe_digest(load_recipe(write_recipe(VALID), ws), ws) == expected


def test_digest_ignores_order_whitespace_comments_and_spelled_out_defaults(
    ws: Workspace, write_recipe: WriteRecipe
) -> None:
    a = recipe_digest(load_recipe(write_recipe(VALID, "a.toml"), ws), ws)
    b = recipe_digest(load_recipe(write_recipe(REFORMATTED, "b.toml"), ws), ws)
    assert a == b


def test_digest_changes_with_one_byte_of_the_prompt(
    ws: Workspace, write_recipe: WriteRecipe
) -> None:
    recipe = load_recipe(write_recipe(VALID), ws)
    before = recipe_digest(recipe, ws)
    prompt = ws.root / "prompts" / "generate.md"
    prompt.write_bytes(prompt.read_bytes().replace(b"stop.", b"stop!"))
    assert recipe_digest(recipe, ws) != before


def test_digest_changes_with_any_pinned_value(ws: Workspace, write_recipe: WriteRecipe) -> None:
    base = recipe_digest(load_recipe(write_recipe(VALID), ws), ws)
    for old, new in [
        ("seed = 7", "seed = 8"),
        ('python = "3"', 'python = "3.11"'),
        ("timeout_s = 900", "timeout_s = 901"),
        ("max_tokens = 8192", "max_tokens = 8192\nsend_seed = true"),
    ]:
        changed = load_recipe(write_recipe(VALID.replace(old, new), "changed.toml"), ws)
        assert recipe_digest(changed, ws) != base, (old, new)
