"""Throwaway workspaces with a three-node spec tree and a valid recipe to mutate."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from ledger.cli import main
from ledger.workspace import Workspace

NODES = {
    "app": "# SPEC/app\n\nA tiny app.\n\n# Public\n\n## Conventions\n\nPython 3.11.\n",
    "app/lib": (
        "---\noutput: src/lib.py\n---\n\n# SPEC/app/lib\n\nThe library.\n\n"
        "# Public\n\n## Interface\n\n`def answer() -> int`\n\n# Agent\n\nReturn 42.\n"
    ),
    "app/notes": "# SPEC/app/notes\n\nNotes only.\n\n# Public\n\n## Context\n\nNo artifact.\n",
}

# Line numbers matter: the malformed cases below assert them.
VALID = """\
[recipe]
name = "lib"
target = "SPEC/app/lib"
prompt = "prompts/generate.md"

[model]
provider = "anthropic"
id = "claude-sonnet-4-5-20250929"
endpoint = "https://api.anthropic.com"
seed = 7
temperature = 0.0
max_tokens = 8192

[tools]
python = "3"

[sandbox]
network = false
timeout_s = 900

[test]
command = "python3 -m unittest"
"""

LOOPBACK = """\
[recipe]
name = "lib-loopback"
target = "SPEC/app/lib"
prompt = "prompts/generate.md"

[model]
provider = "loopback"
id = "loopback-scripted-test-model-20250101"
endpoint = "http://127.0.0.1:0"

[loopback]
script = "scripts/lib.json"
"""


@pytest.fixture
def ws(tmp_path: Path) -> Workspace:
    root = tmp_path / "project"
    for rel, text in NODES.items():
        node = root / "code-from-spec" / rel / "_node.md"
        node.parent.mkdir(parents=True, exist_ok=True)
        node.write_text(text, encoding="utf-8")
    (root / "prompts").mkdir()
    (root / "prompts" / "generate.md").write_text("Write the output, test it, stop.\n")
    (root / "scripts").mkdir()
    (root / "scripts" / "lib.json").write_text('{"turns": []}\n')
    (root / "recipes").mkdir()
    return Workspace(root)


WriteRecipe = Callable[..., Path]


@pytest.fixture
def write_recipe(ws: Workspace) -> WriteRecipe:
    def write(text: str, name: str = "r.toml") -> Path:
        path = ws.recipes_dir / name
        path.write_text(text, encoding="utf-8")
        return path

    return write


def run_ledger(*args: str) -> tuple[int, str, str]:
    """Run the real entry point (with its single error catch) under CliRunner's isolation."""
    runner = CliRunner()
    with runner.isolation() as (out, err, _):
        try:
            main(list(args))
            code = 0
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 1
        sys.stdout.flush()
        sys.stderr.flush()
    return code, out.getvalue().decode(), err.getvalue().decode()
