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
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ledger.errors import StoreError
from ledger.store import pg_schema, pg_write, schema
from ledger.store.model import (
    IngestReport,
    Rejection,
)
from ledger.store.pg_queries import PostgresQueries

if TYPE_CHECKING:
    import psycopg

    from ledger.attest.policy import TrustPolicy
    from ledger.store.interface import Progress
    from ledger.store.verifier import ChunkResult, Item, RawLine
    from ledger.workspace import Workspace

BATCH_ENVELOPES = 20_000
DIGEST_PAGE = 50_000  # digests per round trip when push/pull compare what each side holds
_PROV = "https://slsa.dev/provenance/v1"


class PostgresStore(PostgresQueries):
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
            reason = pg_schema.scrub(reason, self.url)
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
    def failing_as(self, what: str) -> Iterator[None]:
        """A server error during ``what`` (push, pull) as one line naming the redacted URL.

        The server can drop the connection, or hand back a schema someone altered, at any
        query: that is the team ledger's state, not a bug to show a traceback for.
        """
        import psycopg

        try:
            yield
        except psycopg.Error as exc:
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise StoreError(
                f"{what} failed on the team ledger {pg_schema.redact(self.url)}: "
                f"{pg_schema.scrub(first, self.url)}",
                hint="nothing half-written stays: re-run to resume (push and pull are idempotent)",
            ) from None

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
        from ledger.store.verifier import check_lines, collect_files, ingest_keys

        files = collect_files(self.workspace.root, paths)
        items: list[Item] = [*extra, *files]
        keys = ingest_keys(self.policy, self.workspace, quarantine=quarantine, lines=bool(items))
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
                scratch = self.workspace.scratch_dir
                for chunk in check_lines(items, keys, root, workers=self.workers, scratch=scratch):
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

    def object_digests(self) -> Iterator[str]:
        """Every object digest, page by page (keyset on the primary key): flat memory at millions."""
        last = b""
        while True:
            rows = self.con.execute(
                "SELECT sha256 FROM objects WHERE sha256 > %s ORDER BY sha256 LIMIT %s", (last, DIGEST_PAGE)
            ).fetchall()
            yield from (bytes(r[0]).hex() for r in rows)
            if len(rows) < DIGEST_PAGE:
                return
            last = bytes(rows[-1][0])

    def object_sizes(self) -> Iterator[tuple[str, int]]:
        """``(digest, byte length)`` of every object, page by page (the length from the stored
        value's header, not a detoast), so that a pull can bound what one batch holds."""
        last = b""
        while True:
            rows = self.con.execute(
                "SELECT sha256, octet_length(data) FROM objects WHERE sha256 > %s ORDER BY sha256 LIMIT %s",
                (last, DIGEST_PAGE),
            ).fetchall()
            for r in rows:
                if len(r) != 2 or not isinstance(r[0], bytes) or len(r[0]) != 32 or not isinstance(r[1], int):
                    raise StoreError(_malformed("objects", r))
                yield r[0].hex(), r[1]
            if len(rows) < DIGEST_PAGE:
                return
            last = bytes(rows[-1][0])

    def get_objects(self, digests: Sequence[str]) -> list[tuple[str, bytes]]:
        """(digest, bytes) of the requested blobs; a row of another shape is the server's fault."""
        rows = self.con.execute(
            "SELECT sha256, data FROM objects WHERE sha256 = ANY(%s)", ([bytes.fromhex(d) for d in digests],)
        )
        out = []
        for r in rows:
            # bytes(int) would allocate that many zero bytes: take only what bytea gives
            if len(r) != 2 or not isinstance(r[0], bytes) or len(r[0]) != 32 or not isinstance(r[1], bytes):
                raise StoreError(_malformed("objects", r))
            out.append((r[0].hex(), r[1]))
        return out

    def envelope_digests(self) -> Iterator[str]:
        """Every envelope digest in ledger order, page by page (keyset on the unique ``seq``)."""
        last = -1
        while True:
            rows = self.con.execute(
                "SELECT seq, envelope_sha256 FROM envelopes WHERE seq > %s ORDER BY seq LIMIT %s",
                (last, DIGEST_PAGE),
            ).fetchall()
            yield from (r[1] for r in rows)
            if len(rows) < DIGEST_PAGE:
                return
            last = int(rows[-1][0])

    def envelopes(self, digests: Sequence[str]) -> list[tuple[str, str | None, str]]:
        """(envelope digest, build id, canonical raw envelope) in ledger order."""
        rows = self.con.execute(
            "SELECT envelope_sha256, build_id, raw FROM envelopes "
            "WHERE envelope_sha256 = ANY(%s) ORDER BY seq",
            (list(digests),),
        )
        out: list[tuple[str, str | None, str]] = []
        for r in rows:
            if len(r) != 3 or not isinstance(r[0], str) or not isinstance(r[2], str):
                raise StoreError(_malformed("envelopes", r))
            out.append((r[0], r[1] if isinstance(r[1], str) else None, r[2]))
        return out


def _malformed(table: str, row: Any) -> str:
    """The error for a row of the wrong shape or types (a server that is not a ledger's)."""
    kinds = ", ".join(type(v).__name__ for v in row)
    return f"the team ledger returned a malformed {table} row ({kinds}); it is not a spec-ledger database"
