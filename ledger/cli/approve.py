"""``ledger approve TARGET``: parse options, call ``ledger.approve``, render."""

from __future__ import annotations

from pathlib import Path

import click

from ledger.cli._common import emit_json, json_option, resolve_workspace, stderr_console, workspace_option


@click.command("approve")
@click.argument("target")
@click.option("--role", default=None, help="Role approved in (default: the key's only role in [approvals]).")
@click.option("--note", default=None, help="Free text kept in the signed approval (ticket, reason).")
@click.option(
    "--key",
    "key_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Approver's private key (default: ledger.toml [signing] key).",
)
@workspace_option
@json_option
def approve(
    target: str,
    role: str | None,
    note: str | None,
    key_path: Path | None,
    workspace_dir: Path | None,
    as_json: bool,
) -> None:
    """Sign an approval of TARGET and write it to attestations/approval-*.intoto.jsonl.

    TARGET is a spec node (SPEC/x, approved at its current content), an artifact path (its
    newest verified build) or a build id. `ledger verify` counts it for AUTHORIZED when the
    key holds the role in [[approvals.keys]] and the approved digest is the attested one.

    \b
    Examples:
      ledger approve SPEC/payments/refunds --role security --key ~/.keys/alice.pem
      ledger approve src/payments/refunds.py --role release --note "CHG-1234"
    """
    from ledger.approve import approve as sign_approval
    from ledger.approve import load_approval_policy
    from ledger.approve.statement import SpecTarget
    from ledger.attest.policy import load_trust_policy, signing_key_path
    from ledger.attest.signers import load_signer, passphrase_from_env
    from ledger.errors import ConfigError

    ws = resolve_workspace(workspace_dir)
    trust = load_trust_policy(ws)
    policy = load_approval_policy(ws, trust)
    path = key_path or signing_key_path(ws)
    if path is None:
        raise ConfigError(
            "no approver key: pass --key PATH or set [signing] key",
            file=str(ws.config_path),
            hint="create one with `ledger key generate --out keys/<you>.pem`",
        )
    signer = load_signer(path, passphrase=passphrase_from_env())
    done = sign_approval(ws, target, signer, trust=trust, policy=policy, role=role, note=note)
    err = stderr_console()
    for warning in done.warnings:
        err.print(f"warning: {warning}", markup=False, soft_wrap=True)
    rel = done.path.relative_to(ws.root).as_posix() if ws.root in done.path.parents else str(done.path)
    if isinstance(done.target, SpecTarget):
        what = {
            "kind": "spec",
            "node": done.target.node,
            "chain": {"cfs": done.target.chain_cfs, "sha256": done.target.chain_sha256},
            "content": {d.label: d.sha256 for d in done.target.content},
        }
        shown = f"{done.target.node} (chain {done.target.chain_cfs})"
    else:
        what = {
            "kind": "build",
            "build_id": done.target.build_id,
            "subjects": {d.label: d.sha256 for d in done.target.subjects},
        }
        shown = f"build {done.target.build_id}"
    if as_json:
        emit_json(
            {
                "file": rel,
                "keyid": done.keyid,
                "name": done.name,
                "role": done.role,
                "approved_on": done.approved_on.isoformat(),
                "target": what,
                "warnings": list(done.warnings),
            }
        )
        return
    who = done.name or f"key {done.keyid[:12]}…"
    click.echo(f"approved {shown} as {done.role} by {who}")
    click.echo(f"wrote {rel}")
