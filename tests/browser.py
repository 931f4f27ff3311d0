"""Headless Chromium for tests of the HTML pages (installed by the test command's system deps)."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"


def chromium() -> str | None:
    for name in ("/usr/bin/chromium", "/usr/bin/chromium-browser", shutil.which("chromium") or ""):
        if name and os.access(name, os.X_OK):
            return name
    return None


needs_chromium = pytest.mark.skipif(
    chromium() is None, reason="headless Chromium not installed (apt-get install chromium)"
)


def _flags(profile: Path) -> list[str]:
    # Background networking off: the machine has no network and Chromium must not try.
    return [
        "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", f"--user-data-dir={profile}",
    ]  # fmt: skip


def screenshot(page: Path, name: str, profile: Path, size: str = "1280,2000") -> Path:
    """Render ``page`` and keep the PNG under test-artifacts/ for people to look at."""
    browser = chromium()
    assert browser is not None
    ARTIFACTS.mkdir(exist_ok=True)
    shot = ARTIFACTS / name
    shot.unlink(missing_ok=True)
    subprocess.run(
        [browser, *_flags(profile), f"--screenshot={shot}", f"--window-size={size}", page.as_uri()],
        capture_output=True,
        timeout=90,
        check=True,
    )
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 20_000
    return shot


def dump_dom(page: Path, profile: Path) -> str:
    browser = chromium()
    assert browser is not None
    return subprocess.run(
        [browser, *_flags(profile), "--dump-dom", page.as_uri()],
        capture_output=True,
        text=True,
        timeout=90,
        check=True,
    ).stdout
