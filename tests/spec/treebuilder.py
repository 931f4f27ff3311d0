"""Build small Code from Spec trees in a temp dir, one node per call."""

from __future__ import annotations

from pathlib import Path


def write_node(
    root: Path,
    name: str,
    *,
    public: dict[str, str] | None = None,
    agent: str | None = None,
    private: str | None = None,
    depends_on: list[str] | None = None,
    input: str | None = None,
    output: str | None = None,
    newline: str = "\n",
) -> Path:
    """Write code-from-spec/<name>/_node.md for SPEC/<name> and return its path."""
    lines: list[str] = []
    if depends_on or input or output:
        lines.append("---")
        if depends_on:
            lines.append("depends_on:")
            lines += [f"  - {d}" for d in depends_on]
        if input:
            lines.append(f"input: {input}")
        if output:
            lines.append(f"output: {output}")
        lines.append("---")
    lines += [f"# SPEC/{name}", ""]
    if public is not None:
        lines += ["# Public", ""]
        for heading, body in public.items():
            lines += [f"## {heading}", "", body, ""]
    if agent is not None:
        lines += ["# Agent", "", agent, ""]
    if private is not None:
        lines += ["# Private", "", private, ""]
    path = root / "code-from-spec" / name / "_node.md"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(newline.join(lines).encode("utf-8") + newline.encode())
    return path


def small_tree(root: Path) -> Path:
    """shop (root) → shop/cart (leaf), shop/pay (leaf depending on cart's Interface), misc/notes."""
    write_node(root, "shop", public={"Context": "A shop.", "Conventions": "Use integers for cents."})
    write_node(
        root,
        "shop/cart",
        public={"Interface": "add(item)", "Rules": "No negative quantities."},
        agent="Write Python.",
        output="src/cart.py",
    )
    write_node(
        root,
        "shop/pay",
        public={"Interface": "pay(total)"},
        agent="Write Python.",
        private="Ideas not for the agent.",
        depends_on=["SPEC/shop/cart(interface)", "EXTERNAL/docs/gateway.txt"],
        output="src/pay.py",
    )
    write_node(root, "misc", public={"About": "Unrelated."})
    write_node(root, "misc/notes", public={"Text": "Notes."}, agent="Write text.", output="notes.txt")
    (root / "docs").mkdir(exist_ok=True)
    (root / "docs" / "gateway.txt").write_text("gateway v1\n")
    return root
