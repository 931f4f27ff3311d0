"""The spec tree: every ``code-from-spec/**/_node.md`` of a workspace, parsed once."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from ledger.errors import SpecError
from ledger.spec.names import SPEC_ROOT, LogicalName, parse_logical_name
from ledger.spec.node import ParsedNode, parse_node
from ledger.spec.text import normalized_file_bytes

NODE_FILE = "_node.md"


@dataclass(frozen=True)
class SpecNode:
    """A parsed node plus its place in the tree."""

    name: str
    file: str  # project-relative POSIX path of its _node.md
    parsed: ParsedNode
    is_leaf: bool

    @property
    def output(self) -> str | None:
        fm = self.parsed.frontmatter
        return None if fm is None else fm.output

    @property
    def artifact(self) -> str:
        return "ARTIFACT/" + self.name.removeprefix("SPEC/")


@dataclass
class SpecTree:
    """All nodes of a workspace. ``errors`` holds per-node parse errors when loaded leniently."""

    root: Path
    nodes: dict[str, SpecNode] = field(default_factory=dict)
    errors: list[SpecError] = field(default_factory=list)
    directories: list[str] = field(default_factory=list)

    def node(self, name: str, *, referenced_from: str | None = None, line: int | None = None) -> SpecNode:
        found = self.nodes.get(name)
        if found is not None:
            return found
        for err in self.errors:
            if err.file == LogicalName("SPEC", name).node_file:
                raise err
        raise SpecError(
            f"no spec node {name} (expected {LogicalName('SPEC', name).node_file})",
            file=referenced_from,
            line=line,
            hint="check the name, or run `ledger spec validate` to list the tree's problems",
        )

    def read_project_file(
        self, rel: str, *, referenced_from: str | None = None, line: int | None = None
    ) -> bytes:
        """Bytes of a project-relative file, refusing symlink escapes, like the reference's oslayer."""
        path = self.root / rel
        try:
            resolved = path.resolve(strict=True)
        except (FileNotFoundError, NotADirectoryError):
            raise SpecError(f"file {rel} does not exist", file=referenced_from, line=line) from None
        except (OSError, RuntimeError) as exc:
            raise SpecError(
                f"file {rel} cannot be resolved: {exc}", file=referenced_from, line=line
            ) from None
        root = self.root.resolve()
        if resolved != root and root not in resolved.parents:
            raise SpecError(
                f"file {rel} resolves outside the project (symlink escape)",
                file=referenced_from,
                line=line,
            )
        try:
            return resolved.read_bytes()
        except IsADirectoryError:
            raise SpecError(
                f"{rel} is a directory, expected a file", file=referenced_from, line=line
            ) from None
        except OSError as exc:
            raise SpecError(f"cannot read {rel}: {exc.strerror}", file=referenced_from, line=line) from None

    def file_content(self, rel: str, *, referenced_from: str | None = None, line: int | None = None) -> bytes:
        """Whole-file content as the chain hashes and delivers it (line-normalised)."""
        return normalized_file_bytes(self.read_project_file(rel, referenced_from=referenced_from, line=line))

    def artifact_path(
        self, ref: LogicalName, *, referenced_from: str | None = None, line: int | None = None
    ) -> str:
        """``ARTIFACT/x`` resolves through the ``output:`` of ``SPEC/x``."""
        node = self.node(ref.spec_name, referenced_from=referenced_from, line=line)
        if not node.output:
            raise SpecError(
                f"{ref.name} names {ref.spec_name}, which declares no output:",
                file=referenced_from,
                line=line,
            )
        return node.output


def load_tree(root: Path, *, strict: bool = True) -> SpecTree:
    """Scan and parse the tree under ``root/code-from-spec``.

    Directories whose name starts with ``.`` are skipped, as the reference does. With
    ``strict`` the first parse error is raised; otherwise errors are collected.
    """
    spec_dir = root / SPEC_ROOT
    if not spec_dir.is_dir():
        raise SpecError(
            f"{root} has no {SPEC_ROOT}/ directory",
            hint="pass --workspace DIR pointing at a Code from Spec project",
        )
    tree = SpecTree(root=root)
    files: list[str] = []
    for dirpath, dirnames, filenames in os.walk(spec_dir):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        rel_dir = Path(dirpath).relative_to(root).as_posix()
        if rel_dir != SPEC_ROOT:
            tree.directories.append(rel_dir)
        for dname in dirnames:
            if (Path(dirpath) / dname).is_symlink():
                raise SpecError(f"symlink {rel_dir}/{dname} in the spec tree; symlinks are not allowed")
        for fname in filenames:
            full = Path(dirpath) / fname
            if full.is_symlink():
                raise SpecError(f"symlink {rel_dir}/{fname} in the spec tree; symlinks are not allowed")
            if fname == NODE_FILE and rel_dir != SPEC_ROOT:
                files.append(f"{rel_dir}/{fname}")
    names = sorted("SPEC/" + f[len(SPEC_ROOT) + 1 : -len(NODE_FILE) - 1] for f in files)
    parsed: dict[str, ParsedNode] = {}
    for name in names:
        ref = parse_logical_name(name)
        try:
            parsed[name] = parse_node((root / ref.node_file).read_bytes(), name=name, file=ref.node_file)
        except SpecError as exc:
            if strict:
                raise
            tree.errors.append(exc)
    with_children = {n.rsplit("/", 1)[0] for n in names if n.count("/") > 1}
    for name, node in parsed.items():
        tree.nodes[name] = SpecNode(name=name, file=node.file, parsed=node, is_leaf=name not in with_children)
    return tree
