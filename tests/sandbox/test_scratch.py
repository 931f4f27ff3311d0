"""The scratch copy: what is copied, what is skipped and why, and that it disappears afterwards."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest

from ledger.errors import SandboxError
from ledger.sandbox import BwrapProbe, SkippedPath, open_sandbox, probe_bwrap
from ledger.sandbox import session as session_module


def test_copy_skips_state_dirs_and_keeps_modes(workspace: Path) -> None:
    (workspace / "run.sh").write_text("#!/bin/sh\n")
    os.chmod(workspace / "run.sh", 0o755)
    (workspace / "vendor" / "dep" / ".git").mkdir(parents=True)
    with open_sandbox(workspace, kind="none") as sandbox:
        copied = sorted(
            p.relative_to(sandbox.scratch).as_posix() for p in sandbox.scratch.rglob("*")
        )
        assert os.stat(sandbox.scratch / "run.sh").st_mode & 0o777 == 0o755
    assert copied == [
        "code-from-spec",
        "code-from-spec/_node.md",
        "run.sh",
        "src",
        "src/app.py",
        "vendor",
        "vendor/dep",
    ]


def test_symlinks_leaving_the_workspace_are_skipped_and_reported(
    workspace: Path, tmp_path: Path
) -> None:
    (tmp_path / "outside.txt").write_text("host file\n")
    os.symlink("src/app.py", workspace / "inside")
    os.symlink(tmp_path / "outside.txt", workspace / "absolute")
    os.symlink("../outside.txt", workspace / "relative")
    os.symlink(".", workspace / "here")
    os.symlink("here/../outside.txt", workspace / "chained")  # lexically inside, really outside
    with open_sandbox(workspace, kind="none") as sandbox:
        assert (sandbox.scratch / "inside").read_text() == "print('hello')\n"
        remaining = {p.name for p in sandbox.scratch.iterdir() if p.is_symlink()}
        skipped = sandbox.skipped  # type: ignore[attr-defined]
    assert remaining == {"inside", "here"}
    assert [s.path for s in skipped] == ["absolute", "chained", "relative"]
    assert all(isinstance(s, SkippedPath) and "leaves the workspace" in s.reason for s in skipped)


def test_scratch_is_removed_on_exit_even_after_an_error(workspace: Path) -> None:
    with pytest.raises(RuntimeError), open_sandbox(workspace, kind="none") as sandbox:
        base = sandbox.scratch.parent
        locked = sandbox.scratch / "locked"
        locked.mkdir()
        (locked / "f").write_text("x")
        os.chmod(locked, 0)
        raise RuntimeError("tool loop crashed")
    assert not base.exists()


def test_unknown_kind_is_refused(workspace: Path) -> None:
    with pytest.raises(SandboxError, match="'docker' is unknown"), open_sandbox(
        workspace, kind="docker"
    ):
        pass


def test_refuses_when_bwrap_cannot_create_namespaces(
    workspace: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(
        session_module,
        "probe_bwrap",
        lambda: BwrapProbe(False, "/usr/bin/bwrap", "setting up uid map: Permission denied"),
    )
    with pytest.raises(SandboxError) as caught, open_sandbox(workspace):
        pass
    assert "uid map: Permission denied" in str(caught.value)
    assert caught.value.hint is not None and "--sandbox=none" in caught.value.hint
    assert caught.value.exit_code == 2


def test_probe_reports_why_a_broken_bwrap_fails(monkeypatch: pytest.MonkeyPatch) -> None:
    # not under tmp_path: as root, bwrap is started as nobody, who cannot enter pytest's 0700 dirs
    bindir = Path(tempfile.mkdtemp(prefix="fake-bwrap-"))
    bindir.chmod(0o755)
    fake = bindir / "bwrap"
    fake.write_text(
        "#!/bin/sh\n"
        '[ "$1" = --version ] && { echo "bubblewrap 0.0-fake"; exit 0; }\n'
        'echo "bwrap: No permissions to create new namespace" >&2; exit 1\n'
    )
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", f"{fake.parent}:{os.environ['PATH']}")
    probe_bwrap.cache_clear()
    try:
        probe = probe_bwrap()
    finally:
        probe_bwrap.cache_clear()
        shutil.rmtree(bindir)
    assert probe == BwrapProbe(
        False,
        str(fake),
        "bubblewrap could not set up the sandbox: bwrap: No permissions to create new namespace",
    )
