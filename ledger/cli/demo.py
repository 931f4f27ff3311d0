"""``ledger demo``: the whole flow, offline, narrated."""

from __future__ import annotations

import tempfile
from pathlib import Path

import click

from ledger.cli._common import emit_json, stderr_console, stdout_console


@click.command("demo")
@click.option(
    "--dir",
    "directory",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Where to create the demo workspace (new or empty; default: a new temp directory).",
)
@click.option(
    "--sandbox",
    type=click.Choice(["bwrap", "none"]),
    default=None,
    help="Sandbox for the builds (default: bwrap when this host can create namespaces).",
)
@click.option(
    "--json", "as_json", is_flag=True, help="Print a JSON summary on stdout (the narration goes to stderr)."
)
def demo(directory: Path | None, sandbox: str | None, as_json: bool) -> None:
    """Run the whole spec-ledger story offline on the bundled textkit example.

    Creates a workspace, builds four modules with a scripted loopback test model in the
    sandbox, verifies, traces, edits a spec and shows impact and staleness, rebuilds and
    diffs, replays a build, tampers with an artifact, audits the ledger and writes an HTML
    report. Exits 0 only if every step behaved as expected.
    """
    from rich.panel import Panel
    from rich.text import Text

    from ledger.demo import run_demo, summary
    from ledger.sandbox import probe_bwrap

    # with --json, stdout carries only the JSON summary; the narration moves to stderr
    console = stderr_console() if as_json else stdout_console()
    root = directory or Path(tempfile.mkdtemp(prefix="spec-ledger-demo-"))
    if sandbox is None:
        probe = probe_bwrap()
        sandbox = "bwrap" if probe.ok else "none"
        if not probe.ok:
            console.print(f"[yellow]bubblewrap unavailable ({probe.reason}); demo builds run unconfined[/]")

    def say(text: str) -> None:
        console.print()
        console.print(Text(text, style="bold cyan"))

    def show(command: str, output: str, code: int) -> None:
        console.print(Text(f"$ {command}", style="bold"))
        lines = output.rstrip("\n").splitlines()
        if len(lines) > 40:
            lines = [*lines[:36], f"… ({len(lines) - 36} more lines)"]
        if lines:  # already laid out by the command itself: print as is, no re-wrapping
            console.print(Text("\n".join(lines)), style="dim" if code == 0 else "", soft_wrap=True)
        if code:
            console.print(Text(f"(exit {code})", style="yellow"))

    console.print(
        Panel(
            "spec-ledger demo — everything runs offline on this machine.\n"
            "The model is a scripted loopback TEST model on 127.0.0.1, not a real model.",
            expand=False,
        )
    )
    console.print(f"workspace: {root}")
    result = run_demo(root, sandbox=sandbox, say=say, show=show)
    total = sum(r.seconds for r in result.results)
    console.print()
    console.print(
        f"[bold green]demo complete[/]: {len(result.results)} steps behaved as expected in {total:.1f} s"
    )
    console.print(f"workspace: {result.root}  (report.html, diff.html, attestations/, .ledger/)")
    if as_json:
        emit_json(summary(result))
