"""Fixtures every importer test uses: an object store for the trajectory and the original."""

from __future__ import annotations

from pathlib import Path

import pytest

from ledger.objects import ObjectStore


@pytest.fixture
def store(tmp_path: Path) -> ObjectStore:
    return ObjectStore(tmp_path / "objects")
