"""``ledger key generate`` and ``ledger verify``: parse options, call ``ledger.attest``, render."""

from __future__ import annotations

from collections.abc import Callable
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
    from ledger.attest.policy import TrustPolicy
    from ledger.attest.verify import CurrentChain, LevelCheck
    from ledger.workspace import Workspace


@click.group("key")
def key() -> None:
    """Signing keys for attestations."""


@key.command("generate")
@click.option(
    "--type",
    "key_type",
    type=click.Choice(["ed25519", "ecdsa-p256"]),
    default="ed25519",
    show_default=True,
    help="Key algorithm.",
)
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Private key file (default: <workspace>/.ledger/keys/signing-key.pem). "
    "The public key goes next to it as <name>.pub.",
)
@click.option("--force", is_flag=True, help="Replace an existing key file.")
@workspace_option
@json_option
def generate(key_type: str, out: Path | None, force: bool, workspace_dir: Path | None, as_json: bool) -> None:
    """Generate a signing key pair (private key mode 0600).

    The private key is encrypted when LEDGER_KEY_PASSPHRASE is set. Never commit it; commit the
    .pub file and list it under [[trust.keys]] in ledger.toml.
    """
    from ledger.attest.signers import KEY_TYPES, generate_key, passphrase_from_env

    if out is None:
        out = resolve_workspace(workspace_dir).state_dir / "keys" / "signing-key.pem"
    passphrase = passphrase_from_env()
    chosen = next(t for t in KEY_TYPES if t == key_type)  # click.Choice already checked it
    made = generate_key(chosen, out, passphrase=passphrase, overwrite=force)
    if as_json:
        emit_json(
            {
                "keyid": made.keyid,
                "type": made.key_type,
                "private_key": str(made.private_path),
                "public_key": str(made.public_path),
                "encrypted": passphrase is not None,
            }
        )
        return
    click.echo(f"keyid       {made.keyid}")
    click.echo(f"private key {made.private_path}" + (" (encrypted)" if passphrase else ""))
    click.echo(f"public key  {made.public_path}")
    stderr_console().print(
        "add to ledger.toml:\n"
        f'  [signing]\n  key = "{made.private_path}"\n'
        f'  [[trust.keys]]\n  path = "<workspace-relative path to {made.public_path.name}>"\n'
        f'  keyid = "{made.keyid}"',
        markup=False,
    )


def _chain_lookup(root: Path) -> Callable[[str], CurrentChain]:
    """``ledger.spec.compute_chain`` bound to the workspace (imported only when verifying)."""
    from ledger.spec import compute_chain

    def lookup(target: str) -> CurrentChain:
        return compute_chain(root, target)

    return lookup


def _extra_checks(
    ws: Workspace,
    *,
    replay: bool,
    sandbox: str | None,
    policy: TrustPolicy,
    attestation_dir: Path,
) -> list[LevelCheck]:
    checks: list[LevelCheck] = []
    if replay:
        from ledger.replay import ReproducedCheck

        checks.append(ReproducedCheck(ws, sandbox=sandbox))
    from ledger.approve.lookup import authorized_checks

    checks.extend(authorized_checks(ws, policy, attestation_dir))
    return checks


@click.command("verify")
@click.argument("artifacts", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--attestations",
    "attestation_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Directory of *.intoto.jsonl (default: <workspace>/attestations).",
)
@click.option(
    "--vsa",
    "vsa_out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Also write a signed SLSA Verification Summary Attestation (JSON Lines) here.",
)
@click.option(
    "--replay",
    is_flag=True,
    help="Also require REPRODUCED: replay the signed trajectory (recorded model answers, tools re-run "
    "in a fresh sandbox) and require byte-identical artifacts.",
)
@click.option(
    "--sandbox",
    type=click.Choice(["bwrap", "none"]),
    default=None,
    help="Sandbox for --replay (default: the one the build used).",
)
@workspace_option
@json_option
def verify(
    artifacts: tuple[Path, ...],
    attestation_dir: Path | None,
    vsa_out: Path | None,
    replay: bool,
    sandbox: str | None,
    workspace_dir: Path | None,
    as_json: bool,
) -> None:
    """Check each ARTIFACT against signed attestations and the [trust] policy.

    Levels: SIGNED (a trusted signer names this digest), BOUND (the attested spec chain is
    today's chain; otherwise STALE with the nodes that moved), TESTED (a signed PASSED test
    result for that build), AUTHORIZED (when ledger.toml has [approvals] or [trust] requires
    it: the attested spec content and build carry the approvals its rules demand). Works
    offline. Exit 0 policy met, 1 not met, 2 input error.
    """
    from datetime import UTC, datetime

    from ledger.attest.policy import load_trust_policy, signing_key_path
    from ledger.attest.signers import KeyFileSigner, load_signer, passphrase_from_env
    from ledger.attest.verify import verify_artifacts
    from ledger.errors import CheckFailed, ConfigError

    ws = resolve_workspace(workspace_dir)
    policy = load_trust_policy(ws)
    if replay:  # asking for a replay means its result counts
        from dataclasses import replace

        from ledger.attest.policy import Level

        policy = replace(policy, required=policy.required | {Level.REPRODUCED})
    signer: KeyFileSigner | None = None
    if vsa_out is not None:
        key_path = signing_key_path(ws)
        if key_path is None:
            raise ConfigError(
                "--vsa needs a signing key",
                file=str(ws.config_path),
                hint='add [signing] key = "path/to/key.pem" (see `ledger key generate`)',
            )
        signer = load_signer(key_path, passphrase=passphrase_from_env())
    verdicts = verify_artifacts(
        ws.root,
        list(artifacts),
        attestation_dir or ws.attestations_dir,
        policy,
        _chain_lookup(ws.root),
        checks=_extra_checks(
            ws,
            replay=replay,
            sandbox=sandbox,
            policy=policy,
            attestation_dir=attestation_dir or ws.attestations_dir,
        ),
    )
    if vsa_out is not None and signer is not None:
        from ledger.attest.vsa import write_vsa

        write_vsa(
            vsa_out,
            verdicts,
            root=ws.root,
            policy=policy,
            policy_uri=ws.config_path.resolve().as_uri() + "#trust",
            signer=signer,
            verified_at=datetime.now(UTC),
        )
        stderr_console().print(f"wrote VSA {vsa_out}", markup=False)

    if as_json:
        emit_json({"ok": all(v.ok for v in verdicts), "artifacts": [v.to_json() for v in verdicts]})
    else:
        from rich.text import Text

        from ledger.cli.tables import DataTable

        table = DataTable("artifact", "build", "met", "verdict")
        for v in verdicts:
            table.add_row(
                v.path,
                v.build_id or "-",
                " ".join(lvl.value for lvl in v.levels_met) or "-",
                Text("OK", style="green") if v.ok else Text("NOT MET", style="red"),
            )
        stdout_console().print(table)
        err = stderr_console()
        for v in verdicts:
            for note in v.notes:
                err.print(f"note: {v.path}: {note}", markup=False, soft_wrap=True)
    failed = [v for v in verdicts if not v.ok]
    if failed:
        # one line per artifact, on stderr, then exit 1 through the single error path
        err = stderr_console()
        for v in failed[:-1]:
            err.print(f"error: {v.path}: {v.reason()}", markup=False, soft_wrap=True)
        last = failed[-1]
        raise CheckFailed(f"{last.path}: {last.reason()}")
