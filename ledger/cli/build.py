"""``ledger build RECIPE``: one generation as a build step, attested and indexed."""

from __future__ import annotations

from pathlib import Path

import click

from ledger.cli._common import (
    emit_json,
    json_option,
    resolve_workspace,
    stderr_console,
    stdout_console,
    workspace_option,
)


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
        from rich.table import Table

        table = Table(title=f"build {result.build_id}", title_justify="left", show_header=False)
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
        tests = f"[{test_style}]{result.test_result}[/] ({counts})"
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
