"""Chain assembly and hashing (CHAIN_HASH.md, CHAIN_ASSEMBLY.md), as the reference computes them.

Order: ancestors root → parent, then ``depends_on`` (sorted by name without qualifier,
unqualified first, then raw qualifier; de-duplicated), the target's ``# Public``, its
``# Agent``, and the ``input`` after a 0x49 marker. A position with no content contributes
no bytes at all; the marker is added whenever ``input`` is declared.

Besides the reference SHA-1 chain hash we compute a SHA-256 chain digest over the same
positions (SHA-256 content hashes, same order, same marker) for attestations, where SHA-1
is not acceptable as a binding digest.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from ledger.errors import SpecError
from ledger.spec.names import LogicalName, parse_logical_name
from ledger.spec.text import b64url
from ledger.spec.tree import SpecNode, SpecTree, load_tree

Role = Literal["ancestor", "depends_on", "target", "agent", "input"]
INPUT_MARKER = b"I"  # 0x49


@dataclass(frozen=True)
class ChainMember:
    """One position that contributes content to the chain."""

    label: str  # reference label: SPEC/x, SPEC/x(q), ARTIFACT/x, EXTERNAL/p, AGENT[SPEC/x], INPUT[…]
    name: str  # logical name without qualifier (SPEC/…, ARTIFACT/…, EXTERNAL/…)
    role: Role
    file: str  # project-relative file the content comes from
    content: bytes  # exactly the bytes hashed and delivered

    @property
    def cfs_hash(self) -> str:
        return b64url(hashlib.sha1(self.content).digest())

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.content).hexdigest()

    @property
    def text(self) -> str:
        return self.content.decode("utf-8", errors="replace")


@dataclass(frozen=True)
class Chain:
    """The assembled chain of one target node."""

    target: str
    output: str | None
    members: tuple[ChainMember, ...]
    has_input: bool
    instructions: str | None  # None when the node has no # Agent section
    input_label: str | None
    input_content: bytes | None
    hash: str  # reference chain hash: SHA-1, base64url, 27 chars
    sha256: str  # SHA-256 chain digest (hex) for attestations

    @property
    def artifact(self) -> str:
        return "ARTIFACT/" + self.target.removeprefix("SPEC/")

    def constraints(self) -> tuple[ChainMember, ...]:
        return tuple(m for m in self.members if m.role in ("ancestor", "depends_on", "target"))

    def render(self, existing_artifact: bytes | None = None) -> str:
        """The chain document as the reference's ``load_chain`` delivers it (without cache).

        Content is inserted verbatim (no XML escaping), exactly as the reference does.
        """
        parts = ["<chain>\n"]
        if existing_artifact is not None:
            parts += ["<existing_artifact>\n", _text(existing_artifact), "</existing_artifact>\n"]
        parts.append("<constraints>\n")
        for m in self.constraints():
            parts += [f'<entry name="{m.label}">\n', m.text, "</entry>\n"]
        parts.append("</constraints>\n")
        if self.instructions is not None:
            parts += ["<instructions>\n", self.instructions, "</instructions>\n"]
        if self.has_input:
            parts += ["<input>\n", _text(self.input_content or b""), "</input>\n"]
        parts.append("</chain>\n")
        return "".join(parts)


def _text(data: bytes) -> str:
    return data.decode("utf-8", errors="replace")


def compute_chain(root: Path | SpecTree, target: str) -> Chain:
    """Resolve and hash the chain of ``target`` (a ``SPEC/`` leaf name or its ``ARTIFACT/`` name).

    Given a path, the tree is loaded leniently: like the reference's ``ChainResolve`` and
    ``ChainHashCompute``, only the nodes in the chain must parse (a broken node elsewhere in
    the tree does not matter; one in the chain raises its own error).
    """
    tree = root if isinstance(root, SpecTree) else load_tree(root, strict=False)
    ref = parse_logical_name(target)
    if ref.qualifier is not None:
        raise SpecError(f"chain target {target!r} has a qualifier; expected a node name")
    if ref.kind == "EXTERNAL":
        raise SpecError(
            f"chain target {target!r} names a project file, not a node; expected SPEC/<node> or "
            "ARTIFACT/<node>"
        )
    node = tree.node(ref.spec_name)
    members: list[ChainMember] = []

    for ancestor_name in ref.ancestors():
        ancestor = tree.node(ancestor_name, referenced_from=node.file)
        _add(members, ancestor_name, ancestor_name, "ancestor", ancestor.file, ancestor.parsed.public_text())

    fm = node.parsed.frontmatter
    for dep, line in _sorted_dependencies(node):
        _add_reference(members, tree, dep, "depends_on", dep.label, node.file, line)

    _add(members, node.name, node.name, "target", node.file, node.parsed.public_text())
    agent_text = node.parsed.agent_text()
    _add(members, f"AGENT[{node.name}]", node.name, "agent", node.file, agent_text)

    input_label = input_content = None
    has_input = fm is not None and fm.input is not None
    if fm is not None and fm.input is not None:
        line = fm.lines.get("input")
        input_ref = parse_logical_name(fm.input, file=node.file, line=line)
        input_label = f"INPUT[{input_ref.label}]"
        input_content = _add_reference(members, tree, input_ref, "input", input_label, node.file, line)

    sha1_stream, sha256_stream = bytearray(), bytearray()
    for member in members:
        if member.role == "input":
            sha1_stream += INPUT_MARKER
            sha256_stream += INPUT_MARKER
        sha1_stream += hashlib.sha1(member.content).digest()
        sha256_stream += hashlib.sha256(member.content).digest()
    if has_input and not any(m.role == "input" for m in members):
        sha1_stream += INPUT_MARKER
        sha256_stream += INPUT_MARKER

    return Chain(
        target=node.name,
        output=node.output,
        members=tuple(members),
        has_input=has_input,
        instructions=agent_text if node.parsed.agent is not None else None,
        input_label=input_label,
        input_content=input_content,
        hash=b64url(hashlib.sha1(bytes(sha1_stream)).digest()),
        sha256=hashlib.sha256(bytes(sha256_stream)).hexdigest(),
    )


def _add(members: list[ChainMember], label: str, name: str, role: Role, file: str, text: str) -> None:
    if text:
        members.append(ChainMember(label, name, role, file, text.encode("utf-8")))


def _add_reference(
    members: list[ChainMember],
    tree: SpecTree,
    ref: LogicalName,
    role: Role,
    label: str,
    referenced_from: str,
    line: int | None,
) -> bytes:
    """Append the member for a depends_on/input reference; return its content (maybe empty)."""
    if ref.kind == "SPEC":
        target = tree.node(ref.name, referenced_from=referenced_from, line=line)
        text = (
            target.parsed.public_text()
            if ref.qualifier is None
            else target.parsed.qualified_text(ref.qualifier)
        )
        _add(members, label, ref.name, role, target.file, text)
        return text.encode("utf-8")
    if ref.kind == "ARTIFACT":
        path = tree.artifact_path(ref, referenced_from=referenced_from, line=line)
    else:
        path = ref.relative
    content = tree.file_content(path, referenced_from=referenced_from, line=line)
    members.append(ChainMember(label, ref.name, role, path, content))
    return content


def _sorted_dependencies(node: SpecNode) -> list[tuple[LogicalName, int | None]]:
    """depends_on in the reference's order, with its de-duplication rules."""
    fm = node.parsed.frontmatter
    if fm is None:
        return []
    refs = [
        (
            parse_logical_name(raw, file=node.file, line=fm.lines.get(f"depends_on[{i}]")),
            fm.lines.get(f"depends_on[{i}]"),
        )
        for i, raw in enumerate(fm.depends_on)
    ]
    # Stable sort: name, then unqualified before qualified, then raw qualifier.
    refs.sort(key=lambda r: (r[0].name, r[0].qualifier is not None, r[0].qualifier or ""))
    result: list[tuple[LogicalName, int | None]] = []
    for ref, line in refs:
        if ref.kind == "SPEC":
            duplicate = any(
                e.name == ref.name and (e.qualifier is None or e.qualifier == ref.qualifier)
                for e, _ in result
            )
        else:
            duplicate = any(e.name == ref.name for e, _ in result)
        if not duplicate:
            result.append((ref, line))
    return result
