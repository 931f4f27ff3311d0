"""Malformed spec trees: one line naming file:line and what was expected, exit 2, no traceback."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import assert_user_error, run_ledger
from tests.spec.treebuilder import small_tree, write_node


def node_file(root: Path, name: str) -> Path:
    return root / "code-from-spec" / name / "_node.md"


def test_bad_frontmatter_yaml(tmp_path: Path) -> None:
    small_tree(tmp_path)
    node_file(tmp_path, "shop/cart").write_text(
        "---\ndepends_on: [SPEC/x\noutput: a.py\n---\n# SPEC/shop/cart\n"
    )
    result = run_ledger("spec", "status", "-w", str(tmp_path))
    assert_user_error(result, "code-from-spec/shop/cart/_node.md:", "malformed YAML frontmatter")


def test_unclosed_frontmatter(tmp_path: Path) -> None:
    small_tree(tmp_path)
    node_file(tmp_path, "shop/cart").write_text("---\noutput: a.py\n# SPEC/shop/cart\n")
    assert_user_error(run_ledger("spec", "status", "-w", str(tmp_path)), "_node.md:1", "no closing '---'")


def test_unknown_logical_name_prefix(tmp_path: Path) -> None:
    small_tree(tmp_path)
    write_node(tmp_path, "shop/pay", depends_on=["SPEC/shop/cart", "LIB/requests"], output="src/pay.py")
    result = run_ledger("spec", "chain", "SPEC/shop/pay", "-w", str(tmp_path))
    assert_user_error(
        result, "code-from-spec/shop/pay/_node.md:4", "unknown logical-name prefix", "LIB/requests"
    )
    result = run_ledger("spec", "validate", "-w", str(tmp_path))
    assert result.code == 2
    assert (
        "code-from-spec/shop/pay/_node.md:4: error: depends_on: unknown logical-name prefix" in result.stdout
    )


@pytest.mark.parametrize("ref", ["SPEC/../etc", "EXTERNAL/../../etc/passwd", "EXTERNAL//etc/passwd"])
def test_references_that_leave_the_tree(tmp_path: Path, ref: str) -> None:
    small_tree(tmp_path)
    write_node(tmp_path, "shop/pay", depends_on=[ref], output="src/pay.py")
    result = run_ledger("spec", "chain", "SPEC/shop/pay", "-w", str(tmp_path))
    assert_user_error(result, "code-from-spec/shop/pay/_node.md:3")
    assert "'..'" in result.stderr or "absolute" in result.stderr


def test_missing_node(tmp_path: Path) -> None:
    small_tree(tmp_path)
    write_node(tmp_path, "shop/pay", depends_on=["SPEC/shop/ghost"], output="src/pay.py")
    result = run_ledger("spec", "chain", "SPEC/shop/pay", "-w", str(tmp_path))
    assert_user_error(result, "code-from-spec/shop/pay/_node.md:3", "no spec node SPEC/shop/ghost")
    validate = run_ledger("spec", "validate", "-w", str(tmp_path))
    assert validate.code == 2 and "references unknown node SPEC/shop/ghost" in validate.stdout


def test_cycle(tmp_path: Path) -> None:
    small_tree(tmp_path)
    write_node(tmp_path, "shop/cart", depends_on=["ARTIFACT/shop/pay"], output="src/cart.py")
    write_node(tmp_path, "shop/pay", depends_on=["SPEC/shop/cart"], output="src/pay.py")
    result = run_ledger("spec", "validate", "-w", str(tmp_path))
    assert result.code == 2, result
    assert "dependency cycle: SPEC/shop/cart -> SPEC/shop/pay -> SPEC/shop/cart" in result.stdout


def test_non_utf8_file(tmp_path: Path) -> None:
    small_tree(tmp_path)
    node_file(tmp_path, "misc").write_bytes(b"# SPEC/misc\n\n# Public\n\n## About\ncaf\xe9\n")
    assert_user_error(
        run_ledger("spec", "status", "-w", str(tmp_path)), "code-from-spec/misc/_node.md:6", "UTF-8"
    )


def test_name_heading_must_match(tmp_path: Path) -> None:
    small_tree(tmp_path)
    node_file(tmp_path, "misc").write_text("# SPEC/other\n")
    assert_user_error(
        run_ledger("spec", "status", "-w", str(tmp_path)), "_node.md:1", "expected '# SPEC/misc'"
    )


def test_unrecognized_section_and_leaf_only_rules(tmp_path: Path) -> None:
    small_tree(tmp_path)
    node_file(tmp_path, "misc").write_text("# SPEC/misc\n\n# Notes\ntext\n")
    assert_user_error(run_ledger("spec", "status", "-w", str(tmp_path)), "_node.md:3", "unrecognized section")
    write_node(tmp_path, "misc", public={"About": "x"}, agent="Not allowed here")
    result = run_ledger("spec", "validate", "-w", str(tmp_path))
    assert result.code == 2 and "'# Agent' is only permitted on leaf nodes" in result.stdout


def test_directory_without_node_and_valid_tree(tmp_path: Path) -> None:
    small_tree(tmp_path)
    assert run_ledger("spec", "validate", "-w", str(tmp_path)).code == 0
    (tmp_path / "code-from-spec" / "shop" / "empty").mkdir()
    (tmp_path / "code-from-spec" / "shop" / "empty" / "notes.txt").write_text("x")
    result = run_ledger("spec", "validate", "--json", "-w", str(tmp_path))
    assert result.code == 2 and "directory has no _node.md" in result.stdout


def test_no_workspace(tmp_path: Path) -> None:
    assert_user_error(run_ledger("spec", "status", cwd=tmp_path), "no workspace found")


def test_malformed_manifest_line(tmp_path: Path) -> None:
    small_tree(tmp_path)
    (tmp_path / "code-from-spec" / ".manifest").write_text("code-from-spec: v5\nARTIFACT/shop/cart;path:x\n")
    assert_user_error(
        run_ledger("spec", "status", "-w", str(tmp_path)), "code-from-spec/.manifest:2", "malformed entry"
    )


def test_a_tree_from_before_v5_is_named_as_such(tmp_path: Path) -> None:
    # earlier Code from Spec versions: "# ROOT/..." headings, depends_on as {path, version}
    small_tree(tmp_path)
    node_file(tmp_path, "shop/cart").write_text(
        "---\ndepends_on:\n  - path: ROOT/shop\n    version: 4\noutput: a.py\n---\n# ROOT/shop/cart\n"
    )
    node_file(tmp_path, "shop").write_text("# ROOT/shop\n")

    status = run_ledger("spec", "status", "-w", str(tmp_path))
    assert_user_error(status, "first heading is '# ROOT/shop'")
    assert "hint: this tree seems to follow a Code from Spec version before v5" in status.stderr

    validate = run_ledger("spec", "validate", "-w", str(tmp_path))
    assert validate.code == 2
    assert "_node.md:3: error: depends_on entry 1 must be a logical name string, got a mapping" in (
        validate.stdout
    )
    assert validate.stderr.count("hint: this tree seems to follow a Code from Spec version before v5") == 1


def test_a_v6_manifest_is_named_as_such(tmp_path: Path) -> None:
    small_tree(tmp_path)
    (tmp_path / "code-from-spec" / ".manifest").write_text("code-from-spec: v6\n")
    status = run_ledger("spec", "status", "-w", str(tmp_path))
    assert_user_error(status, ".manifest:1", "expected header 'code-from-spec: v5'")
    assert "hint: this manifest was written by Code from Spec v6 tooling" in status.stderr


def test_v6_imports_warn_that_v5_ignores_them(tmp_path: Path) -> None:
    # v6 renamed depends_on to imports; read as v5 it would silently drop the node's imports
    small_tree(tmp_path)
    node_file(tmp_path, "shop/cart").write_text(
        "---\ntype: artifact\nimports:\n  - SPEC/shop\noutput: a.py\n---\n# SPEC/shop/cart\n"
    )
    validate = run_ledger("spec", "validate", "-w", str(tmp_path))
    assert validate.code == 0  # a warning: under v5 it is a legal (ignored) project field
    assert "cart/_node.md:3: warning: 'imports' is the Code from Spec v6 name of depends_on" in (
        validate.stdout
    )
    assert "hint: this tree seems to follow Code from Spec v6" in validate.stderr

    node_file(tmp_path, "shop/cart").write_text(
        "---\nimports: [x]\ndepends_on: []\noutput: a.py\n---\n# SPEC/shop/cart\n"
    )
    assert "imports" not in run_ledger("spec", "validate", "-w", str(tmp_path)).stdout


def test_chain_of_an_external_file_says_it_is_no_node(tmp_path: Path) -> None:
    # Found running `spec chain` over tool-framework-mcp's trees: 'EXTERNAL/go.mod' was
    # reported as "no spec node SPEC/go.mod", a node nobody asked for.
    small_tree(tmp_path)
    result = run_ledger("spec", "chain", "EXTERNAL/docs/gateway.txt", "-w", str(tmp_path))
    assert_user_error(result, "'EXTERNAL/docs/gateway.txt' names a project file, not a node")
    assert "SPEC/docs" not in result.stderr


def test_a_trailing_slash_is_named_as_such(tmp_path: Path) -> None:
    # The reference refuses 'SPEC/x/' (ErrInvalidName); the message used to say "nothing after SPEC/".
    small_tree(tmp_path)
    result = run_ledger("spec", "chain", "SPEC/shop/cart/", "-w", str(tmp_path))
    assert_user_error(result, "'SPEC/shop/cart/': ends with '/'")
    write_node(tmp_path, "shop/pay", depends_on=["SPEC/shop/cart/"], output="src/pay.py")
    result = run_ledger("spec", "chain", "SPEC/shop/pay", "-w", str(tmp_path))
    assert_user_error(result, "code-from-spec/shop/pay/_node.md:3", "ends with '/'")
