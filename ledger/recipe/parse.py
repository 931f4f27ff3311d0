"""Strict recipe parsing: unknown keys, wrong types and unpinned models are errors with a line."""

from __future__ import annotations

import datetime as _dt
import re
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, Literal
from urllib.parse import urlsplit

from ledger.errors import PathEscapeError, RecipeError, SpecError
from ledger.fsutil import check_relative
from ledger.recipe.model import (
    LOOPBACK_HOSTS,
    LOOPBACK_PLACEHOLDER,
    PROVIDERS,
    LoopbackSection,
    ModelSection,
    Recipe,
    RecipeSection,
    SandboxSection,
    SpecSection,
    TestSection,
)
from ledger.safeparse import loads_toml

# --------------------------------------------------------------------------- schema

_Kind = Literal["str", "int", "float", "bool"]


@dataclass(frozen=True)
class _Key:
    kind: _Kind
    required: bool = False


_SCHEMA: dict[str, dict[str, _Key]] = {
    "recipe": {"name": _Key("str", True), "target": _Key("str", True), "prompt": _Key("str")},
    "model": {
        "provider": _Key("str", True),
        "id": _Key("str", True),
        "endpoint": _Key("str"),
        "seed": _Key("int"),
        "temperature": _Key("float"),
        "max_tokens": _Key("int"),
        "send_seed": _Key("bool"),
        "api_key_env": _Key("str"),
    },
    "tools": {},  # free keys, string values
    "sandbox": {
        "network": _Key("bool"),
        "timeout_s": _Key("int"),
        "max_turns": _Key("int"),
        "call_timeout_s": _Key("int"),
    },
    "test": {"command": _Key("str", True), "timeout_s": _Key("int")},
    "spec": {"chain": _Key("str")},
    "loopback": {"script": _Key("str", True)},
}
_REQUIRED_TABLES = ("recipe", "model")

_KIND_TEXT = {
    "str": "a string",
    "int": "an integer",
    "float": "a number",
    "bool": "a boolean (true/false)",
}

_NAME_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,127}")
_TOOL_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._+-]{0,63}")
_PIN_RE = re.compile(r"[0-9]+(?:\.[0-9]+)*")
_ENV_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_CHAIN_RE = re.compile(r"[A-Za-z0-9_-]{27}")
_SNAPSHOT_RE = re.compile(r"-(\d{8})$")


def _type_name(value: object) -> str:
    return {
        bool: "a boolean",
        int: "an integer",
        float: "a number",
        str: "a string",
        list: "an array",
        dict: "a table",
    }.get(type(value), type(value).__name__)


def _is_kind(value: object, kind: _Kind) -> bool:
    if kind == "bool":
        return isinstance(value, bool)
    if kind == "int":
        return isinstance(value, int) and not isinstance(value, bool)
    if kind == "float":
        return isinstance(value, int | float) and not isinstance(value, bool)
    return isinstance(value, str)


# --------------------------------------------------------------------------- line finding

_HEADER_RE = re.compile(r"^\s*\[\[?\s*([^\]]+?)\s*\]\]?\s*(?:#.*)?$")
_PART = r"""(?:[A-Za-z0-9_-]+|"[^"]*"|'[^']*')"""
_KEY_RE = re.compile(rf"^\s*({_PART}(?:\s*\.\s*{_PART})*)\s*=")


def _unquote(part: str) -> str:
    part = part.strip()
    if len(part) >= 2 and part[0] == part[-1] and part[0] in "\"'":
        return part[1:-1]
    return part


def _split_dotted(text: str) -> list[str]:
    return [_unquote(p) for p in re.findall(_PART, text)]


def locate_keys(text: str) -> dict[tuple[str, str], int]:
    """Map ``(table, key)`` (and ``(table, "")`` for headers) to 1-based lines, by scanning.

    tomllib gives values without positions, so errors find their line here. Lines inside
    multi-line strings are skipped; the first occurrence wins.
    """
    found: dict[tuple[str, str], int] = {}
    table = ""
    in_multiline: str | None = None
    for number, line in enumerate(text.splitlines(), start=1):
        if in_multiline is not None:
            if line.count(in_multiline) % 2 == 1:
                in_multiline = None
            continue
        header = _HEADER_RE.match(line)
        if header:
            parts = _split_dotted(header.group(1))
            table = ".".join(parts)
            found.setdefault((table, ""), number)
            continue
        key = _KEY_RE.match(line)
        if key:
            parts = _split_dotted(key.group(1))
            owner = ".".join([table, *parts[:-1]]) if table else ".".join(parts[:-1])
            found.setdefault((owner, parts[-1]), number)
            if not table and len(parts) > 1:
                found.setdefault((parts[0], ""), number)
            rest = line[key.end() :]
            for quote in ('"""', "'''"):
                if rest.count(quote) % 2 == 1:
                    in_multiline = quote
                    break
    return found


# --------------------------------------------------------------------------- parsing


class _Parser:
    """One pass over the decoded TOML with the line map at hand for every complaint."""

    def __init__(self, text: str, source: str) -> None:
        self.source = source
        self.lines = locate_keys(text)

    def fail(self, table: str, key: str | None, message: str, hint: str | None = None) -> RecipeError:
        line = self.lines.get((table, key or "")) or self.lines.get((table, ""))
        return RecipeError(message, hint=hint, file=self.source, line=line)

    def table(self, data: Mapping[str, Any], name: str) -> dict[str, Any]:
        """The keys of ``[name]`` checked against the schema: known keys, right types."""
        raw = data.get(name, {})
        if not isinstance(raw, dict):
            raise self.fail(
                "", name, f"'{name}' must be a table [{name}], got {_type_name(raw)}"
            )
        schema = _SCHEMA[name]
        out: dict[str, Any] = {}
        for key, value in raw.items():
            if name == "tools":
                out[key] = self._tool_pin(key, value)
                continue
            spec = schema.get(key)
            if spec is None:
                expected = ", ".join(sorted(schema))
                raise self.fail(
                    name, key, f"unknown key '{key}' in [{name}]; expected one of {expected}"
                )
            if not _is_kind(value, spec.kind):
                raise self.fail(
                    name,
                    key,
                    f"[{name}] {key}: expected {_KIND_TEXT[spec.kind]}, got {_type_name(value)}",
                )
            out[key] = float(value) if spec.kind == "float" else value
        if name in data:
            for key, spec in schema.items():
                if spec.required and key not in out:
                    raise self.fail(name, None, f"missing required key '{key}' in [{name}]")
        return out

    def _tool_pin(self, tool: str, value: object) -> str:
        if not _TOOL_RE.fullmatch(tool):
            raise self.fail(
                "tools", tool, f"[tools] {tool!r}: expected a tool name (letters, digits, ._+-)"
            )
        if not isinstance(value, str):
            raise self.fail(
                "tools",
                tool,
                f"[tools] {tool}: expected a string version, got {_type_name(value)}",
                hint=f'quote the version, e.g. {tool} = "3.10" (a bare 3.10 is the number 3.1)',
            )
        if not _PIN_RE.fullmatch(value):
            raise self.fail(
                "tools",
                tool,
                f"[tools] {tool}: pinned version {value!r} is not dotted numbers (e.g. \"1.22.5\")",
            )
        return value

    def parse(self, data: Mapping[str, Any]) -> Recipe:
        expected = ", ".join(f"[{t}]" for t in _SCHEMA)
        for name, value in data.items():
            if name in _SCHEMA:
                continue
            if isinstance(value, dict):
                raise self.fail(name, None, f"unknown table [{name}]; expected one of {expected}")
            raise self.fail(
                "", name, f"unknown top-level key '{name}'; expected one of the tables {expected}"
            )
        for name in _REQUIRED_TABLES:
            if name not in data:
                raise RecipeError(
                    f"missing required table [{name}]", file=self.source, line=None
                )
        tables = {name: self.table(data, name) for name in _SCHEMA}

        recipe = RecipeSection(**tables["recipe"])
        self._check_recipe(recipe)
        model = ModelSection(**tables["model"])
        self._check_model(model)
        sandbox = SandboxSection(**tables["sandbox"])
        self._check_sandbox(sandbox)
        test = TestSection(**tables["test"])
        self._check_test(test)
        spec = SpecSection(**tables["spec"])
        if spec.chain is not None and not _CHAIN_RE.fullmatch(spec.chain):
            raise self.fail(
                "spec",
                "chain",
                f"[spec] chain: {spec.chain!r} is not a Code from Spec chain hash "
                "(27 base64url characters)",
                hint="copy it from `ledger spec chain SPEC/…` or the .manifest",
            )
        loopback = LoopbackSection(**tables["loopback"]) if "loopback" in data else None
        if model.provider == "loopback" and loopback is None:
            raise self.fail(
                "model",
                "provider",
                "provider 'loopback' needs a [loopback] table with script = \"path\"",
            )
        if model.provider != "loopback" and loopback is not None:
            raise self.fail(
                "loopback",
                None,
                f"[loopback] is only valid with provider 'loopback' (this recipe uses "
                f"'{model.provider}')",
            )
        if loopback is not None:
            self._check_path("loopback", "script", loopback.script)
        if model.endpoint is None and model.provider == "loopback":
            model = ModelSection(**{**tables["model"], "endpoint": LOOPBACK_PLACEHOLDER})
        return Recipe(
            recipe=recipe,
            model=model,
            tools=MappingProxyType(dict(sorted(tables["tools"].items()))),
            sandbox=sandbox,
            test=test,
            spec=spec,
            loopback=loopback,
            source=self.source,
            lines=MappingProxyType(self.lines),
        )

    def _check_path(self, table: str, key: str, rel: str) -> None:
        try:
            check_relative(rel, what=f"[{table}] {key}")
        except PathEscapeError as exc:
            raise self.fail(table, key, exc.message) from None

    def _check_recipe(self, r: RecipeSection) -> None:
        if not _NAME_RE.fullmatch(r.name):
            raise self.fail(
                "recipe",
                "name",
                f"[recipe] name: {r.name!r} must be letters, digits, '.', '_' or '-' "
                "(it becomes part of build ids and file names)",
            )
        self._check_target(r.target)
        if r.prompt is not None:
            self._check_path("recipe", "prompt", r.prompt)

    def _check_target(self, target: str) -> None:
        from ledger.spec.names import parse_logical_name

        expected = "expected the SPEC/… name of a leaf node with output:"
        try:
            name = parse_logical_name(target)
        except SpecError as exc:
            raise self.fail("recipe", "target", f"[recipe] target: {exc.message}; {expected}") \
                from None
        if name.kind != "SPEC" or name.qualifier is not None or "(" in target:
            raise self.fail("recipe", "target", f"[recipe] target: {target!r}; {expected}")
        if any(part in ("", ".") for part in name.relative.split("/")):
            raise self.fail(
                "recipe", "target", f"[recipe] target: {target!r} has an empty path segment"
            )

    def _check_model(self, m: ModelSection) -> None:
        if m.provider not in PROVIDERS:
            raise self.fail(
                "model",
                "provider",
                f"[model] provider: {m.provider!r}; expected one of {', '.join(PROVIDERS)}",
            )
        self._check_model_id(m)
        if m.endpoint is None:
            if m.provider == "anthropic":
                raise self.fail(
                    "model",
                    None,
                    "missing required key 'endpoint' in [model] (required for provider anthropic)",
                    hint='e.g. endpoint = "https://api.anthropic.com"',
                )
        else:
            self._check_endpoint(m)
        if m.seed is not None and not 0 <= m.seed < 2**63:
            raise self.fail("model", "seed", f"[model] seed: {m.seed} is not in 0 .. 2^63-1")
        if not 0.0 <= m.temperature <= 1.0:
            raise self.fail(
                "model", "temperature", f"[model] temperature: {m.temperature} is not in 0 .. 1"
            )
        if m.max_tokens < 1:
            raise self.fail("model", "max_tokens", "[model] max_tokens: expected at least 1")
        if not _ENV_RE.fullmatch(m.api_key_env):
            raise self.fail(
                "model",
                "api_key_env",
                f"[model] api_key_env: {m.api_key_env!r} is not an environment variable name",
                hint="name the variable that holds the key; never put the key in the recipe",
            )

    def _check_model_id(self, m: ModelSection) -> None:
        hint_dated = "pin a dated snapshot such as claude-sonnet-4-5-20250929"
        if m.id.strip() != m.id or not m.id:
            raise self.fail("model", "id", f"[model] id: {m.id!r} is empty or has spaces")
        if m.id.endswith("-latest") or m.id == "latest":
            raise self.fail(
                "model",
                "id",
                f"[model] id: {m.id!r} is a floating alias; builds need a fixed model",
                hint=hint_dated if m.provider == "anthropic" else None,
            )
        if m.provider == "anthropic":
            snap = _SNAPSHOT_RE.search(m.id)
            if snap is None:
                raise self.fail(
                    "model",
                    "id",
                    f"[model] id: {m.id!r} has no date snapshot suffix (-YYYYMMDD); "
                    "undated ids float to newer models",
                    hint=hint_dated,
                )
            try:
                _dt.datetime.strptime(snap.group(1), "%Y%m%d")
            except ValueError:
                raise self.fail(
                    "model",
                    "id",
                    f"[model] id: {m.id!r} ends in {snap.group(1)}, which is not a date YYYYMMDD",
                    hint=hint_dated,
                ) from None
        elif "test" not in m.id:
            raise self.fail(
                "model",
                "id",
                f"[model] id: {m.id!r} for provider {m.provider} must contain 'test'; "
                "these providers play scripted test models, never real ones",
                hint='e.g. id = "loopback-scripted-test-model-20250101"',
            )

    def _check_endpoint(self, m: ModelSection) -> None:
        assert m.endpoint is not None
        endpoint = m.endpoint
        bad = f"[model] endpoint: {endpoint!r}"
        try:
            parts = urlsplit(endpoint)
            _ = parts.port  # raises on a malformed port
        except ValueError as exc:
            raise self.fail("model", "endpoint", f"{bad} is not a valid URL ({exc})") from None
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise self.fail(
                "model", "endpoint", f"{bad}: expected an http:// or https:// URL with a host"
            )
        if parts.username is not None or parts.password is not None:
            raise self.fail(
                "model",
                "endpoint",
                f"{bad} carries credentials; they would be recorded in every attestation",
                hint="put the key in the environment variable named by api_key_env",
            )
        if parts.query or parts.fragment:
            raise self.fail("model", "endpoint", f"{bad}: expected no query or fragment")
        if m.provider == "loopback" and parts.hostname not in LOOPBACK_HOSTS:
            raise self.fail(
                "model",
                "endpoint",
                f"{bad}: provider loopback only talks to 127.0.0.1, localhost or [::1]",
            )

    def _check_sandbox(self, s: SandboxSection) -> None:
        if s.network:
            raise self.fail(
                "sandbox",
                "network",
                "[sandbox] network = true is refused: builds run without network so that "
                "every input is pinned and recorded",
                hint="remove the key or set network = false; vendor what the build needs",
            )
        for key in ("timeout_s", "max_turns", "call_timeout_s"):
            if getattr(s, key) < 1:
                raise self.fail("sandbox", key, f"[sandbox] {key}: expected at least 1")

    def _check_test(self, t: TestSection) -> None:
        if t.command is not None and not t.command.strip():
            raise self.fail("test", "command", "[test] command: expected a non-empty command")
        if t.timeout_s < 1:
            raise self.fail("test", "timeout_s", "[test] timeout_s: expected at least 1")


def parse_recipe(text: str, *, source: str = "<recipe>") -> Recipe:
    """Parse and validate recipe TOML text; needs no filesystem (files are checked later)."""
    data = loads_toml(text, where=source, error=RecipeError)
    return _Parser(text, source).parse(data)
