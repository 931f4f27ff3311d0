"""Type-confused JSON: real transcripts and signed statements with values swapped for other types.

Byte-level mutation (test_fuzz_parsers) mostly breaks the JSON itself; real files from other
versions of an agent break differently: a list where an id was, an object where a role was,
a field missing. Every importer, forced to read each of the fixtures, must then give a valid
import or one clean input error (never "unhashable type" or another traceback). Deterministic:
a fixed seed per run size.
"""

from __future__ import annotations

import json
import random
from functools import partial
from pathlib import Path
from typing import Any

import pytest

from ledger.importers import import_bytes, importers
from ledger.objects import ObjectStore
from ledger.trajectory.redact import Redactor
from tests.reliability.figures import record
from tests.reliability.fuzzing import clean_outcome

TRANSCRIPTS = Path(__file__).resolve().parents[1] / "assets" / "trajectories"
SWAPS: list[Any] = [None, 1, -1, 1.5, True, "", "x", "2025-13-45T99:99:99Z", [], [1, "a"], {}, {"a": {}}]


def _seeds() -> list[tuple[str, str, list[Any], bool]]:
    """(format, file name, JSON documents, one-per-line?) for every JSON transcript fixture."""
    out = []
    for path in sorted(TRANSCRIPTS.rglob("*")):
        if not path.is_file() or path.suffix not in (".json", ".jsonl", ".traj") or "gen-ai-" in path.name:
            continue
        raw = path.read_bytes()
        try:
            out.append((_format(path), path.name, [json.loads(raw)], False))
        except ValueError:
            docs = []
            for line in raw.splitlines():
                try:
                    docs.append(json.loads(line))
                except ValueError:
                    docs.append(line.decode("utf-8", "replace"))
            out.append((_format(path), path.name, docs, True))
    return out


def _format(path: Path) -> str:
    folder = path.relative_to(TRANSCRIPTS).parts[0]
    return "inspect" if folder == "inspect_ai" else folder


def _confuse(value: Any, rnd: random.Random) -> Any:
    """A copy of ``value`` with a few nodes dropped or replaced by a value of another type."""
    if isinstance(value, dict):
        out = {}
        for k, v in value.items():
            roll = rnd.random()
            if roll < 0.04:
                continue
            out[k] = rnd.choice(SWAPS) if roll < 0.08 else _confuse(v, rnd)
        return out
    if isinstance(value, list):
        return [
            rnd.choice(SWAPS) if rnd.random() < 0.04 else _confuse(v, rnd)
            for v in value
            if rnd.random() > 0.03
        ]
    if isinstance(value, str) and value[:1] in "[{" and rnd.random() < 0.3:  # JSON inside strings
        try:
            return json.dumps(_confuse(json.loads(value), rnd))
        except ValueError:
            return value
    return value


@pytest.mark.parametrize(
    "count", [pytest.param(400, id="fast"), pytest.param(4000, id="slow", marks=pytest.mark.slow)]
)
def test_every_importer_survives_type_confused_transcripts(count: int, tmp_path: Path) -> None:
    rnd = random.Random(count)
    seeds = _seeds()
    formats = list(importers())
    store = ObjectStore(tmp_path / "objects")
    outcomes = {"ok": 0, "error": 0}
    for _ in range(count):
        own, name, docs, lines = rnd.choice(seeds)
        confused = [_confuse(d, rnd) for d in docs]
        data = ("\n".join(json.dumps(d) for d in confused) if lines else json.dumps(confused[0])).encode()
        fmt = own if rnd.random() < 0.8 else rnd.choice(formats)  # mostly its own reader: deep paths
        outcome = clean_outcome(
            partial(import_bytes, data, name, store, format=fmt, redactor=Redactor(environ={}))
        )
        outcomes[outcome] += 1
    record(
        "fuzz",
        parser="importers (type-confused JSON)",
        tried=count,
        valid=outcomes["ok"],
        clean_errors=outcomes["error"],
    )
    assert outcomes["ok"] > count // 10, outcomes  # the confusion is mild enough to reach deep code


@pytest.mark.parametrize(
    "count", [pytest.param(300, id="fast"), pytest.param(3000, id="slow", marks=pytest.mark.slow)]
)
def test_ingest_survives_signed_statements_with_confused_types(count: int, tmp_path: Path) -> None:
    """A trusted signer can still sign nonsense: each such envelope is accepted with the rows
    that make sense or rejected with a reason, and never takes the whole ingest down."""
    from ledger.attest.dsse import PAYLOAD_TYPE, read_envelope_file
    from ledger.attest.policy import load_trust_policy
    from ledger.attest.signers import load_signer
    from ledger.attest.views import read_statement
    from ledger.store.verifier import Failed, RawLine, _Checker, check_line, key_material
    from tests.store.conftest import make_workspace, sign_fixture_builds

    lw = make_workspace(tmp_path / "ws")
    sign_fixture_builds(lw)
    signer = load_signer(next((lw.root / "keys").glob("*.pem")))
    statements = [
        json.loads(line.envelope.payload)
        for path in sorted(lw.ws.attestations_dir.glob("*.intoto.jsonl"))
        for line in read_envelope_file(path)
    ]
    checker = _Checker(key_material(load_trust_policy(lw.ws)))
    rnd = random.Random(count)
    outcomes = {"accepted": 0, "rejected": 0}
    for _ in range(count):
        payload = json.dumps(_confuse(rnd.choice(statements), rnd)).encode()
        envelope = signer.sign_envelope(PAYLOAD_TYPE, payload).envelope
        raw = json.dumps(envelope.to_dict()).encode()
        outcome, *_ = check_line(checker, RawLine("fuzz.intoto.jsonl", 1, raw), str(lw.ws.objects_dir))
        outcomes["rejected" if isinstance(outcome, Failed) else "accepted"] += 1
        clean_outcome(partial(read_statement, payload, file="fuzz", line=1))  # what `verify` reads
    record("fuzz", parser="signed statements (type-confused)", tried=count, **outcomes)
    assert outcomes["accepted"] and outcomes["rejected"], outcomes
