"""Divergences found by differential fuzzing against the reference tooling built from source.

CodeFromSpec/tool-framework-mcp v5.0.0 (goccy/go-yaml v1.19.2, goldmark v1.8.2) was built
and run on thousands of generated trees next to ``ledger.spec``; each test pins one place where
the two disagreed, names the Go function responsible, and, where a hash is asserted, the value
is the one the reference computed for the same tree.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from ledger.errors import SpecError
from ledger.spec import compute_chain
from ledger.spec.node import ParsedNode, parse_node


def parse(text: str, name: str = "SPEC/x") -> ParsedNode:
    return parse_node(text.encode(), name=name, file="code-from-spec/x/_node.md")


def write(root: Path, name: str, text: str) -> None:
    path = root / "code-from-spec" / name / "_node.md"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode())


# --- goldmark heading text (parser/atx_heading.go Open, parsing/node_parsing.go extractHeadingTextNP)


def test_atx_heading_trims_only_ascii_white_space() -> None:
    # atxHeadingParser.Open trims util.IsSpace (' ', '\t', CR, LF) around the text; markdown-it
    # trims Unicode white space too, which made "## \u3000" an empty heading and dropped it.
    node = parse("# SPEC/x\n# Public\n## \u3000\nbody\n## \u00a0Interface\nsig\n")
    assert node.public is not None
    assert [s.heading for s in node.public.subsections] == ["\u3000", "\u00a0interface"]
    assert node.public_text() == "## \u3000\nbody\n\n## \u00a0Interface\nsig\n"
    assert node.qualified_text("Interface") == ""  # NBSP is heading text, not white space
    with pytest.raises(SpecError, match="unrecognized section"):
        parse("# SPEC/x\n# \u00a0Public\n## A\na\n")


def test_atx_heading_opens_after_a_carriage_return() -> None:
    # "#\rAgent": goldmark's TrimLeftSpaceLength counts CR as white space, so this is a heading
    # (a lone CR inside a line survives oslayer's scanner, which drops only a CR before LF).
    node = parse("# SPEC/x\n# Public\n## A\na\n#\rAgent\ndo it\n")
    assert node.agent is not None
    assert node.agent_text() == "do it\n"
    assert node.public_text() == "## A\na\n"


# --- goldmark setext headings (parser/setext_headings.go Close, node_parsing.go headingLineEndNP)


def test_setext_heading_raw_line_and_content_follow_the_first_line_segment(tmp_path: Path) -> None:
    # The heading takes its paragraph's lines; collectHeadingsNP reads the raw heading from
    # the first line's start to the end of the line where that line's segment (LF included)
    # stops: two lines. The content then starts on the underline.
    node = parse("# SPEC/x\n# Public\n## A\na\n\nFirst  \nsecond\n---\nafter\n")
    assert node.public is not None
    (a, setext) = node.public.subsections
    assert (a.heading, a.content) == ("a", ("a",))
    assert setext.heading == "firstsecond"  # Text segments join without the soft break
    assert setext.raw_heading == "First  \nsecond"
    assert setext.content == ("---", "after")
    write(tmp_path, "x", "# SPEC/x\n# Public\n## A\na\n\nFirst  \nsecond\n---\nafter\n")
    assert compute_chain(tmp_path, "SPEC/x").hash == "KWmFzj8hASyIqSuPwO3TOB9XJzs"  # the reference's


def test_one_line_setext_heading_keeps_its_underline_as_content() -> None:
    # One line: its segment was right-trimmed, so the raw heading is that line. NBSP is text.
    node = parse("# SPEC/x\n# Public\n\u00a0Title\n---\ntext\n")
    assert node.public is not None
    (sub,) = node.public.subsections
    assert (sub.heading, sub.raw_heading, sub.content) == ("\u00a0title", "\u00a0Title", ("---", "text"))


# --- goldmark HTML blocks (parser/html_block.go htmlBlockParser.Open)


def test_closing_pre_tag_opens_no_html_block() -> None:
    # CommonMark type 7 excludes pre/script/style: goldmark makes "</pre>" a paragraph, so the
    # '## B' after it is structural. markdown-it read an HTML block up to the next blank line.
    node = parse("# SPEC/x\n# Public\n## A\n</pre>\n## B\nb\n")
    assert node.public is not None
    assert [s.heading for s in node.public.subsections] == ["a", "b"]


@pytest.mark.parametrize(
    ("opener", "structural"),
    [
        ("<pre/>\n", False),  # goldmark type 1, up to a </pre> (markdown-it: type 7, to a blank line)
        ("</ div>", False),  # goldmark type 6 allows spaces after '/'
        ("<div\t", True),  # only a space may follow a type 6 tag name: a paragraph, then a heading
        ("<!x", True),  # type 4 needs an upper-case letter
    ],
)
def test_html_block_openers_are_goldmarks(opener: str, structural: bool) -> None:
    node = parse(f"# SPEC/x\n# Public\n## A\n{opener}\n## B\nb\n")
    assert node.public is not None
    assert [s.heading for s in node.public.subsections] == (["a", "b"] if structural else ["a"])


# --- goccy/go-yaml scanner (scanner/scanner.go) and decoder


def test_plain_yaml_scalar_loses_its_tabs() -> None:
    # goccy's scanner drops a tab inside plain text: "out\tput.txt" decodes as "output.txt",
    # and a qualifier "(Sub\tSection)" as "(SubSection)". Quoted scalars keep theirs.
    fm = parse(
        "---\ndepends_on:\n  - SPEC/y(Sub\tSection)\noutput: out\tput.txt\ninput: 'a\tb'\n---\n# SPEC/x\n"
    )
    fm = fm.frontmatter
    assert fm is not None
    assert fm.depends_on == ("SPEC/y(SubSection)",)
    assert (fm.output, fm.input) == ("output.txt", "a\tb")


def test_control_characters_in_yaml_are_text() -> None:
    # PyYAML's reader refuses C0/C1 controls; goccy keeps them in the value.
    fm = parse("---\noutput: a\x1cb.txt\ndepends_on: ['SPEC/y(\x7f)']\n---\n# SPEC/x\n").frontmatter
    assert fm is not None
    assert (fm.output, fm.depends_on) == ("a\x1cb.txt", ("SPEC/y(\x7f)",))


@pytest.mark.parametrize(
    ("yaml_text", "output"),
    [
        ("...\noutput: z", "z"),  # an empty document before content
        ("...", None),
        ("# c\n...\n", None),
        ("output: a\n...\noutput: b", "a"),  # the first document is decoded
        ("output: a\n--- \noutput: b", "a"),
    ],
)
def test_yaml_documents_as_goccy_decodes_them(yaml_text: str, output: str | None) -> None:
    fm = parse(f"---\n{yaml_text}\n---\n# SPEC/x\n").frontmatter
    assert fm is not None
    assert fm.output == output


@pytest.mark.parametrize("key", ["[a]", "{a: b}"])
def test_collection_as_yaml_key_is_an_error(key: str) -> None:
    # goccy: "found an invalid key for this map" (it does not read the frontmatter as empty)
    with pytest.raises(SpecError, match="is used as a key") as caught:
        parse(f"---\noutput: a.txt\n{key}: x\n---\n# SPEC/x\n")
    assert caught.value.line == 3


def test_thematic_break_marks_may_be_separated_by_carriage_returns() -> None:
    # parser/thematic_break.go isThematicBreak skips util.IsSpace between the marks: "-\r-\r-"
    # is a break, so the '===' under it is a paragraph, not a setext underline making an
    # unrecognized '# -\r-\r-' section. A CR after a list marker is text, as in markdown-it.
    node = parse("# SPEC/x\n# Public\n## A\n-\r-\r-\n===\n")
    assert node.public is not None
    assert node.public_text() == "## A\n-\r-\r-\n===\n"
    with pytest.raises(SpecError, match="unrecognized section"):
        parse("# SPEC/x\n# Public\n## A\n-\rx\n===\n")
