"""The fast JSON path ingest takes for canonical bytes must decide exactly as the careful one.

``loads_unambiguous`` first tries ``sorted_compact_loads`` (orjson, accepted only when the bytes
are orjson's own sorted, compact serialisation of what it parsed). These tests pin that the
shortcut never accepts what the careful parser refuses, and never reads a different value.
"""

from __future__ import annotations

import json
import math
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ledger.errors import InputError
from ledger.safeparse import (
    NOT_COMPACT,
    _reject_constant,
    _unique_pairs,
    loads_strict,
    loads_unambiguous,
    sorted_compact_loads,
)


def careful(data: bytes) -> Any:
    return json.loads(data, parse_constant=_reject_constant, object_pairs_hook=_unique_pairs)


def test_canonical_statement_takes_the_fast_path() -> None:
    data = b'{"_type":"x","predicate":{"a":[1,2.5,null,true],"b":"caf\xc3\xa9"},"subject":[]}'
    assert sorted_compact_loads(data) == careful(data)


@pytest.mark.parametrize(
    "data",
    [
        b'{"a":1,"a":1}',  # a repeated key, even with the same value
        b'{"a":{"b":1,"b":2}}',
        b'{"a":NaN}',
        b'{"a":Infinity}',
        b'"\\ud800"',  # lone surrogate escape
        b'{"a":18446744073709551616}',  # beyond 64 bits: orjson reads a float
        b'{"b":1,"a":2}',  # unsorted: not ours, so not trusted to be unambiguous
        b'{"a": 1}',  # spaces
        b'{"a":1}\n',
        b"\xef\xbb\xbf{}",
        b'{"a":"\xff"}',  # invalid UTF-8
        b"[" * 2000 + b"]" * 2000,
        b'{"a":-0}',
        b'{"a":1e400}',
    ],
)
def test_what_the_fast_path_declines(data: bytes) -> None:
    assert sorted_compact_loads(data) is NOT_COMPACT


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b'{"a":1,"a":1}', "duplicate key"),
        (b'{"a":NaN}', "NaN"),
    ],
)
def test_refusals_are_unchanged(data: bytes, reason: str) -> None:
    with pytest.raises(ValueError, match=reason):
        loads_unambiguous(data)


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=8),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=4), children, max_size=4),
    max_leaves=20,
)


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, float) and isinstance(b, float):
        return a == b and math.copysign(1, a) == math.copysign(1, b)
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return list(a) == list(b) and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    return bool(a == b)


def _outcome(parse: Any, data: bytes) -> tuple[str, Any]:
    try:
        return "ok", parse(data)
    except (ValueError, RecursionError):
        return "error", None


@settings(max_examples=400, deadline=None)
@given(json_values, st.sampled_from(["sorted", "python", "spaced"]), st.booleans())
def test_fast_and_careful_parsers_agree(value: Any, style: str, repeat_a_key: bool) -> None:
    if style == "sorted":
        text = json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    elif style == "python":
        text = json.dumps(value, separators=(",", ":"))
    else:
        text = json.dumps(value)
    if repeat_a_key and text.startswith('{"'):
        key_end = text.index('":') + 2
        text = text[:key_end] + "0," + text[1:key_end] + text[key_end:]
    data = text.encode("utf-8", "surrogatepass")
    fast, slow = _outcome(loads_unambiguous, data), _outcome(careful, data)
    assert fast[0] == slow[0]
    assert _same(fast[1], slow[1])


def _strict_outcome(data: bytes | str) -> tuple[str, Any]:
    try:
        return "ok", loads_strict(data, where="x.json")
    except InputError as exc:
        return "error", exc.message


@settings(max_examples=300, deadline=None)
@given(json_values, st.sampled_from(["sorted", "spaced"]), st.booleans())
def test_loads_strict_reads_bytes_as_it_reads_their_text(value: Any, style: str, repeat_a_key: bool) -> None:
    # bytes may take the fast path; the same document as str always takes the careful one
    if style == "sorted":
        text = json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    else:
        text = json.dumps(value)
    if repeat_a_key and text.startswith('{"'):
        key_end = text.index('":') + 2
        text = text[:key_end] + "0," + text[1:key_end] + text[key_end:]
    fast, slow = _strict_outcome(text.encode("utf-8")), _strict_outcome(text)
    assert fast[0] == slow[0]
    assert _same(fast[1], slow[1]) if fast[0] == "ok" else fast[1] == slow[1]
