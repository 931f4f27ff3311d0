"""The spec tree: every ``code-from-spec/**/_node.md`` of a workspace, parsed once."""

from __future__ import annotations

import os
import posixpath
from dataclasses import dataclass, field
from pathlib import Path

from ledger.errors import SpecError
from ledger.spec.names import SPEC_ROOT, LogicalName, parse_logical_name
from ledger.spec.node import ParsedNode, parse_node
from ledger.spec.text import check_line_lengths, normalized_file_bytes

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
    # Nodes under a '.' directory, parsed when a reference names them (see node()).
    hidden: dict[str, SpecNode] = field(default_factory=dict)

    def node(self, name: str, *, referenced_from: str | None = None, line: int | None = None) -> SpecNode:
        found = self.nodes.get(name) or self.hidden.get(name) or self._hidden_node(name)
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

    def _hidden_node(self, name: str) -> SpecNode | None:
        """A node under a '.' directory, which the scan skips but a reference still reaches.

        The reference's tree scan (``spectree.SpecTreeScan``) leaves dot directories out, yet
        ``ChainResolve`` and ``ParseNode`` open the ``_node.md`` of whatever ``SPEC/`` name they
        are given: a chain through ``SPEC/.shared/x`` is computed (validate calls it unknown).
        """
        rel = name.removeprefix("SPEC/")
        if not any(seg.startswith(".") for seg in rel.split("/")) or cfs_path_problem(rel) is not None:
            return None
        node_file = f"{SPEC_ROOT}/{rel}/{NODE_FILE}"
        path = cfs_path_to_os(self.root, node_file)
        if not path.is_file():
            return None
        _check_node_name(name, node_file)
        parsed = parse_node(_read_node_file(self.root, node_file), name=name, file=node_file)
        below = path.parent
        is_leaf = not any(NODE_FILE in files for top, _, files in os.walk(below) if Path(top) != below)
        self.hidden[name] = SpecNode(name=name, file=node_file, parsed=parsed, is_leaf=is_leaf)
        return self.hidden[name]

    def read_project_file(
        self, rel: str, *, referenced_from: str | None = None, line: int | None = None
    ) -> bytes:
        """Bytes of a project-relative file, refusing symlink escapes, like the reference's oslayer."""
        resolved = cfs_path_to_os(self.root, rel, referenced_from=referenced_from, line=line)
        try:
            return resolved.read_bytes()
        except (FileNotFoundError, NotADirectoryError):
            raise SpecError(f"file {rel} does not exist", file=referenced_from, line=line) from None
        except IsADirectoryError:
            raise SpecError(
                f"{rel} is a directory, expected a file", file=referenced_from, line=line
            ) from None
        except OSError as exc:
            raise SpecError(f"cannot read {rel}: {exc.strerror}", file=referenced_from, line=line) from None

    def file_content(self, rel: str, *, referenced_from: str | None = None, line: int | None = None) -> bytes:
        """Whole-file content as the chain hashes and delivers it (line-normalised).

        A line the reference's scanner cannot read (over 64 KiB) fails the chain, as there.
        """
        data = self.read_project_file(rel, referenced_from=referenced_from, line=line)
        check_line_lengths(data, rel)
        return normalized_file_bytes(data)

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


def cfs_path_problem(rel: str) -> str | None:
    """Why ``rel`` is no project path, as ``oslayer.ValidateStringIsCfsPath`` decides (None: fine).

    ``..`` is judged after lexical cleaning (Go ``filepath.Clean``): ``a/../b`` is ``b``.
    """
    if rel == "":
        return "is empty"
    if rel.startswith("/") or ":" in rel:
        return "is absolute (starts with '/' or contains ':'); expected a path relative to the project"
    if "\\" in rel:
        return "contains a backslash; expected '/' separators"
    if "\x00" in rel:
        return "contains a NUL byte"
    if ".." in posixpath.normpath(rel).split("/"):
        return "leaves the project through '..'"
    return None


def cfs_path_to_os(
    root: Path, rel: str, *, referenced_from: str | None = None, line: int | None = None
) -> Path:
    """``oslayer.CfsPathToOs``: validate, join lexically, and if it exists resolve symlinks inside root."""
    problem = cfs_path_problem(rel)
    if problem is not None:
        raise SpecError(f"path {rel!r} {problem}", file=referenced_from, line=line)
    joined = Path(os.path.normpath(os.path.join(root, rel)))
    try:
        joined.stat()
    except (OSError, ValueError):
        return joined  # missing (or a dangling link): opening it fails, as in Go
    try:
        resolved = joined.resolve(strict=True)
    except (OSError, RuntimeError) as exc:
        raise SpecError(f"file {rel} cannot be resolved: {exc}", file=referenced_from, line=line) from None
    base = root.resolve()
    if resolved != base and base not in resolved.parents:
        raise SpecError(
            f"file {rel} resolves outside the project (symlink escape)", file=referenced_from, line=line
        )
    return resolved


def _walk(top: Path, rel_top: str) -> list[tuple[str, bool, list[str]]]:
    """(relative dir, under a dot directory, file names) for every directory below ``top``."""
    out: list[tuple[str, bool, list[str]]] = []
    stack: list[tuple[Path, str, bool]] = [(top, rel_top, False)]
    while stack:
        path, rel, hidden = stack.pop()
        filenames: list[str] = []
        subdirs: list[tuple[Path, str, bool]] = []
        with os.scandir(path) as entries:
            for entry in sorted(entries, key=lambda e: e.name):
                if entry.is_symlink():
                    raise SpecError(f"symlink {rel}/{entry.name} in the spec tree; symlinks are not allowed")
                if entry.is_dir():
                    dot = hidden or entry.name.startswith(".")
                    subdirs.append((Path(entry.path), f"{rel}/{entry.name}", dot))
                else:
                    filenames.append(entry.name)
        out.append((rel, hidden, filenames))
        stack.extend(reversed(subdirs))
    return out


def load_tree(root: Path, *, strict: bool = True) -> SpecTree:
    """Scan and parse the tree under ``root/code-from-spec``.

    Nodes under a directory whose name starts with ``.`` are skipped, as the reference does;
    a symlink anywhere below ``code-from-spec/`` (even in ``.cache/``) fails the scan, as the
    reference's ``ListAllFiles`` does. With ``strict`` the first parse error is raised;
    otherwise errors are collected.
    """
    spec_dir = root / SPEC_ROOT
    if not spec_dir.is_dir():
        raise SpecError(
            f"{root} has no {SPEC_ROOT}/ directory",
            hint="pass --workspace DIR pointing at a Code from Spec project",
        )
    tree = SpecTree(root=root)
    files: list[str] = []
    file_dirs: set[str] = set()
    for rel_dir, hidden, filenames in _walk(spec_dir, SPEC_ROOT):
        if filenames:
            file_dirs.add(rel_dir)
        if not hidden and rel_dir != SPEC_ROOT and NODE_FILE in filenames:
            files.append(f"{rel_dir}/{NODE_FILE}")
    # The reference lists directories from the files it finds (collectAllDirs in
    # mcpvalidatespecs.go): every ancestor of a file; an empty directory is not one.
    directories: set[str] = set()
    for rel_dir in file_dirs:
        parts = rel_dir.split("/")
        directories.update("/".join(parts[:i]) for i in range(2, len(parts) + 1))
    tree.directories = sorted(
        d for d in directories if not any(seg.startswith(".") for seg in d.split("/")[1:])
    )
    names = sorted("SPEC/" + f[len(SPEC_ROOT) + 1 : -len(NODE_FILE) - 1] for f in files)
    parsed: dict[str, ParsedNode] = {}
    for name in names:
        node_file = f"{SPEC_ROOT}/{name.removeprefix('SPEC/')}/{NODE_FILE}"
        try:
            _check_node_name(name, node_file)
            parsed[name] = parse_node(_read_node_file(root, node_file), name=name, file=node_file)
        except SpecError as exc:
            if strict:
                raise
            tree.errors.append(exc)
    # spectreevalidate.go hasChildren: a node with any node below it, not only a direct child
    with_descendants = {"/".join(n.split("/")[:i]) for n in names for i in range(2, n.count("/") + 1)}
    for name, node in parsed.items():
        tree.nodes[name] = SpecNode(
            name=name, file=node.file, parsed=node, is_leaf=name not in with_descendants
        )
    return tree


def _check_node_name(name: str, node_file: str) -> None:
    """Refuse a node directory whose logical name does not name it back.

    The reference derives ``SPEC/<path>`` from the directory (``CfsReferenceFromPath``) and then
    parses that name (``ParseNode``): ``(…)`` becomes a qualifier (``ErrHasQualifier``), and ':'
    or '\\' fail ``ValidateStringIsCfsPath``. Either way the node cannot be read.
    """
    try:
        ref = parse_logical_name(name)
    except SpecError as exc:
        raise SpecError(f"the node's directory cannot be named: {exc.message}", file=node_file) from None
    if ref.qualifier is not None:
        raise SpecError(
            f"the node's directory name reads as {ref.label}, a qualifier on {ref.name}: "
            "a node directory cannot hold '(…)'",
            file=node_file,
        )


def _read_node_file(root: Path, node_file: str) -> bytes:
    try:
        return (root / node_file).read_bytes()
    except OSError as exc:  # ParseNode: ErrFileUnreadable
        raise SpecError(f"cannot read the node file: {exc.strerror or exc}", file=node_file) from None
