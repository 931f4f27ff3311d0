"""RFC 6962 tree heads and consistency proofs, against hand-computed trees and CT's test vectors."""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ledger.store.merkle import EMPTY_ROOT, consistency_proof, leaf, node, root, verify_consistency


def h(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


A, B, C, D, E = (leaf(x) for x in (b"a", b"b", b"c", b"d", b"e"))


def test_leaf_and_node_use_the_rfc_6962_domain_prefixes() -> None:
    assert leaf(b"a") == h(b"\x00a")
    assert node(A, B) == h(b"\x01" + A + B)
    assert root([]) == EMPTY_ROOT == h(b"")


def test_roots_of_small_trees_computed_by_hand() -> None:
    assert root([A]) == A
    assert root([A, B]) == h(b"\x01" + A + B)
    ab = node(A, B)
    assert root([A, B, C]) == node(ab, C)  # split at 2: ((a b) c)
    assert root([A, B, C, D]) == node(ab, node(C, D))
    assert root([A, B, C, D, E]) == node(node(ab, node(C, D)), E)  # split at 4


# Certificate Transparency's reference test vectors (merkle_tree_test.cc): leaf inputs and
# the tree heads of the first 1..8 leaves.
CT_LEAVES = [
    b"",
    b"\x00",
    b"\x10",
    b"\x20\x21",
    b"\x30\x31",
    b"\x40\x41\x42\x43",
    b"\x50\x51\x52\x53\x54\x55\x56\x57",
    b"\x60\x61\x62\x63\x64\x65\x66\x67\x68\x69\x6a\x6b\x6c\x6d\x6e\x6f",
]
CT_ROOTS = [
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
]


@pytest.mark.parametrize("size", range(1, 9))
def test_tree_heads_match_certificate_transparency_vectors(size: int) -> None:
    assert root([leaf(x) for x in CT_LEAVES[:size]]).hex() == CT_ROOTS[size - 1]


def test_consistency_proofs_computed_by_hand() -> None:
    ab, cd = node(A, B), node(C, D)
    assert consistency_proof(2, [A, B, C]) == [C]
    assert consistency_proof(1, [A, B, C]) == [B, C]
    assert consistency_proof(3, [A, B, C, D]) == [C, D, ab]
    assert consistency_proof(2, [A, B, C, D, E]) == [cd, E]
    assert consistency_proof(4, [A, B, C, D, E]) == [E]
    assert consistency_proof(0, [A, B]) == []
    assert consistency_proof(2, [A, B]) == []


def test_hand_computed_proofs_verify() -> None:
    ab = node(A, B)
    assert verify_consistency(3, 4, root([A, B, C]), root([A, B, C, D]), [C, D, ab])
    assert verify_consistency(2, 3, ab, root([A, B, C]), [C])
    assert verify_consistency(4, 4, root([A, B, C, D]), root([A, B, C, D]), [])


def test_a_rewritten_history_does_not_verify() -> None:
    old = root([A, B, C])
    rewritten = [A, leaf(b"B'"), C, D]  # the second leaf changed after the checkpoint
    proof = consistency_proof(3, rewritten)
    assert not verify_consistency(3, 4, old, root(rewritten), proof)
    assert not verify_consistency(3, 4, old, root([A, B, C, D]), [C, D, node(A, C)])
    assert not verify_consistency(4, 3, old, old, [])  # a shrinking log is never consistent
    assert not verify_consistency(2, 2, node(A, B), node(A, C), [])


@given(st.integers(min_value=1, max_value=70), st.data())
def test_every_prefix_is_provably_consistent(n: int, data: st.DataObject) -> None:
    leaves = [leaf(i.to_bytes(4, "big")) for i in range(n)]
    m = data.draw(st.integers(min_value=0, max_value=n))
    proof = consistency_proof(m, leaves)
    assert verify_consistency(m, n, root(leaves[:m]), root(leaves), proof)
    if 0 < m < n:
        assert not verify_consistency(m, n, leaf(b"other"), root(leaves), proof)
        assert not verify_consistency(m, n, root(leaves[:m]), leaf(b"other"), proof)
