"""Query semantics both backends share: how a spec node matches chain members, how test
results fold into one verdict, which build columns a record carries, and the query errors."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from ledger.errors import InputError

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
