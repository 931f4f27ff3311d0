"""A hostile workspace: a cloned repository whose attestations/, .ledger/ and symlinks an attacker
prepared, and hostile transcripts given to ``ledger import``.

Each test is one attack as the attacker would stage it, against the real CLI: an unsigned
attestation chosen for ``build --replay``, workspace directories symlinked out of the project,
an object fan-out directory symlinked elsewhere, evidence linked to ``/dev/zero``, a planted
DuckDB file whose views read local files, a ZIP bomb as an inspect ``.eval`` log. Each must end in
one clean error (exit 2), with nothing written outside the workspace and no local file read.
"""

from __future__ import annotations

import base64
import io
import json
import shutil
import zipfile
from pathlib import Path

import pytest

from tests.conftest import assert_user_error, run_ledger
from tests.reliability.conftest import BuiltWorkspace, build_demo


@pytest.fixture(scope="module")
def pristine(tmp_path_factory: pytest.TempPathFactory) -> BuiltWorkspace:
    return build_demo(tmp_path_factory.mktemp("hostile-ws") / "demo")


@pytest.fixture
def ws(pristine: BuiltWorkspace, tmp_path: Path) -> BuiltWorkspace:
    """A fresh copy of the built demo for one attack (links copied as links)."""
    root = tmp_path / "clone"
    shutil.copytree(pristine.root, root, symlinks=True)
    return BuiltWorkspace(
        root,
        pristine.build_id,
        pristine.artifact,
        pristine.trajectory,
        pristine.trajectory_head,
        pristine.exec_log,
    )


def _outside(tmp_path: Path) -> Path:
    place = tmp_path / "outside"
    place.mkdir()
    return place


# ------------------------------------------------------------------ trust: build --replay


def test_replay_refuses_an_attestation_no_trusted_key_signed(ws: BuiltWorkspace) -> None:
    """`build --replay BUILD` read the trajectory digest out of attestations/BUILD.intoto.jsonl
    without checking its signature: a planted file could pick the model answers replayed (and
    a malformed payload gave a traceback). Only a verified provenance may name it."""
    lines = ws.attestation.read_text().splitlines()
    forged = []
    for line in lines:
        env = json.loads(line)
        env["signatures"][0]["sig"] = base64.b64encode(b"x" * 64).decode()
        forged.append(json.dumps(env))
    (ws.root / "attestations" / "forged-1.intoto.jsonl").write_text("\n".join(forged) + "\n")
    env = json.loads(lines[0])
    env["payload"] = base64.b64encode(b"[1, 2]").decode()
    (ws.root / "attestations" / "forged-2.intoto.jsonl").write_text(json.dumps(env) + "\n")

    for build in ("forged-1", "forged-2"):
        result = run_ledger(
            "build", "recipes/roman.toml", "--replay", build, "--no-sign", "--sandbox", "none",
            "--out", "out", cwd=ws.root,
        )  # fmt: skip
        assert_user_error(result, f"no verified provenance of build {build}", "does not verify")
        assert not (ws.root / "out").exists()


# ------------------------------------------------------------------ confinement: symlinks out


@pytest.mark.parametrize(
    "entry",
    ["attestations", ".ledger/log/checkpoints", ".ledger/log", ".ledger/objects", ".ledger/ledger.lock"],
)
def test_a_workspace_path_symlinked_out_of_the_project_is_refused(
    ws: BuiltWorkspace, tmp_path: Path, entry: str
) -> None:
    """`attestations -> /elsewhere` (or a .ledger/ entry) made build, checkpoint and ingest write
    there: `ledger checkpoint` wrote its note into the link's target."""
    outside = _outside(tmp_path)
    link = ws.root / entry
    if link.is_dir():
        shutil.copytree(link, outside, dirs_exist_ok=True)
        shutil.rmtree(link)
        target = outside
    else:
        link.unlink(missing_ok=True)
        target = outside / "planted.lock"  # dangling: opening it would create the file
    link.symlink_to(target)
    before = sorted(p.relative_to(outside) for p in outside.rglob("*"))

    result = run_ledger("checkpoint", cwd=ws.root)

    assert_user_error(result, "outside the workspace")
    assert sorted(p.relative_to(outside) for p in outside.rglob("*")) == before


def test_a_symlink_that_stays_inside_the_project_is_fine(ws: BuiltWorkspace) -> None:
    (ws.root / "attestations").rename(ws.root / "evidence")
    (ws.root / "attestations").symlink_to("evidence")
    assert run_ledger("checkpoint", cwd=ws.root).code == 0


def test_an_object_fanout_directory_symlinked_out_is_not_written_through(tmp_path: Path) -> None:
    """`.ledger/objects/sha256/ab -> /elsewhere` put every blob whose digest starts ab there."""
    from ledger.digest import sha256_hex
    from ledger.errors import StoreError
    from ledger.objects import ObjectStore

    outside = _outside(tmp_path)
    data = b"hello"
    digest = sha256_hex(data)
    store = ObjectStore(tmp_path / "objects")
    (store.root / "sha256").mkdir(parents=True)
    (store.root / "sha256" / digest[:2]).symlink_to(outside)

    with pytest.raises(StoreError, match="outside the object store"):
        store.put_bytes(data)
    assert list(outside.iterdir()) == []


# ------------------------------------------------------------------ evidence linked to /dev/zero


def test_an_attestation_linked_to_dev_zero_is_refused_not_read_forever(ws: BuiltWorkspace) -> None:
    """`attestations/x.intoto.jsonl -> /dev/zero`: verify read it until MemoryError (traceback)."""
    (ws.root / "attestations" / "zero.intoto.jsonl").symlink_to("/dev/zero")

    result = run_ledger("verify", ws.artifact, cwd=ws.root, timeout=60)

    assert_user_error(result, "zero.intoto.jsonl", "not a regular file")


def test_an_object_linked_to_dev_zero_is_refused(ws: BuiltWorkspace) -> None:
    from ledger.objects import ObjectCorrupt, ObjectStore

    blob = ws.object_path(ws.trajectory)
    blob.chmod(0o644)
    blob.unlink()
    blob.symlink_to("/dev/zero")

    with pytest.raises(ObjectCorrupt, match="not a regular file"):
        ObjectStore(ws.root / ".ledger" / "objects").get_bytes(ws.trajectory)


# ------------------------------------------------------------------ a planted database


def test_a_planted_database_view_cannot_read_local_files(ws: BuiltWorkspace, tmp_path: Path) -> None:
    """A view `builds AS SELECT … read_text('/home/u/secret')` put that file into `ledger log`
    (and the HTML report); an error inside DuckDB was a traceback."""
    import duckdb

    secret = tmp_path / "secret.txt"
    secret.write_text("PLANTED-SECRET-CONTENT")
    con = duckdb.connect(str(ws.root / ".ledger" / "ledger.duckdb"))
    columns = [r[0] for r in con.execute("DESCRIBE builds").fetchall()]
    con.execute("CREATE TABLE builds_real AS SELECT * FROM builds")
    con.execute("DROP TABLE builds")
    picked = ", ".join(
        f"(SELECT content FROM read_text('{secret}')) AS {c}" if c == "recipe_name" else c for c in columns
    )
    con.execute(f"CREATE VIEW builds AS SELECT {picked} FROM builds_real")
    con.close()

    for command in (["log", "--json"], ["show", ws.build_id]):
        result = run_ledger(*command, cwd=ws.root)
        assert_user_error(result, "the ledger database cannot answer", "disabled by configuration")
        assert "PLANTED-SECRET-CONTENT" not in result.stdout + result.stderr


# ------------------------------------------------------------------ import: a ZIP bomb


def test_a_zip_bomb_as_an_inspect_log_is_refused(ws: BuiltWorkspace, tmp_path: Path) -> None:
    """A 300 KB `.eval` whose sample unpacks to 300 MiB was read whole (twice: redaction of the
    stored original, then conversion); a real bomb (1000x) exhausts memory."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("header.json", b'{"eval": {"task": "t"}}')
        archive.writestr("samples/1_epoch_1.json", b" " * (300 << 20))
    bomb = tmp_path / "bomb.eval"
    bomb.write_bytes(buf.getvalue())

    result = run_ledger("import", "inspect", str(bomb), cwd=ws.root, timeout=60)

    assert_user_error(result, "bomb.eval", "ZIP bomb")
