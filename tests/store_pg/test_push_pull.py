"""Two workspaces sharing one team ledger: push, pull, idempotency, tampering, configuration."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import psycopg
import pytest

from ledger.cli.store import trace
from ledger.cli.team import pull, push
from ledger.errors import ConfigError
from ledger.store import open_store, postgres_store, store_settings
from ledger.store.postgres_store import PostgresStore
from tests.store.conftest import Fixture, LedgerWorkspace, invoke, make_workspace, sign_fixture_builds


def teammate(tmp_path: Path, lw: LedgerWorkspace) -> LedgerWorkspace:
    """A second workspace that trusts the first one's signing key (same ledger.toml trust)."""
    other = make_workspace(tmp_path / "teammate")
    shutil.copytree(lw.root / "keys", other.root / "keys", dirs_exist_ok=True)
    shutil.copy(lw.root / "ledger.toml", other.root / "ledger.toml")
    return other


@pytest.fixture
def pushed(tmp_path: Path, pg_url: str) -> tuple[Fixture, str]:
    lw = make_workspace(tmp_path / "ci-runner")
    fx = sign_fixture_builds(lw)
    result = invoke(push, "--url", pg_url, "-w", str(lw.root), "--json")
    assert result.code == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["ingest"]["accepted"] == 8 and report["objects_uploaded"] >= 3
    return fx, pg_url


def test_push_then_pull_gives_the_teammate_the_same_answers(
    pushed: tuple[Fixture, str], tmp_path: Path
) -> None:
    fx, url = pushed
    other = teammate(tmp_path, fx.lw)
    result = invoke(pull, "--url", url, "-w", str(other.root), "--json")
    assert result.code == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["envelopes_written"] == 8 and report["ingest"]["accepted"] == 8
    assert sorted(report["files_written"]) == sorted(
        f"attestations/{p.name}" for p in fx.lw.ws.attestations_dir.glob("*.intoto.jsonl")
    )
    # trajectories came along: the teammate's local ledger indexes the same events
    mine = PostgresStore(fx.lw.ws, url=url).trace(fx.slugify_new, query=fx.slugify_new).to_json()
    theirs = json.loads(invoke(trace, fx.slugify_new, "-w", str(other.root), "--json").stdout)
    mine_b, theirs_b = mine["builds"][0], theirs["builds"][0]
    mine_b.pop("members")  # spec-text availability depends on each machine's object store
    assert {k: theirs_b[k] for k in mine_b} == mine_b
    assert theirs["builds"][0]["trajectory"]["events"] == 8

    again = json.loads(invoke(pull, "--url", url, "-w", str(other.root), "--json").stdout)
    assert (again["objects_downloaded"], again["envelopes_written"], again["ingest"]) == (0, 0, None)


def test_digest_listings_page_through_the_whole_team_ledger(
    pushed: tuple[Fixture, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    fx, url = pushed
    team = PostgresStore(fx.lw.ws, url=url)
    whole_objects, whole_envelopes = list(team.object_digests()), list(team.envelope_digests())
    monkeypatch.setattr(postgres_store, "DIGEST_PAGE", 2)  # 8 envelopes: five round trips
    assert list(team.object_digests()) == whole_objects == sorted(whole_objects)
    assert list(team.envelope_digests()) == whole_envelopes
    assert team.sql("SELECT envelope_sha256 FROM envelopes ORDER BY seq").rows == tuple(
        (d,) for d in whole_envelopes
    )


def test_pushing_twice_changes_nothing(pushed: tuple[Fixture, str]) -> None:
    fx, url = pushed
    team = PostgresStore(fx.lw.ws, url=url)
    before = {t: team.table(t).num_rows for t in ("envelopes", "events", "log")}
    objects = list(team.object_digests())
    result = invoke(push, "--url", url, "-w", str(fx.lw.root), "--json")
    report = json.loads(result.stdout)
    assert result.code == 0
    assert (report["objects_uploaded"], report["ingest"]["accepted"], report["ingest"]["duplicates"]) == (
        0,
        0,
        8,
    )
    assert {t: team.table(t).num_rows for t in before} == before
    assert list(team.object_digests()) == objects


def test_a_tampered_envelope_is_rejected_on_push(tmp_path: Path, pg_url: str) -> None:
    lw = make_workspace(tmp_path / "ci-runner")
    lw.build("b-1", "SPEC/textkit/roman", b"x\n")
    path = lw.ws.attestations_dir / "b-1.intoto.jsonl"
    lines = path.read_bytes().splitlines()
    env = json.loads(lines[0])
    env["payload"] = env["payload"][:-8] + "AAAAAAA="
    path.write_bytes(json.dumps(env).encode() + b"\n" + lines[1] + b"\n")
    result = invoke(push, "--url", pg_url, "-w", str(lw.root))
    assert result.code == 1
    assert "rejected attestations/b-1.intoto.jsonl:1" in result.stderr and "does not verify" in result.stderr
    team = PostgresStore(lw.ws, url=pg_url)
    assert team.sql("SELECT count(*), count(DISTINCT build_id) FROM envelopes").rows == ((1, 1),)
    assert team.sql("SELECT count(*) FROM builds").rows == ((0,),)  # only the untouched test result


def test_an_envelope_altered_in_the_team_database_is_not_pulled(
    pushed: tuple[Fixture, str], tmp_path: Path
) -> None:
    fx, url = pushed
    with psycopg.connect(url, autocommit=True) as con:  # someone with write access to the server
        con.execute(
            "UPDATE envelopes SET raw = replace(raw, '\"sig\":\"', '\"sig\":\"AAAA') WHERE build_id = 'b-roman-1'"
        )
    other = teammate(tmp_path, fx.lw)
    result = invoke(pull, "--url", url, "-w", str(other.root), "--json")
    assert result.code == 1
    report = json.loads(result.stdout)
    assert len(report["rejected"]) == 2 and report["envelopes_written"] == 6
    assert not (other.ws.attestations_dir / "b-roman-1.intoto.jsonl").exists()


def test_store_url_selects_postgres_and_passwords_stay_out_of_ledger_toml(
    lw: LedgerWorkspace, pg_url: str
) -> None:
    assert type(open_store(lw.ws)).__name__ == "DuckDBStore"
    (lw.root / "ledger.toml").write_text(f'[store]\nurl = "{pg_url}"\n', encoding="utf-8")
    assert isinstance(open_store(lw.ws), PostgresStore)
    for bad, message in (
        ('url = "postgresql://ci:hunter2@db/ledger"', "contains a password"),
        ('url = "mysql://db/ledger"', "is not a PostgreSQL URL"),
        ('urls = "postgresql://db/ledger"', "unknown key 'urls' in [store]"),
    ):
        (lw.root / "ledger.toml").write_text(f"[store]\n{bad}\n", encoding="utf-8")
        with pytest.raises(ConfigError, match=re.escape(message)) as err:
            store_settings(lw.ws)
        assert "hunter2" not in str(err.value)


def test_a_wrong_password_names_the_server_but_never_the_password(lw: LedgerWorkspace, pg_url: str) -> None:
    url = pg_url.replace("postgres@", "nobody:s3cret@")
    result = invoke(push, "--url", url, "-w", str(lw.root))
    assert result.code == 1
    assert "cannot connect to the team ledger postgresql://nobody:***@127.0.0.1" in result.stderr
    assert "s3cret" not in result.stderr


def test_pull_without_a_team_ledger_is_a_config_error(lw: LedgerWorkspace) -> None:
    result = invoke(pull, "-w", str(lw.root))
    assert result.code == 2 and "no team ledger configured" in result.stderr


def test_a_select_only_auditor_can_query_and_audit_but_not_write(
    pushed: tuple[Fixture, str], tmp_path: Path
) -> None:
    from ledger.errors import StoreError
    from ledger.store.audit import audit

    fx, url = pushed
    role = "auditor_" + url.rsplit("_", 1)[-1]
    with psycopg.connect(url, autocommit=True) as con:
        con.execute(f"CREATE ROLE {role} LOGIN")  # type: ignore[arg-type]
        con.execute(f"GRANT SELECT ON ALL TABLES IN SCHEMA public TO {role}")  # type: ignore[arg-type]
    as_auditor = url.replace("postgres@", f"{role}@")
    try:
        other = teammate(tmp_path, fx.lw)
        assert invoke(pull, "--url", as_auditor, "-w", str(other.root)).code == 0
        team = PostgresStore(other.ws, url=as_auditor)
        assert [e.build_id for e in team.log()][:1] == ["b-slugify-2"]
        assert audit(team, other.ws).ok
        fx.lw.build("b-new", "SPEC/textkit/roman", b"new\n", attestation_dir=tmp_path)
        with pytest.raises(StoreError, match="refused the ingest: permission denied"):
            team.ingest([tmp_path / "b-new.intoto.jsonl"])
        team.close()
    finally:
        with psycopg.connect(url, autocommit=True) as con:
            con.execute(f"DROP OWNED BY {role}")  # type: ignore[arg-type]
            con.execute(f"DROP ROLE {role}")  # type: ignore[arg-type]
