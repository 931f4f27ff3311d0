"""``ledger sql`` on PostgreSQL: split a script into statements and refuse anything but reads.

The split is the first of three fences. Each statement then runs in its own ``READ ONLY``
transaction (the server refuses INSERT, UPDATE, DDL, sequence bumps) under ``SET LOCAL ROLE``
to a SELECT-only role where the connecting user could create it, with the extended query
protocol so a statement cannot smuggle a second one (``COMMIT; DELETE …``) past the split.
The role stops accidents, not the connecting user: PostgreSQL lets any session reset its role
(``set_config('role', 'none', true)`` inside the statement), after which a nested query such as
``query_to_xml`` runs with the login's own rights (``pg_read_file`` for a superuser). READ ONLY
cannot be lifted that way; what else a query may read is the login's grants.
"""

from __future__ import annotations

import re

READ_KEYWORDS = frozenset({"SELECT", "WITH", "EXPLAIN", "VALUES", "TABLE", "SHOW"})
_WORD = re.compile(r"[A-Za-z_]+")
_DOLLAR = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)?\$")


def split_statements(script: str) -> list[str]:
    """Statements separated by top-level ``;``, honouring quotes, dollar quotes and comments."""
    out: list[str] = []
    start = i = 0
    n = len(script)
    while i < n:
        ch = script[i]
        if ch in ("'", '"'):
            i += 1
            while i < n:
                if script[i] == ch:
                    if i + 1 < n and script[i + 1] == ch:  # doubled quote inside
                        i += 2
                        continue
                    break
                i += 1
        elif ch == "-" and script.startswith("--", i):
            end = script.find("\n", i)
            i = n - 1 if end < 0 else end
        elif ch == "/" and script.startswith("/*", i):
            depth, i = 1, i + 2
            while i < n and depth:
                if script.startswith("/*", i):
                    depth, i = depth + 1, i + 2
                elif script.startswith("*/", i):
                    depth, i = depth - 1, i + 2
                else:
                    i += 1
            continue
        elif ch == "$":
            tag = _DOLLAR.match(script, i)
            if tag:
                end = script.find(tag.group(0), tag.end())
                i = n - 1 if end < 0 else end + len(tag.group(0)) - 1
        elif ch == ";":
            out.append(script[start:i])
            start = i + 1
        i += 1
    out.append(script[start:])
    return [s.strip() for s in out if _strip_comments(s).strip()]


_INNERMOST_BLOCK = re.compile(r"/\*(?:(?!/\*|\*/).)*\*/", re.S)


def _strip_comments(text: str) -> str:
    """Text without comments (block comments nest in PostgreSQL: strip innermost first)."""
    while True:
        stripped = _INNERMOST_BLOCK.sub(" ", text)
        if stripped == text:
            break
        text = stripped
    return re.sub(r"--[^\n]*", " ", text)


def statement_kind(statement: str) -> str:
    """The leading keyword, upper-cased (``(SELECT …)`` counts as SELECT)."""
    body = _strip_comments(statement).lstrip(" \t\r\n(")
    word = _WORD.match(body)
    return word.group(0).upper() if word else "UNKNOWN"
