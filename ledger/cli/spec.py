"""``ledger spec …``: the Code from Spec tree as the reference tooling sees it."""

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

STATUS_STYLE = {
    "up-to-date": "green",
    "stale": "yellow",
    "modified": "magenta",
    "missing": "red",
    "orphan": "red",
}
STATUS_KEYS = ("artifact", "path", "status", "chain", "recorded_chain", "checksum", "recorded_checksum")


@click.group()
def spec() -> None:
    """Inspect the Code from Spec v5 tree: artifact status, validation, assembled chains."""


@spec.command()
@workspace_option
@json_option
@click.option("--check", is_flag=True, help="Exit 1 unless every artifact is up-to-date (for CI).")
def status(workspace_dir: Path | None, as_json: bool, check: bool) -> None:
    """Status of every artifact: up-to-date, stale, modified, missing or orphan.

    Compares each node's current chain hash and each output file's checksum with the
    values recorded in code-from-spec/.manifest, exactly as the reference tooling does.

    \b
    Examples:
      ledger spec status
      ledger spec status --json | jq '.[] | select(.status != "up-to-date")'
    """
    from ledger.spec import artifact_statuses
    from ledger.spec.status import V4_TAGGED

    ws = resolve_workspace(workspace_dir)
    rows = artifact_statuses(ws.root)
    if as_json:
        emit_json([{k: getattr(r, k) for k in STATUS_KEYS} for r in rows])
    else:
        from rich.text import Text

        from ledger.cli.tables import DataTable

        table = DataTable(title=f"Artifacts in {ws.root}", title_justify="left")
        for col in ("artifact", "status", "path", "chain", "detail"):
            table.add_column(col, overflow="fold")
        for r in rows:
            style = STATUS_STYLE[r.status]
            table.add_row(r.artifact, Text(r.status, style=style), r.path, r.chain or "-", r.detail)
        stdout_console().print(table)
        counts: dict[str, int] = {}
        for r in rows:
            counts[r.status] = counts.get(r.status, 0) + 1
        summary = ", ".join(f"{n} {s}" for s, n in sorted(counts.items())) or "no artifacts"
        stderr_console().print(f"{len(rows)} artifacts: {summary}")
        if any(r.detail == V4_TAGGED for r in rows):
            stderr_console().print(
                "hint: files here carry Code from Spec v4 tags (code-from-spec: SPEC/…@hash); v5 records "
                "generation in code-from-spec/.manifest instead, so this tree seems to predate v5",
                markup=False,
            )
    if check and any(r.status != "up-to-date" for r in rows):
        raise SystemExit(1)


@spec.command()
@workspace_option
@json_option
def validate(workspace_dir: Path | None, as_json: bool) -> None:
    """Check the tree's format rules; print every problem as file:line: message.

    Errors: unparsable frontmatter or headings, unknown logical-name prefixes, references
    to missing nodes, '..' or absolute paths, cycles, leaf-only fields on inner nodes,
    directories without _node.md. Warnings: qualifiers naming no subsection.
    Exit 0 if there are no errors, 2 otherwise.
    """
    from ledger.spec.validate import validate_tree

    ws = resolve_workspace(workspace_dir)
    problems = validate_tree(ws.root)
    errors = [p for p in problems if p.severity == "error"]
    if as_json:
        emit_json(
            [{"file": p.file, "line": p.line, "severity": p.severity, "message": p.message} for p in problems]
        )
    else:
        for p in problems:
            click.echo(str(p))
        click.echo(
            f"{len(errors)} error(s), {len(problems) - len(errors)} warning(s) in {ws.spec_dir}",
            err=True,
        )
        for hint in dict.fromkeys(p.hint for p in problems if p.hint):  # each once, in order
            click.echo(f"  hint: {hint}", err=True)
    if errors:
        raise SystemExit(2)


@spec.command()
@click.argument("target")
@workspace_option
@json_option
@click.option(
    "--no-existing", is_flag=True, help="Leave out <existing_artifact> even if the output file exists."
)
def chain(target: str, workspace_dir: Path | None, as_json: bool, no_existing: bool) -> None:
    """Print the assembled chain of TARGET (SPEC/x or ARTIFACT/x) as an agent receives it.

    stdout carries the chain document byte for byte; stderr lists each member with its
    content hash (CfS SHA-1 base64url and SHA-256) and the chain hash. With --json,
    everything goes to stdout as one object.
    """
    from ledger.spec import compute_chain, load_tree

    ws = resolve_workspace(workspace_dir)
    # as the reference's load_chain: only the chain's own nodes must parse
    tree = load_tree(ws.root, strict=False)
    result = compute_chain(tree, target)
    existing = None
    if result.output and not no_existing:
        try:
            present = (ws.root / result.output).is_file()
        except OSError:  # e.g. a name longer than the file system allows: status calls it missing
            present = False
        if present:
            existing = tree.file_content(result.output)
    document = result.render(existing)
    if as_json:
        emit_json(
            {
                "target": result.target,
                "artifact": result.artifact,
                "output": result.output,
                "chain": result.hash,
                "chain_sha256": result.sha256,
                "members": [
                    {
                        "label": m.label,
                        "role": m.role,
                        "file": m.file,
                        "cfs_hash": m.cfs_hash,
                        "sha256": m.sha256,
                    }
                    for m in result.members
                ],
                "has_input": result.has_input,
                "text": document,
            }
        )
        return

    click.echo(document, nl=False)
    from ledger.cli.tables import DataTable

    table = DataTable(title=f"{result.target}  chain {result.hash}", title_justify="left")
    for col in ("#", "role", "member", "file", "cfs hash", "sha256"):
        table.add_column(col, overflow="fold")
    for i, m in enumerate(result.members, 1):
        table.add_row(str(i), m.role, m.label, m.file, m.cfs_hash, m.sha256[:16] + "…")
    console = stderr_console()
    console.print(table)
    console.print(f"chain hash {result.hash}   sha256 chain digest {result.sha256}")
