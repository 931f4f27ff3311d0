"""Option decorators and rendering helpers shared by every command module."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

if TYPE_CHECKING:
    from rich.console import Console

    from ledger.workspace import Workspace

F = TypeVar("F", bound=Callable[..., Any])


def workspace_option(func: F) -> F:
    """``--workspace DIR``: default is the nearest ancestor holding ``code-from-spec/``."""
    return click.option(
        "--workspace",
        "-w",
        "workspace_dir",
        type=click.Path(file_okay=False, path_type=Path),
        default=None,
        help="Project root (default: nearest ancestor holding code-from-spec/ or ledger.toml).",
    )(func)


def json_option(func: F) -> F:
    """``--json``: machine-readable output on stdout instead of tables."""
    return click.option("--json", "as_json", is_flag=True, help="Print machine-readable JSON on stdout.")(
        func
    )


def resolve_workspace(workspace_dir: Path | None) -> Workspace:
    from ledger.workspace import find_workspace

    return find_workspace(explicit=workspace_dir)


def emit_json(value: Any) -> None:
    """Stable, sorted JSON on stdout: results are data, progress goes to stderr."""
    sys.stdout.write(json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False) + "\n")


# Width of tables written to a pipe or file: rich's default of 80 columns cut paths and build
# ids to "src/text…" there, and a provenance answer must not lose the name it is about.
PIPE_WIDTH = 200


def stdout_console() -> Console:
    from rich.console import Console

    piped = not sys.stdout.isatty() and "COLUMNS" not in os.environ
    return Console(highlight=False, width=PIPE_WIDTH if piped else None)


def stderr_console() -> Console:
    from rich.console import Console

    return Console(stderr=True, highlight=False)
