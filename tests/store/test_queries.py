"""Forensic queries on a fixture ledger: trace, impact, log, show, sql, export.

Every test runs twice: on the embedded DuckDB ledger and on a PostgreSQL team ledger
(``[store] url``), which must give the same answers.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from ledger.cli.store import export, impact, log, show, sql, trace
from ledger.errors import InputError
from ledger.store.impact import impact as run_impact
from ledger.store.queries import ReadOnlyQuery
from tests.store.conftest import Fixture, LedgerWorkspace, invoke, make_workspace
from tests.store_pg.cluster import pg_server, pg_url  # noqa: F401  (fixtures)


@pytest.fixture(params=["duckdb", "postgres"])
def lw(request: pytest.FixtureRequest, tmp_path: Path) -> LedgerWorkspace:
    """The same workspace on either backend; the PostgreSQL one gets a fresh database."""
    url = request.getfixturevalue("pg_url") if request.param == "postgres" else None
    return make_workspace(tmp_path / "project", store_url=url)


@pytest.fixture
def backend(lw: LedgerWorkspace) -> str:
    return "postgres" if lw.store_url else "duckdb"


def test_trace_by_file_names_the_build_and_everything_it_was_made_from(fixture_ledger: Fixture) -> None:
    lw = fixture_ledger.lw
    artifact = lw.root / "slugify.py"
    artifact.write_bytes(b"def slugify(): pass  # v2\n")
    result = lw.store().trace(fixture_ledger.slugify_new)
    assert [b.build_id for b in result.builds] == ["b-slugify-2"]
    b = result.builds[0]
    assert (b.recipe_name, b.target, b.model_id, b.model_endpoint, b.seed) == (
        "slugify",
        "SPEC/textkit/slugify",
        "claude-sonnet-4-5-20250929",
        "https://api.anthropic.com",
        7,
    )
    assert [m.label for m in b.members] == [
        "SPEC/textkit",
        "SPEC/textkit/normalize",
        "SPEC/textkit/slugify",
        "AGENT[SPEC/textkit/slugify]",
    ]
    assert all(m.text_stored for m in b.members)
    assert [(t.name, t.version) for t in b.tools] == [("python", "3.11.7")]
    assert b.test_result == "PASSED"
    assert b.signer.startswith(f"key {lw.signer.keyid}")
    assert (b.trajectory.events, b.trajectory.turns, b.trajectory.tool_calls) == (8, 1, 1)

    cli = invoke(trace, str(artifact), "--workspace", str(lw.root), "--json")
    assert cli.code == 0
    assert json.loads(cli.stdout)["builds"][0]["build_id"] == "b-slugify-2"


def test_trace_text_prints_the_spec_in_force(fixture_ledger: Fixture) -> None:
    lw = fixture_ledger.lw
    cli = invoke(trace, fixture_ledger.slugify_old, "--text", "--workspace", str(lw.root))
    assert cli.code == 0
    assert "b-slugify-1" in cli.stdout
    assert "URL slugs from titles" not in cli.stdout  # the intro is not part of # Public
    assert "Every maximal run of characters" in cli.stdout


def test_trace_of_unknown_bytes_exits_1_and_a_non_digest_exits_2(fixture_ledger: Fixture) -> None:
    root = str(fixture_ledger.lw.root)
    assert invoke(trace, "0" * 64, "--workspace", root).code == 1
    bad = invoke(trace, "no-such-file", "--workspace", root)
    assert bad.code == 2 and "neither an existing file nor a SHA-256 digest" in bad.stderr


def test_a_build_without_its_trajectory_object_says_so(fixture_ledger: Fixture) -> None:
    b = fixture_ledger.lw.store().trace(fixture_ledger.roman).builds[0]
    assert not b.trajectory.indexed and b.trajectory.sha256 is not None


def test_impact_reports_current_then_stale_after_the_spec_moves(fixture_ledger: Fixture) -> None:
    lw = fixture_ledger.lw
    cli = invoke(impact, "SPEC/textkit/normalize", "--workspace", str(lw.root), "--json")
    rows = json.loads(cli.stdout)
    assert [(r["hit"]["build_id"], r["status"]) for r in rows] == [("b-slugify-2", "current")]

    node = lw.root / "code-from-spec" / "textkit" / "normalize" / "_node.md"
    node.write_text(node.read_text().replace("## Rules\n", "## Rules\n\nA new rule.\n", 1))
    rows = json.loads(invoke(impact, "SPEC/textkit/normalize", "--workspace", str(lw.root), "--json").stdout)
    assert rows[0]["status"] == "stale"
    assert "SPEC/textkit/normalize (changed)" in rows[0]["detail"]
    every = json.loads(invoke(impact, "SPEC/textkit/normalize", "--all", "-w", str(lw.root), "--json").stdout)
    assert {r["hit"]["build_id"] for r in every} == {"b-slugify-1", "b-slugify-2"}


def test_impact_with_no_match_says_whether_the_node_exists_today(fixture_ledger: Fixture) -> None:
    root = str(fixture_ledger.lw.root)
    typo = invoke(impact, "SPEC/textkit/romann", "-w", root)
    assert typo.code == 0 and typo.stdout == ""
    assert "no ingested build's spec chain includes SPEC/textkit/romann" in typo.stderr
    assert "today's spec tree has no node of that name" in typo.stderr
    assert "SPEC/area/node(Section)" in typo.stderr

    (fixture_ledger.lw.root / "code-from-spec" / "textkit" / "fresh").mkdir()
    (fixture_ledger.lw.root / "code-from-spec" / "textkit" / "fresh" / "_node.md").write_text(
        "# SPEC/textkit/fresh\n\nNot built yet.\n"
    )
    unbuilt = invoke(impact, "SPEC/textkit/fresh", "-w", root)
    assert "it is a node of today's spec tree: nothing built from it has been ingested" in unbuilt.stderr
    assert json.loads(invoke(impact, "SPEC/textkit/romann", "-w", root, "--json").stdout) == []


def test_impact_matches_by_prefix_and_qualifier(fixture_ledger: Fixture) -> None:
    store = fixture_ledger.lw.store()
    everything = {h.build_id for h in store.impacted("SPEC/textkit")}
    assert everything == {"b-slugify-1", "b-slugify-2", "b-wordcount-1", "b-roman-1"}
    assert {h.build_id for h in store.impacted("SPEC/textkit/roman")} == {"b-roman-1"}
    assert store.impacted("SPEC/textk") == []  # a prefix of a name is not an ancestor
    # the chains reference SPEC/textkit/normalize unqualified: it contains every section
    assert {h.build_id for h in store.impacted("SPEC/textkit/normalize(Rules)")} == {
        "b-slugify-1",
        "b-slugify-2",
    }
    with pytest.raises(InputError):
        store.impacted("textkit")


def test_impact_without_a_spec_tree_reports_unknown(fixture_ledger: Fixture) -> None:
    from ledger.errors import SpecError

    def gone(target: str) -> object:
        raise SpecError(f"no spec node {target}")

    rows = run_impact(fixture_ledger.lw.store(), "SPEC/textkit/roman", gone)  # type: ignore[arg-type]
    assert [(r.status, r.detail) for r in rows] == [
        ("unknown", "SPEC/textkit/roman no longer resolves: no spec node SPEC/textkit/roman")
    ]


def test_log_filters(fixture_ledger: Fixture) -> None:
    store = fixture_ledger.lw.store()
    assert [e.build_id for e in store.log()] == ["b-slugify-2", "b-roman-1", "b-wordcount-1", "b-slugify-1"]
    assert [e.build_id for e in store.log(limit=2)] == ["b-slugify-2", "b-roman-1"]
    assert [e.build_id for e in store.log(model="claude-opus-4-1-20250805")] == ["b-roman-1"]
    assert [e.build_id for e in store.log(model="anthropic/claude-opus-4-1-20250805")] == ["b-roman-1"]
    assert [e.build_id for e in store.log(since=datetime(2025, 3, 1, 12, 15))] == ["b-slugify-2", "b-roman-1"]
    assert [e.build_id for e in store.log(spec="SPEC/textkit/wordcount")] == ["b-wordcount-1"]
    assert len(store.log(signer=fixture_ledger.lw.signer.keyid[:8])) == 4
    assert store.log(signer="ffff") == []
    assert {e.build_id: e.tests for e in store.log()}["b-wordcount-1"] == "FAILED"

    cli = invoke(
        log, "--since", "2025-03-01T12:15:00Z", "--spec", "SPEC/textkit", "-w", str(fixture_ledger.lw.root)
    )
    assert cli.code == 0 and "b-roman-1" in cli.stdout and "b-slugify-1" not in cli.stdout
    assert invoke(log, "--since", "last tuesday", "-w", str(fixture_ledger.lw.root)).code == 2


def test_show_lists_envelopes_and_trajectory_events(fixture_ledger: Fixture) -> None:
    detail = fixture_ledger.lw.store().show("b-wordcount")  # a unique prefix is enough
    assert detail.build.build_id == "b-wordcount-1"
    assert detail.build.test_result == "FAILED" and detail.build.tests[0].failed_tests == ("test_broken",)
    assert [e.source for e in detail.envelopes] == ["attestations/b-wordcount-1.intoto.jsonl"] * 2
    assert [e.type for e in detail.events][:4] == [
        "build_start",
        "model_request",
        "model_response",
        "tool_call",
    ]
    write = next(e for e in detail.events if e.type == "tool_call")
    assert (write.tool, write.files) == ("write_file", ("src/textkit/wordcount.py",))
    run = next(e for e in detail.events if e.type == "exec")
    assert run.command == "python -m pytest"
    cli = invoke(show, "b-slugify", "-w", str(fixture_ledger.lw.root))
    assert cli.code == 2 and "matches several builds" in cli.stderr


def test_sql_answers_selects_and_refuses_writes(fixture_ledger: Fixture, backend: str) -> None:
    store = fixture_ledger.lw.store()
    assert store.sql("SELECT count(*) AS n FROM builds").columns == ("n",)
    for statement in (
        "INSERT INTO builds (build_id) VALUES ('x')",
        "DELETE FROM log",
        "DROP TABLE events",
        "COPY builds TO 'out.csv'",
        "ATTACH 'other.db'",
        "SELECT 1; UPDATE builds SET model_id = 'x'",
    ):
        with pytest.raises(ReadOnlyQuery, match="read-only: refusing"):
            store.sql(statement)
    if backend == "duckdb":
        with pytest.raises(InputError, match="disabled by configuration"):
            store.sql("SELECT * FROM read_csv('/etc/passwd')")
    else:  # a READ ONLY transaction as a SELECT-only role: no server file access either
        with pytest.raises(InputError, match="permission denied for function pg_read_file"):
            store.sql("SELECT pg_read_file('/etc/passwd')")
        with pytest.raises(ReadOnlyQuery, match="read-only: refusing a statement that writes"):
            store.sql("WITH gone AS (DELETE FROM log RETURNING 1) SELECT count(*) FROM gone")
    cli = invoke(sql, "DELETE FROM builds", "-w", str(fixture_ledger.lw.root))
    assert cli.code == 2 and "read-only" in cli.stderr
    assert store.sql("SELECT count(*) FROM builds").rows == ((4,),)
    rows = json.loads(
        invoke(
            sql,
            "SELECT build_id, finished_on FROM builds ORDER BY 1 LIMIT 1",
            "-w",
            str(fixture_ledger.lw.root),
            "--json",
        ).stdout
    )
    assert rows == [{"build_id": "b-roman-1", "finished_on": "2025-03-01T12:20:00Z"}]


def test_export_writes_one_parquet_file_per_table(fixture_ledger: Fixture, tmp_path: Path) -> None:
    out = tmp_path / "export"
    cli = invoke(export, "--parquet", str(out), "-w", str(fixture_ledger.lw.root), "--json")
    assert cli.code == 0
    written = {t["table"]: t["rows"] for t in json.loads(cli.stdout)}
    assert written["builds"] == 4 and written["events"] == 24
    assert pq.read_table(out / "subjects.parquet").num_rows == 4
    assert sorted(p.name for p in out.iterdir()) == sorted(f"{name}.parquet" for name in written)


def test_trace_of_a_file_changed_after_its_build_names_the_build_that_made_the_path(
    fixture_ledger: Fixture,
) -> None:
    """Incident forensics: 'no build made these bytes' is half an answer when a build made this
    file as other bytes. Both backends answer, newest build first."""
    lw = fixture_ledger.lw
    store = lw.store()
    [built] = store.trace(fixture_ledger.slugify_new).builds
    [name] = [s.name for s in built.subjects if s.name]
    changed = lw.root / name
    changed.parent.mkdir(parents=True, exist_ok=True)
    changed.write_bytes(b"def slugify(): return 'patched in production'\n")

    assert [(b.build_id, b.sha256) for b in store.builds_of_path(name)] == [
        ("b-slugify-2", fixture_ledger.slugify_new),
        ("b-slugify-1", fixture_ledger.slugify_old),
    ]
    cli = invoke(trace, str(changed), "--workspace", str(lw.root))
    assert cli.code == 1
    assert (
        f"{name} was built as sha256:{fixture_ledger.slugify_new[:12]}… by b-slugify-2" in cli.stderr
        and "so the file changed after its build" in cli.stderr
        and f"`ledger trace {fixture_ledger.slugify_new}` shows that build" in cli.stderr
    )
    as_json = json.loads(invoke(trace, str(changed), "--workspace", str(lw.root), "--json").stdout)
    assert as_json["builds"] == []
    assert [e["build_id"] for e in as_json["path_built_as"]] == ["b-slugify-2", "b-slugify-1"]


def test_tables_show_brackets_in_data_as_written(fixture_ledger: Fixture) -> None:
    """Rich reads '[…]' as markup: '[/INST]' (a prompt template) raised MarkupError mid-command
    and '[bold]' vanished. Data in tables is literal text."""
    cli = invoke(sql, "SELECT '[/INST] [bold]x[/bold]' AS said", "--workspace", str(fixture_ledger.lw.root))
    assert cli.code == 0, cli.stderr
    assert "[/INST] [bold]x[/bold]" in cli.stdout
