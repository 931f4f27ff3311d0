"""Fixtures: a workspace with one build signed by a trusted key, and a ``ledger`` runner."""

from __future__ import annotations

import contextlib
import io
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from attest_helpers import (
    PASSED,
    TODAY,
    FakeChain,
    Result,
    Workspace,
    build_inputs,
    fake_chain_lookup,
    write_config,
)

from ledger.attest.files import attest_build
from ledger.attest.signers import generate_key, load_signer


@pytest.fixture
def ws(tmp_path: Path) -> Workspace:
    """A workspace with one build (provenance + PASSED test result) signed by a trusted key."""
    root = tmp_path / "proj"
    (root / "code-from-spec").mkdir(parents=True)
    (root / "internal/cache").mkdir(parents=True)
    artifact = root / "internal/cache/cache.go"
    artifact.write_text("package cache\n\nfunc Get() {}\n")
    other = root / "internal/cache/other.go"
    other.write_text("package cache\n\nfunc Other() {}\n")
    made = generate_key("ed25519", root / "keys/ci.pem", passphrase=None)
    write_config(
        root,
        f'[[trust.keys]]\npath = "keys/ci.pub"\nkeyid = "{made.keyid}"\n',
        signing_key="keys/ci.pem",
    )
    signer = load_signer(made.private_path)
    attest_build(root / "attestations", build_inputs(root), PASSED, signer)
    return Workspace(root, signer, artifact, other)


@pytest.fixture
def run_ledger(
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[Callable[..., Result]]:
    """Run ``ledger ...`` through the real entry point (one error catch, exit codes)."""
    from ledger import cli as cli_module

    monkeypatch.setitem(cli_module.COMMANDS, "verify", ("ledger.cli.attest", "verify", "Verify artifacts."))
    monkeypatch.setitem(cli_module.COMMANDS, "key", ("ledger.cli.attest", "key", "Keys."))

    def run(*args: str, chain: FakeChain | None = TODAY) -> Result:
        """``chain=None`` uses the real spec engine on the workspace."""
        if chain is not None:
            fake = chain
            monkeypatch.setattr("ledger.cli.attest._chain_lookup", lambda root: fake_chain_lookup(fake))
        out, err = io.StringIO(), io.StringIO()
        code = 0
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                cli_module.main(list(args))
            except SystemExit as exc:
                code = int(exc.code or 0)
        return Result(code, out.getvalue(), err.getvalue())

    yield run
