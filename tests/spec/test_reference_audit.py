"""Edge cases found by reading the reference tooling (CodeFromSpec/tool-framework-mcp v5.0.0) line by line.

Each test names the Go function whose behaviour it pins. The reference reads YAML with
goccy/go-yaml v1.19.2 and Markdown with goldmark v1.8.2; where those libraries decide, the
library source is cited too.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ledger.errors import SpecError
from ledger.spec import artifact_statuses, compute_chain, load_tree
from ledger.spec.manifest import Manifest, ManifestEntry, parse_manifest
from ledger.spec.node import ParsedNode, parse_node
from ledger.spec.validate import validate_tree
from tests.conftest import run_ledger
from tests.spec.treebuilder import write_node

HASH_A, HASH_B = "A" * 27, "B" * 27


def parse(text: str, name: str = "SPEC/x") -> ParsedNode:
    return parse_node(text.encode(), name=name, file="code-from-spec/x/_node.md")


def problems(root: Path) -> list[tuple[str, str, str]]:
    return [(p.file, p.severity, p.message) for p in validate_tree(root)]


# --- goldmark treats '\r' as white space (util.IsSpace: '\t', '\n', '\r', ' ')


def test_double_cr_line_endings_keep_their_structure() -> None:
    # A file saved with "\r\r\n" endings (CRLF converted twice) reaches goldmark as CRLF lines:
    # the scanner (oslayer/file.go scanLinesCRLFFile) drops one CR, goldmark's fence closer
    # (parser/fcode_block.go Continue, util.IsBlank) and heading trimmer ignore the other.
    text = (
        "# SPEC/x\r\r\n\r\r\n# Public\r\r\n## A\r\r\n```\r\r\n# not\r\r\n```\r\r\ntext\r\r\n## B\r\r\nb\r\r\n"
    )
    node = parse_node(text.encode(), name="SPEC/x", file="f")
    assert node.public is not None
    assert [s.heading for s in node.public.subsections] == ["a", "b"]
    # the raw lines keep their CR, as Go's rawLine/Content do (TrimRight only strips " \t")
    assert node.public_text() == "## A\r\n```\r\n# not\r\n```\r\ntext\r\n\n## B\r\nb\r\n"


def test_a_line_of_spaces_and_cr_is_blank_for_the_block_structure() -> None:
    # "text\n \r\n---": goldmark sees a blank line, so '---' is a thematic break, not a
    # setext underline that would turn "text" into a '## text' subsection.
    node = parse_node(b"# SPEC/x\n# Public\n## A\ntext\n \r\r\n---\n", name="SPEC/x", file="f")
    assert node.public is not None
    assert [s.heading for s in node.public.subsections] == ["a"]


# --- goccy/go-yaml decoding into rawFrontmatterNP (parsing/node_parsing.go extractFrontmatterNP)


def test_a_non_string_frontmatter_key_makes_the_reference_ignore_every_field(tmp_path: Path) -> None:
    # goccy decode.go keyToNodeMap: a key that is not a string (2024, true, 1.5, null) ends the
    # key map with (nil, nil); decodeStruct then finds no field at all. Unmarshal succeeds.
    fm = parse("---\ndepends_on: [SPEC/y]\n2024: reviewed\noutput: a.txt\n---\n# SPEC/x\n").frontmatter
    assert fm is not None
    assert (fm.depends_on, fm.input, fm.output) == ((), None, None)
    assert fm.ignored_line == 3
    quoted = parse("---\n'2024': reviewed\noutput: a.txt\n---\n# SPEC/x\n").frontmatter
    assert quoted is not None and quoted.output == "a.txt" and quoted.ignored_line is None

    write_node(tmp_path, "x", public={"A": "a"})
    node_file = tmp_path / "code-from-spec" / "x" / "_node.md"
    node_file.write_text("---\ntrue: yes\noutput: a.txt\n---\n" + node_file.read_text())
    assert artifact_statuses(tmp_path) == []  # no output: no artifact, as in the reference
    assert problems(tmp_path) == [
        (
            "code-from-spec/x/_node.md",
            "warning",
            "frontmatter key 'true' is not a string (YAML reads a bool); the reference tooling then "
            "ignores the whole frontmatter: no depends_on, input or output is read",
        )
    ]


def test_a_duplicate_key_in_a_nested_mapping_is_malformed_yaml() -> None:
    # goccy parser/parser.go validateMapKey: every mapping, not only the top level
    with pytest.raises(SpecError, match="appears twice") as info:
        parse("---\noutput: a.txt\ncustom:\n  a: 1\n  a: 2\n---\n# SPEC/x\n")
    assert info.value.line == 5
    with pytest.raises(SpecError, match="appears twice"):
        parse("---\noutput: a.txt\nitems:\n  - {k: 1, k: 2}\n---\n# SPEC/x\n")


def test_yaml_merge_keys_are_applied() -> None:
    # goccy decode.go keyToNodeMap: '<<' merges the mapping it names into the key map
    fm = parse("---\nbase: &b {output: a.txt}\n<<: *b\n---\n# SPEC/x\n").frontmatter
    assert fm is not None and fm.output == "a.txt"
    with pytest.raises(SpecError, match="'output' appears twice"):
        parse("---\nbase: &b {output: a.txt}\n<<: *b\noutput: b.txt\n---\n# SPEC/x\n")
    with pytest.raises(SpecError, match="contains it"):  # go-yaml: ErrExceededMaxDepth
        parse("---\nbase: &b {<<: *b}\n<<: *b\n---\n# SPEC/x\n")


# --- spectree.SpecTreeScan / parsing.ParseNode: what a node directory can be called


def test_a_node_directory_whose_name_holds_a_qualifier_does_not_parse(tmp_path: Path) -> None:
    # CfsReferenceFromPath gives SPEC/foo(bar); ParseNode reads "(bar)" as a qualifier: ErrHasQualifier
    write_node(tmp_path, "foo", public={"A": "the real foo"})
    odd = tmp_path / "code-from-spec" / "foo(bar)"
    odd.mkdir()
    (odd / "_node.md").write_text("# SPEC/foo(bar)\n")
    with pytest.raises(SpecError, match=r"qualifier") as info:
        load_tree(tmp_path)
    assert info.value.file == "code-from-spec/foo(bar)/_node.md"
    tree = load_tree(tmp_path, strict=False)
    assert list(tree.nodes) == ["SPEC/foo"]
    assert [e.file for e in tree.errors] == ["code-from-spec/foo(bar)/_node.md"]
    assert [(f, s) for f, s, _ in problems(tmp_path)] == [("code-from-spec/foo(bar)/_node.md", "error")]


def test_a_node_directory_with_a_colon_is_one_problem_among_others(tmp_path: Path) -> None:
    # ValidateStringIsCfsPath refuses ':' inside ParseNode; validate_specs lists it as a parse error
    write_node(tmp_path, "a:b")
    write_node(tmp_path, "c", depends_on=["SPEC/ghost"])
    files = [f for f, _, _ in problems(tmp_path)]
    assert files == ["code-from-spec/a:b/_node.md", "code-from-spec/c/_node.md"]


def test_an_unreadable_node_file_is_a_spec_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # ParseNode: ErrFileUnreadable, one parse error for that node (tests run as root: simulate it)
    write_node(tmp_path, "x")
    write_node(tmp_path, "y")
    real = Path.read_bytes

    def read_bytes(self: Path) -> bytes:
        if self.parent.name == "y" and self.name == "_node.md":
            raise PermissionError(13, "Permission denied", str(self))
        return real(self)

    monkeypatch.setattr(Path, "read_bytes", read_bytes)
    with pytest.raises(SpecError, match="cannot read") as info:
        load_tree(tmp_path)
    assert info.value.file == "code-from-spec/y/_node.md"
    assert [(f, s) for f, s, _ in problems(tmp_path)] == [("code-from-spec/y/_node.md", "error")]


def test_a_reference_into_a_dot_directory_is_read_as_the_reference_reads_it(tmp_path: Path) -> None:
    # SpecTreeScan skips dot directories, but ChainResolve/ParseNode open any SPEC/ name's file:
    # the chain is computed (validate_specs still calls the name unknown).
    write_node(tmp_path, ".shared", public={"About": "shared"})
    write_node(tmp_path, ".shared/terms", public={"Glossary": "cent: 1/100"})
    write_node(tmp_path, "app", depends_on=["SPEC/.shared/terms"], output="o")
    tree = load_tree(tmp_path)
    assert list(tree.nodes) == ["SPEC/app"]
    chain = compute_chain(tree, "SPEC/app")
    assert [m.label for m in chain.members] == ["SPEC/.shared/terms"]
    assert chain.members[0].content == b"## Glossary\ncent: 1/100\n"
    assert compute_chain(tree, "SPEC/.shared/terms").members[0].label == "SPEC/.shared"
    assert [m for _, _, m in problems(tmp_path)] == [
        "depends_on references SPEC/.shared/terms, which is under a '.' directory and so not in the spec tree"
    ]


def test_a_broken_node_outside_the_chain_does_not_stop_the_chain(tmp_path: Path) -> None:
    # chainresolver.ChainResolve / chainhash.ChainHashCompute parse only the chain's own nodes
    write_node(tmp_path, "lib", public={"Api": "f()"})
    write_node(tmp_path, "app", depends_on=["SPEC/lib"], output="o")
    write_node(tmp_path, "other")
    (tmp_path / "code-from-spec" / "other" / "_node.md").write_text("# SPEC/wrong\n")
    assert [m.label for m in compute_chain(tmp_path, "SPEC/app").members] == ["SPEC/lib"]
    cli = run_ledger("spec", "chain", "SPEC/app", "--json", "--workspace", str(tmp_path))  # load_chain
    assert cli.code == 0, cli.stderr
    assert [m["label"] for m in json.loads(cli.stdout)["members"]] == ["SPEC/lib"]
    write_node(tmp_path, "app", depends_on=["SPEC/other"], output="o")
    with pytest.raises(SpecError, match="expected '# SPEC/other'") as info:
        compute_chain(tmp_path, "SPEC/app")
    assert info.value.file == "code-from-spec/other/_node.md"


# --- spectreevalidate.SpecTreeValidate


def test_a_node_with_descendants_but_no_direct_child_node_is_not_a_leaf(tmp_path: Path) -> None:
    # hasChildren: strings.HasPrefix(b, a+"/") over every node, not only direct children
    write_node(tmp_path, "a", output="a.txt")
    write_node(tmp_path, "a/b/c")
    assert not load_tree(tmp_path).nodes["SPEC/a"].is_leaf
    assert [(f, m) for f, _, m in problems(tmp_path)] == [
        ("code-from-spec/a/_node.md", "'output' is only permitted on leaf nodes; SPEC/a has children"),
        ("code-from-spec/a/b", "directory has no _node.md; every spec directory is a node"),
    ]


def test_a_tree_without_nodes_is_a_validation_error(tmp_path: Path) -> None:
    # spectree.go SpecTreeScan: ErrNoNodesFound (a _node.md directly in code-from-spec/ is no node)
    (tmp_path / "code-from-spec").mkdir()
    (tmp_path / "code-from-spec" / "_node.md").write_text("# SPEC\n")
    [(file, severity, message)] = problems(tmp_path)
    assert (file, severity) == ("code-from-spec", "error")
    assert "no nodes" in message


def test_a_qualifier_on_an_artifact_or_external_name_is_a_validation_error(tmp_path: Path) -> None:
    # knownNames[dep] / OpenFile(relative) use the raw entry, "(x)" included; only SPEC/ names
    # take qualifiers (CODE_FROM_SPEC.md). The chain itself drops it (CfsReferenceFromName).
    write_node(tmp_path, "lib", output="lib.txt")
    (tmp_path / "lib.txt").write_text("lib\n")
    (tmp_path / "doc.txt").write_text("doc\n")
    write_node(tmp_path, "app", depends_on=["ARTIFACT/lib(api)"], input="EXTERNAL/doc.txt(intro)", output="o")
    assert [(f, s) for f, s, _ in problems(tmp_path)] == [("code-from-spec/app/_node.md", "error")] * 2
    assert all("qualifier" in m for _, _, m in problems(tmp_path))
    labels = [m.label for m in compute_chain(tmp_path, "SPEC/app").members]
    assert labels == ["ARTIFACT/lib", "INPUT[EXTERNAL/doc.txt]"]


@pytest.mark.parametrize(
    ("output", "ok"),
    [("gen/../out.txt", True), ("./out.txt", True), ("", False), ("../out.txt", False), ("c:out", False)],
)
def test_output_paths_are_validated_as_cfs_paths(tmp_path: Path, output: str, ok: bool) -> None:
    # output_paths rule: oslayer.ValidateStringIsCfsPath, which cleans before the '..' check
    write_node(tmp_path, "x")
    node_file = tmp_path / "code-from-spec" / "x" / "_node.md"
    node_file.write_text(f"---\noutput: '{output}'\n---\n" + node_file.read_text())
    assert (problems(tmp_path) == []) is ok


# --- manifest.parseManifest / Save


def test_a_manifest_path_with_a_semicolon_reads_back() -> None:
    # Save writes the path as is; parseManifest's SplitN(line, ";", 4) would then misread the
    # entry. The checksum and chain fields have a fixed form, so we split them off the right.
    entry = ManifestEntry("ARTIFACT/x", "out;v2.txt", HASH_A, HASH_B)
    data = Manifest({entry.artifact: entry}).serialize()
    assert (
        data == f"code-from-spec: v5\nARTIFACT/x;path:out;v2.txt;checksum:{HASH_A};chain:{HASH_B}\n".encode()
    )
    assert parse_manifest(data).entries == {"ARTIFACT/x": entry}


def test_a_manifest_entry_that_cannot_be_one_line_is_refused() -> None:
    entry = ManifestEntry("ARTIFACT/x", "out\nx.txt", HASH_A, HASH_B)
    with pytest.raises(SpecError, match="line break"):
        Manifest({entry.artifact: entry}).serialize()
