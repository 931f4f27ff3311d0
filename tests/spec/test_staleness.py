"""Which edits make which artifacts stale: the properties a user relies on."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ledger.spec import artifact_statuses, compute_chain, load_tree
from ledger.spec.manifest import ManifestEntry, artifact_checksum, updating_manifest
from tests.conftest import run_ledger
from tests.spec.treebuilder import small_tree, write_node

# Printable text without characters that would change the Markdown structure of a block.
safe_text = st.text(
    alphabet=st.characters(
        codec="utf-8", exclude_categories=("Cs", "Cc", "Zl", "Zp"), exclude_characters="#`~<>-=*_\\["
    ),
    min_size=1,
    max_size=40,
).filter(lambda s: s.strip(" \t") != "")


def generate_all(root: Path) -> None:
    """Pretend every artifact was generated now: write outputs and record them in the manifest."""
    tree = load_tree(root)
    with updating_manifest(root) as updates:
        for node in tree.nodes.values():
            if node.output:
                data = f"generated from {node.name}\n".encode()
                (root / node.output).parent.mkdir(parents=True, exist_ok=True)
                (root / node.output).write_bytes(data)
                chain = compute_chain(tree, node.name)
                updates.append(ManifestEntry(node.artifact, node.output, artifact_checksum(data), chain.hash))


def statuses(root: Path) -> dict[str, str]:
    return {s.artifact: s.status for s in artifact_statuses(root)}


def fresh_tree() -> Path:
    root = Path(tempfile.mkdtemp(prefix="cfs-"))
    small_tree(root)
    generate_all(root)
    return root


def test_generated_tree_is_up_to_date(tmp_path: Path) -> None:
    small_tree(tmp_path)
    generate_all(tmp_path)
    assert set(statuses(tmp_path).values()) == {"up-to-date"}


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(new_text=safe_text)
def test_editing_an_ancestor_public_subsection_stales_exactly_its_descendants(new_text: str) -> None:
    root = fresh_tree()
    try:
        write_node(
            root, "shop", public={"Context": "A shop. " + new_text, "Conventions": "Use integers for cents."}
        )
        assert statuses(root) == {
            "ARTIFACT/shop/cart": "stale",
            "ARTIFACT/shop/pay": "stale",
            "ARTIFACT/misc/notes": "up-to-date",
        }
    finally:
        shutil.rmtree(root)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(new_text=safe_text)
def test_editing_private_changes_nothing(new_text: str) -> None:
    root = fresh_tree()
    try:
        before = {n: compute_chain(root, n).hash for n in ("SPEC/shop/cart", "SPEC/shop/pay")}
        write_node(
            root,
            "shop/pay",
            public={"Interface": "pay(total)"},
            agent="Write Python.",
            private=new_text,
            depends_on=["SPEC/shop/cart(interface)", "EXTERNAL/docs/gateway.txt"],
            output="src/pay.py",
        )
        assert {n: compute_chain(root, n).hash for n in before} == before
        assert set(statuses(root).values()) == {"up-to-date"}
    finally:
        shutil.rmtree(root)


def test_a_qualified_dependency_only_sees_its_subsection(tmp_path: Path) -> None:
    small_tree(tmp_path)
    generate_all(tmp_path)
    # pay depends on cart(interface) only: editing cart's Rules stales cart, not pay.
    write_node(
        tmp_path,
        "shop/cart",
        public={"Interface": "add(item)", "Rules": "Quantities are capped at 99."},
        agent="Write Python.",
        output="src/cart.py",
    )
    assert statuses(tmp_path)["ARTIFACT/shop/cart"] == "stale"
    assert statuses(tmp_path)["ARTIFACT/shop/pay"] == "up-to-date"


@settings(max_examples=40, deadline=None)
@given(
    body=st.lists(safe_text, min_size=1, max_size=6),
    trailing_newline=st.booleans(),
)
def test_crlf_and_lf_files_hash_identically(body: list[str], trailing_newline: bool) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        hashes = []
        for newline in ("\n", "\r\n"):
            root = Path(tmp) / newline.encode().hex()
            write_node(
                root, "n", public={"Body": "\n".join(body)}, agent="go", output="o.txt", newline=newline
            )
            text = (root / "code-from-spec" / "n" / "_node.md").read_bytes()
            if not trailing_newline:
                (root / "code-from-spec" / "n" / "_node.md").write_bytes(text.rstrip(b"\r\n"))
            hashes.append((compute_chain(root, "SPEC/n").hash, compute_chain(root, "SPEC/n").sha256))
        assert hashes[0] == hashes[1]
        data = "\n".join(body).encode()
        assert artifact_checksum(data) == artifact_checksum(data.replace(b"\n", b"\r\n"))


def test_modified_missing_and_orphan(tmp_path: Path) -> None:
    small_tree(tmp_path)
    generate_all(tmp_path)
    (tmp_path / "src" / "cart.py").write_text("hand edit\n")
    (tmp_path / "notes.txt").unlink()
    shutil.rmtree(tmp_path / "code-from-spec" / "shop" / "pay")
    assert statuses(tmp_path) == {
        "ARTIFACT/shop/cart": "modified",
        "ARTIFACT/misc/notes": "missing",
        "ARTIFACT/shop/pay": "orphan",
    }


def test_files_with_v4_tags_are_named_as_a_tree_before_v5(tmp_path: Path) -> None:
    # Code from Spec v4 kept no .manifest: it tagged each generated file with its node and chain
    small_tree(tmp_path)
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "cart.py").write_text("# code-from-spec: SPEC/shop/cart@cKY1laDjF37NxxYeajTgtPDgdI0\nx = 1\n")
    details = {s.artifact: (s.status, s.detail) for s in artifact_statuses(tmp_path)}
    assert details["ARTIFACT/shop/cart"] == ("missing", "no manifest entry; the file carries a Code from Spec v4 tag")
    assert details["ARTIFACT/misc/notes"] == ("missing", "no manifest entry: never generated")

    done = run_ledger("spec", "status", cwd=tmp_path)
    assert done.code == 0 and "this tree seems to predate v5" in " ".join(done.stderr.split())
