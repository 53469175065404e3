"""The Merkle math: RFC 6962's published test vectors, and agreement with independent code."""

from __future__ import annotations

import base64

import pytest
import tamperlog.merkle as independent
from hypothesis import given, settings
from hypothesis import strategies as st
from tlog_scales.signing import PlainEd25519Signer, Vkey
from tlog_scales.tlog import Checkpoint as TheirCheckpoint
from tlog_scales.tlog import ConsistencyProof, InclusionProof

from revledger_verify import merkle
from revledger_verify.note import Checkpoint, NoteError, PrivateKey, PublicKey

# The 8-leaf reference tree of RFC 6962 (as in certificate-transparency's test data).
INPUTS = [b"", b"\x00", b"\x10", b"\x20\x21", b"\x30\x31", b"\x40\x41\x42\x43",
          bytes(range(0x50, 0x58)), bytes(range(0x60, 0x70))]
LEAVES = [merkle.leaf_hash(x) for x in INPUTS]
ROOTS = {
    1: "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    2: "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    3: "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    4: "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    5: "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    6: "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    7: "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    8: "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
}
INCLUSION = [  # (leaf index, tree size, path)
    (0, 1, []),
    (0, 8, ["96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"]),
    (5, 8, ["bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"]),
    (2, 3, ["fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"]),
    (1, 5, ["6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"]),
]
CONSISTENCY = [  # (old size, new size, path)
    (1, 1, []),
    (1, 8, ["96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"]),
    (6, 8, ["0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"]),
    (2, 5, ["5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"]),
]
SUBTREE = merkle.list_subtree(LEAVES)


def test_the_empty_tree_hashes_to_the_hash_of_nothing() -> None:
    assert merkle.root([]).hex() == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"


@pytest.mark.parametrize("size", sorted(ROOTS))
def test_the_reference_tree_has_the_published_root_at_every_size(size: int) -> None:
    assert merkle.root(LEAVES[:size]).hex() == ROOTS[size]


@pytest.mark.parametrize(("index", "size", "path"), INCLUSION)
def test_inclusion_proofs_match_the_published_ones_and_verify(index: int, size: int, path: list[str]) -> None:
    proof = merkle.inclusion_proof(index, size, SUBTREE)
    assert [p.hex() for p in proof] == path
    root = bytes.fromhex(ROOTS[size])
    assert merkle.verify_inclusion(index, size, LEAVES[index], proof, root)
    assert not merkle.verify_inclusion(index, size, LEAVES[(index + 1) % 8], proof, root)
    assert not merkle.verify_inclusion(index, size, LEAVES[index], proof[:-1] or [root], root)


@pytest.mark.parametrize(("old", "new", "path"), CONSISTENCY)
def test_consistency_proofs_match_the_published_ones_and_verify(old: int, new: int, path: list[str]) -> None:
    proof = merkle.consistency_proof(old, new, SUBTREE)
    assert [p.hex() for p in proof] == path
    old_root, new_root = bytes.fromhex(ROOTS[old]), bytes.fromhex(ROOTS[new])
    assert merkle.verify_consistency(old, new, old_root, new_root, proof)
    if old != new:
        assert not merkle.verify_consistency(old, new, new_root, old_root, proof)
        assert not merkle.verify_consistency(old, new, old_root, new_root, proof[:-1])


def test_a_frontier_grown_leaf_by_leaf_reports_every_completed_node() -> None:
    frontier = merkle.Frontier()
    nodes = {}
    for leaf in LEAVES:
        nodes.update({(level, index): h for level, index, h in frontier.append_nodes(leaf)})
    assert nodes[(3, 0)].hex() == ROOTS[8]
    assert nodes[(2, 1)] == SUBTREE(4, 8)
    assert frontier.root().hex() == ROOTS[8]


sizes = st.integers(min_value=1, max_value=70)


@settings(max_examples=40, deadline=None)
@given(size=sizes, data=st.data())
def test_roots_and_proofs_agree_with_an_independent_implementation(size: int, data: st.DataObject) -> None:
    leaves = [merkle.leaf_hash(data.draw(st.binary(max_size=8))) for _ in range(size)]
    subtree = merkle.list_subtree(leaves)
    root = merkle.root(leaves)
    assert root == independent.merkle_root(leaves)
    index = data.draw(st.integers(0, size - 1))
    proof = merkle.inclusion_proof(index, size, subtree)
    assert proof == independent.inclusion_proof(index, leaves)
    InclusionProof(index, size, proof).check(leaves[index], root)  # tlog-scales raises if invalid
    old = data.draw(st.integers(1, size))
    consistency = merkle.consistency_proof(old, size, subtree)
    if old < size:
        assert consistency == independent.consistency_proof(old, leaves)
        ConsistencyProof(old, size, consistency).check(merkle.root(leaves[:old]), root)
    assert merkle.verify_consistency(old, size, merkle.root(leaves[:old]), root, consistency)


def test_our_signed_checkpoints_verify_with_an_independent_signed_note_implementation() -> None:
    key = PrivateKey.generate("ledger.example/log")
    note = key.sign(Checkpoint("ledger.example/log", 8, bytes.fromhex(ROOTS[8])))
    theirs = TheirCheckpoint.from_text(note)
    theirs.verify(Vkey.from_string(key.vkey()))  # raises unless name, key id and signature agree
    assert theirs.root_hash.hex() == ROOTS[8] and theirs.size == 8


def test_independently_signed_checkpoints_verify_with_ours_and_other_keys_are_refused() -> None:
    key = PrivateKey.generate("ledger.example/log")
    signer = PlainEd25519Signer("ledger.example/log", key.key)
    note = TheirCheckpoint.make_signed("ledger.example/log", 5, bytes.fromhex(ROOTS[5]), [signer]).serialize()
    checkpoint = key.public().verify(note)
    assert (checkpoint.size, checkpoint.root.hex()) == (5, ROOTS[5])
    stranger = PrivateKey.generate("ledger.example/log").public()
    with pytest.raises(NoteError, match="not signed by key"):
        stranger.verify(note)


def test_a_changed_byte_anywhere_in_a_signed_note_is_refused() -> None:
    key = PrivateKey.generate("ledger")
    note = key.sign(Checkpoint("ledger", 3, bytes.fromhex(ROOTS[3]), ("time 2026-01-01T00:00:00+00:00",)))
    public = PublicKey.parse(key.vkey())
    assert public.verify(note).time == "2026-01-01T00:00:00+00:00"
    for offset in range(len(note) - 1):
        changed = note[:offset] + ("A" if note[offset] != "A" else "B") + note[offset + 1:]
        with pytest.raises(NoteError):
            public.verify(changed)


def test_key_ids_follow_the_signed_note_rule() -> None:
    key = PrivateKey.generate("example.com/log")
    name, key_hash, blob = key.vkey().split("+", 2)
    raw = base64.b64decode(blob)
    import hashlib

    assert key_hash == hashlib.sha256(b"example.com/log\n" + raw).digest()[:4].hex()
    assert PrivateKey.parse(key.skey()).vkey() == key.vkey()


@settings(max_examples=60, deadline=None)
@given(size=st.integers(min_value=1, max_value=140), data=st.data())
def test_perfect_subtrees_of_any_ranges_fold_into_the_same_root(size: int, data: st.DataObject) -> None:
    """What the fast verifiers do: fold consecutive ranges (cut anywhere) as their compact ranges."""
    leaves = [merkle.leaf_hash(i.to_bytes(4, "big")) for i in range(size)]
    cuts = sorted(set(data.draw(st.lists(st.integers(1, size - 1), max_size=4)) if size > 1 else []))
    frontier = merkle.Frontier()
    for start, end in zip([0, *cuts], [*cuts, size]):
        nodes = merkle.compact_range(start, leaves[start:end])
        assert len(nodes) <= 2 * size.bit_length()
        for level, node in nodes:
            assert node == merkle.root(leaves[start:start + (1 << level)])
            frontier.append_subtree(level, node)
            start += 1 << level
    assert frontier.size == size
    assert frontier.root() == merkle.root(leaves) == independent.merkle_root(leaves)


def test_a_subtree_that_does_not_start_on_its_own_boundary_is_refused() -> None:
    frontier = merkle.Frontier()
    frontier.append(LEAVES[0])
    with pytest.raises(ValueError, match="cannot start at leaf 1"):
        frontier.append_subtree(1, SUBTREE(0, 2))
    assert merkle.perfect_root(LEAVES).hex() == ROOTS[8]
