"""Tool probes: run each pinned tool's version command and refuse drift, saying found vs pinned."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from dataclasses import dataclass

from ledger.errors import RecipeError
from ledger.recipe.model import Recipe

PROBE_TIMEOUT_S = 10.0


@dataclass(frozen=True)
class ToolVersion:
    """One probe: the pinned version, what was found, and the binary and command used."""

    name: str
    pinned: str
    found: str | None
    path: str | None
    command: tuple[str, ...]

    @property
    def ok(self) -> bool:
        return self.found is not None and version_matches(self.found, self.pinned)


# The command that prints each well-known tool's version; anything else gets `<tool> --version`.
_VERSION_COMMANDS: dict[str, tuple[str, ...]] = {
    "go": ("go", "version"),
    "python": ("python3", "--version"),
    "python3": ("python3", "--version"),
    "node": ("node", "--version"),
    "pytest": ("pytest", "--version"),
    "ruff": ("ruff", "--version"),
    "cargo": ("cargo", "--version"),
    "rustc": ("rustc", "--version"),
    "gcc": ("gcc", "--version"),
}
_DOTTED_RE = re.compile(r"(?<![0-9.])[0-9]+(?:\.[0-9]+)+")
_BARE_RE = re.compile(r"(?<![0-9.])[0-9]+")


def version_command(tool: str) -> tuple[str, ...]:
    return _VERSION_COMMANDS.get(tool, (tool, "--version"))


def extract_version(output: str) -> str | None:
    """The first version-looking token: dotted numbers first (``go1.22.5`` -> ``1.22.5``)."""
    match = _DOTTED_RE.search(output) or _BARE_RE.search(output)
    return match.group(0) if match else None


def version_matches(found: str, pinned: str) -> bool:
    """Exact, or a prefix on whole dotted components: "3.11" matches 3.11.7, not 3.110."""
    want = pinned.split(".")
    return found.split(".")[: len(want)] == want


def probe_tool(name: str, pinned: str, *, timeout_s: float = PROBE_TIMEOUT_S) -> ToolVersion:
    """Run the tool's version command; ``found`` is None if it is absent or prints no version."""
    argv = version_command(name)
    path = shutil.which(argv[0])
    if path is None:
        return ToolVersion(name, pinned, None, None, argv)
    env = {**os.environ, "LC_ALL": "C"}
    try:
        proc = subprocess.run(
            [path, *argv[1:]],
            capture_output=True,
            timeout=timeout_s,
            env=env,
            stdin=subprocess.DEVNULL,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise RecipeError(
            f"tool {name}: `{' '.join(argv)}` did not finish within {timeout_s:g} s"
        ) from None
    except OSError as exc:
        raise RecipeError(f"tool {name}: cannot run {path}: {exc.strerror}") from None
    # Some tools print their version on stderr (older pythons, java); read both.
    output = (proc.stdout + b"\n" + proc.stderr).decode("utf-8", "replace")
    return ToolVersion(name, pinned, extract_version(output), path, argv)


def probe_tools(recipe: Recipe, *, timeout_s: float = PROBE_TIMEOUT_S) -> tuple[ToolVersion, ...]:
    """Probe every ``[tools]`` pin; refuse with one message listing every drift found."""
    results = tuple(
        probe_tool(name, pinned, timeout_s=timeout_s) for name, pinned in recipe.tools.items()
    )
    problems = []
    for r in results:
        if r.path is None:
            problems.append(f"tool {r.name}: {r.command[0]} not found on PATH, pinned {r.pinned}")
        elif r.found is None:
            problems.append(
                f"tool {r.name}: `{' '.join(r.command)}` printed no version, pinned {r.pinned}"
            )
        elif not r.ok:
            problems.append(f"tool {r.name}: found {r.found}, pinned {r.pinned}")
    if problems:
        first = next(r for r in results if not r.ok)
        raise recipe.error(
            "tools",
            first.name,
            "; ".join(problems),
            hint="install the pinned version, or update [tools] deliberately (it changes the "
            "recipe digest)",
        )
    return results
