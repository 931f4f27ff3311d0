"""Query semantics both backends share: how a spec node matches chain members, how test
results fold into one verdict, which build columns a record carries, and the query errors."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from ledger.errors import InputError
from ledger.store.model import ImpactHit

READ_ONLY_TYPES = {"SELECT", "EXPLAIN"}  # statement types `ledger sql` runs


class ReadOnlyQuery(InputError):
    """``ledger sql`` was given a statement that would write."""


class BuildNotFound(InputError):
    pass


def worst_result(results: Sequence[str]) -> str:
    if not results:
        return "NONE"
    for worst in ("FAILED", "WARNED"):
        if worst in results:
            return worst
    return "PASSED"


def member_match(node: str) -> tuple[str, list[Any]]:
    """SQL condition on ``spec_members`` for "the chain includes this node", qualifier-aware.

    ``SPEC/a`` matches members SPEC/a (any qualifier) and every descendant SPEC/a/…;
    ``SPEC/a(q)`` matches SPEC/a(q) and unqualified SPEC/a (whose text contains section q).
    Wrapped labels (``AGENT[SPEC/a]``, ``INPUT[…]``) count as their inner node.
    """
    from ledger.spec.names import parse_logical_name
    from ledger.store.derive import split_label

    name, qualifier = split_label(node.strip())
    parsed = parse_logical_name(name if qualifier is None else f"{name}({qualifier})")
    if qualifier is None:
        return "(node = ? OR starts_with(node, ?))", [parsed.name, parsed.name.rstrip("/") + "/"]
    return "(node = ? AND (qualifier IS NULL OR qualifier = ?))", [parsed.name, qualifier]


BUILD_COLUMNS = (
    "build_id",
    "build_type",
    "recipe_name",
    "recipe_sha256",
    "target",
    "chain_cfs",
    "chain_sha256",
    "sandbox",
    "model_provider",
    "model_id",
    "model_endpoint",
    "seed",
    "temperature",
    "max_tokens",
    "builder_version",
    "started_on",
    "finished_on",
    "signer_keyid",
    "envelope_sha256",
    "trajectory_sha256",
)


def log_filter(
    *, since: datetime | None, model: str | None, spec: str | None, signer: str | None
) -> tuple[str, list[Any]]:
    """The WHERE clause (``?`` placeholders, builds aliased ``b``) for ``ledger log``'s filters."""
    conds: list[str] = []
    params: list[Any] = []
    if since is not None:
        conds.append("b.finished_on >= ?")
        params.append(since)
    if model is not None:
        conds.append("(b.model_id = ? OR b.model_provider || '/' || b.model_id = ?)")
        params += [model, model]
    if signer is not None:
        conds.append("starts_with(b.signer_keyid, ?)")
        params.append(signer)
    if spec is not None:
        where, extra = member_match(spec)
        conds.append(f"b.build_id IN (SELECT build_id FROM spec_members WHERE {where})")
        params += extra
    return ("WHERE " + " AND ".join(conds) if conds else ""), params


# The builds that attested a path, newest first: what `trace` shows when a file's bytes match
# no build (it changed after its build). No index on subjects.name: this runs on a miss only.
PATH_BUILDS_SQL = """
SELECT s.build_id, s.sha256, b.finished_on
FROM subjects s JOIN builds b USING (build_id)
WHERE s.name = ? AND s.sha256 IS NOT NULL
ORDER BY b.finished_on DESC NULLS LAST, s.build_id DESC
LIMIT ?
"""


def impact_sql(where: str, *, collate: str = "") -> str:
    """``ledger impact``: artifacts whose chain matches ``where`` (``member_match``), each with
    the members that matched and whether it is the newest build of its path. ``collate``
    makes PostgreSQL order text bytewise, as DuckDB does."""
    return f"""
        WITH hit AS (
            SELECT build_id, array_agg(label ORDER BY position) AS labels
            FROM spec_members WHERE {where} GROUP BY build_id),
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
        ORDER BY art.name {collate}, art.finished_on DESC NULLS LAST, art.build_id {collate}
        """


def impact_hits(rows: Sequence[Sequence[Any]]) -> list[ImpactHit]:
    return [ImpactHit(r[0], r[1], r[2], r[3], r[4], r[5], r[6], tuple(r[7]), bool(r[8])) for r in rows]

