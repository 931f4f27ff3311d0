"""Rows from one verified envelope (and the trajectory it names): the single source of table data.

Ingest and ``audit`` both call ``derive_rows``; a row that ``audit`` cannot recompute from a
stored, re-verified envelope was not put there by ingest. Functions here are pure: bytes in,
tuples out (column order as in ``ledger.store.schema``), no database and no clock.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from ledger.attest.dsse import Envelope
from ledger.attest.statement import PROVENANCE_TYPE, STATEMENT_TYPE, TEST_RESULT_TYPE
from ledger.digest import sha256_hex
from ledger.errors import AttestationError
from ledger.safeparse import find_lone_surrogate, loads_unambiguous

Row = tuple[Any, ...]
Rows = dict[str, list[Row]]

_WRAPPED = re.compile(r"\A(AGENT|INPUT)\[(.*)\]\Z")


def envelope_canonical(envelope: Envelope) -> bytes:
    """RFC 8785 bytes of the envelope (what the log leaf and the envelope digest hash).

    The envelope is an object of ASCII keys whose values are strings or lists of such
    objects; for that shape sorted-key, separator-free ``json.dumps`` without ASCII escaping
    emits exactly the RFC 8785 bytes (tests check it against ``rfc8785``) at a fraction of
    the cost, which matters at thousands of envelopes a second. orjson's sorted output is the
    same bytes whenever it is ASCII without a backslash (no string needed an escape, so both
    copied every string verbatim), and costs ~2 µs against ~13: it is used then.
    """
    import orjson

    value = envelope.to_dict()
    fast = orjson.dumps(value, option=orjson.OPT_SORT_KEYS)
    if fast.isascii() and b"\\" not in fast:
        return fast
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def leaf_hash(canonical: bytes) -> str:
    """RFC 6962 leaf hash: SHA-256(0x00 || leaf bytes), hex."""
    h = hashlib.sha256(b"\x00")
    h.update(canonical)
    return h.hexdigest()


def split_label(label: str) -> tuple[str, str | None]:
    """(node, qualifier) of a chain member label: ``AGENT[SPEC/x]`` → (SPEC/x, None),
    ``SPEC/x(q)`` → (SPEC/x, q), as the CfS reference parses qualifiers (first ``(`` … ``)``)."""
    wrapped = _WRAPPED.match(label)
    inner = wrapped.group(2) if wrapped else label
    open_idx = inner.find("(")
    if open_idx >= 0:
        close = inner.find(")", open_idx)
        if close >= 0:
            return inner[:open_idx], inner[open_idx + 1 : close]
    return inner, None


# RFC 3339 date-time with a zone; groups: date, time of day, fraction, zone.
RFC3339 = r"(\d{4}-\d{2}-\d{2})[Tt ]((?:[01]\d|2[0-3]):[0-5]\d:[0-5]\d)(\.\d+)?([Zz]|[+-]\d{2}:\d{2})"
_RFC3339 = re.compile(RFC3339)


def parse_time(value: Any) -> datetime | None:
    """An RFC 3339 date-time with a zone as a naive UTC datetime (the ledger stores UTC without
    a zone); anything else is None. The rule ``derive_events`` applies to trajectory times:
    fractions beyond microseconds are cut, and a time without a zone is not a point in time."""
    if not isinstance(value, str):
        return None
    m = _RFC3339.fullmatch(value)
    if m is None or m[1].startswith("0000"):
        return None
    try:
        moment = datetime.fromisoformat(f"{m[1]}T{m[2]}{(m[3] or '')[:7]}")
        zone = m[4]
        if zone in ("Z", "z"):
            return moment
        offset = timedelta(hours=int(zone[1:3]), minutes=int(zone[4:6]))
        return moment - offset if zone[0] == "+" else moment + offset
    except (ValueError, OverflowError):
        return None


class _Fields:
    """Strict reads from a statement dict; a missing field names its path."""

    def __init__(self, where: str) -> None:
        self.where = where

    def fail(self, message: str) -> AttestationError:
        return AttestationError(f"{self.where}: {message}")

    def obj(self, value: Any, path: str) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise self.fail(f"field '{path}' is missing or not an object")
        return value

    def lst(self, value: Any, path: str) -> list[Any]:
        if not isinstance(value, list):
            raise self.fail(f"field '{path}' is missing or not a list")
        return value

    def text(self, value: Any, path: str) -> str:
        if not isinstance(value, str) or not value:
            raise self.fail(f"field '{path}' is missing or not a non-empty string")
        return value


def _opt_str(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _opt_int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _opt_float(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def _sub(value: Mapping[str, Any], key: str) -> dict[str, Any]:
    """``value[key]`` when it is an object, else an empty one (optional parts of a statement)."""
    inner = value.get(key)
    return inner if isinstance(inner, dict) else {}


def _items(value: Any) -> list[Any]:
    """An optional list field: absent, null or of another type reads as empty."""
    return value if isinstance(value, list) else []


def _digest(desc: Mapping[str, Any]) -> str | None:
    d = desc.get("digest")
    if isinstance(d, dict) and isinstance(d.get("sha256"), str):
        return str(d["sha256"]).lower()
    return None


def read_payload(payload: bytes, where: str) -> dict[str, Any]:
    """The in-toto Statement v1 of a verified payload."""
    f = _Fields(where)
    try:
        data = loads_unambiguous(payload)
    except RecursionError:
        raise f.fail("signed payload is not JSON this reader accepts: nested too deeply") from None
    except ValueError as exc:  # also invalid UTF-8, and integers of over 4,300 digits
        raise f.fail(f"signed payload is not JSON: {exc}") from None
    # json.loads lets an unpaired surrogate escape through, and such a string cannot be stored,
    # printed or re-encoded; the walk runs only when the bytes hold a \uD800-\uDFFF escape
    lone = find_lone_surrogate(data) if b"\\ud" in payload or b"\\uD" in payload else None
    if lone is not None:
        raise f.fail(f"signed payload is not I-JSON (RFC 7493): field '{lone}' has a lone surrogate escape")
    data = f.obj(data, "payload")
    if data.get("_type") != STATEMENT_TYPE:
        raise f.fail(f"field '_type' is {data.get('_type')!r}; expected {STATEMENT_TYPE}")
    f.text(data.get("predicateType"), "predicateType")
    return data


def statement_build_id(statement: Mapping[str, Any]) -> str | None:
    """The build an envelope belongs to: invocationId of a provenance or of a test result."""
    pred = statement.get("predicate")
    if not isinstance(pred, dict):
        return None
    if statement.get("predicateType") == PROVENANCE_TYPE:
        run = pred.get("runDetails")
        meta = run.get("metadata") if isinstance(run, dict) else None
        return _opt_str(meta.get("invocationId")) if isinstance(meta, dict) else None
    if statement.get("predicateType") == TEST_RESULT_TYPE:
        for desc in _items(pred.get("configuration")):
            ann = desc.get("annotations") if isinstance(desc, dict) else None
            if isinstance(ann, dict) and isinstance(ann.get("invocationId"), str):
                return str(ann["invocationId"])
    return None


def derive_rows(
    *,
    envelope: Envelope,
    canonical: bytes,
    statement: Mapping[str, Any],
    signer_keyid: str,
    signer: str,
    source: str | None,
    source_line: int | None,
    envelope_sha256: str | None = None,
) -> Rows:
    """Every row one accepted envelope contributes, keyed by table name, but for the rows of
    the trajectory it names: ``derive_events`` reads those, a batch of blobs at a time.
    (``envelope_sha256``: the digest of ``canonical``, when the caller has it already.)"""
    env_sha = envelope_sha256 or sha256_hex(canonical)
    where = f"{source}:{source_line}" if source else env_sha[:12]
    f = _Fields(where)
    ptype = str(statement["predicateType"])
    build_id = statement_build_id(statement)
    rows: Rows = {}
    rows["envelopes"] = [
        (
            env_sha,
            sha256_hex(envelope.payload),
            envelope.payload_type,
            ptype,
            build_id,
            signer_keyid,
            signer,
            "verified",
            canonical.decode("utf-8"),
            source,
            source_line,
        )
    ]
    if ptype == PROVENANCE_TYPE:
        _provenance(f, statement, env_sha, signer_keyid, rows)
    elif ptype == TEST_RESULT_TYPE:
        _test_result(f, statement, env_sha, build_id, signer_keyid, rows)
    return rows


def _provenance(
    f: _Fields,
    statement: Mapping[str, Any],
    env_sha: str,
    keyid: str,
    rows: Rows,
) -> None:
    pred = f.obj(statement.get("predicate"), "predicate")
    bd = f.obj(pred.get("buildDefinition"), "predicate.buildDefinition")
    run = f.obj(pred.get("runDetails"), "predicate.runDetails")
    meta = f.obj(run.get("metadata"), "predicate.runDetails.metadata")
    build_id = f.text(meta.get("invocationId"), "predicate.runDetails.metadata.invocationId")
    build_type = f.text(bd.get("buildType"), "predicate.buildDefinition.buildType")
    ext = _sub(bd, "externalParameters")
    internal = _sub(bd, "internalParameters")
    recipe = _sub(ext, "recipe")
    chain = _sub(ext, "chain")
    builder = _sub(run, "builder")
    version = _sub(builder, "version")
    listed = _items(run.get("byproducts"))
    byproducts = {str(b.get("name")): _digest(b) for b in listed if isinstance(b, dict)}

    model: dict[str, Any] = {}
    members: list[Row] = []
    deps: list[Row] = []
    raw_deps = f.lst(bd.get("resolvedDependencies", []), "predicate.buildDefinition.resolvedDependencies")
    for i, dep in enumerate(raw_deps):
        dep = f.obj(dep, f"predicate.buildDefinition.resolvedDependencies[{i}]")
        ann = _sub(dep, "annotations")
        kind = ann.get("kind") if isinstance(ann.get("kind"), str) else "other"
        name = _opt_str(dep.get("name"))
        if kind == "spec-member":
            label = f.text(name, f"predicate.buildDefinition.resolvedDependencies[{i}].name")
            node, qualifier = split_label(label)
            members.append(
                (
                    build_id,
                    env_sha,
                    len(members),
                    label,
                    node,
                    qualifier,
                    _opt_str(ann.get("role")),
                    _opt_str(ann.get("file")),
                    _digest(dep),
                    _opt_str(ann.get("cfs_hash")),
                )
            )
            continue
        if kind == "model":
            model = ann
            deps.append(
                (build_id, env_sha, "model", _opt_str(ann.get("id")), _opt_str(dep.get("uri")), None, None)
            )
        elif kind == "tool":
            deps.append(
                (
                    build_id,
                    env_sha,
                    "tool",
                    name,
                    _opt_str(dep.get("uri")),
                    _opt_str(ann.get("version")),
                    None,
                )
            )
        else:
            deps.append((build_id, env_sha, kind, name, _opt_str(dep.get("uri")), None, _digest(dep)))

    traj_sha = byproducts.get("trajectory")
    rows["builds"] = [
        (
            build_id,
            env_sha,
            build_type,
            _opt_str(recipe.get("name")),
            _digest(recipe),
            _opt_str(ext.get("target")),
            _opt_str(chain.get("cfs")),
            _opt_str(chain.get("sha256")),
            _opt_str(ext.get("sandbox")),
            _opt_str(model.get("provider")),
            _opt_str(model.get("id")),
            _opt_str(model.get("endpoint")),
            _opt_int(internal.get("seed")),
            _opt_float(internal.get("temperature")),
            _opt_int(internal.get("max_tokens")),
            _opt_str(version.get("spec-ledger")),
            parse_time(meta.get("startedOn")),
            parse_time(meta.get("finishedOn")),
            traj_sha,
            byproducts.get("exec-log"),
            keyid,
        )
    ]
    subjects = f.lst(statement.get("subject"), "subject")
    rows["subjects"] = [
        (build_id, env_sha, _opt_str(s.get("name")), _digest(s)) for s in subjects if isinstance(s, dict)
    ]
    rows["spec_members"] = members
    rows["dependencies"] = deps


def _test_result(
    f: _Fields, statement: Mapping[str, Any], env_sha: str, build_id: str | None, keyid: str, rows: Rows
) -> None:
    pred = f.obj(statement.get("predicate"), "predicate")
    result = f.text(pred.get("result"), "predicate.result")
    command = None
    for desc in _items(pred.get("configuration")):
        ann = desc.get("annotations") if isinstance(desc, dict) else None
        if isinstance(ann, dict) and isinstance(ann.get("command"), str):
            command = ann["command"]

    def names(key: str) -> list[str]:
        value = pred.get(key, [])
        return [str(x) for x in value] if isinstance(value, list) else []

    failed = names("failedTests")
    rows["tests"] = [
        (
            build_id,
            env_sha,
            result,
            command,
            len(names("passedTests")),
            len(failed),
            len(names("warnedTests")),
            failed,
            keyid,
        )
    ]
