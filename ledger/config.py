"""``ledger.toml``: the workspace configuration, read once and handed to each layer by table.

Each table belongs to one layer, which validates its own keys strictly:

    [signing]     key file used to sign attestations and checkpoints  (ledger.attest.signers)
    [trust]       trusted keys / Sigstore identities, required levels (ledger.attest.policy)
    [redaction]   extra environment variables whose values are secrets (ledger.trajectory)
    [sandbox]     default sandbox kind                                 (ledger.build)
    [store]       team ledger: url = "postgresql://…" (no password)  (ledger.store)
    [approvals]   who must approve which spec subtrees                 (ledger.approve)

An unknown top-level table is an error: a misspelt ``[trusts]`` must not silently fall back
to defaults.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ledger.errors import ConfigError
from ledger.safeparse import loads_toml

if TYPE_CHECKING:
    from ledger.workspace import Workspace

KNOWN_TABLES = ("signing", "trust", "redaction", "sandbox", "store", "approvals")


@dataclass(frozen=True)
class Config:
    tables: dict[str, Any] = field(default_factory=dict)
    source: str = "defaults"

    def table(self, name: str) -> dict[str, Any]:
        value = self.tables.get(name, {})
        return value if isinstance(value, dict) else {}

    def redaction_env(self) -> tuple[str, ...]:
        names = self.table("redaction").get("env", [])
        return tuple(str(n) for n in names)

    def sandbox_default(self) -> str:
        return str(self.table("sandbox").get("kind", "bwrap"))


def load_config(workspace: Workspace) -> Config:
    path = workspace.config_path
    if not path.is_file():
        return Config()
    rel = path.name
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise ConfigError("ledger.toml is not valid UTF-8", file=rel) from None
    data = loads_toml(text, where=rel, error=ConfigError)
    for key, value in data.items():
        if key not in KNOWN_TABLES:
            raise ConfigError(
                f"unknown table [{key}]; expected one of {', '.join(KNOWN_TABLES)}",
                file=rel,
                line=_line_of(path.read_text(encoding="utf-8"), key),
            )
        if not isinstance(value, dict):
            raise ConfigError(f"'{key}' must be a table", file=rel, line=_line_of(path.read_text(), key))
    _check_redaction(data.get("redaction", {}), rel)
    _check_sandbox(data.get("sandbox", {}), rel)
    return Config(tables=data, source=rel)


def _check_redaction(table: dict[str, Any], rel: str) -> None:
    unknown = set(table) - {"env"}
    if unknown:
        raise ConfigError(f"unknown key {sorted(unknown)[0]!r} in [redaction]; expected 'env'", file=rel)
    env = table.get("env", [])
    if not isinstance(env, list) or not all(isinstance(n, str) and n for n in env):
        raise ConfigError("[redaction] env must be a list of environment variable names", file=rel)


def _check_sandbox(table: dict[str, Any], rel: str) -> None:
    unknown = set(table) - {"kind"}
    if unknown:
        raise ConfigError(f"unknown key {sorted(unknown)[0]!r} in [sandbox]; expected 'kind'", file=rel)
    if table.get("kind", "bwrap") not in ("bwrap", "none"):
        raise ConfigError("[sandbox] kind must be 'bwrap' or 'none'", file=rel)


def _line_of(text: str, table: str) -> int | None:
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if stripped.startswith((f"[{table}]", f"[{table}.", f"[[{table}", f"{table} =", f"{table}=")):
            return number
    return None
