"""Where the reference tooling's Go libraries and ours could disagree, ours follows the reference.

The reference is CodeFromSpec/tool-framework-mcp (internal/…); it reads YAML with goccy/go-yaml
(YAML 1.2), Markdown with goldmark, and every file with Go's bufio.Scanner. Each test names the
Go source it pins; the vectors in the first test are its own (parsing_textnorm_test.go).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from ledger.errors import SpecError
from ledger.spec import artifact_statuses, compute_chain, load_tree
from ledger.spec.manifest import ManifestEntry, artifact_checksum, updating_manifest
from ledger.spec.node import parse_node
from ledger.spec.text import MAX_LINE_BYTES, normalize_heading
from ledger.spec.validate import validate_tree
from tests.spec.treebuilder import write_node

NBSP = "\u00a0"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [  # internal/parsingtextnormtest/parsing_textnorm_test.go, every case
        ("public", "public"),
        ("Interface", "interface"),
        ("  Interface  ", "interface"),
        ("\tInterface\t", "interface"),
        (" \t Interface \t ", "interface"),
        ("Testes   de   aceitacao", "testes de aceitacao"),
        ("Testes\tde\taceitacao", "testes de aceitacao"),
        ("Testes \t de \t aceitacao", "testes de aceitacao"),
        ("PUBLIC", "public"),
        ("PuBLiC", "public"),
        ("TESTES DE ACEITACAO", "testes de aceitacao"),
        ("Straße", "strasse"),
        ("  TESTES   DE   ACEITACAO  ", "testes de aceitacao"),
        ("testes de ACEITACAO", "testes de aceitacao"),
        ("\tROOT/payments/fees\t", "root/payments/fees"),
        ("", ""),
        ("   \t  ", ""),
        (f"hello{NBSP}world", f"hello{NBSP}world"),
        ("X", "x"),
    ],
)
def test_normalize_text_vectors(raw: str, expected: str) -> None:
    assert normalize_heading(raw) == expected


def node(text: str, name: str = "SPEC/x") -> object:
    return parse_node(text.encode(), name=name, file="code-from-spec/x/_node.md")


def public_headings(text: str) -> list[str]:
    parsed = parse_node(text.encode(), name="SPEC/x", file="code-from-spec/x/_node.md")
    assert parsed.public is not None
    return [s.heading for s in parsed.public.subsections]


# --- goldmark: a heading's name is the raw source of its top-level Text nodes (node_parsing.go:143)


def test_backslash_escapes_and_entities_stay_as_written_in_heading_names() -> None:
    headings = public_headings(
        "# SPEC/x\n# Public\n## Fees \\& taxes\nA\n## A &amp; B\nB\n## *Note* on `code` [link](u)\nC\n"
    )
    # goldmark keeps "\&" and "&amp;" raw; emphasis, code spans and links add no Text node
    assert headings == ["fees \\& taxes", "a &amp; b", "on"]


def test_an_escaped_name_heading_does_not_match_the_node_name() -> None:
    with pytest.raises(SpecError, match="expected '# SPEC/a_b'"):
        node("# SPEC/a\\_b\n", name="SPEC/a_b")
    assert node("# SPEC/a_b\n", name="SPEC/a_b") is not None


def test_a_qualifier_is_matched_against_the_raw_heading_text(tmp_path: Path) -> None:
    write_node(tmp_path, "lib", public={"Fees \\& taxes": "two percent"})
    write_node(tmp_path, "app", depends_on=["SPEC/lib(fees \\& taxes)", "SPEC/lib(Fees & taxes)"], output="a")
    labels = [m.label for m in compute_chain(tmp_path, "SPEC/app").members]
    assert labels == ["SPEC/lib(fees \\& taxes)"]  # the decoded spelling names no subsection


def test_a_lone_cr_is_content_not_a_line_break() -> None:
    # goldmark splits lines on LF only (text/reader.go); markdown-it's normalize would split here
    assert public_headings("# SPEC/x\n# Public\n## A\r## B\nbody\n") == ["a\r## b"]


def test_setext_and_fenced_headings_as_goldmark_sees_them() -> None:
    text = "# SPEC/x\n# Public\n## A\n```\n# not a heading\n```\nText\n---\n    ## indented code\n"
    parsed = parse_node(text.encode(), name="SPEC/x", file="f")
    assert parsed.public is not None
    assert [s.heading for s in parsed.public.subsections] == ["a", "text"]
    # the setext heading's raw line is its text line; its underline is content
    assert parsed.public.subsections[1].render() == "Text\n---\n    ## indented code\n"


# --- goccy/go-yaml: YAML 1.2 scalars, formatted back into Go strings (decode.go convertValue)


@pytest.mark.parametrize(
    ("scalar", "output"),
    [
        ("yes", "yes"),  # YAML 1.1 booleans are strings in 1.2
        ("off", "off"),
        ("2024-01-01", "2024-01-01"),  # no timestamp type for a string field
        ("1:30", "1:30"),  # no sexagesimal
        ("true", "true"),
        ("True", "true"),  # a bool, printed by strconv.FormatBool
        ("0x1F", "31"),  # token.toNumber: hex, octal ("017", "0o17"), binary, '_' separators
        ("017", "15"),
        ("0o17", "15"),
        ("0b101", "5"),
        ("1_000", "1000"),
        ("08", "08"),  # not octal: stays a string
        ("1.50", "1.5"),  # float64 printed by fmt.Sprint
        ("1000000.0", "1e+06"),
        ("0.00001", "1e-05"),
        ("1e5", "1e5"),  # no dot: not a float for go-yaml
        (".inf", "+Inf"),
        ("'0x1F'", "0x1F"),  # quoted: a string as written
        ('"yes"', "yes"),
        ("~", None),
        ("null", None),
        ("", None),
    ],
)
def test_frontmatter_scalars_read_as_go_yaml_reads_them(scalar: str, output: str | None) -> None:
    parsed = parse_node(f"---\noutput: {scalar}\n---\n# SPEC/x\n".encode(), name="SPEC/x", file="f")
    assert parsed.frontmatter is not None and parsed.frontmatter.output == output


def test_a_null_depends_on_item_is_an_empty_name_that_fails_the_chain(tmp_path: Path) -> None:
    (tmp_path / "code-from-spec" / "x").mkdir(parents=True)
    (tmp_path / "code-from-spec" / "x" / "_node.md").write_text(
        "---\ndepends_on:\n  - ~\noutput: out.txt\n---\n# SPEC/x\n"
    )
    tree = load_tree(tmp_path)  # parses, as ParseNode does ([]string gets "")
    assert tree.nodes["SPEC/x"].parsed.frontmatter.depends_on == ("",)  # type: ignore[union-attr]
    with pytest.raises(SpecError, match="unknown logical-name prefix") as info:
        compute_chain(tree, "SPEC/x")
    assert info.value.line == 3


def test_duplicate_frontmatter_keys_are_refused_as_go_yaml_does() -> None:
    with pytest.raises(SpecError, match="appears twice"):
        node("---\noutput: a\noutput: b\n---\n# SPEC/x\n")


def test_yes_as_an_output_path_is_hashed_and_checked_like_any_other(tmp_path: Path) -> None:
    (tmp_path / "code-from-spec" / "x").mkdir(parents=True)
    (tmp_path / "code-from-spec" / "x" / "_node.md").write_text("---\noutput: yes\n---\n# SPEC/x\n")
    (tmp_path / "yes").write_text("generated\n")
    record(tmp_path, "SPEC/x", "yes")
    assert [(s.path, s.status) for s in artifact_statuses(tmp_path)] == [("yes", "up-to-date")]


# --- bufio.Scanner: a line over 64 KiB is a read error in oslayer.ReadLine


def test_an_external_line_over_64k_fails_the_chain_as_the_reference_cannot_read_it(tmp_path: Path) -> None:
    write_node(tmp_path, "x", depends_on=["EXTERNAL/data.txt"], output="out.txt")
    (tmp_path / "data.txt").write_bytes(b"a" * (MAX_LINE_BYTES - 1) + b"\r\nshort\n")  # CR counts
    ok = compute_chain(tmp_path, "SPEC/x")
    assert ok.members[0].content == b"a" * (MAX_LINE_BYTES - 1) + b"\nshort\n"
    (tmp_path / "data.txt").write_bytes(b"short\n" + b"a" * (MAX_LINE_BYTES + 1))
    with pytest.raises(SpecError, match="65535 bytes") as info:
        compute_chain(tmp_path, "SPEC/x")
    assert (info.value.file, info.value.line) == ("data.txt", 2)


def test_an_artifact_with_a_line_over_64k_is_missing_in_status(tmp_path: Path) -> None:
    write_node(tmp_path, "x", output="out.txt")
    (tmp_path / "out.txt").write_bytes(b"b" * (MAX_LINE_BYTES + 1) + b"\n")
    record(tmp_path, "SPEC/x", "out.txt")
    [row] = artifact_statuses(tmp_path)
    assert row.status == "missing" and "65535" in row.detail


def test_a_spec_file_with_a_line_over_64k_does_not_parse() -> None:
    with pytest.raises(SpecError, match=r"bufio\.Scanner"):
        node("# SPEC/x\n# Public\n## A\n" + "c" * (MAX_LINE_BYTES + 1) + "\n")


# --- oslayer.CfsPathToOs / ValidateStringIsCfsPath (oslayer/path.go:21-68)


def test_output_paths_are_judged_like_cfs_paths_in_status(tmp_path: Path) -> None:
    write_node(tmp_path, "a", output="gen/../out.txt")  # filepath.Clean: out.txt
    write_node(tmp_path, "b", output="c:out.txt")  # ':' counts as absolute for the reference
    (tmp_path / "out.txt").write_text("x\n")
    (tmp_path / "c:out.txt").write_text("x\n")
    record(tmp_path, "SPEC/a", "gen/../out.txt")
    record(tmp_path, "SPEC/b", "c:out.txt")
    rows = {s.artifact: s for s in artifact_statuses(tmp_path)}
    assert rows["ARTIFACT/a"].status == "up-to-date"  # no gen/ directory needed
    assert rows["ARTIFACT/b"].status == "missing" and "absolute" in rows["ARTIFACT/b"].detail


def test_external_paths_are_cleaned_before_the_dotdot_check(tmp_path: Path) -> None:
    (tmp_path / "README.md").write_text("read me\n")
    write_node(tmp_path, "x", depends_on=["EXTERNAL/docs/../README.md"], output="o")
    assert compute_chain(tmp_path, "SPEC/x").members[0].content == b"read me\n"
    write_node(tmp_path, "x", depends_on=["EXTERNAL/docs/../../README.md"], output="o")
    with pytest.raises(SpecError, match=r"'\.\.'"):
        compute_chain(tmp_path, "SPEC/x")


# --- spectree / ListAllFiles / collectAllDirs


def test_a_symlink_even_in_a_dot_directory_fails_the_scan(tmp_path: Path) -> None:
    write_node(tmp_path, "x")
    cache = tmp_path / "code-from-spec" / ".cache" / ".chains"
    cache.mkdir(parents=True)
    os.symlink(tmp_path / "code-from-spec" / "x" / "_node.md", cache / ".abc")
    with pytest.raises(SpecError, match=r"symlink code-from-spec/\.cache/\.chains/\.abc"):
        load_tree(tmp_path)


def test_nodes_under_dot_directories_are_ignored(tmp_path: Path) -> None:
    write_node(tmp_path, "x")
    write_node(tmp_path, ".draft/y")
    assert list(load_tree(tmp_path).nodes) == ["SPEC/x"]


def test_only_directories_holding_files_need_a_node(tmp_path: Path) -> None:
    write_node(tmp_path, "x")
    (tmp_path / "code-from-spec" / "empty" / "deeper").mkdir(parents=True)  # no file: not listed
    (tmp_path / "code-from-spec" / "notes").mkdir()
    (tmp_path / "code-from-spec" / "notes" / "todo.txt").write_text("later\n")
    problems = [(p.file, p.message) for p in validate_tree(tmp_path)]
    assert problems == [("code-from-spec/notes", "directory has no _node.md; every spec directory is a node")]


# --- spectreevalidate.go:216: strings.TrimSpace decides what is content under # Public


def test_public_content_blankness_is_go_unicode_whitespace(tmp_path: Path) -> None:
    path = write_node(tmp_path, "x", public={"A": "a"})
    text = path.read_text()
    path.write_text(text.replace("# Public\n", f"# Public\n{NBSP}\u3000\n"))
    assert validate_tree(tmp_path) == []
    path.write_text(text.replace("# Public\n", "# Public\n\x1c\n"))  # Python-only whitespace
    assert [p.message for p in validate_tree(tmp_path)] == [
        "content directly under '# Public' must be inside a '## ' subsection"
    ]


def record(root: Path, name: str, output: str) -> None:
    """Record the artifact as generated now (what the reference's accept does)."""
    chain = compute_chain(root, name)
    data = (root / os.path.normpath(output)).read_bytes() if ":" not in output else b""
    with updating_manifest(root) as updates:
        updates.append(ManifestEntry(chain.artifact, output, artifact_checksum(data), chain.hash))
