"""The ``ledger`` command: a thin view over the library.

Subcommands live one module per command group under ``ledger/cli/`` and are imported only
when invoked, so ``ledger --help`` and ``ledger spec status`` start fast (no anthropic,
sigstore or duckdb import unless the command needs it).
"""

from __future__ import annotations

import importlib
import os
import sys
from typing import Any

import click

from ledger import __version__

# name -> (module, attribute, one-line help shown by `ledger --help` without importing it)
COMMANDS: dict[str, tuple[str, str, str]] = {
    "ingest": (
        "ledger.cli.store",
        "ingest",
        "Verify attestation envelopes against the trust policy and add them to the ledger.",
    ),
    "reindex": ("ledger.cli.store", "reindex", "Rebuild the ledger database from attestations and objects."),
    "trace": ("ledger.cli.store", "trace", "Which builds produced these exact bytes (file or SHA-256)."),
    "impact": (
        "ledger.cli.store",
        "impact",
        "Artifacts whose spec chain includes a node, and which are stale.",
    ),
    "log": ("ledger.cli.store", "log", "Builds in the ledger, newest first."),
    "show": ("ledger.cli.store", "show", "Everything the ledger holds about one build."),
    "sql": ("ledger.cli.store", "sql", "Run a read-only SQL query against the ledger."),
    "export": ("ledger.cli.store", "export", "Export every ledger table as Parquet."),
    "checkpoint": (
        "ledger.cli.store",
        "checkpoint",
        "Sign the current Merkle tree head of the envelope log.",
    ),
    "approve": (
        "ledger.cli.approve",
        "approve",
        "Sign an approval of a spec node or build (AUTHORIZED evidence).",
    ),
    "audit": (
        "ledger.cli.store",
        "audit",
        "Prove append-only consistency and that every row derives from a verified envelope.",
    ),
    "build": (
        "ledger.cli.build",
        "build",
        "Run a pinned recipe: sandboxed agent, tests, signed attestation.",
    ),
    "demo": ("ledger.cli.demo", "demo", "Run the whole flow offline on a bundled example."),
    "diff": (
        "ledger.cli.diff",
        "diff",
        "Compare two builds: recipe pins, spec, trajectory first divergence, artifacts.",
    ),
    "import": (
        "ledger.cli.importers",
        "import_",
        "Import another agent's transcript (Claude Code, Codex, SWE-agent, mini-swe-agent, inspect, "
        "OpenHands, ATIF, OpenTelemetry GenAI).",
    ),
    "init": ("ledger.cli.init", "init", "Create a workspace: ledger.toml, signing key, folders."),
    "key": ("ledger.cli.attest", "key", "Signing keys: generate."),
    "verify": (
        "ledger.cli.attest",
        "verify",
        "Verify artifacts: SIGNED, BOUND, TESTED, REPRODUCED, AUTHORIZED (offline).",
    ),
    "report": ("ledger.cli.report", "report", "Write the self-contained HTML audit report."),
    "spec": ("ledger.cli.spec", "spec", "Code from Spec tree: status, validate, chain."),
    "push": (
        "ledger.cli.team",
        "push",
        "Upload objects and verified attestation envelopes to the team ledger.",
    ),
    "pull": (
        "ledger.cli.team",
        "pull",
        "Download, verify and locally ingest envelopes and objects from the team ledger.",
    ),
    "rebuild": ("ledger.cli.build", "rebuild", "REGENERATED: rebuild a signed build against the live model."),
    "record": (
        "ledger.cli.record",
        "record",
        "Run an agent behind a recording Messages-API proxy and attest the files it writes.",
    ),
    "recipe": ("ledger.cli.recipe", "recipe", "Pinned recipes: check, digest."),
    "trajectory": (
        "ledger.cli.trajectory",
        "trajectory",
        "Hash-chained trajectories: verify, show, diff two runs.",
    ),
}


class LazyGroup(click.Group):
    """A click group whose subcommands are imported on first use."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        entry = COMMANDS.get(cmd_name)
        if entry is None:
            return None
        module = importlib.import_module(entry[0])
        command: click.Command = getattr(module, entry[1])
        return command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [(name, COMMANDS[name][2]) for name in self.list_commands(ctx)]
        with formatter.section("Commands"):
            formatter.write_dl(rows)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="ledger")
@click.option("-v", "--verbose", is_flag=True, help="Show tracebacks for errors (for bug reports).")
@click.pass_context
def cli(ctx: click.Context, verbose: bool) -> None:
    """spec-ledger: provenance for code that AI agents compile from specifications.

    Answers "what code ran, from which spec, with which model, was it tested, who signed
    it" from signed in-toto attestations and a local DuckDB index.

    Start with `ledger spec status` inside a Code from Spec workspace.
    Exit codes: 0 success / policy met, 1 checked and not met, 2 usage or input error.
    """
    ctx.ensure_object(dict)
    ctx.obj["verbose"] = verbose


def main(argv: list[str] | None = None) -> Any:
    """Entry point: one catch for user-facing errors, tracebacks only with -v."""
    from ledger.errors import LedgerError

    args = sys.argv[1:] if argv is None else argv
    verbose = "-v" in args or "--verbose" in args or bool(os.environ.get("LEDGER_DEBUG"))
    try:
        return cli.main(args=args, prog_name="ledger", standalone_mode=True)
    except LedgerError as exc:
        if verbose:
            raise
        click.echo(exc.diagnostics(), err=True)
        sys.exit(exc.exit_code)
    except OSError as exc:  # a path the system refuses (too long, no permission, disk full)
        if verbose:
            raise
        where = f": {exc.filename}" if exc.filename else ""
        click.echo(f"error: {exc.strerror or exc}{where}", err=True)
        click.echo("  hint: check the path and its permissions; -v shows where it happened", err=True)
        sys.exit(2)
