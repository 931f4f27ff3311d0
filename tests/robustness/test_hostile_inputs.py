"""Hostile JSON / JSONL / TOML / YAML from other agents: one clean error line, never a traceback.

Each table row is one real command run on one defect that real data contains: a lone UTF-16
surrogate (an emoji cut in half in an agent transcript), bytes that are not UTF-8, a BOM, CRLF,
NUL, ``[[[[…`` nested past the parser's recursion limit, a 5,000-digit integer, NaN, duplicate
keys, a top-level value of the wrong type, an empty file, a directory. Commands that read
evidence refuse with exit 2 naming the file (and line/field); importers replace lone surrogates
with U+FFFD in what they derive and skip a broken JSONL line with a reason (their documented
behaviour); ``trajectory verify`` reports a malformed line as the first broken event (exit 1).
"""

from __future__ import annotations

import json
import os
import re
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import CliResult, assert_user_error, run_ledger
from tests.reliability.conftest import BuiltWorkspace, build_demo, make_demo

FIXTURES = Path(__file__).resolve().parents[1] / "assets" / "trajectories"

DEEP = b"[" * 100_000
BIG_INT = b"1" * 5000


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> BuiltWorkspace:
    """One real signed build of the demo; cases write their hostile files next to it."""
    return build_demo(tmp_path_factory.mktemp("hostile") / "demo")


def assert_no_crash(result: CliResult, code: int) -> None:
    assert result.code == code, result
    assert "Traceback" not in result.stderr, result


def envelope_line(payload_type: str = "application/vnd.in-toto+json", keyid: str = "k") -> bytes:
    """An envelope line written by hand, so escapes such as \\ud800 reach the parser verbatim."""
    signatures = '[{"keyid":"' + keyid + '","sig":"AAAA"}]'
    return (
        '{"payload":"e30=","payloadType":"' + payload_type + '","signatures":' + signatures + "}"
    ).encode()


# ------------------------------------------------------------------ envelopes: verify, diff

# name -> (the hostile line, a fragment the one error line must contain)
ENVELOPE_CASES: dict[str, tuple[bytes, str]] = {
    "lone surrogate in payloadType": (
        envelope_line(payload_type=r"\ud800"),
        "field 'payloadType' contains a lone UTF-16 surrogate",
    ),
    "lone surrogate in keyid": (
        envelope_line(keyid=r"\udc00"),
        "field 'signatures[0].keyid' contains a lone",
    ),
    # json.loads(bytes) decodes with "surrogatepass" and would accept these three bytes
    "surrogate encoded as UTF-8 bytes": (
        envelope_line().replace(b"in-toto", b"in-\xed\xa0\x80toto"),
        "not UTF-8",
    ),
    "invalid UTF-8": (envelope_line().replace(b"in-toto", b"in-\xfftoto"), "not UTF-8 at byte"),
    "NUL byte": (envelope_line().replace(b"in-toto", b"in-\x00toto"), "NUL byte"),
    "nested too deeply": (DEEP, "nested too deeply"),
    "integer of 5000 digits": (b'{"payload": ' + BIG_INT + b"}", "more than 4300 digits"),
    "NaN": (b'{"payload": NaN}', "NaN"),
    "duplicate payloadType": (
        envelope_line()[:-1] + b',"payloadType":"text/plain"}',
        "duplicate key 'payloadType'",
    ),
    "top-level list": (b"[1, 2]", "expected a DSSE envelope object, got list"),
    "top-level string": (b'"e30="', "expected a DSSE envelope object, got str"),
}


def _hostile_attestations(built: BuiltWorkspace, tmp_path: Path, line: bytes) -> Path:
    """A copy of the build's attestations plus a file whose line 2 is ``line``."""
    directory = tmp_path / "attestations"
    shutil.copytree(built.root / "attestations", directory)
    (directory / "zz-other-agent.intoto.jsonl").write_bytes(envelope_line() + b"\n" + line + b"\n")
    return directory / "zz-other-agent.intoto.jsonl"


@pytest.mark.parametrize("case", sorted(ENVELOPE_CASES))
def test_verify_refuses_a_hostile_envelope_line_naming_file_and_line(
    case: str, built: BuiltWorkspace, tmp_path: Path
) -> None:
    line, fragment = ENVELOPE_CASES[case]
    hostile = _hostile_attestations(built, tmp_path, line)

    result = run_ledger(
        "verify", built.artifact, "--attestations", str(hostile.parent), "-w", str(built.root), cwd=built.root
    )

    assert_user_error(result, f"{hostile}:2: ", fragment)


@pytest.mark.parametrize(
    "case", ["lone surrogate in payloadType", "nested too deeply", "integer of 5000 digits", "NaN"]
)
def test_diff_refuses_a_hostile_attestation_file(case: str, built: BuiltWorkspace, tmp_path: Path) -> None:
    line, fragment = ENVELOPE_CASES[case]
    hostile = _hostile_attestations(built, tmp_path, line)

    result = run_ledger("diff", str(hostile), built.build_id, "-w", str(built.root), cwd=built.root)

    assert_user_error(result, f"{hostile}:2: ", fragment)


@pytest.mark.parametrize(
    "name, transform",
    [
        ("BOM", lambda data: b"\xef\xbb\xbf" + data),  # RFC 8259 §8.1: a parser may ignore it
        ("CRLF", lambda data: data.replace(b"\n", b"\r\n")),  # git autocrlf checkouts
        ("empty", lambda data: b""),  # no envelopes in it
    ],
)
def test_verify_tolerates_bom_crlf_and_empty_envelope_files(
    name: str, transform: Callable[[bytes], bytes], built: BuiltWorkspace, tmp_path: Path
) -> None:
    directory = tmp_path / "attestations"
    directory.mkdir()
    data = built.attestation.read_bytes()
    (directory / built.attestation.name).write_bytes(data)
    (directory / f"copy-{name}.intoto.jsonl").write_bytes(transform(data))

    result = run_ledger("verify", built.artifact, "--attestations", str(directory), cwd=built.root)

    assert_no_crash(result, 0)


# ---------------------------------------------------- signed statements an agent could sign


def _signed_line(root: Path, payload: bytes) -> bytes:
    from ledger.attest.dsse import PAYLOAD_TYPE
    from ledger.attest.signers import load_signer

    signer = load_signer(root / "keys" / "signing.pem")
    return signer.sign_envelope(PAYLOAD_TYPE, payload).envelope.to_line()


STATEMENT = (
    b'{"_type":"https://in-toto.io/Statement/v1","predicateType":"https://example.com/p",'
    b'"predicate":{"note":%s},"subject":[{"name":"x","digest":{"sha256":"%s"}}]}'
)
SIGNED_CASES: dict[str, tuple[bytes, str]] = {
    "lone surrogate": (b'"cut \\ud83d"', "field 'predicate.note' contains a lone UTF-16 surrogate"),
    "nested too deeply": (b"[" * 5000 + b"]" * 5000, "nested too deeply"),
    "integer of 5000 digits": (BIG_INT, "more than 4300 digits"),
    "Infinity": (b"Infinity", "Infinity"),
}


@pytest.mark.parametrize("case", sorted(SIGNED_CASES))
def test_verify_refuses_a_signed_payload_that_is_not_strict_json(
    case: str, built: BuiltWorkspace, tmp_path: Path
) -> None:
    note, fragment = SIGNED_CASES[case]
    payload = STATEMENT % (note, b"0" * 64)
    directory = tmp_path / "attestations"
    directory.mkdir()
    (directory / "signed.intoto.jsonl").write_bytes(_signed_line(built.root, payload))

    result = run_ledger("verify", built.artifact, "--attestations", str(directory), cwd=built.root)

    assert_user_error(result, "signed.intoto.jsonl:1: signed payload", fragment)


# --------------------------------------------------------------------------- importers


@dataclass(frozen=True)
class Fixture:
    path: Path
    jsonl: bool = False


IMPORTERS = {
    "claude-code": Fixture(FIXTURES / "claude-code" / "representative_messages.jsonl", jsonl=True),
    "swe-agent": Fixture(FIXTURES / "swe-agent" / "swe-agent__test-repo-i1.traj"),
    "mini-swe-agent": Fixture(FIXTURES / "mini-swe-agent" / "local.traj.json"),
    "inspect": Fixture(FIXTURES / "inspect_ai" / "log_formats.json"),
    "openhands": Fixture(FIXTURES / "openhands" / "basic_interactions.json"),
    "otel-genai": Fixture(FIXTURES / "otel-genai" / "agent_trace.otlp.json"),
    "codex": Fixture(
        FIXTURES / "codex" / "rollout-2026-01-02T03-04-05-11111111-1111-4111-8111-111111111111.jsonl", jsonl=True
    ),
    "atif": Fixture(FIXTURES / "atif" / "openhands_hello-world.trajectory.json"),
}


JSON_STRING = re.compile(rb'"((?:[^"\\\n]|\\.)*)"')


def _with_surrogates(data: bytes) -> bytes:
    """Every prose string (a space, 15+ bytes) ends in half an emoji, as in a cut agent transcript."""

    def cut(match: re.Match[bytes]) -> bytes:
        prose = b" " in match.group(1) and len(match.group(1)) >= 15
        return match.group(0)[:-1] + rb'\ud83d"' if prose else match.group(0)

    return JSON_STRING.sub(cut, data)


def _import(fmt: str, built: BuiltWorkspace, tmp_path: Path, data: bytes, *extra: str) -> CliResult:
    src = IMPORTERS[fmt].path
    target = tmp_path / ("transcript" + "".join(src.suffixes))
    target.write_bytes(data)
    return run_ledger("import", fmt, str(target), "-w", str(built.root), *extra, cwd=built.root)


@pytest.mark.parametrize("fmt", sorted(IMPORTERS))
def test_import_replaces_lone_surrogates_in_content_and_keeps_the_original(
    fmt: str, built: BuiltWorkspace, tmp_path: Path
) -> None:
    data = _with_surrogates(IMPORTERS[fmt].path.read_bytes())
    assert b"\\ud83d" in data

    result = _import(fmt, built, tmp_path, data, "--json")

    assert_no_crash(result, 0)
    summary = json.loads(result.stdout)
    assert summary["events"] > 0
    trajectory = run_ledger("trajectory", "verify", summary["trajectory"]["sha256"], "-w", str(built.root))
    assert_no_crash(trajectory, 0)
    stored = built.object_path(summary["original"]["sha256"]).read_bytes()
    assert b"\\ud83d" in stored  # the original transcript is evidence: kept as it was


WHOLE_FILE_CASES: dict[str, tuple[bytes, str]] = {
    "invalid UTF-8": (b'{"trajectory": "\xff"}', "not UTF-8 at byte 16"),
    "nested too deeply": (DEEP, "nested too deeply"),
    "integer of 5000 digits": (b'{"trajectory": ' + BIG_INT + b"}", "more than 4300 digits"),
}


@pytest.mark.parametrize("fmt", [f for f in sorted(IMPORTERS) if not IMPORTERS[f].jsonl])
@pytest.mark.parametrize("case", sorted(WHOLE_FILE_CASES))
def test_import_of_a_hostile_whole_file_transcript_is_a_user_error(
    fmt: str, case: str, built: BuiltWorkspace, tmp_path: Path
) -> None:
    data, fragment = WHOLE_FILE_CASES[case]

    result = _import(fmt, built, tmp_path, data)

    assert_user_error(result, "transcript", fragment)


@pytest.mark.parametrize(
    "data, fragment",
    [
        (b'{"trajectory": [], "a": NaN}', "NaN is not a JSON number"),
        (b'{"trajectory": [], "trajectory": []}', "duplicate key 'trajectory'"),
        (b'{"trajectory": ["\x00"]}', "NUL byte at byte 17"),
        (b"", "empty"),
        (b"[1, 2]", "top level is a list"),
        (b"null", "top level is a JSON NoneType"),
    ],
)
def test_import_names_the_defect_of_a_whole_file_transcript(
    data: bytes, fragment: str, built: BuiltWorkspace, tmp_path: Path
) -> None:
    result = _import("swe-agent", built, tmp_path, data)

    assert_user_error(result, "transcript.traj", fragment)


@pytest.mark.parametrize(
    "transform", [lambda d: b"\xef\xbb\xbf" + d, lambda d: d.replace(b"\n", b"\r\n")], ids=["BOM", "CRLF"]
)
def test_import_reads_transcripts_with_bom_or_crlf(
    transform: Callable[[bytes], bytes], built: BuiltWorkspace, tmp_path: Path
) -> None:
    data = transform(IMPORTERS["swe-agent"].path.read_bytes())

    assert_no_crash(_import("swe-agent", built, tmp_path, data), 0)


JSONL_LINES: dict[str, tuple[bytes, str]] = {
    "invalid UTF-8": (b'{"type": "user", "x": "\xff"}', "not UTF-8 at byte 23"),
    "NUL": (b'{"type": "user"}\x00', "NUL byte"),
    "nested too deeply": (DEEP, "nested too deeply"),
    "integer of 5000 digits": (b'{"type": ' + BIG_INT + b"}", "more than 4300 digits"),
    "NaN": (b'{"type": NaN}', "NaN"),
    "duplicate keys": (b'{"type": "user", "type": "assistant"}', "duplicate key 'type'"),
    "top-level list": (b"[1, 2]", "a JSON list; expected a"),
}


@pytest.mark.parametrize("fmt", [f for f in sorted(IMPORTERS) if IMPORTERS[f].jsonl])
@pytest.mark.parametrize("case", sorted(JSONL_LINES))
def test_jsonl_import_skips_a_hostile_line_with_its_reason(
    fmt: str, case: str, built: BuiltWorkspace, tmp_path: Path
) -> None:
    line, fragment = JSONL_LINES[case]
    good = IMPORTERS[fmt].path.read_bytes().rstrip(b"\n") + b"\n"
    number = good.count(b"\n") + 1

    result = _import(fmt, built, tmp_path, good + line + b"\n")

    assert_no_crash(result, 0)
    stderr = " ".join(result.stderr.split())  # rich wraps long lines
    assert f"skipped transcript.jsonl line {number}: " in stderr and fragment in stderr, result


# --------------------------------------------------------------------------- trajectories


def _trajectory(built: BuiltWorkspace) -> bytes:
    return built.object_path(built.trajectory).read_bytes()


def _chained_line(previous: bytes, data_json: bytes) -> bytes:
    """A next event correctly chained to ``previous`` whose data is ``data_json`` verbatim."""
    import hashlib

    last = json.loads(previous.rstrip(b"\n").rsplit(b"\n", 1)[-1])
    prev = hashlib.sha256(previous.rstrip(b"\n").rsplit(b"\n", 1)[-1]).hexdigest()
    return b'{"data":%s,"prev":"%s","seq":%d,"time":"%s","type":"note"}\n' % (
        data_json,
        prev.encode(),
        last["seq"] + 1,
        last["time"].encode(),
    )


TRAJECTORY_LINES: dict[str, tuple[bytes, str]] = {
    "lone surrogate": (b'{"text":"cut \\ud83d"}', "field 'data.text' contains a lone UTF-16 surrogate"),
    "nested too deeply": (DEEP, "nested too deeply"),
    "integer of 5000 digits": (BIG_INT, "more than 4300 digits"),
    "NaN": (b"NaN", "NaN is not JSON"),
    "NUL": (b'{"text":"\x00"}', "Invalid control character"),
    "invalid UTF-8": (b'{"text":"\xff"}', "not UTF-8"),
}


@pytest.mark.parametrize("case", sorted(TRAJECTORY_LINES))
def test_trajectory_verify_names_the_hostile_line(case: str, built: BuiltWorkspace, tmp_path: Path) -> None:
    data_json, fragment = TRAJECTORY_LINES[case]
    good = _trajectory(built)
    number = good.count(b"\n") + 1
    path = tmp_path / "t.jsonl"
    path.write_bytes(good + _chained_line(good, data_json))

    verify = run_ledger("trajectory", "verify", str(path))
    show = run_ledger("trajectory", "show", str(path))

    assert_user_error(verify, str(path), f"line {number}: ", fragment, code=1)
    assert_user_error(show, f"{path}:{number}: ", fragment)


# --------------------------------------------------------------------------- spec files


def _workspace(tmp_path: Path) -> Path:
    return make_demo(tmp_path / "ws")


NODE = "code-from-spec/textkit/roman/_node.md"
SPEC_CASES: dict[str, tuple[Callable[[bytes], bytes], str]] = {
    "BOM": (lambda d: b"\xef\xbb\xbf" + d, ":1: error: file starts with a UTF-8 BOM"),
    "invalid UTF-8": (lambda d: d.replace(b"Roman", b"R\xffman", 1), "not valid UTF-8 (byte 0xff)"),
    "surrogate bytes": (lambda d: d.replace(b"Roman", b"R\xed\xa0\x80man", 1), "not valid UTF-8 (byte 0xed)"),
    "NUL": (lambda d: d.replace(b"Roman", b"R\x00man", 1), "contains a NUL byte"),
    "YAML nested too deeply": (  # segfaulted inside libyaml before the depth check; one line
        # under the reference's 64 KiB line limit, so that the depth is what is refused
        lambda d: b"---\noutput: " + DEEP[:60_000] + b"\n---\n# SPEC/textkit/roman\n",
        ":2: error: malformed YAML frontmatter: nested more than 64 levels deep",
    ),
    "YAML lone surrogate": (
        lambda d: b'---\noutput: "src/\\ud800.py"\n---\n# SPEC/textkit/roman\n',
        "invalid Unicode character escape",
    ),
    "YAML duplicate key": (
        lambda d: b"---\noutput: a.py\noutput: b.py\n---\n# SPEC/textkit/roman\n",
        ":3: error: frontmatter key 'output' appears twice",
    ),
}


@pytest.mark.parametrize("case", sorted(SPEC_CASES))
def test_spec_validate_reports_a_hostile_node_file(case: str, tmp_path: Path) -> None:
    ws = _workspace(tmp_path)
    transform, fragment = SPEC_CASES[case]
    node = ws / NODE
    node.write_bytes(transform(node.read_bytes()))

    result = run_ledger("spec", "validate", cwd=ws)

    assert_no_crash(result, 2)
    assert any(ln.startswith(NODE) and fragment in ln for ln in result.stdout.splitlines()), result


def test_a_5000_digit_yaml_integer_is_an_output_name_as_go_yaml_reads_it(tmp_path: Path) -> None:
    # go-yaml keeps a plain scalar that overflows an integer as its text (token.toNumber)
    ws = _workspace(tmp_path)
    (ws / NODE).write_bytes(b"---\noutput: " + BIG_INT + b"\n---\n# SPEC/textkit/roman\n")

    assert run_ledger("spec", "validate", cwd=ws).code == 0
    status = run_ledger("spec", "status", "--json", cwd=ws)
    assert_no_crash(status, 0)
    roman = next(r for r in json.loads(status.stdout) if r["artifact"] == "ARTIFACT/textkit/roman")
    assert (roman["path"], roman["status"]) == (BIG_INT.decode(), "missing")
    chain = run_ledger("spec", "chain", "SPEC/textkit/roman", cwd=ws)  # no file can have that name
    assert_no_crash(chain, 0)


@pytest.mark.parametrize("command", [["status"], ["chain", "SPEC/textkit/roman"]])
def test_spec_status_and_chain_refuse_deep_yaml_instead_of_crashing(
    command: list[str], tmp_path: Path
) -> None:
    ws = _workspace(tmp_path)
    (ws / NODE).write_bytes(b"---\noutput: " + b"{a: " * 15_000 + b"\n---\n# SPEC/textkit/roman\n")

    assert_user_error(run_ledger("spec", *command, cwd=ws), f"{NODE}:2: ", "nested more than 64 levels")


def test_spec_files_with_crlf_line_endings_are_read(tmp_path: Path) -> None:
    ws = _workspace(tmp_path)
    node = ws / NODE
    node.write_bytes(node.read_bytes().replace(b"\n", b"\r\n"))

    assert_no_crash(run_ledger("spec", "validate", cwd=ws), 0)


# --------------------------------------------------------------------------- TOML


TOML_CASES: dict[str, tuple[Callable[[bytes], bytes], str]] = {
    "nested too deeply": (lambda d: d + b"\n[x]\na = " + DEEP + b"\n", "nested too deeply"),
    "integer of 5000 digits": (lambda d: d + b"\n[x]\na = " + BIG_INT + b"\n", "more than 4300 digits"),
    "invalid UTF-8": (lambda d: d + b"# \xff\n", "not UTF-8"),
    "BOM": (lambda d: b"\xef\xbb\xbf" + d, ":1: file starts with a UTF-8 BOM"),
    "NUL": (lambda d: d + b"\x00", "not valid TOML"),
    "lone surrogate": (lambda d: d + b'\n[x]\na = "\\ud800"\n', "not a Unicode scalar value"),
}


@pytest.mark.parametrize("case", sorted(TOML_CASES))
def test_recipe_check_refuses_hostile_toml(case: str, tmp_path: Path) -> None:
    ws = _workspace(tmp_path)
    transform, fragment = TOML_CASES[case]
    recipe = ws / "recipes" / "roman.toml"
    recipe.write_bytes(transform(recipe.read_bytes()))

    result = run_ledger("recipe", "check", "--no-probe", "recipes/roman.toml", cwd=ws)

    assert_user_error(result, "recipes/roman.toml", fragment)


@pytest.mark.parametrize("case", ["nested too deeply", "integer of 5000 digits", "invalid UTF-8"])
@pytest.mark.parametrize("command", [["verify", "src/textkit/roman.py"], ["approve", "SPEC/textkit/roman"]])
def test_a_hostile_ledger_toml_is_a_config_error(case: str, command: list[str], tmp_path: Path) -> None:
    ws = _workspace(tmp_path)
    transform, fragment = TOML_CASES[case]
    config = ws / "ledger.toml"
    config.write_bytes(transform(config.read_bytes()))

    assert_user_error(run_ledger(*command, cwd=ws), "ledger.toml", fragment)


# --------------------------------------------------------------------- what is not a file


def _unreadable(path: Path) -> None:
    path.write_text("{}\n")
    path.chmod(0)


KINDS: dict[str, Callable[[Path], None]] = {
    "directory": lambda p: p.mkdir(),
    "dangling symlink": lambda p: p.symlink_to(p.parent / "nowhere"),
    "unreadable": _unreadable,
}
if os.geteuid() == 0:  # root reads a mode-000 file anyway
    del KINDS["unreadable"]


@pytest.mark.parametrize("kind", sorted(KINDS))
@pytest.mark.parametrize(
    "argv",
    [
        ["trajectory", "verify"],
        ["trajectory", "show"],
        ["import", "auto"],
        ["import", "openhands"],
        ["recipe", "check"],
        ["diff", "-"],
    ],
    ids=lambda a: " ".join(a),
)
def test_an_input_that_is_not_a_readable_file_is_a_user_error(
    kind: str, argv: list[str], built: BuiltWorkspace, tmp_path: Path
) -> None:
    path = tmp_path / "input.jsonl"
    KINDS[kind](path)
    args = [*argv[:-1], str(path), built.build_id] if argv == ["diff", "-"] else [*argv, str(path)]

    result = run_ledger(*args, "-w", str(built.root), cwd=built.root)

    assert_no_crash(result, 2)
    # click refuses a directory before the command runs ("Usage: … Error: … is a directory")
    assert "error: " in result.stderr.lower() and "input.jsonl" in result.stderr, result


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_verify_refuses_an_attestation_entry_that_is_not_a_readable_file(
    kind: str, built: BuiltWorkspace, tmp_path: Path
) -> None:
    directory = tmp_path / "attestations"
    shutil.copytree(built.root / "attestations", directory)
    KINDS[kind](directory / "zz.intoto.jsonl")

    result = run_ledger("verify", built.artifact, "--attestations", str(directory), cwd=built.root)

    assert_user_error(result, "zz.intoto.jsonl", "cannot read envelope file")


def test_a_path_the_system_refuses_is_an_input_error_not_a_traceback(tmp_path: Path) -> None:
    ws = _workspace(tmp_path)
    too_long = str(tmp_path / ("x" * 300))  # one name over the 255-byte limit: ENAMETOOLONG

    result = run_ledger("trace", too_long, cwd=ws)

    assert_user_error(result, "error: File name too long: ", too_long)
