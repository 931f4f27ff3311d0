"""Sigstore bundles verify offline against a trust root file, and only for trusted identities.

Assets (public data only): ``sigstore-staging-a.txt.sigstore.json`` is sigstore-python's
``test/assets/a.dsse.staging-rekor-v2.txt.sigstore.json`` (a DSSE bundle signed on Sigstore
staging by its conformance beacon workflow); ``sigstore-staging-trusted-root.json`` is the
staging ``trusted_root.json`` shipped with sigstore-python 4.5.
"""

from __future__ import annotations

import shutil
import socket
from pathlib import Path

import pytest

from ledger.attest.policy import TrustPolicy
from ledger.attest.sigstore import SigstoreIdentity, load_trusted_root, read_bundle_file, verify_bundle
from ledger.attest.verify import collect_evidence

ASSETS = Path(__file__).parent / "assets"
BEACON = SigstoreIdentity(
    san="https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/"
    ".github/workflows/extremely-dangerous-oidc-beacon.yml@refs/heads/main",
    issuer="https://token.actions.githubusercontent.com",
)
SUBJECT = "a0cfc71271d6e278e57cd332ff957c3f7043fdda354c4cbb190a30d56efa01bf"


@pytest.fixture
def offline(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_network(*args: object, **kwargs: object) -> None:
        raise AssertionError("network used")

    monkeypatch.setattr(socket.socket, "connect", no_network)
    monkeypatch.setattr(socket, "create_connection", no_network)


@pytest.fixture
def attestations(tmp_path: Path) -> Path:
    d = tmp_path / "attestations"
    d.mkdir()
    raw = (ASSETS / "sigstore-staging-a.txt.sigstore.json").read_text().replace("\n", "")
    (d / "b-sig.sigstore.jsonl").write_text(raw + "\n")
    return d


def test_bundle_verifies_offline_for_the_trusted_identity(attestations: Path, offline: None) -> None:
    root = load_trusted_root(ASSETS / "sigstore-staging-trusted-root.json")
    [line] = read_bundle_file(attestations / "b-sig.sigstore.jsonl")

    check = verify_bundle(line, root, [BEACON])

    assert check.ok and check.signer is not None and BEACON.san in check.signer


def test_other_identity_is_rejected(attestations: Path, offline: None) -> None:
    root = load_trusted_root(ASSETS / "sigstore-staging-trusted-root.json")
    [line] = read_bundle_file(attestations / "b-sig.sigstore.jsonl")

    check = verify_bundle(line, root, [SigstoreIdentity("me@example.com", BEACON.issuer)])

    assert not check.ok and check.reason and "me@example.com" in check.reason


def test_evidence_from_a_bundle_names_its_subject(tmp_path: Path, attestations: Path, offline: None) -> None:
    shutil.copy(ASSETS / "sigstore-staging-trusted-root.json", tmp_path / "root.json")
    policy = TrustPolicy(identities=(BEACON,), sigstore_trusted_root=tmp_path / "root.json")

    evidence = collect_evidence(attestations, policy, root=tmp_path)

    [stmt] = evidence.statements
    assert SUBJECT in stmt.statement.digests()
    # a foreign buildType is signed evidence, but carries no spec chain to bind
    assert stmt.statement.provenance is not None and stmt.statement.provenance.binding is None
    assert stmt.where == "attestations/b-sig.sigstore.jsonl:1"
