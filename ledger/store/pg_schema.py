"""The team ledger's PostgreSQL side: the ``[store]`` table, connection URLs, DDL.

The tables are ``schema``'s, with PostgreSQL spellings of its portable types, plus unique
indexes that make a duplicate envelope or leaf impossible even if a writer misbehaves, and an
``objects`` table (content-addressed blobs keyed by their SHA-256 as ``bytea``) that ``ledger
push`` / ``pull`` move. A URL may carry a password (libpq reads it, or ``PGPASSWORD`` /
``~/.pgpass``); it is shown only with the password masked and never written anywhere by us,
which is why ``ledger.toml`` (committed with the code) may not hold one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlsplit, urlunsplit

from ledger.errors import ConfigError
from ledger.store import schema

SCHEMES = ("postgresql", "postgres")
STORE_KEYS = ("url", "team")
# pg_advisory_xact_lock key serialising ledger appends ("SPECLEDG" as a big-endian int64)
APPEND_LOCK = 0x5350_4543_4C45_4447
SCHEMA_LOCK = APPEND_LOCK + 1
READER_ROLE = "spec_ledger_reader"  # SELECT-only role `ledger sql` switches to, where creatable

_PG_TYPES = {
    "VARCHAR": "text",
    "BIGINT": "bigint",
    "DOUBLE": "double precision",
    "TIMESTAMP": "timestamp",
    "VARCHAR[]": "text[]",
}
# The ledger's idempotency keys, enforced by the database as well as checked by ingest.
_UNIQUE: tuple[tuple[str, str, str], ...] = (
    ("envelopes_sha256_uq", "envelopes", "envelope_sha256"),
    ("envelopes_seq_uq", "envelopes", "seq"),
    ("log_leaf_index_uq", "log", "leaf_index"),
    ("log_sha256_uq", "log", "envelope_sha256"),
    ("quarantine_sha256_uq", "quarantine", "envelope_sha256"),
    ("meta_key_uq", "meta", "key"),
)
OBJECTS_DDL = (
    "CREATE TABLE IF NOT EXISTS objects (sha256 bytea PRIMARY KEY, size bigint NOT NULL, data bytea NOT NULL)"
)


@dataclass(frozen=True)
class StoreSettings:
    """``[store]``: ``url`` selects the backend (PostgreSQL when set, else the embedded DuckDB
    file); ``team`` is the PostgreSQL ledger ``ledger push`` / ``pull`` talk to."""

    url: str | None = None
    team: str | None = None

    @property
    def team_url(self) -> str | None:
        return self.team or self.url


def store_settings(table: dict[str, Any], *, file: str = "ledger.toml") -> StoreSettings:
    """Validate ``[store]`` strictly: unknown keys, non-PostgreSQL URLs and passwords are errors."""
    unknown = sorted(set(table) - set(STORE_KEYS))
    if unknown:
        raise ConfigError(f"unknown key {unknown[0]!r} in [store]; expected 'url' or 'team'", file=file)
    values: dict[str, str] = {}
    for key in STORE_KEYS:
        if key not in table:
            continue
        value = table[key]
        if not isinstance(value, str):
            raise ConfigError(f"[store] {key} must be a string (postgresql://…)", file=file)
        check_url(value, where=f"[store] {key}", file=file)
        if has_password(value):
            raise ConfigError(
                f"[store] {key} contains a password; ledger.toml is committed with the code",
                file=file,
                hint="drop it from the URL and set PGPASSWORD or use ~/.pgpass",
            )
        values[key] = value
    return StoreSettings(**values)


def check_url(url: str, *, where: str = "store URL", file: str | None = None) -> str:
    try:
        parts = urlsplit(url)
    except ValueError as exc:
        raise ConfigError(f"{where} is not a URL: {exc}", file=file) from None
    if parts.scheme not in SCHEMES:
        raise ConfigError(
            f"{where} {redact(url)!r} is not a PostgreSQL URL; expected postgresql://[user@]host[:port]/db",
            file=file,
        )
    return url


def has_password(url: str) -> bool:
    parts = urlsplit(url)
    return parts.password is not None or any(k == "password" for k, _ in parse_qsl(parts.query))


_SECRET_PARAMS = frozenset({"password", "sslpassword"})


def redact(url: str) -> str:
    """The URL with any password replaced by ``***``: safe for messages and reports."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "(unparsable URL)"
    netloc = parts.netloc
    if parts.password is not None:
        user, _, host = netloc.rpartition("@")
        netloc = f"{user.split(':', 1)[0]}:***@{host}"
    query = "&".join(
        f"{k}={'***' if k in _SECRET_PARAMS else v}"
        for k, v in parse_qsl(parts.query, keep_blank_values=True)
    )
    return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))


def scrub(message: str, url: str) -> str:
    """A server or libpq message with every secret of ``url`` cut out.

    libpq quotes the part of a URL it cannot parse (``invalid percent-encoded token: "pw%zz"``,
    an unclosed IPv6 bracket quotes the whole URL), so a mistyped password reached the one-line
    error. Each secret is replaced as written and percent-decoded; the URL itself by ``redact``.
    """
    from urllib.parse import unquote

    secrets: set[str] = set()
    raw_netloc = url.partition("://")[2].partition("/")[0]
    if "@" in raw_netloc:
        userinfo = raw_netloc.rpartition("@")[0]
        if ":" in userinfo:
            secrets.add(userinfo.partition(":")[2])
    for pair in url.partition("?")[2].split("&"):
        key, _, value = pair.partition("=")
        if unquote(key) in _SECRET_PARAMS:
            secrets.add(value)
    secrets |= {unquote(s) for s in secrets}
    message = message.replace(url, redact(url))
    for secret in sorted((s for s in secrets if s), key=len, reverse=True):
        message = message.replace(secret, "***")
    return message


def create_statements() -> list[str]:
    """DDL for every ledger table, its indexes, the unique keys and ``objects`` (idempotent)."""
    out = []
    for table in schema.ALL_TABLES:
        cols = ", ".join(
            f"{c.name} {_PG_TYPES[c.sql]}{'' if c.nullable else ' NOT NULL'}" for c in table.columns
        )
        out.append(f"CREATE TABLE IF NOT EXISTS {table.name} ({cols})")
    out.append(OBJECTS_DDL)
    unique = {(t, c) for _, t, c in _UNIQUE}
    out.extend(
        f"CREATE INDEX IF NOT EXISTS {name} ON {table} ({column})"
        for name, table, column in schema.INDEXES
        if (table, column) not in unique
    )
    out.extend(f"CREATE UNIQUE INDEX IF NOT EXISTS {n} ON {t} ({c})" for n, t, c in _UNIQUE)
    return out
