"""The demo workspace's loopback scripts write real modules whose tests pass.

Each script's write_file contents are written into a copy of ledger/examples/demo and that one
module's unittest file is run for real; then the script is played through the agent loop, so
its ``expect`` strings are checked against the tool results the toolbox really produces.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from ledger.agent import AgentLimits, AgentLoop, AnthropicClient, ModelSettings, ToolBox
from ledger.agent.loopback import serve_script
from ledger.agent.loopback_script import Script, load_script
from tests.agent.conftest import ListRecorder, LocalSandbox

DEMO = Path(__file__).resolve().parents[2] / "ledger" / "examples" / "demo"
SCRIPTS = {  # script file -> module it builds
    "normalize": "normalize",
    "slugify": "slugify",
    "wordcount": "wordcount",
    "roman": "roman",
    "slugify-v2": "slugify",
}
SLUGIFY_NODE = "code-from-spec/textkit/slugify/_node.md"


def write_inputs(script: Script) -> dict[str, str]:
    """path -> content of every write_file call of the script (later writes win)."""
    files: dict[str, str] = {}
    for turn in script.turns:
        for block in turn.content:
            if block["type"] == "tool_use" and block["name"] == "write_file":
                files[block["input"]["path"]] = block["input"]["content"]
    return files


def commands(script: Script) -> list[str]:
    return [block["input"]["command"] for turn in script.turns for block in turn.content
            if block["type"] == "tool_use" and block["name"] == "run_command"]


def demo_spec_change() -> tuple[str, str]:
    """The old and new line of the README's "Demo spec change" section."""
    readme = (DEMO / "README.md").read_text(encoding="utf-8")
    section = readme.split("\n## Demo spec change\n", 1)[1]
    assert SLUGIFY_NODE in section
    old, new = re.findall(r"```python\n(.*)\n```", section)[:2]
    return old, new


def demo_copy(tmp_path: Path, name: str) -> Path:
    copy = tmp_path / "demo"
    shutil.copytree(DEMO, copy)
    if name == "slugify-v2":
        old, new = demo_spec_change()
        node = copy / SLUGIFY_NODE
        text = node.read_text(encoding="utf-8")
        assert text.count(old) == 1
        node.write_text(text.replace(old, new), encoding="utf-8")
    return copy


def interface_lines(workspace: Path, module: str) -> list[str]:
    text = (workspace / "code-from-spec" / "textkit" / module / "_node.md").read_text(encoding="utf-8")
    block = text.split("## Interface", 1)[1].split("```python\n", 1)[1].split("```", 1)[0]
    return [line for line in block.splitlines() if line.startswith("def ")]


@pytest.mark.parametrize("name", sorted(SCRIPTS))
def test_script_writes_the_module_and_its_tests_and_they_pass(name: str, tmp_path: Path) -> None:
    module = SCRIPTS[name]
    script = load_script(DEMO / "scripts" / f"{name}.json")
    files = write_inputs(script)
    src, test = f"src/textkit/{module}.py", f"tests/test_{module}.py"
    assert sorted(files) == sorted([src, test])
    assert commands(script) == [
        f"python3 -m unittest discover -s tests -p 'test_{module}.py' 2>/dev/null; "
        'echo "unittest exit code: $?"'
    ]
    workspace = demo_copy(tmp_path, name)
    # the module implements its node's ## Interface exactly (after the spec change, for v2)
    for line in interface_lines(workspace, module):
        assert line.removesuffix(" ...") in files[src], line
    for path, content in files.items():
        (workspace / path).parent.mkdir(parents=True, exist_ok=True)
        (workspace / path).write_text(content, encoding="utf-8")
    proc = subprocess.run(
        [sys.executable, "-m", "unittest", "discover", "-s", "tests", "-p", f"test_{module}.py", "-v"],
        cwd=workspace, capture_output=True, text=True, timeout=120,
    )
    assert proc.returncode == 0, proc.stderr[-4000:]
    assert re.search(r"^Ran \d+ tests? in ", proc.stderr, re.MULTILINE) and "\nOK" in proc.stderr


def test_slugify_scripts_differ_only_by_the_demo_spec_change() -> None:
    old, new = demo_spec_change()
    assert old.replace("max_length: int = 80", "max_length: int = 60") == new
    v1 = write_inputs(load_script(DEMO / "scripts" / "slugify.json"))["src/textkit/slugify.py"]
    v2 = write_inputs(load_script(DEMO / "scripts" / "slugify-v2.json"))["src/textkit/slugify.py"]
    assert "max_length: int = 80" in v1 and "max_length: int = 60" in v2
    assert v1.replace("max_length: int = 80", "max_length: int = 60") == v2


def final_text(script: Script, index: int) -> str:
    turn = script.turns[index]
    return "".join(b["text"] for b in turn.content if b["type"] == "text")


@pytest.mark.parametrize("name", sorted(SCRIPTS))
def test_script_plays_through_the_agent_loop_to_its_success_summary(
    name: str, tmp_path: Path
) -> None:
    module = SCRIPTS[name]
    script = load_script(DEMO / "scripts" / f"{name}.json")
    scratch = demo_copy(tmp_path, name)
    sandbox, recorder = LocalSandbox(scratch), ListRecorder()
    model = ModelSettings(id=script.model, temperature=0.0, max_tokens=4096, seed=7)
    system = (DEMO / "prompts" / "generate.md").read_text(encoding="utf-8")
    with serve_script(script) as server:
        client = AnthropicClient(server.base_url, environ={})
        loop = AgentLoop(client, ToolBox(sandbox, recorder), recorder,
                         AgentLimits(max_turns=12, timeout_s=300))
        outcome: Any = loop.run(system, f"Build SPEC/textkit/{module}.", model)
    assert outcome.stop_reason == "end_turn"
    assert outcome.final_text == final_text(script, len(script.turns) - 1)
    assert "unittest exit code 0" in outcome.final_text
    assert recorder.of("tool_result")[-1]["content"] == (
        "exit code 0\n[stdout]\nunittest exit code: 0\n\n[stderr]\n"
    )
    assert (scratch / "src" / "textkit" / f"{module}.py").is_file()
