"""The team ledger: the same tables, ingest, queries and audit on a PostgreSQL database.

Selected by ``[store] url = "postgresql://…"``. Verification and row derivation are the
embedded store's (``verifier`` → ``derive``), run on the writer's machine before it touches
the database; only verified rows reach PostgreSQL. Many CI runners may ingest at once: each
batch is one transaction that first takes a transaction-level advisory lock, so the envelope
sequence (= Merkle leaf index) stays dense and ordered, a duplicate is seen and skipped rather
than inserted twice, and a crashed writer's lock dies with its session. Unique indexes on the
idempotency keys back this up. Rows go in with ``COPY``; reads use psycopg's pipeline mode so a
``trace`` costs one network round trip per build, not one per part.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator, Sequence
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ledger.errors import ConfigError, InputError, StoreError
from ledger.fsutil import fsync_dir
from ledger.store import pg_schema, pg_write, schema
from ledger.store.model import (
    BuildDetail,
    BuildRecord,
    DependencyInfo,
    EnvelopeInfo,
    EventInfo,
    ExportedTable,
    ImpactHit,
    IngestReport,
    LogEntry,
    MemberInfo,
    Rejection,
    SqlResult,
    SubjectInfo,
    TestInfo,
    TraceResult,
    TrajectoryInfo,
)
from ledger.store.queries import (
    BUILD_COLUMNS,
    BuildNotFound,
    ReadOnlyQuery,
    member_match,
    worst_result,
)

if TYPE_CHECKING:
    import psycopg
    import pyarrow as pa

    from ledger.attest.policy import TrustPolicy
    from ledger.store.interface import Progress
    from ledger.store.verifier import AttestationFile, ChunkResult, Item, RawLine
    from ledger.workspace import Workspace

BATCH_ENVELOPES = 20_000
SQL_TIMEOUT_MS = 60_000
_PROV = "https://slsa.dev/provenance/v1"
_C = 'COLLATE "C"'  # byte order, as DuckDB sorts text, whatever the database's locale


def _q(sql: str) -> str:
    """DuckDB-style ``?`` placeholders (as ``member_match`` writes them) for psycopg."""
    return sql.replace("?", "%s")


class PostgresStore:
    """``Store`` on a PostgreSQL database; ``policy`` defaults to the workspace's ``[trust]``."""

    def __init__(
        self,
        workspace: Workspace,
        *,
        url: str,
        policy: TrustPolicy | None = None,
        workers: int | None = None,
        batch_envelopes: int = BATCH_ENVELOPES,
    ) -> None:
        self.workspace = workspace
        self.url = pg_schema.check_url(url)
        self._policy = policy
        self.workers = workers
        self.batch_envelopes = batch_envelopes
        self._con: psycopg.Connection[tuple[Any, ...]] | None = None
        self._schema_ready = False

    def __repr__(self) -> str:
        return f"PostgresStore({pg_schema.redact(self.url)})"

    @property
    def policy(self) -> TrustPolicy:
        if self._policy is None:
            from ledger.attest.policy import load_trust_policy

            self._policy = load_trust_policy(self.workspace)
        return self._policy

    # ------------------------------------------------------------------ connections

    def connect(self) -> psycopg.Connection[tuple[Any, ...]]:
        """A new autocommit connection (transactions are explicit); errors name the redacted URL."""
        import psycopg

        try:
            return psycopg.connect(self.url, autocommit=True, application_name="spec-ledger")
        except psycopg.Error as exc:
            reason = str(exc).strip().splitlines()[-1] if str(exc).strip() else type(exc).__name__
            raise StoreError(
                f"cannot connect to the team ledger {pg_schema.redact(self.url)}: {reason}",
                hint="check [store] url, that the server runs, and PGPASSWORD / ~/.pgpass",
            ) from None

    @property
    def con(self) -> psycopg.Connection[tuple[Any, ...]]:
        """The store's shared connection for reads (opened on first use, schema ensured)."""
        if self._con is None or self._con.closed:
            self._con = self.connect()
            self._ensure_schema(self._con)
        return self._con

    def close(self) -> None:
        if self._con is not None:
            self._con.close()
            self._con = None

    def __enter__(self) -> PostgresStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextlib.contextmanager
    def session(self) -> Iterator[PostgresStore]:
        """Same shape as ``DuckDBStore.session``: queries share one connection until the end."""
        try:
            yield self
        finally:
            self.close()

    def _ensure_schema(self, con: psycopg.Connection[tuple[Any, ...]]) -> None:
        """Create what is missing, once per store, serialised so concurrent first writers agree."""
        if self._schema_ready:
            return
        import psycopg

        names = [t.name for t in schema.ALL_TABLES] + ["objects"]
        present = con.execute(
            "SELECT count(*) FROM pg_tables WHERE schemaname = current_schema() AND tablename = ANY(%s)",
            (names,),
        ).fetchone()
        if present and present[0] == len(names):
            # already set up: a reader without CREATE rights (an auditor) must not need DDL
            self._schema_ready = True
            return
        try:
            with con.transaction():
                con.execute("SELECT pg_advisory_xact_lock(%s)", (pg_schema.SCHEMA_LOCK,))
                for statement in pg_schema.create_statements():
                    con.execute(statement)
                con.execute(
                    "INSERT INTO meta (key, value) VALUES ('schema_version', %s) "
                    "ON CONFLICT (key) DO NOTHING",
                    (str(schema.SCHEMA_VERSION),),
                )
            self._ensure_reader_role(con)
        except psycopg.Error as exc:
            raise StoreError(f"cannot set up the team ledger schema: {exc}".strip()) from None
        self._schema_ready = True

    def _ensure_reader_role(self, con: psycopg.Connection[tuple[Any, ...]]) -> None:
        """A NOLOGIN role with SELECT on the ledger tables, for ``sql``; skipped without CREATEROLE."""
        import psycopg
        from psycopg import sql

        role = sql.Identifier(pg_schema.READER_ROLE)
        tables = sql.SQL(", ").join(sql.Identifier(t.name) for t in schema.ALL_TABLES)
        try:
            with con.transaction():
                con.execute("SELECT pg_advisory_xact_lock(%s)", (pg_schema.SCHEMA_LOCK,))
                exists = con.execute(
                    "SELECT 1 FROM pg_roles WHERE rolname = %s", (pg_schema.READER_ROLE,)
                ).fetchone()
                if not exists:
                    con.execute(sql.SQL("CREATE ROLE {} NOLOGIN").format(role))
                con.execute(sql.SQL("GRANT {} TO CURRENT_USER").format(role))
                con.execute(sql.SQL("GRANT USAGE ON SCHEMA public TO {}").format(role))
                con.execute(sql.SQL("GRANT SELECT ON {} TO {}").format(tables, role))
        except psycopg.errors.InsufficientPrivilege:
            pass  # `sql` still runs READ ONLY; the role only adds "no server-side file access"
        except (
            psycopg.errors.DuplicateObject,
            psycopg.errors.UniqueViolation,
            psycopg.errors.InternalError_,
        ):
            pass  # roles are cluster-wide: a writer on another database created it at the same moment

    # ------------------------------------------------------------------ ingest

    def _collect(self, paths: Sequence[Path]) -> list[AttestationFile]:
        from ledger.store.verifier import collect_files

        return collect_files(self.workspace.root, paths)

    def ingest(
        self,
        paths: Sequence[Path],
        *,
        quarantine: bool = False,
        progress: Progress | None = None,
        order: dict[str, int] | None = None,
        single_batch: bool = False,
        extra: Sequence[RawLine] = (),
        replace: bool = False,
    ) -> IngestReport:
        """Verify every envelope first (no connection held), then append batch by batch.

        ``extra`` lines are verified and added like file lines; ``replace`` (reindex) empties
        the derived tables inside the same transaction that refills them.
        """
        from ledger.store.verifier import check_lines, key_material

        files = self._collect(paths)
        items: list[Item] = [*extra, *files]
        policy = self.policy
        if not policy.keys and not quarantine and items:
            raise ConfigError(
                "the trust policy lists no keys, so every envelope would be rejected",
                file=str(self.workspace.config_path),
                hint='add [[trust.keys]] path = "keys/<name>.pub", or pass --quarantine',
            )
        keys = key_material(policy, self.workspace)
        objects = self.workspace.objects_dir
        totals = {"accepted": 0, "duplicates": 0, "quarantined": 0, "builds": 0, "texts": 0}
        rejected: list[Rejection] = []
        batch: list[ChunkResult] = []
        in_batch = done = envelopes = 0
        one_batch = single_batch or replace
        if progress:
            progress(0, len(items))
        root = objects if objects.is_dir() else None
        wrote = False
        import psycopg

        try:
            with contextlib.closing(self.connect()) as con:
                self._ensure_schema(con)
                for chunk in check_lines(items, keys, root, workers=self.workers):
                    batch.append(chunk)
                    in_batch += len(chunk.outcomes)
                    envelopes += len(chunk.outcomes)
                    done += chunk.items
                    if progress:
                        progress(done, len(items))
                    if in_batch >= self.batch_envelopes and not one_batch:
                        self._write_batch(con, batch, quarantine, order, totals, rejected, replace)
                        batch, in_batch, wrote = [], 0, True
                if batch or (replace and not wrote):  # reindex of nothing still empties the tables
                    self._write_batch(con, batch, quarantine, order, totals, rejected, replace)
                row = con.execute("SELECT count(*) FROM log").fetchone()
        except psycopg.Error as exc:
            # the batch's transaction rolled back: the ledger is as before it
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise StoreError(
                f"the team ledger {pg_schema.redact(self.url)} refused the ingest: {first}",
                hint="committed batches stay; re-run to resume (ingest is idempotent)",
            ) from None
        return IngestReport(
            files=len(files),
            envelopes=envelopes,
            accepted=totals["accepted"],
            duplicates=totals["duplicates"],
            rejected=tuple(rejected),
            quarantined=totals["quarantined"],
            builds=totals["builds"],
            spec_texts_stored=totals["texts"],
            tree_size=int(row[0]) if row else 0,
        )

    def _write_batch(
        self,
        con: psycopg.Connection[tuple[Any, ...]],
        chunks: list[ChunkResult],
        quarantine: bool,
        order: dict[str, int] | None,
        totals: dict[str, int],
        rejected: list[Rejection],
        replace: bool,
    ) -> None:
        from ledger.store.duckdb_store import DuckDBStore
        from ledger.store.verifier import Failed, sort_outcomes

        batch = sort_outcomes(chunks, order)
        accepted, failed, repeated = batch.accepted, batch.failed, batch.repeated
        totals["duplicates"] += batch.duplicates
        # spec texts go to the local object store, exactly as the embedded store keeps them
        totals["texts"] += DuckDBStore._store_spec_texts(self, accepted)  # type: ignore[arg-type]  # uses .workspace only

        with con.transaction():
            con.execute("SELECT pg_advisory_xact_lock(%s)", (pg_schema.APPEND_LOCK,))
            if replace:
                names = ", ".join(t.name for t in (*schema.DERIVED, schema.LOG, schema.QUARANTINE))
                con.execute(f"TRUNCATE {names}")
            shas = [a.envelope_sha256 for a in accepted]
            existing = {
                r[0]
                for r in con.execute(
                    "SELECT envelope_sha256 FROM envelopes WHERE envelope_sha256 = ANY(%s)", (shas,)
                )
            }
            fresh = [a for a in accepted if a.envelope_sha256 not in existing]
            totals["duplicates"] += len(accepted) - len(fresh)
            fresh, conflicts = pg_write.drop_conflicts(con, fresh)
            for a, why in conflicts:
                failed.append(Failed(a.source, a.line, why, a.envelope_sha256, None, ""))
            row = con.execute("SELECT coalesce(max(seq) + 1, 0) FROM envelopes").fetchone()
            base = int(row[0]) if row else 0
            seq_of = {a.envelope_sha256: base + i for i, a in enumerate(fresh)}
            pg_write.insert_rows(con, chunks, fresh, seq_of, repeated=repeated)
            totals["accepted"] += len(fresh)
            totals["builds"] += sum(1 for a in fresh if a.predicate_type == _PROV)
            for f in failed:
                rejected.append(Rejection(f"{f.source}:{f.line}", f.reason, f.envelope_sha256))
            if quarantine:
                totals["quarantined"] += pg_write.quarantine_failed(con, [f for f in failed if f.raw])

    def reindex(self, *, quarantine: bool = False, progress: Progress | None = None) -> IngestReport:
        """Re-verify every stored envelope (plus the workspace's attestations) and rebuild every
        derived table from them in one transaction, keeping the log order so checkpoints hold.

        On a shared ledger the stored envelopes are the evidence; an envelope that no longer
        verifies under today's trust policy drops out (and is reported).
        """
        from ledger.store.verifier import RawLine

        con = self.con
        stored = con.execute(
            "SELECT e.source, e.source_line, e.raw, l.leaf_index, e.envelope_sha256 "
            "FROM envelopes e LEFT JOIN log l USING (envelope_sha256) ORDER BY e.seq"
        ).fetchall()
        order = {r[4]: int(r[3] if r[3] is not None else i) for i, r in enumerate(stored)}
        extra = [RawLine(r[0] or "(team ledger)", int(r[1] or 0), r[2].encode("utf-8")) for r in stored]
        adir = self.workspace.attestations_dir
        return self.ingest(
            [adir] if adir.is_dir() else [],
            quarantine=quarantine,
            progress=progress,
            order=order,
            extra=extra,
            replace=True,
        )

    # ------------------------------------------------------------------ queries

    def trace(self, sha256: str, *, query: str | None = None) -> TraceResult:
        found = self.con.execute("SELECT DISTINCT build_id FROM subjects WHERE sha256 = %s", (sha256,))
        ids = [r[0] for r in found]
        builds = [self._build_record(b) for b in ids]
        builds.sort(key=lambda b: (b.finished_on or datetime.min, b.build_id), reverse=True)
        return TraceResult(query or sha256, sha256, tuple(builds))

    def impacted(self, node: str) -> list[ImpactHit]:
        where, params = member_match(node)
        sql = f"""
        WITH hit AS (
            SELECT build_id, array_agg(label ORDER BY position) AS labels
            FROM spec_members WHERE {_q(where)} GROUP BY build_id),
        art AS (
            SELECT s.name, s.sha256, b.build_id, b.target, b.chain_cfs, b.chain_sha256, b.finished_on
            FROM hit JOIN subjects s USING (build_id) JOIN builds b USING (build_id)),
        newest AS (
            SELECT s.name, max(b.finished_on) AS newest
            FROM subjects s JOIN builds b USING (build_id)
            WHERE s.name IN (SELECT name FROM art) GROUP BY s.name)
        SELECT art.name, art.sha256, art.build_id, art.target, art.chain_cfs, art.chain_sha256,
               art.finished_on, hit.labels,
               coalesce(art.finished_on >= newest.newest, newest.newest IS NULL) AS latest
        FROM art JOIN hit USING (build_id) LEFT JOIN newest USING (name)
        ORDER BY art.name {_C}, art.finished_on DESC NULLS LAST, art.build_id {_C}
        """
        rows = self.con.execute(sql, params).fetchall()
        return [ImpactHit(r[0], r[1], r[2], r[3], r[4], r[5], r[6], tuple(r[7]), bool(r[8])) for r in rows]

    def log(
        self,
        *,
        since: datetime | None = None,
        model: str | None = None,
        spec: str | None = None,
        signer: str | None = None,
        limit: int = 50,
    ) -> list[LogEntry]:
        conds: list[str] = []
        params: list[Any] = []
        if since is not None:
            conds.append("b.finished_on >= %s")
            params.append(since)
        if model is not None:
            conds.append("(b.model_id = %s OR b.model_provider || '/' || b.model_id = %s)")
            params += [model, model]
        if signer is not None:
            conds.append("starts_with(b.signer_keyid, %s)")
            params.append(signer)
        if spec is not None:
            where, extra = member_match(spec)
            conds.append(f"b.build_id IN (SELECT build_id FROM spec_members WHERE {_q(where)})")
            params += extra
        sql = f"""
        WITH page AS (
            SELECT b.build_id, b.finished_on, b.target, b.recipe_name, b.model_id, b.chain_cfs, b.signer_keyid
            FROM builds b {"WHERE " + " AND ".join(conds) if conds else ""}
            ORDER BY b.finished_on DESC NULLS LAST, b.build_id {_C} DESC LIMIT %s),
        t AS (SELECT build_id, array_agg(DISTINCT result) AS results FROM tests
              WHERE build_id IN (SELECT build_id FROM page) GROUP BY build_id),
        s AS (SELECT build_id, count(*) AS n FROM subjects
              WHERE build_id IN (SELECT build_id FROM page) GROUP BY build_id)
        SELECT page.*, t.results, coalesce(s.n, 0)
        FROM page LEFT JOIN t USING (build_id) LEFT JOIN s USING (build_id)
        ORDER BY page.finished_on DESC NULLS LAST, page.build_id {_C} DESC
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
                    f"ORDER BY build_id {_C} LIMIT 2",
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
                con.execute(f"SELECT name, sha256 FROM subjects WHERE build_id = %s ORDER BY name {_C}", b),
                con.execute(
                    "SELECT position, label, role, file, sha256, cfs_hash FROM spec_members "
                    "WHERE build_id = %s ORDER BY position",
                    b,
                ),
                con.execute(
                    "SELECT kind, name, uri, version, sha256 FROM dependencies "
                    f"WHERE build_id = %s ORDER BY kind {_C}, name {_C}",
                    b,
                ),
                con.execute(
                    "SELECT result, command, passed, failed, warned, failed_tests, signer_keyid, "
                    "envelope_sha256 "
                    f"FROM tests WHERE build_id = %s ORDER BY envelope_sha256 {_C}",
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
            order = ", ".join(f"{c.name} {_C}" if c.sql == "VARCHAR" else c.name for c in table.columns[:3])
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

    def record_checkpoint(self, tree_size: int, root_hash: str, origin: str, note: str, file: str) -> None:
        with self.con.transaction():
            self.con.execute(
                "INSERT INTO checkpoints SELECT %s, %s, %s, %s, %s, (now() AT TIME ZONE 'UTC')::timestamp "
                "WHERE NOT EXISTS (SELECT 1 FROM checkpoints WHERE note = %s)",
                (tree_size, root_hash, origin, note, file, note),
            )

    # ------------------------------------------------------------------ objects (push / pull)

    def missing_objects(self, digests: Sequence[str]) -> list[str]:
        """Which of ``digests`` the team ledger does not hold yet."""
        if not digests:
            return []
        present = {
            bytes(r[0]).hex()
            for r in self.con.execute(
                "SELECT sha256 FROM objects WHERE sha256 = ANY(%s)", ([bytes.fromhex(d) for d in digests],)
            )
        }
        return [d for d in digests if d not in present]

    def put_objects(self, blobs: Sequence[tuple[str, bytes]]) -> int:
        """Insert blobs (digest, bytes) not there yet, in one transaction; returns how many were new.

        Callers check each blob hashes to its digest; the database checks it again below."""
        from ledger.digest import sha256_hex

        for digest, data in blobs:
            if sha256_hex(data) != digest:
                raise StoreError(f"object {digest[:12]}… does not hash to its name; refusing to upload it")
        con = self.con
        with con.transaction(), con.cursor() as cur:
            cur.executemany(
                "INSERT INTO objects (sha256, size, data) SELECT sha256(d), length(d), d "
                "FROM (SELECT %s::bytea AS d) AS blob WHERE sha256(d) = %s "
                "ON CONFLICT (sha256) DO NOTHING RETURNING 1",
                [(data, bytes.fromhex(d)) for d, data in blobs],
                returning=True,
            )
            new = 0
            while True:
                new += len(cur.fetchall())
                if not cur.nextset():
                    break
        return new

    def object_digests(self) -> list[str]:
        return [bytes(r[0]).hex() for r in self.con.execute("SELECT sha256 FROM objects ORDER BY sha256")]

    def get_objects(self, digests: Sequence[str]) -> list[tuple[str, bytes]]:
        rows = self.con.execute(
            "SELECT sha256, data FROM objects WHERE sha256 = ANY(%s)", ([bytes.fromhex(d) for d in digests],)
        )
        return [(bytes(r[0]).hex(), bytes(r[1])) for r in rows]

    def envelope_digests(self) -> list[str]:
        return [r[0] for r in self.con.execute("SELECT envelope_sha256 FROM envelopes ORDER BY seq")]

    def envelopes(self, digests: Sequence[str]) -> list[tuple[str, str | None, str]]:
        """(envelope digest, build id, canonical raw envelope) in ledger order."""
        rows = self.con.execute(
            "SELECT envelope_sha256, build_id, raw FROM envelopes "
            "WHERE envelope_sha256 = ANY(%s) ORDER BY seq",
            (list(digests),),
        )
        return [(r[0], r[1], r[2]) for r in rows]


def _has(objects: Any, digest: str) -> bool:
    try:
        return bool(objects.has(digest))
    except InputError:
        return False
