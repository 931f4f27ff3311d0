"""Secrets never reach the trajectory file; what was removed is recorded without the secret."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ledger.trajectory import MARKER_RE, Redactor, TrajectoryWriter, normalize_markers, read_trajectory
from tests.trajectory.fakes import FAKE_ANTHROPIC_KEY, FAKE_BEARER, FAKE_ENV_VALUE

FAKE_GITHUB = "ghp_" + "R4nd0mLooking1Token2Value3Here4abcdEF"
FAKE_AWS = "AKIA" + "Q3EXAMPLE7KEY2AB"
FAKE_SLACK = "xoxb-" + "1234567890-0987654321-AbCdEfGhIjKl"
FAKE_JWT = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ0ZXN0LXVzZXItMSJ9.c2lnbmF0dXJlLW5vdC1yZWFs"
FAKE_PEM = (
    "-----BEGIN EC PRIVATE KEY-----\nMHcCAQEEIFakeFakeFakeFakeFakeFakeFake\n-----END EC PRIVATE KEY-----"
)


def test_planted_secrets_never_reach_the_file(tmp_path: Path, redactor: Redactor) -> None:
    path = tmp_path / "t.jsonl"
    with TrajectoryWriter(path, redactor) as w:
        w.emit("build_start", {"env": {"ANTHROPIC_API_KEY": FAKE_ANTHROPIC_KEY}})
        w.emit(
            "model_request",
            {"request": {"headers": {"Authorization": f"Bearer {FAKE_BEARER}"}, "messages": []}},
        )
        w.emit(
            "tool_result",
            {
                "name": "run_command",
                "output": f"$ env\nMY_TOKEN={FAKE_ENV_VALUE}\ncurl -H 'Authorization: Bearer "
                f"{FAKE_BEARER}'\nkey={FAKE_ANTHROPIC_KEY}\n",
            },
        )
        w.emit("exec", {"stdout": f"{FAKE_ENV_VALUE}".encode(), FAKE_ANTHROPIC_KEY: "as a key"})
        w.emit(
            "note",
            {"text": f"{FAKE_GITHUB} {FAKE_AWS} {FAKE_SLACK} {FAKE_JWT}\n{FAKE_PEM}\n"},
        )
        w.close()

    raw = path.read_bytes()
    for secret in (
        FAKE_ANTHROPIC_KEY,
        FAKE_BEARER,
        FAKE_ENV_VALUE,
        FAKE_GITHUB,
        FAKE_AWS,
        FAKE_SLACK,
        FAKE_JWT,
        "MHcCAQEEIFakeFake",
    ):
        assert secret.encode() not in raw, secret
    # the fake key's distinctive middle must not leak in any partial form either
    assert b"Zq3xT9vLw2Rk8YbNc5Hd" not in raw


def test_equal_secrets_equal_markers_and_redaction_events(tmp_path: Path, redactor: Redactor) -> None:
    path = tmp_path / "t.jsonl"
    with TrajectoryWriter(path, redactor) as w:
        w.emit("note", {"a": f"x {FAKE_ENV_VALUE}", "b": [f"{FAKE_ENV_VALUE}!"]})
        w.emit("note", {"c": f"again {FAKE_ENV_VALUE}", "d": "clean"})
        w.close()

    events = read_trajectory(path)
    assert [e.type for e in events] == ["note", "redaction", "note", "redaction"]
    marker_a = events[0].data["a"].removeprefix("x ")
    assert MARKER_RE.fullmatch(marker_a)
    assert marker_a.startswith("[REDACTED:env.MY_TOKEN:")
    assert events[0].data["b"] == [f"{marker_a}!"]
    assert events[2].data["c"] == f"again {marker_a}"  # same secret, same marker
    assert events[1].data == {
        "event": 0,
        "redactions": [
            {"path": "/a", "kind": "env.MY_TOKEN", "marker": marker_a},
            {"path": "/b/0", "kind": "env.MY_TOKEN", "marker": marker_a},
        ],
    }
    assert events[3].data["event"] == 2


def test_markers_depend_on_the_build_salt() -> None:
    """A marker cannot be matched against a guessed secret without the (unwritten) salt."""
    env = {"MY_TOKEN": FAKE_ENV_VALUE}
    one, _ = Redactor([], environ=env).redact_text(FAKE_ENV_VALUE)
    two, _ = Redactor([], environ=env).redact_text(FAKE_ENV_VALUE)
    assert one != two
    assert normalize_markers(one) == normalize_markers(two) == "[REDACTED:env.MY_TOKEN]"


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        (f"key: {FAKE_ANTHROPIC_KEY}", "anthropic_key"),
        ("OPENAI_KEY=sk-proj-" + "a1B2c3D4e5F6g7H8i9J0kLmN", "openai_key"),
        (FAKE_GITHUB, "github_token"),
        ("github_pat_" + "11ABCDEFG0123456789_abcdefghijklmnop", "github_token"),
        (f"aws={FAKE_AWS}", "aws_access_key"),
        (FAKE_SLACK, "slack_token"),
        (f"Authorization: Bearer {FAKE_BEARER}", "authorization"),
        (f'{{"x-api-key": "{FAKE_BEARER}"}}', "api_key_header"),
        (f"token was bearer {FAKE_BEARER}", "bearer_token"),
        (f"cookie={FAKE_JWT};", "jwt"),
        (FAKE_PEM, "private_key"),
        ("-----BEGIN RSA PRIVATE KEY-----\nMIIEow truncated output", "private_key"),
        ("GOOGLE=" + "AIza" + "SyD3fakeFAKEfake0123456789abcdefghi", "google_api_key"),
        ("glpat-" + "xK9fake0Fake1fake2FAKE", "gitlab_token"),
        ("HF=hf_" + "AbCdEfGhIjKlMnOpQrStUvWxYz01234567", "huggingface_token"),
        ("stripe.api_key = " + "sk_live_" + "4eC39HqLyjWDarjtT1zdp7dc", "stripe_key"),
        ("//registry.npmjs.org/:_authToken=npm_" + "a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8", "npm_token"),
        ("password = pypi-AgEIcHlwaS5vcmc" + "CJDk3ZmFrZS1mYWtlLWZha2UtZmFrZS1mYWtlLWZha2Uy" * 2, "pypi_token"),
        ("SENDGRID=SG." + "aBcDeFgHiJkLmNoPqRsTuV" + ".wXyZ0123456789aBcDeFgHiJkLmNoPqRsTuVwXyZ012", "sendgrid_key"),
        ("DO=dop_v1_" + "0123456789abcdef" * 4, "digitalocean_token"),
        ("DefaultEndpointsProtocol=https;AccountName=x;AccountKey=" + "c2VjcmV0LWZha2Uta2V5" * 4 + "==;", "azure_key"),
        ("psql postgresql://app:s3cr3t-Pa55@db.internal:5432/app", "url_password"),
        ("pip install --index-url https://__token__:hunter2@pypi.example.org/simple x", "url_password"),
        ("export DB_PASSWORD=Tr0ub4dor3x", "secret_assignment"),
        ("client_secret: 9f8e7d6c5b4a3928", "secret_assignment"),
        ('{"api_key": "YWJjZGVmZ2hpamtsbW5vcDEyMw=="}', "secret_assignment"),
        ('tool said "{\\"password\\": \\"abc12345\\"}"', "secret_assignment"),
        ("ANTHROPIC_API_KEY=" + FAKE_ANTHROPIC_KEY, "anthropic_key"),  # the provider's kind wins
    ],
)
def test_each_key_format_is_detected(text: str, kind: str) -> None:
    redactor = Redactor([], environ={})
    out, found = redactor.redact_text(text)
    assert [f.kind for f in found] == [kind]
    assert MARKER_RE.search(out)
    out_b, found_b = redactor.redact_bytes(text.encode())
    assert out_b == out.encode() and [f.kind for f in found_b] == [kind]


@pytest.mark.parametrize(
    "text",
    [
        "authorization = request.headers.get('Authorization')",
        "headers = {'Authorization': f'Bearer {token}'}",
        "def risk_assessment_framework_loader(): pass",
        "import sklearn; sk-learn-is-not-a-key-at-all",
        "the bearer of bad news",
        "password: str = field(default='')",
        "password = os.environ['DB_PASSWORD1']",
        "SECRET_KEY = get_secret_key(settings)",
        "max_tokens: 8192, input_tokens=1234567890, next_token: 42",
        "dsn = f'postgresql://{user}:{password}@{host}/db'",
        "url: postgres://app:${DB_PASSWORD}@db:5432/app and mysql://root:%(pw)s@localhost",
        "git clone https://github.com/org/repo.git; ssh://git@github.com:22/org/repo",
        "see http://localhost:8080/a@b and mailto:me@example.com",
        "token = tokenizer.encode(text)",
        "the secret: to everything is patience",
    ],
)
def test_source_code_is_left_alone(text: str) -> None:
    """False positives would corrupt recorded code and break reproduction from the trajectory."""
    out, found = Redactor([], environ={}).redact_text(text)
    assert (out, found) == (text, [])


def test_sensitive_keys_are_redacted_whole() -> None:
    redactor = Redactor([], environ={})
    result = redactor.redact_data(
        {
            "headers": {"Authorization": "Basic dXNlcjpwYXNz", "X-Api-Key": "short"},
            "header_list": [["x-api-key", "also-short"], ["accept", "application/json"]],
            "db": {"password": "pw", "client_secret": "abc", "max_tokens": 100},
        }
    )
    data: dict[str, Any] = result.data
    assert data["headers"]["Authorization"].startswith("Basic [REDACTED:authorization:")
    assert data["headers"]["X-Api-Key"].startswith("[REDACTED:api_key_header:")
    assert data["header_list"][0][1].startswith("[REDACTED:api_key_header:")
    assert data["header_list"][1] == ["accept", "application/json"]
    assert data["db"]["password"].startswith("[REDACTED:secret_field:")
    assert data["db"]["client_secret"].startswith("[REDACTED:secret_field:")
    assert data["db"]["max_tokens"] == 100
    assert sorted(f.path for f in result.findings) == [
        "/db/client_secret",
        "/db/password",
        "/header_list/0/1",
        "/headers/Authorization",
        "/headers/X-Api-Key",
    ]


def test_secret_in_a_key_is_recorded_at_the_redacted_path() -> None:
    result = Redactor([], environ={}).redact_data({"cfg": {FAKE_ANTHROPIC_KEY: 1}})
    (key,) = result.data["cfg"]
    (finding,) = result.findings
    assert finding.in_key and finding.kind == "anthropic_key"
    assert finding.path == f"/cfg/{key}"
    assert FAKE_ANTHROPIC_KEY not in json.dumps(finding.to_json())


def test_env_var_rules() -> None:
    env = {
        "DEPLOY_TOKEN": "deploy-0123456789",  # *_TOKEN, long enough: always
        "DB_PASSWORD_FILE": "/run/secrets/db",  # *PASSWORD*: a path, but redacted by the rule
        "FEATURE_KEY": "on",  # *_KEY but under 8 chars: a flag, not a secret
        "CONFIGURED": "abcd",  # configured in ledger.toml: 4 chars is enough
        "TINY": "ab",  # configured, too short: skipped and reported
        "PATH": "/usr/bin:/bin",
    }
    redactor = Redactor(["CONFIGURED", "TINY", "UNSET"], environ=env)
    text = "deploy-0123456789 /run/secrets/db on abcd ab /usr/bin:/bin"
    out, found = redactor.redact_text(text)
    assert [f.kind for f in found] == ["env.DEPLOY_TOKEN", "env.DB_PASSWORD_FILE", "env.CONFIGURED"]
    assert out.endswith(" on " + found[2].marker + " ab /usr/bin:/bin")
    assert redactor.skipped_env == ("TINY",)


def test_non_json_data_is_refused_with_its_path() -> None:
    with pytest.raises(TypeError, match=r"/a/1 is set"):
        Redactor([], environ={}).redact_data({"a": [1, {2}]})


@settings(max_examples=200, deadline=None)
@given(
    before=st.text(max_size=600),
    after=st.text(max_size=600),
    as_bytes=st.booleans(),
)
def test_env_value_is_removed_wherever_it_sits(before: str, after: str, as_bytes: bool) -> None:
    """Exact env values go even mid-word, in short and long strings, in str and bytes."""
    redactor = Redactor(["MY_TOKEN"], environ={"MY_TOKEN": FAKE_ENV_VALUE})
    text = before + FAKE_ENV_VALUE + after
    if as_bytes:
        out_b, found = redactor.redact_bytes(text.encode())
        assert FAKE_ENV_VALUE.encode() not in out_b
    else:
        out, found = redactor.redact_text(text)
        assert FAKE_ENV_VALUE not in out
    assert found


@settings(max_examples=200, deadline=None)
@given(
    before=st.text(max_size=600).map(lambda s: s + " "),
    after=st.text(max_size=600).map(lambda s: " " + s),
)
def test_key_shapes_are_removed_in_any_surrounding_text(before: str, after: str) -> None:
    redactor = Redactor([], environ={})
    out, _ = redactor.redact_text(before + FAKE_ANTHROPIC_KEY + after)
    assert FAKE_ANTHROPIC_KEY not in out
    header = f"{before}Authorization: Bearer {FAKE_BEARER}{after}"
    result = redactor.redact_data({"h": [header, {"authorization": FAKE_BEARER}]})
    assert FAKE_BEARER not in json.dumps(result.data)


@pytest.mark.parametrize(
    "text",
    [
        "token=" * 20_000,
        "token:" * 20_000,
        'token\\":' * 20_000,
        "a_token=x1/" * 10_000,
        "ab://uu:" * 15_000,
        "ab://u:" + "p" * 100_000,
        "password" * 12_000 + "=",
        "x-" * 50_000 + "token",
        "AccountKey=" * 10_000,
    ],
    ids=lambda t: repr(t[:12]),
)
def test_hostile_text_is_scanned_in_linear_time(text: str) -> None:
    """A transcript is untrusted input: the patterns must not backtrack quadratically. Each of
    these took ~0.1 s; before ':' and '=' ended a value, 'token=' * 20000 took 25 s."""
    import time

    redactor = Redactor([], environ={})
    started = time.perf_counter()
    redactor.redact_text(text)
    redactor.redact_bytes(text.encode())
    assert time.perf_counter() - started < 5


def test_an_env_value_keeps_its_name_when_a_pattern_also_finds_it() -> None:
    """`token=<value of DEMO_DB_PASSWORD>` is found by the assignment rule first (it starts
    earlier); the marker still says which variable leaked."""
    redactor = Redactor(["DEMO_DB_PASSWORD"], environ={"DEMO_DB_PASSWORD": FAKE_ENV_VALUE})
    out, found = redactor.redact_text(f"echo token={FAKE_ENV_VALUE}")
    assert [f.kind for f in found] == ["env.DEMO_DB_PASSWORD"]
    assert FAKE_ENV_VALUE not in out
    out_b, found_b = redactor.redact_bytes(f"echo token={FAKE_ENV_VALUE}".encode())
    assert out_b == out.encode() and [f.kind for f in found_b] == ["env.DEMO_DB_PASSWORD"]


def test_model_responses_are_redacted_without_guessing_so_replay_feeds_back_the_same_code(
    tmp_path: Path, redactor: Redactor
) -> None:
    """A replay serves recorded model responses back to the tools: a fake credential in
    generated test code must stay as written, or the replayed file would hold a marker. Tool
    output gets every rule, and known secrets go from model responses too."""
    code = 'def test_login():\n    client.login(password="hunter2x9", dsn="postgresql://u:pw1@db/app")\n'
    path = tmp_path / "t.jsonl"
    with TrajectoryWriter(path, redactor) as w:
        response = w.emit("model_response", {"response": {"content": [{"type": "text", "text": code}]}})
        leaked = w.emit("model_response", {"response": {"content": [{"type": "text", "text": FAKE_ENV_VALUE}]}})
        result = w.emit("tool_result", {"name": "run_command", "output": code})
        w.close()

    assert response.data["response"]["content"][0]["text"] == code
    assert FAKE_ENV_VALUE not in json.dumps(leaked.data)
    output = result.data["output"]
    assert "hunter2x9" not in output and "pw1@" not in output
    assert "[REDACTED:secret_assignment:" in output and "[REDACTED:url_password:" in output


def test_an_imported_transcript_gets_every_rule_in_model_responses_too(tmp_path: Path, redactor: Redactor) -> None:
    """An imported transcript is never replayed, so nothing argues for keeping a guessed secret."""
    path = tmp_path / "t.jsonl"
    with TrajectoryWriter(path, redactor, replayable=False) as w:
        event = w.emit("model_response", {"text": "export DB_PASSWORD=Tr0ub4dor3x"})
        w.close()

    assert event.data["text"].startswith("export DB_PASSWORD=[REDACTED:secret_assignment:")
