"""Chain assembly and hashing on hand-built trees, checked against hand-computed values."""

from __future__ import annotations

import base64
import hashlib
from pathlib import Path

import pytest

from ledger.errors import SpecError
from ledger.spec import compute_chain
from tests.spec.treebuilder import small_tree, write_node


def sha1(text: str | bytes) -> bytes:
    return hashlib.sha1(text.encode() if isinstance(text, str) else text).digest()


def b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def test_chain_hash_is_sha1_of_position_hashes_in_reference_order(tmp_path: Path) -> None:
    small_tree(tmp_path)
    chain = compute_chain(tmp_path, "SPEC/shop/pay")
    ancestor = "## Context\nA shop.\n\n## Conventions\nUse integers for cents.\n"
    external = "gateway v1\n"
    qualified = "## Interface\nadd(item)\n"
    target = "## Interface\npay(total)\n"
    agent = "Write Python.\n"
    # depends_on sorted by name: EXTERNAL/… before SPEC/…
    expected = sha1(sha1(ancestor) + sha1(external) + sha1(qualified) + sha1(target) + sha1(agent))
    assert chain.hash == b64(expected) and len(chain.hash) == 27
    assert [m.label for m in chain.members] == [
        "SPEC/shop",
        "EXTERNAL/docs/gateway.txt",
        "SPEC/shop/cart(interface)",
        "SPEC/shop/pay",
        "AGENT[SPEC/shop/pay]",
    ]
    assert [m.text for m in chain.members] == [ancestor, external, qualified, target, agent]


def test_empty_positions_contribute_no_bytes_but_input_marker_stays(tmp_path: Path) -> None:
    write_node(tmp_path, "a")  # ancestor without # Public
    write_node(tmp_path, "b", public={"Only": "b text"})
    (tmp_path / "code-from-spec" / "a" / "x").mkdir(parents=True)
    (tmp_path / "code-from-spec" / "a" / "x" / "_node.md").write_text(
        "---\ninput: SPEC/b(missing)\noutput: out.txt\n---\n# SPEC/a/x\n\n# Public\n\n# Agent\n\n"
    )
    chain = compute_chain(tmp_path, "SPEC/a/x")
    assert chain.members == ()
    assert chain.has_input
    assert chain.hash == b64(sha1(b"I"))  # nothing but the 0x49 marker


def test_headings_inside_code_blocks_are_content(tmp_path: Path) -> None:
    node = tmp_path / "code-from-spec" / "doc" / "_node.md"
    node.parent.mkdir(parents=True)
    node.write_text(
        "# SPEC/doc\n\n# Public\n\n## Format\n\n```markdown\n# Private\n## Not a heading\n```\n\n"
        "## Next\nafter\n"
    )
    chain = compute_chain(tmp_path, "SPEC/doc")
    assert chain.members[0].text == (
        "## Format\n```markdown\n# Private\n## Not a heading\n```\n\n## Next\nafter\n"
    )


def test_qualifiers_are_normalized_and_deduplicated(tmp_path: Path) -> None:
    write_node(tmp_path, "lib", public={"Interface": "api", "Errors": "errs"})
    write_node(
        tmp_path,
        "app",
        depends_on=["SPEC/lib(  INTERFACE )", "SPEC/lib(errors)", "SPEC/lib(errors)"],
        output="app.py",
    )
    labels = [m.label for m in compute_chain(tmp_path, "SPEC/app").members]
    assert labels == ["SPEC/lib(  INTERFACE )", "SPEC/lib(errors)"]
    first = compute_chain(tmp_path, "SPEC/app").members[0]
    assert first.text == "## Interface\napi\n"

    write_node(tmp_path, "app", depends_on=["SPEC/lib(errors)", "SPEC/lib"], output="app.py")
    members = compute_chain(tmp_path, "SPEC/app").members
    assert [m.label for m in members] == ["SPEC/lib"]  # unqualified entry covers the subsections


def test_depends_on_order_does_not_depend_on_frontmatter_order(tmp_path: Path) -> None:
    small_tree(tmp_path)
    before = compute_chain(tmp_path, "SPEC/shop/pay").hash
    write_node(
        tmp_path,
        "shop/pay",
        public={"Interface": "pay(total)"},
        agent="Write Python.",
        private="Other private text.",
        depends_on=["EXTERNAL/docs/gateway.txt", "SPEC/shop/cart(interface)"],
        output="src/pay.py",
    )
    assert compute_chain(tmp_path, "SPEC/shop/pay").hash == before


def test_artifact_reference_resolves_through_the_output_of_its_node(tmp_path: Path) -> None:
    small_tree(tmp_path)
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "cart.py").write_bytes(b"def add(item):\r\n    pass")
    write_node(tmp_path, "shop/report", input="ARTIFACT/shop/cart", output="report.md", agent="Summarise.")
    chain = compute_chain(tmp_path, "SPEC/shop/report")
    member = chain.members[-1]
    assert (member.label, member.file, member.role) == ("INPUT[ARTIFACT/shop/cart]", "src/cart.py", "input")
    assert member.content == b"def add(item):\n    pass\n"  # CR dropped, final LF added
    assert "<input>\ndef add(item):\n    pass\n</input>\n" in chain.render()


def test_rendered_chain_has_the_reference_layout(tmp_path: Path) -> None:
    small_tree(tmp_path)
    text = compute_chain(tmp_path, "SPEC/shop/cart").render(existing_artifact=b"old\n")
    assert text == (
        "<chain>\n<existing_artifact>\nold\n</existing_artifact>\n<constraints>\n"
        '<entry name="SPEC/shop">\n## Context\nA shop.\n\n## Conventions\nUse integers for cents.\n</entry>\n'
        '<entry name="SPEC/shop/cart">\n## Interface\nadd(item)\n\n## Rules\nNo negative quantities.\n</entry>\n'
        "</constraints>\n<instructions>\nWrite Python.\n</instructions>\n</chain>\n"
    )


def test_symlinked_external_file_outside_the_project_is_refused(tmp_path: Path) -> None:
    project = tmp_path / "p"
    small_tree(project)
    secret = tmp_path / "secret.txt"
    secret.write_text("outside")
    (project / "docs" / "gateway.txt").unlink()
    (project / "docs" / "gateway.txt").symlink_to(secret)
    with pytest.raises(SpecError, match="outside the project"):
        compute_chain(project, "SPEC/shop/pay")
