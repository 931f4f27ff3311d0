"""``ledger recipe …``: check a pinned recipe against its workspace before anything is built."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from ledger.cli._common import (
    emit_json,
    json_option,
    stderr_console,
    stdout_console,
    workspace_option,
)

if TYPE_CHECKING:
    from ledger.recipe import ResolvedRecipe
    from ledger.workspace import Workspace

RECIPE_ARG = click.argument("recipe_path", metavar="RECIPE", type=click.Path(dir_okay=False, path_type=Path))


def _workspace(recipe_path: Path, workspace_dir: Path | None) -> Workspace:
    """``--workspace`` if given, else the workspace that holds the recipe file."""
    from ledger.workspace import find_workspace

    return find_workspace(start=recipe_path.resolve().parent, explicit=workspace_dir)


@click.group()
def recipe() -> None:
    """Pinned recipes: validate them, probe the pinned tools, print their digest."""


@recipe.command()
@RECIPE_ARG
@workspace_option
@json_option
@click.option("--no-probe", is_flag=True, help="Skip running the pinned tools' version commands.")
def check(recipe_path: Path, workspace_dir: Path | None, as_json: bool, no_probe: bool) -> None:
    """Validate RECIPE, probe its pinned tools and check its spec pin; exit 2 on any problem.

    Checks every key and type, the model id policy (dated snapshots only), the prompt and
    script files, that the target is a leaf with output:, each [tools] version, and the
    [spec] chain pin against the chain computed now.

    \b
    Examples:
      ledger recipe check recipes/slugify.toml
      ledger recipe check --no-probe --json recipes/slugify.toml
    """
    from ledger.recipe import resolve_recipe

    ws = _workspace(recipe_path, workspace_dir)
    resolved = resolve_recipe(recipe_path, ws, probe=not no_probe)
    if as_json:
        emit_json(_as_json(resolved, probed=not no_probe))
    else:
        _render(resolved, probed=not no_probe)
    stderr_console().print(f"recipe {resolved.recipe.recipe.name}: ok")


@recipe.command()
@RECIPE_ARG
@workspace_option
def digest(recipe_path: Path, workspace_dir: Path | None) -> None:
    """Print RECIPE's digest: SHA-256 of its canonical JSON plus its files' digests."""
    from ledger.recipe import load_recipe, recipe_digest

    ws = _workspace(recipe_path, workspace_dir)
    click.echo(recipe_digest(load_recipe(recipe_path, ws), ws))


def _as_json(r: ResolvedRecipe, *, probed: bool) -> dict[str, Any]:
    return {
        "source": r.recipe.source,
        "recipe": r.recipe.to_dict(),
        "digest": r.digest,
        "files": dict(r.files),
        "chain": {
            "target": r.chain.target,
            "output": r.chain.output,
            "computed": r.chain.hash,
            "sha256": r.chain.sha256,
            "pinned": r.recipe.spec.chain,
        },
        "probed": probed,
        "tools": [
            {
                "name": t.name,
                "pinned": t.pinned,
                "found": t.found,
                "path": t.path,
                "ok": t.ok if probed else None,
            }
            for t in r.tool_versions
        ],
    }


def _render(r: ResolvedRecipe, *, probed: bool) -> None:
    from rich.text import Text

    from ledger.cli.tables import DataTable

    rec, m = r.recipe, r.recipe.model
    summary = DataTable(show_header=False, title=f"Recipe {rec.source}", title_justify="left")
    summary.add_column(style="bold")
    summary.add_column(overflow="fold")
    summary.add_row("name", rec.recipe.name)
    summary.add_row("target", f"{rec.recipe.target} -> {r.chain.output}")
    for rel, sha in r.files.items():
        summary.add_row("file", f"{rel}  sha256:{sha}")
    seed = "unset" if m.seed is None else f"{m.seed}{' (sent)' if m.send_seed else ''}"
    summary.add_row("model", f"{m.provider} {m.id} @ {m.endpoint or '-'}")
    summary.add_row("sampling", f"temperature {m.temperature:g}, max_tokens {m.max_tokens}, seed {seed}")
    sb = rec.sandbox
    summary.add_row(
        "sandbox",
        f"no network, {sb.timeout_s} s, {sb.max_turns} turns, {sb.call_timeout_s} s per call",
    )
    summary.add_row("test", rec.test.command or "(none)")
    pin = f"pinned {rec.spec.chain}" if rec.spec.chain else "not pinned"
    summary.add_row("chain", f"computed {r.chain.hash}, {pin}")
    summary.add_row("digest", r.digest)
    out = stdout_console()
    out.print(summary)
    if r.tool_versions:
        tools = DataTable(title="Tools" + ("" if probed else " (not probed)"), title_justify="left")
        for col in ("tool", "pinned", "found", "path"):
            tools.add_column(col, overflow="fold")
        for t in r.tool_versions:
            found = Text("-") if not probed else Text(str(t.found), style="green" if t.ok else "red")
            tools.add_row(t.name, t.pinned, found, t.path or "-")
        out.print(tools)
