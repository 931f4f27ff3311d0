"""Pinned recipes: everything a build needs to be repeatable, parsed once and refused on drift.

A recipe is a TOML file (``recipes/<name>.toml``) with the tables ``[recipe]``, ``[model]``,
``[tools]``, ``[sandbox]``, ``[test]``, ``[spec]`` and, for provider ``loopback``,
``[loopback]``. Parsing is strict: an unknown table or key, a wrong type or a missing required
key is a :class:`~ledger.errors.RecipeError` naming ``file:line`` and the key.

``model`` holds the values, ``parse`` the strict TOML reader, ``probes`` the tool version
checks; this module ties them to a workspace (files, target, chain pin) and digests.

Recipe digest (what attestations record as the recipe's identity)::

    sha256_hex(canonical_json({
        "recipe": {                      # every table, every key, defaults filled in
            "recipe":   {"name", "target", "prompt"},
            "model":    {"provider", "id", "endpoint", "seed", "temperature", "max_tokens",
                         "send_seed", "api_key_env"},
            "tools":    {<tool>: <pinned version>, ...},
            "sandbox":  {"network", "timeout_s", "max_turns", "call_timeout_s"},
            "test":     {"command", "timeout_s"},
            "spec":     {"chain"},
            "loopback": {"script"} or null,  # null unless provider = "loopback"
        },
        "files": {<workspace-relative posix path>: <sha256 hex of the file's bytes>, ...},
    }))

``canonical_json`` is RFC 8785, so the digest does not depend on key order, whitespace or
comments in the TOML, nor on whether a default was written out or left implicit. Absent
optional values are ``null``; ``temperature`` is a number (``0`` and ``0.0`` are the same).
``files`` holds the prompt and the loopback script, hashed byte for byte. The recipe is
digested as written: the loopback placeholder endpoint ``http://127.0.0.1:0`` stays port 0 in
the digest; the build substitutes the port of the server it started (:func:`bind_endpoint`)
and records the endpoint actually used in the trajectory.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING
from urllib.parse import urlsplit, urlunsplit

from ledger.digest import sha256_canonical, sha256_file
from ledger.errors import PathEscapeError, RecipeError
from ledger.fsutil import check_relative, confine
from ledger.recipe.model import (
    LOOPBACK_HOSTS,
    LOOPBACK_PLACEHOLDER,
    PROVIDERS,
    LoopbackSection,
    ModelSection,
    Provider,
    Recipe,
    RecipeSection,
    SandboxSection,
    SpecSection,
    TestSection,
)
from ledger.recipe.parse import locate_keys, parse_recipe
from ledger.recipe.probes import (
    PROBE_TIMEOUT_S,
    ToolVersion,
    extract_version,
    probe_tool,
    probe_tools,
    version_command,
    version_matches,
)

if TYPE_CHECKING:
    from ledger.spec import Chain, SpecTree
    from ledger.workspace import Workspace

__all__ = [
    "LOOPBACK_HOSTS",
    "LOOPBACK_PLACEHOLDER",
    "PROBE_TIMEOUT_S",
    "PROVIDERS",
    "LoopbackSection",
    "ModelSection",
    "Provider",
    "Recipe",
    "RecipeSection",
    "ResolvedRecipe",
    "SandboxSection",
    "SpecSection",
    "TestSection",
    "ToolVersion",
    "bind_endpoint",
    "check_spec_pin",
    "check_target",
    "extract_version",
    "load_recipe",
    "locate_keys",
    "parse_recipe",
    "probe_tool",
    "probe_tools",
    "recipe_digest",
    "referenced_files",
    "resolve_recipe",
    "version_command",
    "version_matches",
]


@dataclass(frozen=True)
class ResolvedRecipe:
    """A recipe checked against its workspace: ready to build, nothing left to drift."""

    recipe: Recipe
    digest: str
    tool_versions: tuple[ToolVersion, ...]
    chain: Chain
    files: Mapping[str, str]


def _display(path: Path, workspace: Workspace | None) -> str:
    if workspace is not None:
        try:
            return path.resolve().relative_to(workspace.root.resolve()).as_posix()
        except ValueError:
            pass
    return str(path)


def _read_recipe(path: Path, source: str) -> Recipe:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise RecipeError(f"cannot read recipe: {exc.strerror}", file=source) from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise RecipeError(
            f"not UTF-8 (byte {exc.start}); TOML files are UTF-8", file=source
        ) from None
    return parse_recipe(text, source=source)


def load_recipe(path: Path, workspace: Workspace | None = None) -> Recipe:
    """Read and parse a recipe file; with a workspace, also check its files and its target."""
    recipe = _read_recipe(path, _display(path, workspace))
    if workspace is not None:
        _file_digests(recipe, workspace)
        check_target(recipe, _load_tree(recipe, workspace))
    return recipe


# --------------------------------------------------------------------------- files & digest


def referenced_files(recipe: Recipe) -> dict[str, tuple[str, str]]:
    """Workspace-relative files the recipe names -> the (table, key) that names them."""
    files: dict[str, tuple[str, str]] = {}
    if recipe.recipe.prompt is not None:
        files[check_relative(recipe.recipe.prompt).as_posix()] = ("recipe", "prompt")
    if recipe.loopback is not None:
        files[check_relative(recipe.loopback.script).as_posix()] = ("loopback", "script")
    return files


def _file_digests(recipe: Recipe, workspace: Workspace) -> dict[str, str]:
    digests: dict[str, str] = {}
    for rel, (table, key) in sorted(referenced_files(recipe).items()):
        try:
            path = confine(workspace.root, rel, what=f"[{table}] {key}")
        except PathEscapeError as exc:
            raise recipe.error(table, key, exc.message) from None
        if not path.is_file():
            raise recipe.error(
                table,
                key,
                f"[{table}] {key}: file {rel!r} does not exist in workspace {workspace.root}",
            )
        digests[rel] = sha256_file(path)
    return digests


def recipe_digest(recipe: Recipe, workspace: Workspace) -> str:
    """SHA-256 hex over the canonical recipe plus the digests of the files it references."""
    return _digest(recipe, _file_digests(recipe, workspace))


def _digest(recipe: Recipe, files: Mapping[str, str]) -> str:
    return sha256_canonical({"recipe": recipe.to_dict(), "files": dict(files)})


def bind_endpoint(recipe: Recipe, port: int) -> str:
    """The loopback endpoint with placeholder port 0 replaced by the port actually bound."""
    endpoint = recipe.model.endpoint
    if recipe.model.provider != "loopback" or endpoint is None:
        raise RecipeError(
            f"bind_endpoint applies to provider loopback, not {recipe.model.provider}",
            file=recipe.source,
        )
    parts = urlsplit(endpoint)
    if parts.port not in (0, None):
        return endpoint
    host = parts.hostname or "127.0.0.1"
    netloc = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
    return urlunsplit(parts._replace(netloc=netloc))


# --------------------------------------------------------------------------- spec


def _load_tree(recipe: Recipe, workspace: Workspace) -> SpecTree:
    from ledger.spec import load_tree

    if not workspace.spec_dir.is_dir():
        raise recipe.error(
            "recipe",
            "target",
            f"[recipe] target: workspace {workspace.root} has no code-from-spec/ tree "
            f"to find {recipe.recipe.target} in",
            hint="pass --workspace DIR pointing at the project the recipe builds",
        )
    return load_tree(workspace.root)


def check_target(recipe: Recipe, tree: SpecTree) -> None:
    """The target must be a leaf of the workspace's spec tree that declares an ``output:``."""
    target = recipe.recipe.target
    node = tree.nodes.get(target)
    if node is None:
        raise recipe.error(
            "recipe",
            "target",
            f"[recipe] target: no spec node {target} (no code-from-spec/"
            f"{target.removeprefix('SPEC/')}/_node.md); expected a leaf node with output:",
            hint="`ledger spec status` lists the nodes that generate artifacts",
        )
    if not node.is_leaf:
        raise recipe.error(
            "recipe",
            "target",
            f"[recipe] target: {target} is not a leaf node (it has child nodes); "
            "only leaves generate artifacts",
        )
    if node.output is None:
        raise recipe.error(
            "recipe",
            "target",
            f"[recipe] target: {target} declares no output: in its frontmatter; "
            "expected a leaf node with output:",
        )


def check_spec_pin(recipe: Recipe, tree: SpecTree) -> Chain:
    """Compute the target's chain and refuse if ``[spec] chain`` pins a different one."""
    from ledger.spec import compute_chain

    chain = compute_chain(tree, recipe.recipe.target)
    pinned = recipe.spec.chain
    if pinned is not None and chain.hash != pinned:
        raise recipe.error(
            "spec",
            "chain",
            f"[spec] chain: pinned {pinned}, but {recipe.recipe.target} now hashes to "
            f"{chain.hash}; the spec moved",
            hint=f"review `ledger spec chain {recipe.recipe.target}`, then update the pin",
        )
    return chain


# --------------------------------------------------------------------------- all of it


def resolve_recipe(path: Path, workspace: Workspace, *, probe: bool = True) -> ResolvedRecipe:
    """Parse, check files and target, digest, compute and check the spec chain, probe tools."""
    recipe = _read_recipe(path, _display(path, workspace))
    files = _file_digests(recipe, workspace)
    tree = _load_tree(recipe, workspace)
    check_target(recipe, tree)
    chain = check_spec_pin(recipe, tree)
    digest = _digest(recipe, files)
    tools: tuple[ToolVersion, ...]
    if probe:
        tools = probe_tools(recipe)
    else:
        tools = tuple(
            ToolVersion(n, p, None, None, version_command(n)) for n, p in recipe.tools.items()
        )
    return ResolvedRecipe(recipe, digest, tools, chain, MappingProxyType(files))
