"""Secret redaction applied to every trajectory event before it reaches disk.

A secret becomes ``[REDACTED:<kind>:<h>]`` where ``h`` is the first 8 hex digits of
HMAC-SHA256(salt, secret). The salt is random per build and never written, so equal secrets
get equal markers within one build (an auditor can see "the same key was sent twice") while
the marker cannot be checked against guessed secrets offline.

Detection is one compiled regular expression: the literal values of sensitive environment
variables first (longest first, so a value wins over a pattern starting at the same place),
then the key formats. Every alternative has one named group, named by its kind, holding the
secret; text around it (``Authorization: Bearer``) is kept. Values under sensitive JSON keys
(``Authorization``, ``x-api-key``, ``password``…) are redacted whole, whatever their shape.
"""

from __future__ import annotations

import copy
import fnmatch
import hashlib
import hmac
import os
import re
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

MARKER_RE = re.compile(r"\[REDACTED:([A-Za-z0-9_.]+):([0-9a-f]{8})\]")
"""Matches a marker; group 1 is the kind, group 2 the HMAC prefix."""

# Env var names whose values are secrets even when not configured (fnmatch, case-insensitive).
SECRET_ENV_GLOBS = ("*_KEY", "*_TOKEN", "*_SECRET", "*PASSWORD*")
MIN_PATTERN_ENV_LEN = 8  # shorter values of *_KEY… variables are flags or ids, not secrets
MIN_CONFIGURED_ENV_LEN = 4  # a 1–3 char "secret" would shred every event it occurs in

_TOKEN = r"[A-Za-z0-9_.~+/-]"
# Values that stand for a secret rather than being one: ${X}, $X, {x}, %(x)s, <x>, ****, a marker.
_NOT_PLACEHOLDER = r"(?![$%{<*\[])"
# Starts of values a provider pattern names better than the generic assignment rule does.
_KNOWN_PREFIXES = (
    r"sk-|[sr]k_(?:live|test)_|whsec_|gh[pousr]_|github_pat_|AKIA|ASIA|xox|eyJ|AIza"
    r"|gl(?:pat|ptt|dt|rt|oas|cbt)-|hf_|npm_|pypi-|SG\.|do[opr]_v1_"
)
# (kind, regex). The group named after the kind is the secret; the rest of the match is kept.
_PATTERNS: tuple[tuple[str, str], ...] = (
    (
        "private_key",
        r"(?P<private_key>-----BEGIN[A-Z0-9 ]{0,40} PRIVATE KEY-----[\s\S]*?"
        r"(?:-----END[A-Z0-9 ]{0,40} PRIVATE KEY-----|\Z))",
    ),
    ("anthropic_key", r"(?<![A-Za-z0-9_-])(?P<anthropic_key>sk-ant-[A-Za-z0-9_-]{20,})"),
    (
        "openai_key",
        r"(?<![A-Za-z0-9_-])(?P<openai_key>sk-(?:proj-|svcacct-|admin-)?"
        r"(?=[A-Za-z0-9_-]*[0-9])[A-Za-z0-9_-]{20,})",
    ),
    (
        "github_token",
        r"(?<![A-Za-z0-9_])(?P<github_token>gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{22,})",
    ),
    ("aws_access_key", r"(?<![A-Z0-9])(?P<aws_access_key>(?:AKIA|ASIA)[A-Z0-9]{16})(?![A-Z0-9])"),
    ("slack_token", r"(?<![A-Za-z0-9])(?P<slack_token>xox[abprs]-[A-Za-z0-9-]{10,})"),
    (
        "jwt",
        r"(?<![A-Za-z0-9_-])(?P<jwt>eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*)",
    ),
    # Header forms in free text. The credential must contain a digit so that source code such
    # as `authorization = request.headers` is not mistaken for a token.
    (
        "authorization",
        r"(?ai:authorization)[\"']?\s*[:=]\s*[\"']?(?:(?ai:bearer|basic|token|digest)\s+)?"
        rf"(?P<authorization>(?={_TOKEN}*[0-9]){_TOKEN}{{8,}}=*)",
    ),
    (
        "api_key_header",
        rf"(?ai:x-api-key)[\"']?\s*[:=]\s*[\"']?(?P<api_key_header>(?={_TOKEN}*[0-9]){_TOKEN}{{8,}})",
    ),
    ("bearer_token", rf"(?ai:bearer)\s+(?P<bearer_token>(?={_TOKEN}*[0-9]){_TOKEN}{{16,}}=*)"),
    # Provider formats (prefixes as gitleaks' rules have them).
    ("google_api_key", r"(?<![A-Za-z0-9_-])(?P<google_api_key>AIza[0-9A-Za-z_-]{35})(?![A-Za-z0-9_-])"),
    ("gitlab_token", r"(?<![A-Za-z0-9_-])(?P<gitlab_token>gl(?:pat|ptt|dt|rt|oas|cbt)-[0-9A-Za-z_-]{20,})"),
    ("huggingface_token", r"(?<![A-Za-z0-9_])(?P<huggingface_token>hf_[A-Za-z0-9]{34,})"),
    (
        "stripe_key",
        r"(?<![A-Za-z0-9_])(?P<stripe_key>(?:sk|rk)_(?:live|test)_[0-9A-Za-z]{16,}|whsec_[A-Za-z0-9+/=]{24,})",
    ),
    ("npm_token", r"(?<![A-Za-z0-9_])(?P<npm_token>npm_[A-Za-z0-9]{36,})"),
    ("pypi_token", r"(?<![A-Za-z0-9_-])(?P<pypi_token>pypi-AgEIcHlwaS5vcmc[A-Za-z0-9_-]{50,})"),
    ("sendgrid_key", r"(?<![A-Za-z0-9_-])(?P<sendgrid_key>SG\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43})"),
    ("digitalocean_token", r"(?<![A-Za-z0-9_])(?P<digitalocean_token>do[opr]_v1_[a-f0-9]{64})"),
    ("azure_key", r"(?:AccountKey|SharedAccessKey)=(?P<azure_key>[A-Za-z0-9+/]{20,}={0,2})"),
    # The password of a URL's userinfo (postgresql://app:pw@db/…), unless it is a placeholder
    # (${PW}, {password}, %(pw)s, <password>, ****) or a marker already.
    (
        "url_password",
        r"(?<![A-Za-z0-9+.-])[A-Za-z][A-Za-z0-9+.-]{1,30}://[^\s/?#@:'\"<>]{1,200}:"
        rf"(?P<url_password>{_NOT_PLACEHOLDER}[^\s/?#@'\"<>]{{1,200}})@(?=[A-Za-z0-9\[])",
    ),
    # NAME=value / "name": "value" in free text (shell, .env files, configs, logs) where the name
    # ends like a credential's. As with the header forms the value needs a digit, so that code
    # (`password = request.form['password']`) is left alone; values the patterns above know
    # are theirs, and so named.
    (
        "secret_assignment",
        r"(?<![A-Za-z0-9_.-])(?ai:[A-Za-z0-9_.-]*(?:api[_-]?key|secret|token|passw(?:or)?d))"
        r"(?:\\?[\"'])?\s*[:=]\s*(?:\\?[\"'])?"  # quoted, also inside JSON-escaped text
        rf"(?P<secret_assignment>{_NOT_PLACEHOLDER}(?!{_KNOWN_PREFIXES})"
        # ':' and '=' end a value (but for Base64 padding): a value never runs into the next
        # name=value, which keeps the scan linear on hostile text such as 'token=' * 20000
        r"(?=[^\s\\\"',;:=]*[0-9])[^\s\\\"',;:=]{8,}={0,2})",
    ),
)

# Patterns that guess from context rather than recognise a format; see Redactor.exact_only.
HEURISTIC_KINDS = frozenset({"url_password", "secret_assignment"})
# Events whose content a replay serves back to the tools: written without the heuristics.
REPLAYED_EVENT_TYPES = frozenset({"model_response"})

# JSON keys (lower-cased) whose string value is a credential as a whole, and the kind recorded.
SENSITIVE_HEADERS: Mapping[str, str] = {
    "authorization": "authorization",
    "proxy-authorization": "authorization",
    "x-api-key": "api_key_header",
    "api-key": "api_key_header",
    "x-auth-token": "api_key_header",
    "cookie": "cookie",
    "set-cookie": "cookie",
}
# What every pattern above starts with, as expressions that each begin with a literal of two
# or more characters, which re finds at the speed of an `in` scan: a text holding none of them
# (and none of the env values) is returned untouched, ~15x faster than the full expression.
# Families share one expression (gh[pousr]_, not five scans).
_TRIGGERS = (
    r"sk-",
    r"gh[pousr]_",
    r"github_pat_",
    r"AKIA",
    r"ASIA",
    r"xox",
    r"eyJ",
    r"PRIVATE KEY",
    r"AIza",
    r"gl(?:pat|ptt|dt|rt|oas|cbt)-",
    r"hf_",
    r"k_(?:live|test)_",
    r"whsec_",
    r"npm_",
    r"pypi-",
    r"SG\.",
    r"_v1_",
    r"AccountKey=",
    r"SharedAccessKey=",
)
_TRIGGERS_LOWER = ("bearer", "authorization", "x-api-key")  # the (?ai:…) parts
# The two patterns without a literal of their own (a URL's userinfo, a credential-like name
# followed by ':' or '='): their words are common in transcripts ("input_tokens", links), so a
# text holding one is confirmed before the full expression runs, by one expression per word
# over the lower-cased text. Each starts with its word, which re finds at C speed; a single
# case-insensitive alternation took 2.8 s over a 46 MB transcript, these take ~0.1 s.
_SEPARATOR = r"(?:\\?[\"'])?\s*[:=]"
_CONTEXT: tuple[tuple[str, str], ...] = (
    ("://", r"://[^\s/?#@:'\"<>]{1,200}:[^\s/?#@'\"<>]{1,200}@"),
    ("token", "token" + _SEPARATOR),
    ("secret", "secret" + _SEPARATOR),
    ("passw", "passw(?:or)?d" + _SEPARATOR),
    ("api", "api[_-]?key" + _SEPARATOR),
)
_CONTEXT_STR = tuple((word, re.compile(rx)) for word, rx in _CONTEXT)
_CONTEXT_BYTES = tuple((word.encode("ascii"), re.compile(rx.encode("ascii"))) for word, rx in _CONTEXT)
# Nothing shorter can hold a secret a pattern finds: a 15-char Slack token is the shortest
# match of the literal-led patterns, 'ab://u:p@h' of the context patterns.
_SHORTEST_LITERAL_MATCH = 15
_SHORTEST_CONTEXT_MATCH = 10

_SECRET_FIELD_RE = re.compile(
    r"(?:.*[_-])?(?:api[_-]?key|access[_-]?key|secret[_-]?key|private[_-]?key|secret|token"
    r"|client[_-]?secret)|.*passw(?:or)?d.*",
    re.IGNORECASE,
)
_AUTH_SCHEME_RE = re.compile(r"\A((?ai:bearer|basic|token|digest)\s+)?(.*)\Z", re.DOTALL)


@dataclass(frozen=True)
class Finding:
    """One secret removed: where (RFC 6901 pointer into the event's data), what kind, its marker."""

    path: str
    kind: str
    marker: str
    in_key: bool = False

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"path": self.path, "kind": self.kind, "marker": self.marker}
        if self.in_key:
            out["in_key"] = True
        return out


@dataclass(frozen=True)
class Redacted:
    data: dict[str, Any]
    findings: tuple[Finding, ...]


class Redactor:
    """Replaces secrets in event data, text and bytes; one instance (one salt) per build."""

    def __init__(
        self,
        env_names: Iterable[str] = (),
        *,
        environ: Mapping[str, str] | None = None,
        extra_secrets: Iterable[str] = (),
        salt: bytes | None = None,
    ) -> None:
        """``env_names``: variables whose exact values are secrets (from ledger.toml).

        ``environ`` defaults to ``os.environ`` (read once, here). ``salt`` is for tests and for
        several processes of one build that must agree on markers; it is never written.
        """
        if salt is not None and len(salt) < 16:
            raise ValueError("redaction salt must be at least 16 bytes")
        self._salt = salt if salt is not None else secrets.token_bytes(32)
        env = dict(os.environ if environ is None else environ)
        literals: dict[str, str] = {}  # value -> kind
        skipped: list[str] = []
        for name in env_names:
            value = env.get(name)
            if not value:
                continue
            if len(value) < MIN_CONFIGURED_ENV_LEN:
                skipped.append(name)
                continue
            literals.setdefault(value, _env_kind(name))
        for name in sorted(env):
            value = env[name]
            if len(value) >= MIN_PATTERN_ENV_LEN and _is_secret_env_name(name):
                literals.setdefault(value, _env_kind(name))
        for value in extra_secrets:
            if value:
                literals.setdefault(value, "secret")
        self.skipped_env: tuple[str, ...] = tuple(skipped)
        """Configured variables whose values were too short to redact (record them)."""
        self._literal_kind = literals
        self._literal_kind_b = {v.encode("utf-8"): k for v, k in literals.items()}
        alternatives: list[str] = []
        alternatives_b: list[bytes] = []
        if literals:
            ordered = sorted(literals, key=lambda v: (-len(v), v))
            alternatives.append("(?P<env>" + "|".join(re.escape(v) for v in ordered) + ")")
            values_b = b"|".join(re.escape(v.encode("utf-8")) for v in ordered)
            alternatives_b.append(b"(?P<env>" + values_b + b")")
        self._re, self._re_b = _compiled(alternatives, alternatives_b, _PATTERNS)
        exact = tuple((kind, rx) for kind, rx in _PATTERNS if kind not in HEURISTIC_KINDS)
        self._exact_re, self._exact_re_b = _compiled(alternatives, alternatives_b, exact)
        self._heuristics = True
        self._hmac_cache: dict[bytes, str] = {}
        triggers = (*_TRIGGERS, *(re.escape(v) for v in literals))
        self._triggers = tuple(re.compile(t) for t in triggers)
        self._triggers_b = tuple(re.compile(t.encode("utf-8")) for t in triggers)
        self._triggers_lower_b = tuple(t.encode("ascii") for t in _TRIGGERS_LOWER)
        self._trigger_re = re.compile("|".join(triggers))  # one call for short texts
        shortest_env = min((len(v) for v in literals), default=_SHORTEST_LITERAL_MATCH)
        self._min_literal_len = min(_SHORTEST_LITERAL_MATCH, shortest_env)
        self._min_len = min(_SHORTEST_CONTEXT_MATCH, shortest_env)

    def _may_match(self, text: str) -> bool:
        """A cheap superset test of the full pattern; most strings in a trajectory are clean.

        Literal triggers first (one regex call beats a few dozen `in` scans on short strings;
        not on long prose, where most letters start some trigger); then the case-insensitive
        words on the lower-cased text; the context patterns only where a ':' or '=' is."""
        size = len(text)
        if size < self._min_len:
            return False
        lowered = None
        if size >= self._min_literal_len:
            if size <= 512:
                if self._trigger_re.search(text) is not None:
                    return True
            elif any(t.search(text) is not None for t in self._triggers):
                return True
            lowered = text.lower()
            if any(t in lowered for t in _TRIGGERS_LOWER):
                return True
        if not self._heuristics or (":" not in text and "=" not in text):
            return False
        lowered = text.lower() if lowered is None else lowered
        return any(word in lowered and rx.search(lowered) is not None for word, rx in _CONTEXT_STR)

    def _may_match_b(self, data: bytes) -> bool:
        if any(t.search(data) is not None for t in self._triggers_b):
            return True
        lowered = data.lower()
        if any(t in lowered for t in self._triggers_lower_b):
            return True
        if not self._heuristics or (b":" not in data and b"=" not in data):
            return False
        return any(word in lowered and rx.search(lowered) is not None for word, rx in _CONTEXT_BYTES)

    def exact_only(self) -> Redactor:
        """This redactor (same salt and markers) without the heuristic patterns: env values,
        provider key formats and sensitive JSON keys only.

        For what a replay feeds back into the tools (``model_response``): a false positive of
        ``url_password`` or ``secret_assignment`` in generated code (a test's
        ``password="hunter2x"``) would be replayed as its marker and break REPRODUCED.
        """
        view = copy.copy(self)  # shares the HMAC cache: equal secrets, equal markers
        view._re, view._re_b = self._exact_re, self._exact_re_b
        view._heuristics = False
        return view

    def marker(self, kind: str, secret: str | bytes) -> str:
        raw = secret.encode("utf-8") if isinstance(secret, str) else secret
        prefix = self._hmac_cache.get(raw)
        if prefix is None:
            prefix = hmac.new(self._salt, raw, hashlib.sha256).hexdigest()[:8]
            self._hmac_cache[raw] = prefix
        return f"[REDACTED:{kind}:{prefix}]"

    def redact_text(self, text: str, path: str = "") -> tuple[str, list[Finding]]:
        """``text`` with every detected secret replaced, and what was replaced."""
        if not self._may_match(text) or self._re.search(text) is None:
            return text, []
        parts: list[str] = []
        found: list[Finding] = []
        pos = 0
        markers = _marker_spans(text)
        for m in self._re.finditer(text):
            group = m.lastgroup
            assert group is not None
            start, end = m.span(group)
            if _inside(markers, start, end):
                continue  # an existing marker is not a secret (its kind names e.g. 'authorization')
            secret = text[start:end]
            kind = self._literal_kind.get(secret, group)  # an env value keeps its name in any context
            marker = self.marker(kind, secret)
            parts += (text[pos:start], marker)
            pos = end
            found.append(Finding(path, kind, marker))
        parts.append(text[pos:])
        return "".join(parts), found

    def redact_bytes(self, data: bytes) -> tuple[bytes, list[Finding]]:
        """The same on raw bytes (exec logs, tool outputs) before they go to the object store."""
        if not self._may_match_b(data) or self._re_b.search(data) is None:
            return data, []
        parts: list[bytes] = []
        found: list[Finding] = []
        pos = 0
        markers = _marker_spans(data.decode("latin-1")) if b"[REDACTED:" in data else []
        for m in self._re_b.finditer(data):
            group = m.lastgroup
            assert group is not None
            start, end = m.span(group)
            if _inside(markers, start, end):
                continue
            secret = data[start:end]
            kind = self._literal_kind_b.get(secret, group)
            marker = self.marker(kind, secret)
            parts += (data[pos:start], marker.encode("ascii"))
            pos = end
            found.append(Finding("", kind, marker))
        parts.append(data[pos:])
        return b"".join(parts), found

    def redact_data(self, data: Mapping[str, Any]) -> Redacted:
        """A redacted deep copy of an event's ``data`` (keys too); bytes are decoded as UTF-8.

        Raises TypeError for values JSON cannot hold, naming where they are.
        """
        if not isinstance(data, Mapping):
            raise TypeError(f"event data is {type(data).__name__}; expected a JSON object")
        found: list[Finding] = []
        out = self._walk_object(data, "", found)
        return Redacted(out, tuple(found))

    def _walk_object(self, obj: Mapping[Any, Any], path: str, found: list[Finding]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key, value in obj.items():
            if not isinstance(key, str):
                raise TypeError(f"key {key!r} at {path or '/'} is not a string; JSON keys are")
            new_key, key_found = self.redact_text(key)
            child = f"{path}/{_pointer_escape(new_key)}"
            found.extend(Finding(child, f.kind, f.marker, in_key=True) for f in key_found)
            if new_key in out:
                raise ValueError(f"redacting key at {child} collides with another key")
            out[new_key] = self._walk(value, child, found, key)
        return out

    def _walk(self, value: Any, path: str, found: list[Finding], key: str | None) -> Any:
        if isinstance(value, bytes | bytearray | memoryview):
            value = bytes(value).decode("utf-8", errors="replace")
        if isinstance(value, str):
            if key is not None:
                whole = self._sensitive_value(value, key, path, found)
                if whole is not None:
                    return whole
            new, text_found = self.redact_text(value, path)
            found.extend(text_found)
            return new
        if value is None or isinstance(value, bool | int | float):
            return value
        if isinstance(value, Mapping):
            return self._walk_object(value, path, found)
        if isinstance(value, list | tuple):
            # [["x-api-key", "…"], …] header lists: the name sits next to the value.
            pair_key = (
                value[0]
                if len(value) == 2 and isinstance(value[0], str) and isinstance(value[1], str)
                else None
            )
            items = []
            for i, item in enumerate(value):
                hint = pair_key if i == 1 else None
                items.append(self._walk(item, f"{path}/{i}", found, hint))
            return items
        raise TypeError(
            f"event data at {path or '/'} is {type(value).__name__}; expected str, int, float, "
            "bool, None, bytes, list or dict"
        )

    def _sensitive_value(self, value: str, key: str, path: str, found: list[Finding]) -> str | None:
        """The whole credential under a sensitive key, redacted; None if the key is ordinary."""
        lowered = key.lower()
        kind = SENSITIVE_HEADERS.get(lowered)
        if kind is None and _SECRET_FIELD_RE.fullmatch(key):
            kind = "secret_field"
        if kind is None or not value.strip() or MARKER_RE.fullmatch(value.strip()):
            return None
        scheme, credential = "", value
        if kind == "authorization":
            m = _AUTH_SCHEME_RE.match(value)
            assert m is not None
            scheme, credential = m.group(1) or "", m.group(2)
            if not credential or MARKER_RE.fullmatch(credential):
                return None
        marker = self.marker(kind, credential)
        found.append(Finding(path, kind, marker))
        return scheme + marker


def _compiled(
    first: list[str], first_b: list[bytes], patterns: tuple[tuple[str, str], ...]
) -> tuple[re.Pattern[str], re.Pattern[bytes]]:
    """One expression (str and bytes) of the env values ``first`` and then ``patterns``."""
    text = re.compile("|".join([*first, *(rx for _, rx in patterns)]))
    data = re.compile(b"|".join([*first_b, *(rx.encode("ascii") for _, rx in patterns)]))
    return text, data


def _is_secret_env_name(name: str) -> bool:
    upper = name.upper()
    return any(fnmatch.fnmatchcase(upper, glob) for glob in SECRET_ENV_GLOBS)


def _env_kind(name: str) -> str:
    return "env." + re.sub(r"[^A-Za-z0-9_]", "_", name)


def _pointer_escape(key: str) -> str:
    return key.replace("~", "~0").replace("/", "~1")


def _marker_spans(text: str) -> list[tuple[int, int]]:
    if "[REDACTED:" not in text:
        return []
    return [m.span() for m in MARKER_RE.finditer(text)]


def _inside(spans: list[tuple[int, int]], start: int, end: int) -> bool:
    return any(a <= start and end <= b for a, b in spans)


def normalize_markers(text: str) -> str:
    """Markers without their HMAC prefix, to compare trajectories of different builds (salts)."""
    return MARKER_RE.sub(lambda m: f"[REDACTED:{m.group(1)}]", text)
