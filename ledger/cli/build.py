"""``ledger build RECIPE``: one generation as a build step, attested and indexed."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from ledger.cli._common import (
    emit_json,
    json_option,
    resolve_workspace,
    stderr_console,
    stdout_console,
    workspace_option,
)

if TYPE_CHECKING:
    from ledger.workspace import Workspace


@click.command()
@click.argument("recipe", type=click.Path(dir_okay=False, path_type=Path))
@workspace_option
@json_option
@click.option(
    "--sandbox",
    type=click.Choice(["bwrap", "none"]),
    default=None,
    help="Where tool calls run (default: ledger.toml [sandbox] kind, else bwrap). "
    "'none' is unconfined and is recorded in the trajectory and the attestation.",
)
@click.option("--no-sign", is_flag=True, help="Trial build: no attestation, nothing ingested.")
@click.option("--no-ingest", is_flag=True, help="Write the attestation but do not index it in the ledger.")
@click.option(
    "--replay",
    "replay",
    metavar="BUILD",
    default=None,
    help="Serve the model's answers from a recorded build (build id, trajectory digest or file) "
    "instead of calling the model; the tools run again for real.",
)
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Write the artifact under DIR instead of the workspace (the manifest is left alone).",
)
@click.option("--skip-probes", is_flag=True, help="Do not run the recipe's [tools] version probes.")
@click.option(
    "--n",
    "n_versions",
    type=click.IntRange(min=2),
    default=None,
    metavar="K",
    help="N-version generation: K independent builds, all attested as one group, and a convergence "
    "report (distinct digests, tests, pairwise similarity). The workspace is updated only if all K agree.",
)
def build(
    recipe: Path,
    workspace_dir: Path | None,
    as_json: bool,
    sandbox: str | None,
    no_sign: bool,
    no_ingest: bool,
    replay: str | None,
    out_dir: Path | None,
    skip_probes: bool,
    n_versions: int | None,
) -> None:
    """Generate the artifact of RECIPE's target in a logged sandbox, test it, sign it.

    Resolves the pinned recipe (refusing tool or spec drift), assembles the spec chain,
    runs the agent with the recipe's model in bubblewrap (no network, read-only system),
    records the hash-chained, redacted trajectory, runs the recipe's [test] command, writes
    attestations/<build-id>.intoto.jsonl, then installs the artifact and updates
    code-from-spec/.manifest. A crash or Ctrl-C leaves the workspace as it was.

    \b
    Examples:
      ledger build recipes/slugify.toml
      ledger build recipes/slugify.toml --replay 20261123T101500Z-1a2b3c4d
    """
    from ledger.build import BuildOptions, load_replay_events, run_build

    ws = resolve_workspace(workspace_dir)
    recipe_path = recipe if recipe.is_absolute() or recipe.exists() else ws.root / recipe
    events = load_replay_events(ws, replay) if replay else None
    console = stderr_console()
    if n_versions is not None:
        if replay or out_dir:
            raise click.UsageError("--n cannot be combined with --replay or --out")
        _n_version(ws, recipe_path, n_versions, sandbox, skip_probes, no_ingest, as_json)
        return
    with console.status(f"building {recipe} …"):
        result = run_build(
            ws,
            recipe_path,
            BuildOptions(
                sandbox=sandbox,
                sign=not no_sign,
                ingest=not no_ingest,
                replay_events=events,
                update_workspace=out_dir is None,
                probe_tools=not skip_probes,
            ),
        )
    if out_dir is not None:
        from ledger.fsutil import atomic_write_bytes, confine

        out_dir.mkdir(parents=True, exist_ok=True)
        for rel, data in result.artifact_bytes.items():
            atomic_write_bytes(confine(out_dir, rel), data)
    if as_json:
        emit_json(result.to_json())
    else:
        from rich.text import Text

        from ledger.cli.tables import DataTable

        table = DataTable(title=f"build {result.build_id}", title_justify="left", show_header=False)
        table.add_column("field", style="bold")
        table.add_column("value", overflow="fold")
        table.add_row("recipe", result.recipe)
        table.add_row("target", f"{result.target}  (chain {result.chain})")
        for path, digest in result.artifacts.items():
            table.add_row("artifact", f"{path}  sha256:{digest}")
        test_style = {"PASSED": "green", "WARNED": "yellow", "FAILED": "red"}.get(
            result.test_result or "", ""
        )
        counts = f"{result.tests_passed} passed, {result.tests_failed} failed"
        tests = Text.assemble((result.test_result or "", test_style), f" ({counts})")
        table.add_row("tests", tests if result.test_result else "no [test] command")
        table.add_row("agent", f"{result.turns} turns, {result.input_tokens}+{result.output_tokens} tokens, "
                      f"stop: {result.stop_reason}")  # fmt: skip
        table.add_row("sandbox", result.sandbox)
        table.add_row("duration", f"{result.duration_s:.2f} s")
        table.add_row("trajectory", f"sha256:{result.trajectory}")
        table.add_row("attestation", result.attestation or "not signed (--no-sign)")
        stdout_console().print(table)
    if result.test_result == "FAILED":
        raise SystemExit(1)


def _n_version(
    ws: Workspace,
    recipe: Path,
    count: int,
    sandbox: str | None,
    skip_probes: bool,
    no_ingest: bool,
    as_json: bool,
) -> None:
    from rich.markup import escape
    from rich.progress import Progress

    from ledger.build import BuildOptions
    from ledger.cli.tables import DataTable
    from ledger.nversion import run_n_version

    options = BuildOptions(sandbox=sandbox, ingest=not no_ingest, probe_tools=not skip_probes)
    with Progress(console=stderr_console(), transient=True) as progress:
        task = progress.add_task(f"{count} builds of {escape(recipe.name)}", total=count)
        report = run_n_version(ws, recipe, count, options, on_build=lambda i, b: progress.advance(task))
    if as_json:
        emit_json(report.to_json())
        return
    out = stdout_console()
    table = DataTable(title=f"N-version group {report.group}: {count} builds", title_justify="left")
    for col in ("#", "build", "artifact sha256", "tests", "turns", "s"):
        table.add_column(col)
    for i, b in enumerate(report.builds):
        digests = ", ".join(d[:16] + "…" for d in b.artifacts.values())
        table.add_row(str(i), b.build_id, digests, b.test_result or "-", str(b.turns), f"{b.duration_s:.1f}")
    out.print(table)
    sim = DataTable(title="pairwise similarity of the artifacts (1.0 = identical)", title_justify="left")
    sim.add_column("")
    for i in range(count):
        sim.add_column(str(i))
    for i, row in enumerate(report.similarity):
        sim.add_row(str(i), *(f"{v:.3f}" for v in row))
    out.print(sim)
    verdict = "converged" if report.converged else f"{len(report.distinct)} distinct artifacts"
    installed = "installed in the workspace" if report.installed else "workspace left unchanged"
    out.print(f"{verdict}; {installed}")
    if not report.converged:
        raise SystemExit(1)


@click.command("rebuild")
@click.argument("reference")
@click.option("--live", is_flag=True, help="Really call the model (costs tokens); required.")
@click.option(
    "--sandbox", type=click.Choice(["bwrap", "none"]), default=None, help="Sandbox for the rebuild."
)
@workspace_option
@json_option
def rebuild(
    reference: str, live: bool, sandbox: str | None, workspace_dir: Path | None, as_json: bool
) -> None:
    """REGENERATED: run a signed build's recipe again against the live model and compare.

    REFERENCE is a build id, an artifact path or an attestation file. Reports the same digest
    (exit 0) or the drift (exit 1): the artifact diff and the first point where the two
    trajectories diverge. The new build is attested; the workspace is not changed.
    """
    from ledger.errors import InputError
    from ledger.rebuild import rebuild as run_rebuild

    if not live:
        raise InputError(
            "a rebuild calls the model again",
            hint="pass --live (use `ledger verify --replay` for a free replay)",
        )
    ws = resolve_workspace(workspace_dir)
    with stderr_console().status(f"rebuilding {reference} against the live model …"):
        report = run_rebuild(ws, reference, sandbox=sandbox)
    if as_json:
        emit_json(report.to_json())
    else:
        from ledger.diff.render_text import render_text

        render_text(report.diff, stdout_console())
        stdout_console().print(report.reason())
    if not report.regenerated:
        raise SystemExit(1)
