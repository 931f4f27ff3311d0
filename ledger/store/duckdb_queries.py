"""The DuckDB ledger's queries: trace, impact, log, show, sql, export.

A mixin for ``DuckDBStore``, which provides the connections (``reader``) and the workspace;
every query runs on a read-only connection under the shared lock (or in a ``session``).
"""

from __future__ import annotations

import contextlib
import os
import re
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ledger.errors import InputError
from ledger.fsutil import fsync_dir
from ledger.store import schema
from ledger.store.model import (
    BuildDetail,
    BuildRecord,
    DependencyInfo,
    EnvelopeInfo,
    EventInfo,
    ExportedTable,
    ImpactHit,
    LogEntry,
    MemberInfo,
    PathBuild,
    SqlResult,
    SubjectInfo,
    TestInfo,
    TraceResult,
    TrajectoryInfo,
)
from ledger.store.queries import (
    BUILD_COLUMNS,
    PATH_BUILDS_SQL,
    READ_ONLY_TYPES,
    BuildNotFound,
    ReadOnlyQuery,
    impact_hits,
    impact_sql,
    log_filter,
    member_match,
    worst_result,
)

if TYPE_CHECKING:
    import duckdb
    import pyarrow as pa

    from ledger.workspace import Workspace


class DuckDBQueries:
    """Read-side of ``DuckDBStore``."""

    workspace: Workspace

    def reader(
        self, *, sandboxed: bool = False, files: bool = False
    ) -> contextlib.AbstractContextManager[duckdb.DuckDBPyConnection]:
        raise NotImplementedError  # DuckDBStore.reader

    def trace(self, sha256: str, *, query: str | None = None) -> TraceResult:
        with self.reader() as con:
            ids = [
                r[0]
                for r in con.execute(
                    "SELECT DISTINCT build_id FROM subjects WHERE sha256 = ?", [sha256]
                ).fetchall()
            ]
            builds = [_build_record(con, self.workspace, b) for b in ids]
        builds.sort(key=lambda b: (b.finished_on or datetime.min, b.build_id), reverse=True)
        return TraceResult(query or sha256, sha256, tuple(builds))

    def builds_of_path(self, name: str, *, limit: int = 5) -> list[PathBuild]:
        with self.reader() as con:
            rows = con.execute(PATH_BUILDS_SQL, [name, limit]).fetchall()
        return [PathBuild(*r) for r in rows]

    def impacted(self, node: str) -> list[ImpactHit]:
        where, params = member_match(node)
        with self.reader() as con:
            rows = con.execute(impact_sql(where), params).fetchall()
        return impact_hits(rows)

    def log(
        self,
        *,
        since: datetime | None = None,
        model: str | None = None,
        spec: str | None = None,
        signer: str | None = None,
        limit: int = 50,
    ) -> list[LogEntry]:
        where, params = log_filter(since=since, model=model, spec=spec, signer=signer)
        sql = f"""
        WITH page AS (
            SELECT b.build_id, b.finished_on, b.target, b.recipe_name, b.model_id, b.chain_cfs, b.signer_keyid
            FROM builds b {where}
            ORDER BY b.finished_on DESC NULLS LAST, b.build_id DESC LIMIT ?),
        t AS (SELECT build_id, list(DISTINCT result) AS results FROM tests
              WHERE build_id IN (SELECT build_id FROM page) GROUP BY build_id),
        s AS (SELECT build_id, count(*) AS n FROM subjects
              WHERE build_id IN (SELECT build_id FROM page) GROUP BY build_id)
        SELECT page.*, t.results, coalesce(s.n, 0)
        FROM page LEFT JOIN t USING (build_id) LEFT JOIN s USING (build_id)
        ORDER BY page.finished_on DESC NULLS LAST, page.build_id DESC
        """
        with self.reader() as con:
            rows = con.execute(sql, [*params, limit]).fetchall()
        return [
            LogEntry(r[0], r[1], r[2], r[3], r[4], r[5], r[6], worst_result(r[7] or []), int(r[8]))
            for r in rows
        ]

    def build(self, build_id: str) -> BuildRecord:
        with self.reader() as con:
            return _build_record(con, self.workspace, build_id)

    def show(self, build_id: str) -> BuildDetail:
        with self.reader() as con:
            found = [
                r[0]
                for r in con.execute("SELECT build_id FROM builds WHERE build_id = ?", [build_id]).fetchall()
            ]
            if not found:
                found = [
                    r[0]
                    for r in con.execute(
                        "SELECT build_id FROM builds WHERE starts_with(build_id, ?) "
                        "ORDER BY build_id LIMIT 2",
                        [build_id],
                    ).fetchall()
                ]
            if len(found) != 1:
                why = "matches several builds; give more of it" if found else "is not in the ledger"
                raise BuildNotFound(f"build {build_id!r} {why}", hint="list builds with `ledger log`")
            record = _build_record(con, self.workspace, found[0])
            envs = con.execute(
                "SELECT seq, envelope_sha256, predicate_type, signer, source, source_line FROM envelopes "
                "WHERE build_id = ? ORDER BY seq",
                [record.build_id],
            ).fetchall()
            events = con.execute(
                "SELECT seq, time, type, turn, tool, command, files FROM events "
                "WHERE build_id = ? ORDER BY seq",
                [record.build_id],
            ).fetchall()
        return BuildDetail(
            record,
            tuple(EnvelopeInfo(*e) for e in envs),
            tuple(EventInfo(e[0], e[1], e[2], e[3], e[4], e[5], tuple(e[6] or ())) for e in events),
        )

    def envelopes_of_type(self, predicate_type: str) -> list[tuple[str | None, int | None, str, str]]:
        with self.reader() as con:
            rows = con.execute(
                "SELECT source, source_line, signer_keyid, raw FROM envelopes "
                "WHERE predicate_type = ? ORDER BY seq",
                [predicate_type],
            ).fetchall()
        return [(r[0], r[1], r[2], r[3]) for r in rows]

    def sql(self, query: str) -> SqlResult:
        """Run a read-only query: writes, ATTACH, COPY and file access are refused."""
        import duckdb

        with self.reader(sandboxed=True) as con:
            try:
                statements = con.extract_statements(query)
            except duckdb.Error as exc:
                raise InputError(f"SQL does not parse: {exc}") from None
            if not statements:
                raise InputError("no SQL statement given")
            for st in statements:
                kind = st.type.name
                if kind not in READ_ONLY_TYPES:
                    raise ReadOnlyQuery(
                        f"`ledger sql` is read-only: refusing a {kind} statement",
                        hint="the ledger changes only through `ledger ingest`; query it with SELECT",
                    )
            try:
                result = None
                for st in statements:
                    result = con.execute(st.query)
                assert result is not None
                columns = tuple(d[0] for d in result.description or [])
                rows = tuple(tuple(r) for r in result.fetchall())
            except duckdb.Error as exc:
                raise InputError(f"query failed: {exc}") from None
        return SqlResult(columns, rows)

    def export_parquet(self, directory: Path) -> list[ExportedTable]:
        """One Parquet file per table, each written to a temp name and renamed into place."""
        directory.mkdir(parents=True, exist_ok=True)
        out = []
        with self.reader(files=True) as con:
            for table in schema.ALL_TABLES:
                final = directory / f"{table.name}.parquet"
                tmp = directory / f".{table.name}.parquet.tmp"
                order = ", ".join(table.column_names[:3])
                target = str(tmp).replace("'", "''")
                run(
                    con, f"COPY (SELECT * FROM {table.name} ORDER BY {order}) TO '{target}' (FORMAT parquet)"
                )
                os.replace(tmp, final)
                rows = scalar(con, f"SELECT count(*) FROM {table.name}")
                out.append(ExportedTable(table.name, str(final), rows))
        fsync_dir(directory)
        return out

    def leaf_hashes(self) -> list[bytes]:
        with self.reader() as con:
            return [
                bytes.fromhex(r[0])
                for r in con.execute("SELECT leaf_hash FROM log ORDER BY leaf_index").fetchall()
            ]

    def table(self, name: str) -> pa.Table:
        table = schema.TABLES_BY_NAME[name]
        with self.reader() as con:
            return con.sql(f"SELECT {', '.join(table.column_names)} FROM {table.name}").to_arrow_table()


_HEX = re.compile(r"[0-9a-f]{64}")


_BUILD_QUERY = f"""
SELECT
  (SELECT list(struct_pack({", ".join(BUILD_COLUMNS)})) FROM builds WHERE build_id = $b),
  (SELECT list(struct_pack(name, sha256) ORDER BY name) FROM subjects WHERE build_id = $b),
  (SELECT list(struct_pack(position, label, role, file, sha256, cfs_hash) ORDER BY position)
     FROM spec_members WHERE build_id = $b),
  (SELECT list(struct_pack(kind, name, uri, version, sha256) ORDER BY kind, name)
     FROM dependencies WHERE build_id = $b),
  (SELECT list(struct_pack(result, command, passed, failed, warned, failed_tests, signer_keyid,
                           envelope_sha256) ORDER BY envelope_sha256) FROM tests WHERE build_id = $b),
  (SELECT list(struct_pack(sha256, events, turns, tool_calls, first_time, last_time, last_type))
     FROM trajectories WHERE build_id = $b)
"""


def _build_record(con: duckdb.DuckDBPyConnection, workspace: Workspace, build_id: str) -> BuildRecord:
    """One build and everything attached to it, in one round trip: each part is a point
    lookup on an ART index; DuckDB's per-statement overhead (~1 ms) dominates otherwise."""
    from ledger.objects import ObjectStore

    found, subjects, members, deps, tests, traj = con.execute(_BUILD_QUERY, {"b": build_id}).fetchall()[0]
    if not found:
        raise BuildNotFound(f"build {build_id!r} is not in the ledger")
    head: dict[str, Any] = dict(found[0])
    traj_sha = head.pop("trajectory_sha256")
    signer = con.execute(
        "SELECT signer FROM envelopes WHERE envelope_sha256 = ?", [head["envelope_sha256"]]
    ).fetchall()
    head["signer"] = signer[0][0] if signer else "(envelope row missing)"
    objects = ObjectStore(workspace.objects_dir)
    trajectory = (
        TrajectoryInfo(traj[0]["sha256"], True, *list(traj[0].values())[1:])
        if traj
        else TrajectoryInfo(traj_sha, False, None, None, None, None, None, None)
    )
    return BuildRecord(
        **head,
        subjects=tuple(SubjectInfo(x["name"], x["sha256"]) for x in subjects or ()),
        members=tuple(
            MemberInfo(
                **m,
                text_stored=bool(m["sha256"] and _HEX.fullmatch(m["sha256"]) and objects.has(m["sha256"])),
            )
            for m in members or ()
        ),
        dependencies=tuple(DependencyInfo(**d) for d in deps or ()),
        tests=tuple(TestInfo(**{**t, "failed_tests": tuple(t["failed_tests"] or ())}) for t in tests or ()),
        trajectory=trajectory,
    )


def run(con: duckdb.DuckDBPyConnection, sql: str, params: Sequence[Any] | None = None) -> None:
    """Execute a statement and drain its result (DuckDB refuses new work while one is pending)."""
    con.execute(sql, params).fetchall()


def scalar(con: duckdb.DuckDBPyConnection, sql: str) -> int:
    rows = con.execute(sql).fetchall()
    return int(rows[0][0]) if rows and rows[0][0] is not None else 0
