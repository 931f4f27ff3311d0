"""``ledger init``: start a workspace."""

from __future__ import annotations

from pathlib import Path

import click

from ledger.cli._common import stdout_console


@click.command("init")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path), default=".")
@click.option(
    "--key",
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    default=None,
    help="Use this existing private key (PEM) instead of generating one.",
)
@click.option(
    "--no-key", is_flag=True, help="Do not generate a key now (add one later with `ledger key generate`)."
)
def init(directory: Path, key: Path | None, no_key: bool) -> None:
    """Create a spec-ledger workspace in DIRECTORY (default: here).

    Writes ledger.toml with commented defaults, a new ed25519 signing key under keys/ (mode
    0600) that the trust policy trusts, the code-from-spec/, recipes/ and attestations/
    folders, and a .gitignore for the rebuildable .ledger/ state.
    """
    from ledger.init import init_workspace

    result = init_workspace(directory, key=key, generate_key=not no_key)
    console = stdout_console()
    console.print(f"initialised spec-ledger workspace in [bold]{result.root}[/]")
    for item in result.created:
        console.print(f"  created {item}")
    if result.keyid:
        console.print(f"  signing key id {result.keyid}")
    console.print("next: write specs under code-from-spec/, a recipe under recipes/, then `ledger build`")
