"""The ``trajectories`` and ``events`` rows of a batch of trajectory blobs, derived in SQL.

A build's trajectory is ~40 JSON lines; reading them in Python cost ~270 µs per build, more
than every other step of a verified ingest but the signature checks. Here one DuckDB query (its
JSON reader is yyjson, in C++) splits and reads every line of a batch of blobs for a fraction
of that. The query is the only definition of those rows: ingest and ``audit`` both run it, so
a row ``audit`` cannot recompute was not put there by ingest. SCHEMA.md states the rules.

The blobs come in as an Arrow table of the bytes the caller has just checked against their
signed digest, never re-read from disk: what is parsed is what was verified.
"""

from __future__ import annotations

import functools
import threading
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ledger.store.derive import RFC3339

if TYPE_CHECKING:
    import duckdb
    import pyarrow as pa


@dataclass(frozen=True)
class TrajectoryBlob:
    """A verified trajectory and the build whose signed provenance names it."""

    build_id: str
    envelope_sha256: str
    sha256: str
    data: bytes


# What the query reads of an event; the rest of a line is ignored. "JSON" leaves keep each
# value's own (minified) JSON text, so the checks below decide types, not DuckDB's lenient
# casts (which read true as 1 and 1.5 as 2).
_SHAPE = (
    '{"seq":"JSON","time":"JSON","type":"JSON","data":{"turn":"JSON","name":"JSON",'
    '"input":{"command":"JSON","path":"JSON"},"argv":"JSON",'
    '"files":{"created":"JSON","modified":"JSON","deleted":"JSON"},"path":"JSON","command":"JSON"}}'
)

# Per-connection macros over those leaves: a string's JSON text starts with a quote; an
# integer's is digits with an optional minus (a JSON number with '.', 'e' or 'E' is not one).
_MACROS = (
    # the value of a JSON string, else NULL
    "CREATE OR REPLACE TEMP MACRO j_str(v) AS CASE WHEN left(v, 1) = '\"' THEN v ->> '$' END",
    # a JSON integer in BIGINT range, else NULL
    """CREATE OR REPLACE TEMP MACRO j_int(v) AS
        CASE WHEN regexp_full_match(v, '-?[0-9]+') THEN TRY_CAST(v AS BIGINT) END""",
    # the strings of a JSON array (other elements left out); anything else an empty list
    """CREATE OR REPLACE TEMP MACRO j_strs(v) AS
        CASE WHEN left(v, 1) = '['
             THEN list_transform(list_filter(json_transform(v, '["JSON"]'), lambda x: left(x, 1) = '"'),
                                 lambda x: x ->> '$')
             ELSE [] END""",
    # one-item list of a JSON string, else empty
    "CREATE OR REPLACE TEMP MACRO j_one(v) AS CASE WHEN left(v, 1) = '\"' THEN [v ->> '$'] ELSE [] END",
    # an RFC 3339 time as naive UTC (derive.parse_time's rule): match, then shift by the zone
    f"""CREATE OR REPLACE TEMP MACRO j_time_parts(v) AS
        regexp_extract(j_str(v), '^{RFC3339}$', ['d', 'h', 'f', 'z'])""",
    """CREATE OR REPLACE TEMP MACRO j_time_of(m) AS
        CASE WHEN m.d <> '' AND left(m.d, 4) <> '0000' THEN
            TRY_CAST(m.d || ' ' || m.h || left(m.f, 7) AS TIMESTAMP)
            - CASE WHEN m.z IN ('Z', 'z') THEN INTERVAL 0 MINUTE
                   ELSE (CASE WHEN left(m.z, 1) = '-' THEN -1 ELSE 1 END)
                        * (TRY_CAST(substr(m.z, 2, 2) AS INTEGER) * INTERVAL 1 HOUR
                           + TRY_CAST(substr(m.z, 5, 2) AS INTEGER) * INTERVAL 1 MINUTE) END
        END""",
    # The same rule with a fast path for the form every ledger trajectory uses (UTC, six-digit
    # fraction, 'T', 'Z', no escapes): one DFA match and a cast instead of a capturing regex and
    # an offset shift, ~18 of the query's ~86 µs per 40-event build.
    r"""CREATE OR REPLACE TEMP MACRO j_time(v) AS
        CASE WHEN regexp_full_match(
                      v, '"[0-9]{4}-[0-9]{2}-[0-9]{2}T(?:[01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]\.[0-9]{6}Z"')
                  AND left(v, 5) <> '"0000'
             THEN TRY_CAST(substr(v, 2, 10) || ' ' || substr(v, 13, 15) AS TIMESTAMP)
             ELSE j_time_of(j_time_parts(v)) END""",
    # JSON whitespace a line may start with (only such lines pay for a trim)
    "CREATE OR REPLACE TEMP MACRO ws_led(s) AS left(s, 1) IN (' ', chr(9), chr(13))",
    "CREATE OR REPLACE TEMP MACRO ws_trim(s) AS trim(s, ' ' || chr(9) || chr(13))",
)

_EVENTS_SQL = f"""
WITH split AS (
    SELECT b, generate_subscripts(parts, 1) - 1 AS idx, unnest(parts) AS raw
    FROM (SELECT b, string_split(text, chr(10)) AS parts FROM blobs)
),
lines AS (  -- blank lines are skipped; a line's number (from 0) is its index
    SELECT b, idx, CASE WHEN ws_led(raw) THEN ws_trim(raw) ELSE raw END AS line
    FROM split
    WHERE raw <> '' AND (NOT ws_led(raw) OR ws_trim(raw) <> '')
),
parsed AS (
    -- valid JSON that starts with '{{' is an object; TRY: invalid JSON, or more after the
    -- object, reads as NULL (an unparsable line)
    SELECT b, idx, CASE WHEN left(line, 1) = '{{' THEN TRY(from_json(line, '{_SHAPE}')) END AS e
    FROM lines
),
typed AS (
    SELECT b, idx, e, e.data AS d,
           CASE WHEN e IS NULL THEN 'unparsable' ELSE coalesce(j_str(e.type), '') END AS type
    FROM parsed
)
SELECT b, idx,
       coalesce(j_int(e.seq), idx) AS seq,
       j_time(e.time) AS time,
       type,
       j_int(d.turn) AS turn,
       CASE WHEN type IN ('tool_call', 'tool_result') THEN j_str(d.name) END AS tool,
       CASE type
           WHEN 'tool_call' THEN j_str(d.input.command)
           WHEN 'exec' THEN CASE WHEN left(d.argv, 1) = '[' THEN array_to_string(j_strs(d.argv), ' ') END
           WHEN 'test_result' THEN j_str(d.command)
       END AS command,
       CASE type
           WHEN 'tool_call' THEN j_one(d.input.path)
           WHEN 'exec' THEN list_concat(j_strs(d.files.created), j_strs(d.files.modified),
                                        j_strs(d.files.deleted))
           WHEN 'file_write' THEN j_one(d.path)
           ELSE []
       END AS files
FROM typed
ORDER BY b, idx
"""

# One row per blob, also for a blob without a single event line.
_SUMMARY_SQL = """
SELECT blobs.b, count(ev.idx) AS events, count(DISTINCT ev.turn) AS turns,
       count(ev.idx) FILTER (WHERE ev.type = 'tool_call') AS tool_calls,
       first(ev.time ORDER BY ev.idx) AS first_time, last(ev.time ORDER BY ev.idx) AS last_time,
       last(ev.type ORDER BY ev.idx) AS last_type
FROM blobs LEFT JOIN ev USING (b)
GROUP BY blobs.b
ORDER BY blobs.b
"""

_SUMMARY_COLUMNS = ("events", "turns", "tool_calls", "first_time", "last_time", "last_type")
_EVENT_COLUMNS = ("seq", "time", "type", "turn", "tool", "command", "files")


_ENGINE_LOCK = threading.Lock()


@functools.cache
def _engine() -> duckdb.DuckDBPyConnection:
    """One in-memory DuckDB per process (connecting costs ~30 ms; a chunk is ~500 builds).

    One thread: ingest already runs one process per core.
    """
    import duckdb

    con = duckdb.connect(config={"threads": 1, "autoinstall_known_extensions": False})
    for macro in _MACROS:
        con.execute(macro)
    return con


def _run(con: duckdb.DuckDBPyConnection, source: pa.Table) -> tuple[pa.Table, pa.Table]:
    """(event rows, one summary per blob) of a table of blob texts.

    ``execute`` rather than ``sql``: DuckDB 2.0's relation API binds a query again on the
    Python side, ~5 ms of the ~14 ms a one-build ingest spends here. Its advice that Arrow from
    an ``execute`` result costs a copy holds, but that copy is cheaper than the second bind.
    """
    try:
        con.register("blobs", source)
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message="Arrow output on a DB-API result", category=UserWarning)
            events = con.execute(_EVENTS_SQL).to_arrow_table()
            con.register("ev", events)
            summary = con.execute(_SUMMARY_SQL).to_arrow_table()
    finally:
        con.unregister("blobs")
        con.unregister("ev")
    return events, summary


def _texts(blobs: Sequence[TrajectoryBlob]) -> pa.Array:
    """The blobs as UTF-8 text: validated in C++; undecodable bytes become U+FFFD."""
    import pyarrow as pa

    try:
        return pa.array([blob.data for blob in blobs], pa.binary()).cast(pa.string())
    except pa.ArrowInvalid:
        return pa.array([blob.data.decode("utf-8", "replace") for blob in blobs], pa.string())


def trajectory_tables(blobs: Sequence[TrajectoryBlob]) -> tuple[pa.Table, pa.Table]:
    """(``trajectories`` rows, ``events`` rows) of the blobs, as Arrow tables in the schema's
    column order: one summary per blob, one event per non-blank line."""
    import pyarrow as pa

    from ledger.store import schema

    traj_schema = schema.arrow_schema(schema.TRAJECTORIES)
    event_schema = schema.arrow_schema(schema.EVENTS)
    if not blobs:
        return traj_schema.empty_table(), event_schema.empty_table()
    source = pa.table({"b": pa.array(range(len(blobs)), pa.int64()), "text": _texts(blobs)})
    con = _engine()
    with _ENGINE_LOCK:  # one connection per process: callers on other threads take turns
        events, summary = _run(con, source)
    build_ids = pa.array([blob.build_id for blob in blobs], pa.string())
    envelopes = pa.array([blob.envelope_sha256 for blob in blobs], pa.string())
    which = events.column("b")
    event_cols = {
        "build_id": build_ids.take(which),
        "envelope_sha256": envelopes.take(which),
        **{name: events.column(name) for name in _EVENT_COLUMNS},
    }
    traj_cols = {
        "build_id": build_ids,
        "envelope_sha256": envelopes,
        "sha256": pa.array([blob.sha256 for blob in blobs], pa.string()),
        **{name: summary.column(name) for name in _SUMMARY_COLUMNS},
    }
    return (
        pa.Table.from_arrays([traj_cols[f.name].cast(f.type) for f in traj_schema], schema=traj_schema),
        pa.Table.from_arrays([event_cols[f.name].cast(f.type) for f in event_schema], schema=event_schema),
    )
