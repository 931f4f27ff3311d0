"""The bubblewrap command line: the flags the issue's measurements showed are needed as root."""

from __future__ import annotations

from pathlib import Path

import pytest

from ledger.errors import SandboxError
from ledger.sandbox.bwrap import build_bwrap_argv, check_readonly


def _argv(tmp_path: Path, **kwargs: object) -> list[str]:
    scratch = tmp_path / "work"
    (scratch / "code-from-spec").mkdir(parents=True)
    return build_bwrap_argv(
        "/usr/bin/bwrap", scratch=scratch, workdir="src", status_fd=7, inner=["make"], **kwargs  # type: ignore[arg-type]
    )


def _pairs(argv: list[str], flag: str) -> list[tuple[str, str]]:
    return [(argv[i + 1], argv[i + 2]) for i, a in enumerate(argv) if a == flag]


def test_namespaces_and_capabilities(tmp_path: Path) -> None:
    argv = _argv(tmp_path)
    head = argv[: argv.index("--new-session") + 1]
    assert head == [
        "/usr/bin/bwrap",
        "--unshare-all",
        "--unshare-user",
        "--cap-drop",
        "ALL",
        "--die-with-parent",
        "--new-session",
    ]
    assert argv[-4:] == ["--json-status-fd", "7", "--", "make"]


def test_mounts(tmp_path: Path) -> None:
    argv = _argv(tmp_path)
    scratch = tmp_path / "work"
    binds = _pairs(argv, "--bind")
    assert binds == [(str(scratch), "/work")]
    assert (str(scratch / "code-from-spec"), "/work/code-from-spec") in _pairs(argv, "--ro-bind")
    tmpfs = [argv[i + 1] for i, a in enumerate(argv) if a == "--tmpfs"]
    assert tmpfs == ["/tmp", "/root", "/home", "/run"]
    bound = {dest for _, dest in _pairs(argv, "--ro-bind")}
    assert {"/usr", "/etc"} <= bound and not bound & {"/root", "/home", "/tmp", "/run", "/proc"}
    assert argv[argv.index("--remount-ro") + 1] == "/"
    assert argv[argv.index("--chdir") + 1] == "/work/src"
    assert argv.index("--remount-ro") > argv.index("--bind")


def test_real_workspace_is_hidden_when_it_would_be_visible(tmp_path: Path) -> None:
    argv = _argv(tmp_path, host_workspace=Path("/srv/project"))
    assert "/srv/project" in [argv[i + 1] for i, a in enumerate(argv) if a == "--tmpfs"]


def test_readonly_paths(tmp_path: Path) -> None:
    extra = tmp_path / "toolchain"
    extra.mkdir()
    checked = check_readonly([extra])
    assert (str(extra), str(extra)) in _pairs(_argv(tmp_path, readonly=checked), "--ro-bind")
    with pytest.raises(SandboxError, match="would cover"):
        check_readonly([Path("/work")])
    with pytest.raises(SandboxError, match="does not exist"):
        check_readonly([tmp_path / "missing"])
