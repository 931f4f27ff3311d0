"""``ledger spec validate``: every problem in a spec tree, each with file:line and what was expected.

The rules are the reference's ``validate_specs`` format rules plus cycle detection, and
warnings for references that silently contribute nothing (a qualifier naming no subsection).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ledger.errors import SpecError
from ledger.spec.names import SPEC_ROOT, LogicalName, parse_logical_name
from ledger.spec.text import go_is_blank
from ledger.spec.tree import SpecNode, SpecTree, cfs_path_problem, load_tree


@dataclass(frozen=True)
class Problem:
    file: str
    line: int | None
    message: str
    severity: str = "error"  # "error" | "warning"
    hint: str | None = None  # what to do next, when the error knows it

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line is not None else self.file
        return f"{where}: {self.severity}: {self.message}"

    @classmethod
    def from_error(cls, exc: SpecError) -> Problem:
        return cls(exc.file or "code-from-spec", exc.line, exc.message, hint=exc.hint)


def validate_tree(root: Path) -> list[Problem]:
    tree = load_tree(root, strict=False)
    if not tree.nodes and not tree.errors:  # spectree.go SpecTreeScan: ErrNoNodesFound ends the scan
        return [
            Problem(
                SPEC_ROOT,
                None,
                f"no nodes found: no {SPEC_ROOT}/<name>/_node.md (a _node.md directly in "
                f"{SPEC_ROOT}/ is not a node)",
            )
        ]
    problems = [Problem.from_error(e) for e in tree.errors]
    known = set(tree.nodes)
    artifacts = {n.artifact for n in tree.nodes.values() if n.output is not None}
    for node in tree.nodes.values():
        problems += _check_node(tree, node, known, artifacts)
    failed_files = {e.file for e in tree.errors}
    for directory in tree.directories:
        name = "SPEC/" + directory.split("/", 1)[1]
        if name not in known and f"{directory}/_node.md" not in failed_files:
            problems.append(
                Problem(directory, None, "directory has no _node.md; every spec directory is a node")
            )
    if not [p for p in problems if p.severity == "error"]:
        problems += _cycles(tree)
    problems.sort(key=lambda p: (p.file, p.line or 0, p.message))
    return problems


def _check_node(tree: SpecTree, node: SpecNode, known: set[str], artifacts: set[str]) -> list[Problem]:
    out: list[Problem] = []
    fm = node.parsed.frontmatter
    file = node.file

    def err(message: str, line: int | None, severity: str = "error") -> None:
        out.append(Problem(file, line, message, severity))

    if not node.is_leaf:
        if fm is not None:
            for key, present in (
                ("depends_on", bool(fm.depends_on)),
                ("input", fm.input is not None),
                ("output", fm.output is not None),
            ):
                if present:
                    err(
                        f"'{key}' is only permitted on leaf nodes; {node.name} has children",
                        fm.lines.get(key),
                    )
        if node.parsed.agent is not None:
            err("'# Agent' is only permitted on leaf nodes", node.parsed.agent.line)
    public = node.parsed.public
    # strings.TrimSpace in spectreevalidate.go: a line of NBSP or U+3000 is blank, U+001C is not
    if public is not None and not all(go_is_blank(line) for line in public.content):
        err("content directly under '# Public' must be inside a '## ' subsection", public.line + 1)
    if fm is None:
        return out
    if fm.ignored_line is not None:
        what = (
            f"frontmatter key '{fm.ignored_key}' is not a string (YAML reads a {fm.ignored_kind})"
            if fm.ignored_kind not in ("list", "mapping")
            else f"a {fm.ignored_kind} is used as a frontmatter key"
        )
        out.append(
            Problem(
                file,
                fm.ignored_line,
                f"{what}; the reference tooling then ignores the whole frontmatter: "
                "no depends_on, input or output is read",
                "warning",
                hint="quote the key ('2024': …) if the node's frontmatter fields are meant to count",
            )
        )
    for key, meaning in _V6_FIELDS.items():
        if key in fm.lines and not (key == "imports" and "depends_on" in fm.lines):
            out.append(Problem(file, fm.lines[key], meaning, "warning", hint=_V6_HINT))
    if fm.output is not None:  # spectreevalidate.go output_paths: ValidateStringIsCfsPath
        problem = cfs_path_problem(fm.output)
        if problem is not None:
            err(f"output path {fm.output!r} {problem}", fm.lines.get("output"))
    refs: list[tuple[str, str, int | None]] = [
        ("depends_on", raw, fm.lines.get(f"depends_on[{i}]")) for i, raw in enumerate(fm.depends_on)
    ]
    if fm.input is not None:
        refs.append(("input", fm.input, fm.lines.get("input")))
    for field, raw, line in refs:
        try:
            ref = parse_logical_name(raw, file=file, line=line)
        except SpecError as exc:
            err(f"{field}: {exc.message}", line)
            continue
        if ref.kind != "SPEC" and ref.name != raw:
            # spectreevalidate.go looks the raw entry up (knownNames[dep], OpenFile(relative)),
            # so "ARTIFACT/x(y)" names nothing there; only SPEC/ names take a qualifier
            err(f"{field} {raw}: only SPEC/ names take a qualifier; name the whole file as {ref.name}", line)
            continue
        message = _reference_problem(tree, node, field, ref, known, artifacts)
        if message:
            err(message, line)
        elif ref.kind == "SPEC" and ref.qualifier is not None:
            target = tree.nodes[ref.name].parsed
            if not target.qualified_text(ref.qualifier):
                err(f"{field} {raw}: {ref.name} has no '## {ref.qualifier}' subsection in # Public; "
                    "it contributes nothing to the chain", line, "warning")  # fmt: skip
    return out


# Code from Spec v6 (in development) renames depends_on to imports. Under v5 that is a project
# field that means nothing, so a v6 tree read as v5 would silently lose its imports: say so at
# the field. (v6's type: is left alone: v5 projects may use a field of that name.)
_V6_FIELDS = {
    "imports": "'imports' is the Code from Spec v6 name of depends_on; under v5 it is an ignored "
    "project field, so this node's chain includes none of these imports",
}
_V6_HINT = (
    "this tree seems to follow Code from Spec v6; spec-ledger reads v5 trees, where dependencies "
    "are listed under depends_on and a node generates whenever it has output:"
)


def _reference_problem(
    tree: SpecTree, node: SpecNode, field: str, ref: LogicalName, known: set[str], artifacts: set[str]
) -> str | None:
    if ref.kind == "SPEC":
        if ref.name not in known:
            if any(seg.startswith(".") for seg in ref.relative.split("/")):  # skipped by the scan
                return (
                    f"{field} references {ref.name}, which is under a '.' directory and so not in "
                    "the spec tree"
                )
            return f"{field} references unknown node {ref.name} (no {ref.node_file})"
        if field == "depends_on":
            if ref.name == node.name:
                return f"depends_on must not reference the node itself ({ref.label})"
            if node.name.startswith(ref.name + "/"):
                return f"depends_on must not reference an ancestor ({ref.label}); ancestors are in the chain"
            if ref.name.startswith(node.name + "/"):
                return f"depends_on must not reference a descendant ({ref.label})"
        return None
    if ref.kind == "ARTIFACT":
        if ref.name not in artifacts:
            return f"{field} references unknown artifact {ref.name}; expected {ref.spec_name} with output:"
        return None
    try:
        tree.read_project_file(ref.relative)
    except SpecError as exc:
        return f"{field} {ref.name}: {exc.message}"
    return None


def _cycles(tree: SpecTree) -> list[Problem]:
    """Cycles through depends_on/input/ARTIFACT edges; each reported once, at its first node."""
    edges: dict[str, list[str]] = {}
    for node in tree.nodes.values():
        deps: list[str] = []
        fm = node.parsed.frontmatter
        raws = list(fm.depends_on) + ([fm.input] if fm and fm.input else []) if fm else []
        for raw in raws:
            ref = parse_logical_name(raw)
            if ref.kind != "EXTERNAL":
                deps.append(ref.spec_name)
        edges[node.name] = sorted(set(deps))
    state: dict[str, int] = {}
    stack: list[str] = []
    found: list[Problem] = []
    seen_cycles: set[frozenset[str]] = set()

    def visit(name: str) -> None:
        state[name] = 1
        stack.append(name)
        for nxt in edges.get(name, []):
            if state.get(nxt) == 1:
                cycle = [*stack[stack.index(nxt) :], nxt]
                key = frozenset(cycle)
                if key not in seen_cycles:
                    seen_cycles.add(key)
                    file = tree.nodes[nxt].file
                    found.append(Problem(file, None, "dependency cycle: " + " -> ".join(cycle)))
            elif nxt in edges and state.get(nxt) is None:
                visit(nxt)
        stack.pop()
        state[name] = 2

    for name in sorted(edges):
        if state.get(name) is None:
            visit(name)
    return found
