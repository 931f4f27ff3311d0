"""A hostile or broken team ledger, and a DSN with a password in it.

Each test is one attack against ``ledger push`` / ``pull`` / ``sql`` on a real PostgreSQL on
loopback: a password that libpq quotes back in its error, a server whose rows name the wrong
build, a server whose schema someone altered. Each must end in one line naming the redacted
URL (never the password), with no traceback and nothing unverified written.
"""

from __future__ import annotations

import json
from pathlib import Path

import psycopg
import pytest

from ledger.cli.team import pull, push
from ledger.store.postgres_store import PostgresStore
from tests.store.conftest import Fixture, LedgerWorkspace, invoke
from tests.store_pg.test_push_pull import pushed, teammate  # noqa: F401  (fixture)

SECRET = "Sup3rSecretPw"


@pytest.mark.parametrize(
    "netloc",
    [
        f"ci:{SECRET}%zz@127.0.0.1",  # libpq: invalid percent-encoded token: "<password>%zz"
        f"ci:{SECRET}@[::1",  # unclosed IPv6 bracket (libpq would quote the whole URL)
        f"ci:{SECRET} x@127.0.0.1",  # libpq: unexpected spaces found in "<password> x"
    ],
)
def test_a_password_libpq_quotes_back_never_reaches_the_error_line(
    lw: LedgerWorkspace, pg_url: str, netloc: str
) -> None:
    url = pg_url.replace("postgres@127.0.0.1", netloc, 1)
    for command in (push, pull):
        result = invoke(command, "--url", url, "-w", str(lw.root))
        assert result.code in (1, 2) and result.stderr.startswith("error: ")
        assert SECRET not in result.stderr + result.stdout


def test_pull_files_an_envelope_under_its_verified_build_id_not_the_servers_column(
    pushed: tuple[Fixture, str],  # noqa: F811
    tmp_path: Path,
) -> None:
    """The file name came from the server's ``build_id`` column: a server could file build
    b-roman-1's signed envelopes as ``b-other.intoto.jsonl`` (so ``build --replay b-roman-1``
    found nothing), or append them to another build's file."""
    fx, url = pushed
    with psycopg.connect(url, autocommit=True) as con:
        con.execute("UPDATE envelopes SET build_id = 'b-other' WHERE build_id = 'b-roman-1'")
    other = teammate(tmp_path, fx.lw)

    result = invoke(pull, "--url", url, "-w", str(other.root), "--json")

    assert result.code == 0, result.stderr
    assert "attestations/b-roman-1.intoto.jsonl" in json.loads(result.stdout)["files_written"]
    assert not (other.ws.attestations_dir / "b-other.intoto.jsonl").exists()


@pytest.mark.parametrize(
    ("alter", "message"),
    [
        # rows of the wrong type: raw.encode() raised AttributeError, a traceback
        (
            "ALTER TABLE envelopes ALTER COLUMN raw TYPE bytea USING convert_to(raw, 'UTF8')",
            "malformed envelopes",
        ),
        # blobs that are not bytea (text here; bytes(int) of a bigint would allocate that many
        # zero bytes, and is now refused earlier, by octet_length, as a failing query)
        ("ALTER TABLE objects ALTER COLUMN data TYPE text USING encode(data, 'escape')", "malformed objects"),
        ("ALTER TABLE objects ALTER COLUMN data TYPE bigint USING length(data)", "pull failed on the team ledger"),
        # any query failing mid-pull was a psycopg traceback
        ("ALTER TABLE objects RENAME COLUMN data TO payload", "pull failed on the team ledger"),
    ],
)
def test_a_team_ledger_with_an_altered_schema_is_one_clean_error(
    pushed: tuple[Fixture, str],  # noqa: F811
    tmp_path: Path,
    alter: str,
    message: str,
) -> None:
    fx, url = pushed
    with psycopg.connect(url, autocommit=True) as con:
        con.execute(alter)  # type: ignore[arg-type]
    other = teammate(tmp_path, fx.lw)

    result = invoke(pull, "--url", url, "-w", str(other.root))

    assert result.code == 1 and message in result.stderr
    assert "Traceback" not in result.stderr
    assert not list(other.ws.attestations_dir.glob("*.intoto.jsonl"))


def test_sql_cannot_write_even_after_lifting_the_reader_role(
    pushed: tuple[Fixture, str],  # noqa: F811
) -> None:
    """The SELECT-only role is a guard against accidents, not a boundary: PostgreSQL lets a
    session reset its role (``set_config('role', 'none', true)``) within the statement, so a
    query then runs with the connecting user's rights (SECURITY.md). READ ONLY still holds."""
    from ledger.errors import LedgerError

    fx, url = pushed
    team = PostgresStore(fx.lw.ws, url=url)
    lifted = team.sql(
        "SELECT set_config('role', 'none', true), "
        "query_to_xml('SELECT current_user AS who', true, true, '') AS x"
    )
    assert "spec_ledger_reader" not in str(lifted.rows)  # the documented limit of the role
    for lift in ("", "set_config('transaction_read_only', 'off', true), "):
        with pytest.raises(LedgerError):
            team.sql(
                f"SELECT set_config('role', 'none', true), {lift}"
                "query_to_xml('DELETE FROM envelopes RETURNING 1', true, true, '')"
            )
    assert team.sql("SELECT count(*) FROM envelopes").rows == ((8,),)
    team.close()


def test_a_pull_holds_a_bounded_batch_of_objects_whatever_was_pushed() -> None:
    """A teammate can push a ~1 GB blob; 200 of them fetched in one query were 200 GB of memory.
    Batches now stop at 64 MiB (or one larger object) as well as at 200 objects."""
    from ledger.store.pg_sync import _object_batches

    mib = 1 << 20
    wanted = [("a", 40 * mib), ("b", 40 * mib), ("c", 900 * mib), ("d", 1), ("e", 1)]
    assert list(_object_batches(wanted)) == [["a"], ["b"], ["c"], ["d", "e"]]
    small = [(str(i), 10) for i in range(450)]
    assert [len(b) for b in _object_batches(small)] == [200, 200, 50]
