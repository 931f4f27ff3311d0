"""A throwaway PostgreSQL cluster on loopback (``scripts/postgres-test.sh``), one per session,
and a fresh database per test. Tests that need it skip, saying why, when PostgreSQL is absent."""

from __future__ import annotations

import glob
import shutil
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def _have_postgres() -> bool:
    return bool(shutil.which("initdb") or glob.glob("/usr/lib/postgresql/*/bin/initdb"))


@pytest.fixture(scope="session")
def pg_server() -> str:
    """The cluster's admin URL (``postgresql://postgres@127.0.0.1:<port>/postgres``)."""
    if not _have_postgres():
        pytest.skip(
            "PostgreSQL (initdb) is not installed; `make test` installs it via scripts/system-deps.sh"
        )
    try:
        import psycopg  # noqa: F401
    except ImportError:
        pytest.skip("psycopg is not installed (pip install -e '.[dev]')")
    done = subprocess.run(
        ["bash", str(REPO / "scripts" / "postgres-test.sh")], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip().splitlines()[-1]


def _with_db(url: str, name: str) -> str:
    return url.rsplit("/", 1)[0] + "/" + name


@pytest.fixture
def pg_url(pg_server: str) -> Iterator[str]:
    """A new, empty database for one test; dropped afterwards."""
    import psycopg

    name = f"ledger_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(pg_server, autocommit=True) as con:
        con.execute(f"CREATE DATABASE {name}")  # type: ignore[arg-type]
    yield _with_db(pg_server, name)
    with psycopg.connect(pg_server, autocommit=True) as con:
        con.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")  # type: ignore[arg-type]
