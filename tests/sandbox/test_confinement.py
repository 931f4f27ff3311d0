"""Confinement: each test fails if the bubblewrap sandbox lets a command out in that way.

Host-side effects are checked on the host, not by trusting what the command printed.
"""

from __future__ import annotations

import os
import secrets
import socket
import time
from pathlib import Path

import pytest

from ledger.sandbox import Limits, Sandbox, open_sandbox

from .conftest import pids_with, require_bwrap

pytestmark = pytest.mark.sandbox


def test_cannot_connect_to_a_loopback_listener_on_the_host(bwrap_sandbox: Sandbox) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(1)
        listener.settimeout(0.5)
        port = listener.getsockname()[1]
        script = f"import socket; socket.create_connection(('127.0.0.1', {port}), timeout=2)"
        result = bwrap_sandbox.run(["python3", "-c", script], timeout_s=10)
        assert result.exit_code != 0
        assert b"ConnectionRefused" in result.stderr or b"unreachable" in result.stderr
        with pytest.raises(TimeoutError):
            listener.accept()  # nothing ever arrived on the host side


def test_no_network_interfaces_besides_loopback(bwrap_sandbox: Sandbox) -> None:
    result = bwrap_sandbox.run(["cat", "/proc/net/dev"], timeout_s=10)
    interfaces = [line.split(":")[0].strip() for line in result.stdout.decode().splitlines()[2:]]
    assert interfaces == ["lo"]


def test_cannot_write_outside_scratch(
    bwrap_sandbox: Sandbox, workspace: Path, tmp_path: Path
) -> None:
    token = secrets.token_hex(6)
    host_targets = [
        Path(f"/etc/escape-{token}"),
        Path(f"/escape-{token}"),  # /work/../
        workspace / f"escape-{token}",  # the real workspace, by its host path
        Path(f"/tmp/escape-{token}"),  # the host's /tmp
        tmp_path / f"escape-{token}",
        bwrap_sandbox.scratch.parent / f"escape-{token}",
    ]
    script = "; ".join(
        [f"echo x > /etc/escape-{token}", f"echo x > /work/../escape-{token}"]
        + [f"mkdir -p {p.parent}; echo x > {p}" for p in host_targets[2:]]
        + ["true"]
    )
    result = bwrap_sandbox.run(["sh", "-c", script], timeout_s=10)
    assert b"Read-only file system" in result.stderr
    for target in host_targets:
        assert not target.exists(), f"sandbox wrote {target} on the host"
    assert result.created == ()  # and nothing was written into scratch by mistake either


def test_spec_tree_is_read_only_inside(bwrap_sandbox: Sandbox) -> None:
    spec = bwrap_sandbox.scratch / "code-from-spec" / "_node.md"
    before = spec.read_bytes()
    result = bwrap_sandbox.run(
        ["sh", "-c", "echo tampered > code-from-spec/_node.md; touch code-from-spec/new"],
        timeout_s=10,
    )
    assert result.exit_code != 0
    assert spec.read_bytes() == before
    assert result.created == () and result.modified == ()


def test_cannot_read_secrets_from_the_environment(
    workspace: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    require_bwrap()
    secret = "sk-ant-test-" + secrets.token_hex(16)
    monkeypatch.setenv("ANTHROPIC_API_KEY", secret)
    with open_sandbox(workspace) as sandbox:
        result = sandbox.run(
            ["sh", "-c", "env; cat /proc/*/environ; cat /proc/1/cmdline"], timeout_s=10
        )
        explicit = sandbox.run(["sh", "-c", "echo $GOFLAGS"], timeout_s=10, env={"GOFLAGS": "-x"})
    assert secret.encode() not in result.stdout + result.stderr
    assert b"ANTHROPIC" not in result.stdout
    env = dict(
        line.split("=", 1) for line in result.stdout.decode().splitlines()[:4] if "=" in line
    )
    assert set(env) == {"PATH", "HOME", "LANG", "PYTHONDONTWRITEBYTECODE"}
    assert explicit.stdout == b"-x\n"  # what the caller passes explicitly does arrive


def test_symlink_in_scratch_cannot_reach_a_host_file(
    bwrap_sandbox: Sandbox, tmp_path: Path
) -> None:
    host_secret = tmp_path / "host-secret.txt"
    host_secret.write_text("TOPSECRET\n")
    # planted on the host side, as a buggy tool might
    os.symlink(host_secret, bwrap_sandbox.scratch / "leak")
    os.symlink("/etc/hostname", bwrap_sandbox.scratch / "system")
    hostname = Path("/etc/hostname").read_bytes()
    result = bwrap_sandbox.run(
        ["sh", "-c", "cat leak; echo pwned > leak; echo pwned >> system; cat system"],
        timeout_s=10,
    )
    assert b"TOPSECRET" not in result.stdout
    assert host_secret.read_text() == "TOPSECRET\n"
    assert Path("/etc/hostname").read_bytes() == hostname


def test_host_root_and_home_are_empty_inside(bwrap_sandbox: Sandbox) -> None:
    result = bwrap_sandbox.run(["sh", "-c", "ls -A /root /home /run"], timeout_s=10)
    listing = [line for line in result.stdout.decode().splitlines() if line and ":" not in line]
    assert listing == []
    if os.access("/root", os.R_OK) and os.listdir("/root"):
        assert result.exit_code == 0  # the host's /root has content; the sandbox saw none


def test_cannot_remount_root_read_write(bwrap_sandbox: Sandbox) -> None:
    token = secrets.token_hex(6)
    result = bwrap_sandbox.run(
        ["sh", "-c", f"mount -o remount,rw /; mount -o remount,rw /usr; touch /etc/rw-{token}"],
        timeout_s=10,
    )
    assert result.exit_code != 0
    assert result.stderr.count(b"mount") >= 2
    assert not Path(f"/etc/rw-{token}").exists()


FORK_BOMB = """
import os, sys, time
forked = 0
for _ in range(5000):          # guard: never more than 5000 even without limits
    try:
        pid = os.fork()
    except OSError:
        break
    if pid == 0:
        time.sleep(60)
        os._exit(0)
    forked += 1
print(forked, flush=True)
time.sleep(60)
"""


def test_fork_bomb_is_bounded_by_limits_and_timeout(workspace: Path) -> None:
    require_bwrap()
    marker = f"# bomb-{secrets.token_hex(6)}"
    with open_sandbox(workspace, limits=Limits(max_processes=32)) as sandbox:
        result = sandbox.run(["python3", "-c", FORK_BOMB + marker], timeout_s=3)
    assert result.timed_out
    assert result.exit_code == 137
    assert 0 < int(result.stdout) < 32
    time.sleep(0.2)
    assert pids_with(marker) == set()
