"""The ``[approvals]`` table of ``ledger.toml``: who must approve which spec subtrees.

::

    [approvals]
    self_approval = false            # the build's own signer may not approve it
    carry_over = true                # approvals of spec content count for builds from that content

    [[approvals.rules]]
    pattern = "SPEC/payments/**"     # ** any number of segments (also none), * one segment
    roles = ["security", "payments"] # every listed role must approve
    min_approvals = 1                # distinct keys per role
    builds = true                    # the build itself also needs approvals from these roles

    [[approvals.keys]]
    path = "keys/alice.pub"          # or keyid = "…" of a key listed under [[trust.keys]]
    name = "alice"
    roles = ["security"]

Unknown keys are errors naming the key and its line: a misspelt ``min_approval`` must not
silently weaken the policy.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ledger.errors import ConfigError
from ledger.fsutil import confine

if TYPE_CHECKING:
    from securesystemslib.signer import SSlibKey

    from ledger.attest.policy import TrustPolicy
    from ledger.workspace import Workspace

_TOP_KEYS = {"self_approval", "carry_over", "rules", "keys"}
_RULE_KEYS = {"pattern", "roles", "min_approvals", "builds"}
_APPROVER_KEYS = {"keyid", "path", "name", "roles"}


@dataclass(frozen=True)
class ApprovalRule:
    """One CODEOWNERS-like line: the nodes a pattern covers need these roles' approvals."""

    pattern: str
    roles: tuple[str, ...]
    min_approvals: int = 1
    builds: bool = False

    def matches(self, node: str) -> bool:
        return compile_pattern(self.pattern).fullmatch(node) is not None


@dataclass(frozen=True)
class ApproverKey:
    """A key that may approve, the roles it holds, and a display name for verdicts."""

    keyid: str
    roles: tuple[str, ...]
    name: str | None = None
    key: SSlibKey | None = None  # None: verified through the [trust] key with the same id
    source: str = ""

    @property
    def shown(self) -> str:
        return f"{self.name} ({self.keyid[:12]}…)" if self.name else f"key {self.keyid[:12]}…"


@dataclass(frozen=True)
class ApprovalPolicy:
    rules: tuple[ApprovalRule, ...] = ()
    keys: tuple[ApproverKey, ...] = ()
    self_approval: bool = False
    carry_over: bool = True
    configured: bool = False  # False when ledger.toml has no [approvals] table
    source: str = "defaults"

    def approver(self, keyid: str) -> ApproverKey | None:
        return next((k for k in self.keys if k.keyid == keyid), None)

    def roles_of(self, keyid: str) -> tuple[str, ...]:
        found = self.approver(keyid)
        return found.roles if found else ()

    def rules_for(self, node: str) -> tuple[ApprovalRule, ...]:
        return tuple(r for r in self.rules if r.matches(node))


def compile_pattern(pattern: str) -> re.Pattern[str]:
    """``**`` is zero or more whole segments, ``*`` any run of characters inside one segment."""
    parts = pattern.split("/")
    rx = re.escape(parts[0])
    for part in parts[1:]:
        if part == "**":
            rx += "(?:/[^/]+)*"
        else:
            rx += "/" + "".join("[^/]*" if ch == "*" else re.escape(ch) for ch in part)
    return re.compile(rx)


class _Where:
    """Error locations: the line of a key inside the n-th ``[[approvals.rules]]`` etc."""

    def __init__(self, path: Path, text: str) -> None:
        self.path = path
        self.lines = text.splitlines()

    def line(self, header: str | None, index: int | None, key: str | None) -> int | None:
        start = 0
        if header is not None:
            seen = -1
            start = -1
            for number, line in enumerate(self.lines):
                stripped = line.strip()
                if stripped.startswith((f"[[{header}]]", f"[{header}]")):
                    seen += 1
                    if index is None or seen == index:
                        start = number
                        break
            if start < 0:
                return None
        if key is None:
            return start + 1
        for number in range(start + (1 if header else 0), len(self.lines)):
            stripped = self.lines[number].strip()
            if header is not None and stripped.startswith("[") and number > start:
                break
            if re.match(rf"{re.escape(key)}\s*=", stripped):
                return number + 1
        return start + 1 if header else None

    def error(
        self, message: str, header: str | None, index: int | None, key: str | None, hint: str | None = None
    ) -> ConfigError:
        return ConfigError(message, file=str(self.path), line=self.line(header, index, key), hint=hint)


def _unknown(table: Mapping[str, Any], allowed: set[str], header: str, index: int | None, w: _Where) -> None:
    extra = sorted(set(table) - allowed)
    if extra:
        where = header if index is None else f"{header}[{index}]"
        raise w.error(
            f"unknown key {where}.{extra[0]!r}; expected one of {', '.join(sorted(allowed))}",
            header,
            index,
            extra[0],
        )


def _roles(value: Any, where: str, header: str, index: int, w: _Where) -> tuple[str, ...]:
    if not isinstance(value, list) or not value or not all(isinstance(r, str) and r for r in value):
        raise w.error(f"{where}.roles must be a non-empty list of role names", header, index, "roles")
    return tuple(dict.fromkeys(value))


def parse_approvals_table(
    table: Mapping[str, Any], *, path: Path, root: Path, trust: TrustPolicy, text: str = ""
) -> ApprovalPolicy:
    """An ``ApprovalPolicy`` from the parsed ``[approvals]`` table (``text``: the file, for lines)."""
    from ledger.attest.signers import load_public_key

    w = _Where(path, text)
    top = "approvals"
    _unknown(table, _TOP_KEYS, top, None, w)
    flags: dict[str, bool] = {"self_approval": False, "carry_over": True}
    for name in flags:
        if name in table:
            if not isinstance(table[name], bool):
                raise w.error(f"approvals.{name} must be true or false", top, None, name)
            flags[name] = table[name]

    rules: list[ApprovalRule] = []
    raw_rules = table.get("rules", [])
    header = "approvals.rules"
    if not isinstance(raw_rules, list):
        raise w.error("approvals.rules must be an array of tables ([[approvals.rules]])", top, None, "rules")
    for i, entry in enumerate(raw_rules):
        where = f"{header}[{i}]"
        if not isinstance(entry, dict):
            raise w.error(f"{where} must be a table", header, i, None)
        _unknown(entry, _RULE_KEYS, header, i, w)
        pattern = entry.get("pattern")
        if not isinstance(pattern, str) or not pattern.startswith("SPEC/") or "//" in pattern:
            raise w.error(
                f"{where}.pattern must be a logical-name pattern like 'SPEC/payments/**', got {pattern!r}",
                header,
                i,
                "pattern",
            )
        minimum = entry.get("min_approvals", 1)
        if isinstance(minimum, bool) or not isinstance(minimum, int) or minimum < 1:
            raise w.error(f"{where}.min_approvals must be an integer >= 1", header, i, "min_approvals")
        builds = entry.get("builds", False)
        if not isinstance(builds, bool):
            raise w.error(f"{where}.builds must be true or false", header, i, "builds")
        rules.append(ApprovalRule(pattern, _roles(entry.get("roles"), where, header, i, w), minimum, builds))

    keys: list[ApproverKey] = []
    raw_keys = table.get("keys", [])
    header = "approvals.keys"
    if not isinstance(raw_keys, list):
        raise w.error("approvals.keys must be an array of tables ([[approvals.keys]])", top, None, "keys")
    trusted = {k.keyid: k for k in trust.keys}
    for i, entry in enumerate(raw_keys):
        where = f"{header}[{i}]"
        if not isinstance(entry, dict):
            raise w.error(f"{where} must be a table", header, i, None)
        _unknown(entry, _APPROVER_KEYS, header, i, w)
        roles = _roles(entry.get("roles"), where, header, i, w)
        display = entry.get("name")
        if display is not None and (not isinstance(display, str) or not display):
            raise w.error(f"{where}.name must be a non-empty string", header, i, "name")
        key: SSlibKey | None = None
        source = ""
        if "path" in entry:
            rel = entry["path"]
            if not isinstance(rel, str) or not rel:
                raise w.error(f"{where}.path must be a non-empty string", header, i, "path")
            key = load_public_key(confine(root, rel, what=f"{where}.path"))
            keyid = key.keyid
            source = rel
            pinned = entry.get("keyid")
            if pinned is not None and pinned != keyid:
                raise w.error(
                    f"{where}.keyid {pinned} does not match the key in {rel} ({keyid})", header, i, "keyid"
                )
        elif "keyid" in entry:
            raw_id = entry["keyid"]
            if not isinstance(raw_id, str) or raw_id not in trusted:
                raise w.error(
                    f"{where}.keyid {raw_id!r} is not a [[trust.keys]] key and no path is given to verify it",
                    header,
                    i,
                    "keyid",
                    hint='add path = "keys/<name>.pub" so approvals by this key can be verified',
                )
            keyid = raw_id
            source = trusted[keyid].source
        else:
            raise w.error(
                f"{where} needs 'path' (a public key file) or 'keyid' (of a [trust] key)", header, i, None
            )
        if any(k.keyid == keyid for k in keys):
            raise w.error(f"{where} lists key {keyid} a second time; merge the roles", header, i, None)
        keys.append(ApproverKey(keyid=keyid, roles=roles, name=display, key=key, source=source))

    return ApprovalPolicy(
        rules=tuple(rules),
        keys=tuple(keys),
        self_approval=flags["self_approval"],
        carry_over=flags["carry_over"],
        configured=True,
        source=str(path),
    )


def load_approval_policy(workspace: Workspace, trust: TrustPolicy | None = None) -> ApprovalPolicy:
    """The workspace's ``[approvals]`` (an unconfigured, empty policy when the table is absent)."""
    from ledger.attest.policy import load_trust_policy, read_config

    config = read_config(workspace)
    if "approvals" not in config:
        return ApprovalPolicy()
    table = config["approvals"]
    path = workspace.config_path
    if not isinstance(table, dict):
        raise ConfigError("'approvals' must be a table", file=str(path))
    return parse_approvals_table(
        table,
        path=path,
        root=workspace.root,
        trust=trust if trust is not None else load_trust_policy(workspace),
        text=path.read_text(encoding="utf-8"),
    )


def verification_policy(trust: TrustPolicy, approvals: ApprovalPolicy) -> TrustPolicy:
    """``trust`` plus the approver keys: whom to believe when reading approval envelopes.

    Only for approvals: an approver key does not become trusted for provenance or tests.
    """
    import dataclasses

    from ledger.attest.policy import TrustedKey

    have = {k.keyid for k in trust.keys}
    extra = tuple(
        TrustedKey(keyid=k.keyid, key=k.key, source=k.source)
        for k in approvals.keys
        if k.key is not None and k.keyid not in have
    )
    return dataclasses.replace(trust, keys=trust.keys + extra)
