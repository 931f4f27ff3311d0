"""`ledger sql` on PostgreSQL splits scripts like the server would before refusing writes."""

from __future__ import annotations

from ledger.store.pg_readonly import split_statements, statement_kind


def test_semicolons_inside_quotes_comments_and_dollar_quotes_do_not_split() -> None:
    script = (
        "SELECT 'a;b', \"odd;name\" FROM t; -- trailing; comment\n"
        "/* block; /* nested; */ still */ SELECT $tag$ x; y $tag$;"
        "  ;  DELETE FROM log"
    )
    parts = split_statements(script)
    assert [statement_kind(p) for p in parts] == ["SELECT", "SELECT", "DELETE"]
    assert parts[0] == "SELECT 'a;b', \"odd;name\" FROM t"


def test_the_leading_keyword_ignores_comments_and_parentheses() -> None:
    assert statement_kind("-- why\n(select 1) UNION (select 2)") == "SELECT"
    assert statement_kind("/* x */ with d as (delete from log returning 1) select 1") == "WITH"
    assert split_statements(" ; -- nothing\n") == []
