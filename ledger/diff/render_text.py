"""The terminal rendering of a ``BuildDiff`` (rich): headline, pins, spec, first divergence, artifacts."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ledger.diff.report import BuildDiff, Step, Totals, TrajectoryDiff

if TYPE_CHECKING:
    from rich.console import Console

_OP_STYLE = {"equal": "dim", "changed": "yellow", "insert": "green", "delete": "red"}
_OP_MARK = {"equal": "=", "changed": "~", "insert": "+", "delete": "-"}


def render_text(diff: BuildDiff, console: Console, *, all_steps: bool = False, context: int = 2) -> None:
    """Print the diff; trajectory steps far from any difference are elided unless ``all_steps``."""
    from rich.markup import escape
    from rich.syntax import Syntax
    from rich.table import Table

    a, b = diff.a, diff.b
    console.print(f"[bold]A[/] {a.build_id}  ({a.resolved_by} {escape(a.given)}; {escape(a.attestation)})")
    console.print(f"[bold]B[/] {b.build_id}  ({b.resolved_by} {escape(b.given)}; {escape(b.attestation)})")
    console.print(f"[bold]{escape(diff.headline())}[/]\n")

    console.print("[bold underline]Recipe pins[/]")
    if diff.pins:
        table = Table(show_header=True, header_style="bold")
        for col in ("field", "A", "B"):
            table.add_column(col, overflow="fold")
        for p in diff.pins:
            table.add_row(p.field, escape(p.a or "(absent)"), escape(p.b or "(absent)"))
        console.print(table)
    else:
        console.print("  same")

    console.print("\n[bold underline]Spec members[/]")
    if not diff.members:
        console.print("  same")
    for m in diff.members:
        sha_a = (m.sha256_a or "-")[:12]
        sha_b = (m.sha256_b or "-")[:12]
        console.print(
            f"  [yellow]{m.change}[/] {escape(m.label)}  {sha_a} → {sha_b}  ({escape(m.text_note)})"
        )
        if m.unified_diff:
            console.print(Syntax(m.unified_diff, "diff", theme="ansi_dark", background_color="default"))

    console.print("\n[bold underline]Trajectories[/]")
    render_trajectory(diff.trajectory, console, all_steps=all_steps, context=context)

    console.print("\n[bold underline]Artifacts[/]")
    for name in diff.artifacts_same:
        console.print(f"  same {escape(name)}")
    for art in diff.artifacts:
        sha_a = (art.sha256_a or "-")[:12]
        sha_b = (art.sha256_b or "-")[:12]
        console.print(
            f"  [yellow]{art.change}[/] {escape(art.path)}  {sha_a} → {sha_b}  ({escape(art.text_note)})"
        )
        if art.unified_diff:
            console.print(Syntax(art.unified_diff, "diff", theme="ansi_dark", background_color="default"))


def render_trajectory(
    t: TrajectoryDiff, console: Console, *, all_steps: bool = False, context: int = 2
) -> None:
    """The trajectory part of a diff: counts, first divergence, one-sided tool calls, totals and
    the aligned events near each difference (all of them with ``all_steps``)."""
    from rich.markup import escape

    if not t.available:
        console.print(f"  not compared: {escape(t.note)}")
        return
    counts = t.counts()
    console.print(
        f"  {t.note}: {counts['equal']} equal, {counts['changed']} changed, "
        f"{counts['insert']} only in B, {counts['delete']} only in A"
    )
    if t.divergence is None:
        console.print("  [green]no divergence[/]: every aligned event matches")
    else:
        d = t.divergence
        console.print(
            f"  [bold red]first divergence[/] at A#{d.a_position} / B#{d.b_position} ({d.op} {d.type})"
        )
        console.print(f"    A: {escape(d.a_did)}")
        console.print(f"    B: {escape(d.b_did)}")
        console.print(f"    {escape(d.detail)}")
    for label, only in (("A", t.only_a), ("B", t.only_b)):
        for c in only:
            console.print(f"  tool call only in {label} (#{c.index}): {escape(c.summary)}")
    if t.totals_a and t.totals_b:
        console.print(_totals_table(t.totals_a, t.totals_b))
    _steps(console, t.steps, all_steps=all_steps, context=context)

def _totals_table(ta: Totals, tb: Totals) -> object:
    from rich.table import Table

    table = Table(show_header=True, header_style="bold", box=None, padding=(0, 2))
    for col in ("", "events", "turns", "tool calls", "input tok", "output tok", "wall s", "exec s"):
        table.add_column(col, justify="right")
    for name, x in (("A", ta), ("B", tb)):
        table.add_row(
            name, str(x.events), str(x.turns), str(x.tool_calls), str(x.input_tokens),
            str(x.output_tokens), "-" if x.wall_s is None else f"{x.wall_s:.3f}", f"{x.exec_s:.3f}",
        )  # fmt: skip
    return table


def _steps(console: Console, steps: tuple[Step, ...], *, all_steps: bool, context: int) -> None:
    from rich.markup import escape

    near = set(range(len(steps))) if all_steps else set()
    if not all_steps:
        for n, s in enumerate(steps):
            if s.op != "equal":
                near.update(range(max(0, n - context), min(len(steps), n + context + 1)))
    if not near:
        return
    console.print("  aligned events (A# B# op):")
    skipped = 0
    for n, s in enumerate(steps):
        if n not in near:
            skipped += 1
            continue
        if skipped:
            console.print(f"  [dim]… {skipped} equal events[/]")
            skipped = 0
        ai = "" if s.a_index is None else str(s.a_index)
        bi = "" if s.b_index is None else str(s.b_index)
        text = s.b_summary if s.op == "insert" else s.a_summary
        extra = f"  [{', '.join(s.fields)}]" if s.fields else ""
        style = _OP_STYLE[s.op]
        console.print(f"  [{style}]{ai:>5} {bi:>5} {_OP_MARK[s.op]} {escape(text or '')}{escape(extra)}[/]")
    if skipped:
        console.print(f"  [dim]… {skipped} equal events[/]")
