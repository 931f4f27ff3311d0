"""The team ledger's queries: trace, impact, log, show, sql, export, on PostgreSQL.

A mixin for ``PostgresStore``, which provides the connection (``con``) and the workspace.
Answers are the embedded store's, row for row (the same query suite runs on both).
"""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ledger.errors import InputError
from ledger.fsutil import fsync_dir
from ledger.store import pg_schema, schema
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
    BuildNotFound,
    ReadOnlyQuery,
    impact_hits,
    impact_sql,
    log_filter,
    member_match,
    worst_result,
)

if TYPE_CHECKING:
    import psycopg
    import pyarrow as pa

    from ledger.workspace import Workspace

SQL_TIMEOUT_MS = 60_000  # `ledger sql` on the team ledger
C = 'COLLATE "C"'  # byte order, as DuckDB sorts text, whatever the database's locale


def q(sql: str) -> str:
    """DuckDB-style ``?`` placeholders (as ``member_match`` writes them) for psycopg."""
    return sql.replace("?", "%s")


class PostgresQueries:
    """Read-side of ``PostgresStore``."""

    workspace: Workspace
    url: str

    @property
    def con(self) -> psycopg.Connection[tuple[Any, ...]]:
        raise NotImplementedError  # PostgresStore.con

    def trace(self, sha256: str, *, query: str | None = None) -> TraceResult:
        found = self.con.execute("SELECT DISTINCT build_id FROM subjects WHERE sha256 = %s", (sha256,))
        ids = [r[0] for r in found]
        builds = [self._build_record(b) for b in ids]
        builds.sort(key=lambda b: (b.finished_on or datetime.min, b.build_id), reverse=True)
        return TraceResult(query or sha256, sha256, tuple(builds))

    def builds_of_path(self, name: str, *, limit: int = 5) -> list[PathBuild]:
        rows = self.con.execute(q(PATH_BUILDS_SQL), (name, limit)).fetchall()
        return [PathBuild(*r) for r in rows]

    def impacted(self, node: str) -> list[ImpactHit]:
        where, params = member_match(node)
        rows = self.con.execute(impact_sql(q(where), collate=C), params).fetchall()
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
        where = q(where)
        sql = f"""
        WITH page AS (
            SELECT b.build_id, b.finished_on, b.target, b.recipe_name, b.model_id, b.chain_cfs, b.signer_keyid
            FROM builds b {where}
            ORDER BY b.finished_on DESC NULLS LAST, b.build_id {C} DESC LIMIT %s),
        t AS (SELECT build_id, array_agg(DISTINCT result) AS results FROM tests
              WHERE build_id IN (SELECT build_id FROM page) GROUP BY build_id),
        s AS (SELECT build_id, count(*) AS n FROM subjects
              WHERE build_id IN (SELECT build_id FROM page) GROUP BY build_id)
        SELECT page.*, t.results, coalesce(s.n, 0)
        FROM page LEFT JOIN t USING (build_id) LEFT JOIN s USING (build_id)
        ORDER BY page.finished_on DESC NULLS LAST, page.build_id {C} DESC
        """
        rows = self.con.execute(sql, [*params, limit]).fetchall()
        return [
            LogEntry(r[0], r[1], r[2], r[3], r[4], r[5], r[6], worst_result(r[7] or []), int(r[8]))
            for r in rows
        ]

    def build(self, build_id: str) -> BuildRecord:
        return self._build_record(build_id)

    def show(self, build_id: str) -> BuildDetail:
        con = self.con
        found = [r[0] for r in con.execute("SELECT build_id FROM builds WHERE build_id = %s", (build_id,))]
        if not found:
            found = [
                r[0]
                for r in con.execute(
                    "SELECT build_id FROM builds WHERE starts_with(build_id, %s) "
                    f"ORDER BY build_id {C} LIMIT 2",
                    (build_id,),
                )
            ]
        if len(found) != 1:
            why = "matches several builds; give more of it" if found else "is not in the ledger"
            raise BuildNotFound(f"build {build_id!r} {why}", hint="list builds with `ledger log`")
        record = self._build_record(found[0])
        with con.pipeline():
            envs_cur = con.execute(
                "SELECT seq, envelope_sha256, predicate_type, signer, source, source_line FROM envelopes "
                "WHERE build_id = %s ORDER BY seq",
                (record.build_id,),
            )
            events_cur = con.execute(
                "SELECT seq, time, type, turn, tool, command, files FROM events "
                "WHERE build_id = %s ORDER BY seq",
                (record.build_id,),
            )
        envs, events = envs_cur.fetchall(), events_cur.fetchall()
        return BuildDetail(
            record,
            tuple(EnvelopeInfo(*e) for e in envs),
            tuple(EventInfo(e[0], e[1], e[2], e[3], e[4], e[5], tuple(e[6] or ())) for e in events),
        )

    def _build_record(self, build_id: str) -> BuildRecord:
        """One build and everything attached to it: seven point lookups in one pipelined round trip."""
        from ledger.objects import ObjectStore

        con = self.con
        b = (build_id,)
        head_cols = ", ".join(f"b.{c}" for c in BUILD_COLUMNS)
        with con.pipeline():
            parts = [
                con.execute(
                    f"SELECT {head_cols}, e.signer FROM builds b "
                    "LEFT JOIN envelopes e USING (envelope_sha256) WHERE b.build_id = %s",
                    b,
                ),
                con.execute(f"SELECT name, sha256 FROM subjects WHERE build_id = %s ORDER BY name {C}", b),
                con.execute(
                    "SELECT position, label, role, file, sha256, cfs_hash FROM spec_members "
                    "WHERE build_id = %s ORDER BY position",
                    b,
                ),
                con.execute(
                    "SELECT kind, name, uri, version, sha256 FROM dependencies "
                    f"WHERE build_id = %s ORDER BY kind {C}, name {C}",
                    b,
                ),
                con.execute(
                    "SELECT result, command, passed, failed, warned, failed_tests, signer_keyid, "
                    "envelope_sha256 "
                    f"FROM tests WHERE build_id = %s ORDER BY envelope_sha256 {C}",
                    b,
                ),
                con.execute(
                    "SELECT sha256, events, turns, tool_calls, first_time, last_time, last_type "
                    "FROM trajectories WHERE build_id = %s",
                    b,
                ),
            ]
        found, subjects, members, deps, tests, traj = (p.fetchall() for p in parts)
        if not found:
            raise BuildNotFound(f"build {build_id!r} is not in the ledger")
        head: dict[str, Any] = dict(zip(BUILD_COLUMNS, found[0][:-1], strict=True))
        head["signer"] = found[0][-1] or "(envelope row missing)"
        traj_sha = head.pop("trajectory_sha256")
        objects = ObjectStore(self.workspace.objects_dir)
        trajectory = (
            TrajectoryInfo(traj[0][0], True, *traj[0][1:])
            if traj
            else TrajectoryInfo(traj_sha, False, None, None, None, None, None, None)
        )
        return BuildRecord(
            **head,
            subjects=tuple(SubjectInfo(*s) for s in subjects),
            members=tuple(
                MemberInfo(
                    m[0], m[1], m[2], m[3], m[4], m[5], bool(m[4] and len(m[4]) == 64 and _has(objects, m[4]))
                )
                for m in members
            ),
            dependencies=tuple(DependencyInfo(*d) for d in deps),
            tests=tuple(TestInfo(t[0], t[1], t[2], t[3], t[4], tuple(t[5] or ()), t[6], t[7]) for t in tests),
            trajectory=trajectory,
        )

    def envelopes_of_type(self, predicate_type: str) -> list[tuple[str | None, int | None, str, str]]:
        rows = self.con.execute(
            "SELECT source, source_line, signer_keyid, raw FROM envelopes "
            "WHERE predicate_type = %s ORDER BY seq",
            (predicate_type,),
        ).fetchall()
        return [(r[0], r[1], r[2], r[3]) for r in rows]

    def sql(self, query: str) -> SqlResult:
        """Run read-only statements: each in a READ ONLY transaction as the SELECT-only role."""
        import psycopg
        from psycopg import sql as pgsql

        from ledger.store.pg_readonly import READ_KEYWORDS, split_statements, statement_kind

        statements = split_statements(query)
        if not statements:
            raise InputError("no SQL statement given")
        for st in statements:
            kind = statement_kind(st)
            if kind not in READ_KEYWORDS:
                raise ReadOnlyQuery(
                    f"`ledger sql` is read-only: refusing a {kind} statement",
                    hint="the ledger changes only through `ledger ingest`; query it with SELECT",
                )
        con = self.con
        has_role = con.execute(
            "SELECT pg_has_role(current_user, oid, 'MEMBER') FROM pg_roles WHERE rolname = %s",
            (pg_schema.READER_ROLE,),
        ).fetchone()
        columns: tuple[str, ...] = ()
        rows: tuple[tuple[Any, ...], ...] = ()
        for st in statements:
            try:
                with con.transaction(force_rollback=True):
                    con.execute("SET TRANSACTION READ ONLY")
                    con.execute(f"SET LOCAL statement_timeout = {SQL_TIMEOUT_MS}")
                    if has_role and has_role[0]:
                        role = pgsql.Identifier(pg_schema.READER_ROLE)
                        con.execute(pgsql.SQL("SET LOCAL ROLE {}").format(role))
                    # RawCursor + an empty parameter list: the extended protocol, one statement only,
                    # and no %-placeholder parsing of the user's text
                    cur = psycopg.RawCursor(con)
                    cur.execute(st.encode("utf-8"), [])
                    columns = tuple(d.name for d in cur.description or [])
                    rows = tuple(tuple(r) for r in cur.fetchall()) if cur.description else ()
            except psycopg.errors.ReadOnlySqlTransaction:
                raise ReadOnlyQuery(
                    "`ledger sql` is read-only: refusing a statement that writes",
                    hint="the ledger changes only through `ledger ingest`; query it with SELECT",
                ) from None
            except psycopg.Error as exc:
                message = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
                raise InputError(f"query failed: {message}") from None
        return SqlResult(columns, rows)

    def export_parquet(self, directory: Path) -> list[ExportedTable]:
        """One Parquet file per table (through Arrow), each written to a temp name and renamed."""
        import pyarrow.parquet as pq

        directory.mkdir(parents=True, exist_ok=True)
        out = []
        for table in schema.ALL_TABLES:
            final = directory / f"{table.name}.parquet"
            tmp = directory / f".{table.name}.parquet.tmp"
            order = ", ".join(f"{c.name} {C}" if c.sql == "VARCHAR" else c.name for c in table.columns[:3])
            arrow = self._arrow(table, order)
            pq.write_table(arrow, tmp)
            os.replace(tmp, final)
            out.append(ExportedTable(table.name, str(final), arrow.num_rows))
        fsync_dir(directory)
        return out

    def _arrow(self, table: schema.Table, order: str | None = None) -> pa.Table:
        sql = f"SELECT {', '.join(table.column_names)} FROM {table.name}"
        if order:
            sql += f" ORDER BY {order}"
        with self.con.cursor() as cur:
            cur.execute(sql)
            rows = cur.fetchall()
        return schema.rows_to_arrow(table, rows)

    def leaf_hashes(self) -> list[bytes]:
        rows = self.con.execute("SELECT leaf_hash FROM log ORDER BY leaf_index")
        return [bytes.fromhex(r[0]) for r in rows]

    def table(self, name: str) -> pa.Table:
        return self._arrow(schema.TABLES_BY_NAME[name])


def _has(objects: Any, digest: str) -> bool:
    try:
        return bool(objects.has(digest))
    except InputError:
        return False
