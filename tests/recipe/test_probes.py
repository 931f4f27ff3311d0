"""Tool probes: run the version command, read the version, refuse drift saying found vs pinned."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from ledger.errors import RecipeError
from ledger.recipe import (
    extract_version,
    load_recipe,
    probe_tool,
    probe_tools,
    version_command,
    version_matches,
)
from ledger.workspace import Workspace

from .conftest import VALID, WriteRecipe, run_ledger


@pytest.mark.parametrize(
    ("output", "version"),
    [
        ("go version go1.22.5 linux/amd64", "1.22.5"),
        ("Python 3.11.7", "3.11.7"),
        ("v20.11.1", "20.11.1"),
        ("pytest 8.3.2", "8.3.2"),
        ("ruff 0.6.9", "0.6.9"),
        ("cargo 1.79.0 (ffa9cf99a 2024-06-03)", "1.79.0"),
        ("rustc 1.79.0 (129f3b996 2024-06-10)", "1.79.0"),
        ("gcc (Debian 12.2.0-14) 12.2.0\nCopyright (C) 2022", "12.2.0"),
        ("mytool build 7", "7"),
        ("no digits here", None),
    ],
)
def test_first_version_looking_token(output: str, version: str | None) -> None:
    assert extract_version(output) == version


@pytest.mark.parametrize(
    ("found", "pinned", "ok"),
    [
        ("3.11.7", "3.11.7", True),
        ("3.11.7", "3.11", True),
        ("3.11.7", "3", True),
        ("3.11.7", "3.12.1", False),
        ("3.11.7", "3.1", False),  # components, not string prefixes
        ("3.110.0", "3.11", False),
        ("3.11", "3.11.7", False),  # a pin more precise than what was found
    ],
)
def test_version_match_is_exact_or_a_dotted_prefix(found: str, pinned: str, ok: bool) -> None:
    assert version_matches(found, pinned) is ok


def test_known_tools_use_their_own_version_command() -> None:
    assert version_command("go") == ("go", "version")
    assert version_command("python") == ("python3", "--version")
    assert version_command("zig") == ("zig", "--version")


def _fake_tool(bin_dir: Path, name: str, script: str) -> None:
    bin_dir.mkdir(exist_ok=True)
    path = bin_dir / name
    path.write_text("#!/bin/sh\n" + script + "\n")
    path.chmod(path.stat().st_mode | stat.S_IXUSR)


@pytest.fixture
def fake_bin(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A PATH holding only the fake tools a test writes (plus /bin for sh)."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    monkeypatch.setenv("PATH", f"{bin_dir}:/bin:/usr/bin")
    return bin_dir


def test_real_python3_matches_its_own_major_version() -> None:
    probe = probe_tool("python", "3")
    assert probe.ok and probe.found is not None and probe.found.startswith("3.")
    assert probe.path is not None


def test_version_mismatch_says_found_and_pinned(
    ws: Workspace, write_recipe: WriteRecipe, fake_bin: Path
) -> None:
    _fake_tool(fake_bin, "python3", 'echo "Python 3.11.7"')
    recipe = load_recipe(write_recipe(VALID.replace('python = "3"', 'python = "3.12.1"')), ws)
    with pytest.raises(RecipeError) as caught:
        probe_tools(recipe)
    assert caught.value.message == "tool python: found 3.11.7, pinned 3.12.1"
    assert (caught.value.file, caught.value.line) == ("recipes/r.toml", 15)

    code, out, err = run_ledger("recipe", "check", str(ws.recipes_dir / "r.toml"))
    assert code == 2 and out == ""
    assert err.splitlines()[0] == (
        "error: recipes/r.toml:15: tool python: found 3.11.7, pinned 3.12.1"
    )
    assert "Traceback" not in err


def test_every_drift_is_reported_at_once(
    ws: Workspace, write_recipe: WriteRecipe, fake_bin: Path
) -> None:
    _fake_tool(fake_bin, "go", 'echo "go version go1.21.0 linux/amd64"')
    text = VALID.replace('python = "3"', 'go = "1.22.5"\nnosuchtool = "1.0"')
    recipe = load_recipe(write_recipe(text), ws)
    with pytest.raises(RecipeError) as caught:
        probe_tools(recipe)
    assert caught.value.message == (
        "tool go: found 1.21.0, pinned 1.22.5; "
        "tool nosuchtool: nosuchtool not found on PATH, pinned 1.0"
    )


def test_generic_tool_reports_its_version_on_stderr(fake_bin: Path) -> None:
    _fake_tool(fake_bin, "mytool", 'echo "mytool version 2.4.1 (2024-01-01)" >&2; exit 1')
    probe = probe_tool("mytool", "2.4")
    assert (probe.found, probe.ok, probe.command) == ("2.4.1", True, ("mytool", "--version"))
    assert probe.path == str(fake_bin / "mytool")


def test_tool_without_a_version_in_its_output(
    ws: Workspace, write_recipe: WriteRecipe, fake_bin: Path
) -> None:
    _fake_tool(fake_bin, "quiet", "echo hello")
    recipe = load_recipe(write_recipe(VALID.replace('python = "3"', 'quiet = "1"')), ws)
    with pytest.raises(RecipeError, match=r"tool quiet: `quiet --version` printed no version"):
        probe_tools(recipe)


def test_probe_that_hangs_is_cut_off(fake_bin: Path) -> None:
    _fake_tool(fake_bin, "slowtool", "exec sleep 30")
    with pytest.raises(RecipeError, match=r"tool slowtool: `slowtool --version` did not finish"):
        probe_tool("slowtool", "1", timeout_s=0.3)


def test_check_without_probes_does_not_run_tools(
    ws: Workspace, write_recipe: WriteRecipe, fake_bin: Path
) -> None:
    marker = fake_bin.parent / "ran"
    _fake_tool(fake_bin, "python3", f'touch "{marker}"; echo "Python 3.0.0"')
    path = write_recipe(VALID.replace('python = "3"', 'python = "3.12.1"'))
    code, _, err = run_ledger("recipe", "check", "--no-probe", str(path))
    assert code == 0, err
    assert not marker.exists()
