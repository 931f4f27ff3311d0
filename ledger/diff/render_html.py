"""One self-contained HTML page for a ``BuildDiff``: inline CSS, no scripts, no external resources.

Auditors open it offline, attach it to tickets, archive it: everything it shows is in the file.
Every value from a build is escaped; long runs of equal events fold into ``<details>``.
"""

from __future__ import annotations

from html import escape

from ledger.diff.report import BuildDiff, Step, Totals

_CSS = """
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:24px auto;max-width:1200px;
 color:#1d2330;background:#fff;padding:0 16px}
h1{font-size:22px;margin:0 0 6px}h2{font-size:17px;margin:28px 0 8px;border-bottom:1px solid #d8dde6;
 padding-bottom:4px}
.headline{font-weight:600;padding:8px 12px;border-radius:6px;background:#eef3ff;border:1px solid #c9d6f5}
.headline.same{background:#eafaf0;border-color:#b8e6c8}
table{border-collapse:collapse;width:100%;margin:6px 0}th,td{border:1px solid #d8dde6;padding:4px 8px;
 text-align:left;vertical-align:top}th{background:#f4f6fa}
code,pre,.mono{font-family:ui-monospace,"SFMono-Regular",Menlo,Consolas,monospace;font-size:12.5px}
pre{background:#f7f8fb;border:1px solid #e1e5ec;padding:8px;overflow-x:auto;white-space:pre-wrap;
 word-break:break-all}
.add{color:#0b6b2e;background:#e7f8ec}.del{color:#9b1c1c;background:#fdecec}.hunk{color:#5b4bb7}
.diverge{border:2px solid #c0392b;border-radius:6px;padding:8px 12px;background:#fff6f5}
.op-equal{color:#6b7280}.op-changed{background:#fff8e1}.op-insert{background:#e7f8ec}
.op-delete{background:#fdecec}.muted{color:#6b7280}.tag{display:inline-block;padding:0 6px;
 border-radius:4px;background:#eef0f4;font-size:12px}
details summary{cursor:pointer;color:#6b7280}
"""

_MARK = {"equal": "=", "changed": "~", "insert": "+", "delete": "−"}


def render_html(diff: BuildDiff, *, context: int = 2) -> str:
    """The full page as text (UTF-8); write it with ``atomic_write_text``."""
    a, b = diff.a, diff.b
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>ledger diff {escape(a.build_id)} {escape(b.build_id)}</title>",
        f"<style>{_CSS}</style></head><body>",
        "<h1>ledger diff</h1>",
        "<table><tr><th></th><th>build</th><th>given as</th><th>verified provenance</th>"
        "<th>recipe / target</th><th>tests</th></tr>",
    ]
    for name, s in (("A", a), ("B", b)):
        parts.append(
            f"<tr><th>{name}</th><td class=mono>{escape(s.build_id)}</td>"
            f"<td>{escape(s.resolved_by)} <code>{escape(s.given)}</code></td>"
            f"<td><code>{escape(s.attestation)}</code><br><span class=muted>{escape(s.signer)}</span></td>"
            f"<td>{escape(s.recipe)}<br><code>{escape(s.target)}</code></td>"
            f"<td>{escape(s.test_result or '-')}</td></tr>"
        )
    parts.append("</table>")
    same = "no divergence" in diff.headline()
    parts.append(f'<p class="headline{" same" if same else ""}">{escape(diff.headline())}</p>')

    parts.append("<h2>Recipe pins</h2>")
    if diff.pins:
        parts.append("<table><tr><th>field</th><th>A</th><th>B</th></tr>")
        for p in diff.pins:
            parts.append(
                f"<tr><td><code>{escape(p.field)}</code></td><td class=mono>{escape(p.a or '(absent)')}</td>"
                f"<td class=mono>{escape(p.b or '(absent)')}</td></tr>"
            )
        parts.append("</table>")
    else:
        parts.append("<p class=muted>All recipe pins are the same.</p>")

    parts.append("<h2>Spec members</h2>")
    if not diff.members:
        parts.append("<p class=muted>The spec chains have the same members and contents.</p>")
    for m in diff.members:
        parts.append(
            f"<h3><span class=tag>{escape(m.change)}</span> <code>{escape(m.label)}</code></h3>"
            f"<p class=mono>{escape((m.sha256_a or '-')[:16])} → {escape((m.sha256_b or '-')[:16])}"
            f" <span class=muted>({escape(m.text_note)})</span></p>"
        )
        if m.unified_diff:
            parts.append(_diff_block(m.unified_diff))

    parts.append("<h2>Trajectories</h2>")
    t = diff.trajectory
    if not t.available:
        parts.append(f"<p>Not compared: {escape(t.note)}</p>")
    else:
        c = t.counts()
        parts.append(
            f"<p>{escape(t.note)}: {c['equal']} equal, {c['changed']} changed, "
            f"{c['insert']} only in B, {c['delete']} only in A.</p>"
        )
        if t.divergence is None:
            parts.append('<p class="headline same">No divergence: every aligned event matches.</p>')
        else:
            d = t.divergence
            parts.append(
                '<div class="diverge"><strong>First divergence</strong> at '
                f"A#{d.a_position} / B#{d.b_position} ({escape(d.op)} {escape(d.type)})"
                f"<br>A: <code>{escape(d.a_did)}</code><br>B: <code>{escape(d.b_did)}</code>"
                f"<br><span class=mono>{escape(d.detail)}</span></div>"
            )
        if t.only_a or t.only_b:
            parts.append("<h3>Tool calls only on one side</h3><ul>")
            for x in (*t.only_a, *t.only_b):
                parts.append(f"<li>{x.side.upper()}#{x.index}: <code>{escape(x.summary)}</code></li>")
            parts.append("</ul>")
        if t.totals_a and t.totals_b:
            parts.append(_totals(t.totals_a, t.totals_b))
        parts.append(_steps(t.steps, context))

    parts.append("<h2>Artifacts</h2>")
    if diff.artifacts_same:
        parts.append(
            "<p>Same bytes: " + ", ".join(f"<code>{escape(n)}</code>" for n in diff.artifacts_same) + "</p>"
        )
    for art in diff.artifacts:
        parts.append(
            f"<h3><span class=tag>{escape(art.change)}</span> <code>{escape(art.path)}</code></h3>"
            f"<p class=mono>{escape((art.sha256_a or '-')[:16])} → {escape((art.sha256_b or '-')[:16])}"
            f" <span class=muted>({escape(art.text_note)})</span></p>"
        )
        if art.unified_diff:
            parts.append(_diff_block(art.unified_diff))
    parts.append("<p class=muted>Generated by spec-ledger from verified attestations.</p></body></html>\n")
    return "\n".join(parts)


def _diff_block(text: str) -> str:
    lines = []
    for line in text.splitlines():
        cls = ""
        if line.startswith("@@"):
            cls = "hunk"
        elif line.startswith("+") and not line.startswith("+++"):
            cls = "add"
        elif line.startswith("-") and not line.startswith("---"):
            cls = "del"
        lines.append(f'<span class="{cls}">{escape(line)}</span>' if cls else escape(line))
    return "<pre>" + "\n".join(lines) + "</pre>"


def _totals(ta: Totals, tb: Totals) -> str:
    head = "".join(
        f"<th>{h}</th>"
        for h in ("", "events", "turns", "tool calls", "input tokens", "output tokens", "wall s", "exec s")
    )
    rows = []
    for name, x in (("A", ta), ("B", tb)):
        wall = "-" if x.wall_s is None else f"{x.wall_s:.3f}"
        rows.append(
            f"<tr><th>{name}</th><td>{x.events}</td><td>{x.turns}</td><td>{x.tool_calls}</td>"
            f"<td>{x.input_tokens}</td><td>{x.output_tokens}</td><td>{wall}</td><td>{x.exec_s:.3f}</td></tr>"
        )
    return f"<h3>Totals</h3><table><tr>{head}</tr>{''.join(rows)}</table>"


def _steps(steps: tuple[Step, ...], context: int) -> str:
    near: set[int] = set()
    for n, s in enumerate(steps):
        if s.op != "equal":
            near.update(range(max(0, n - context), min(len(steps), n + context + 1)))
    out = ["<h3>Aligned events</h3><table><tr><th>A#</th><th>B#</th><th></th><th>A</th><th>B</th></tr>"]
    folded: list[str] = []

    def flush() -> None:
        if folded:
            out.append(
                f"<tr><td colspan=5><details><summary>{len(folded)} equal events</summary><table>"
                + "".join(folded)
                + "</table></details></td></tr>"
            )
            folded.clear()

    for n, s in enumerate(steps):
        ai = "" if s.a_index is None else str(s.a_index)
        bi = "" if s.b_index is None else str(s.b_index)
        fields = f"<br><span class=muted>differs: {escape(', '.join(s.fields))}</span>" if s.fields else ""
        row = (
            f'<tr class="op-{s.op}"><td>{ai}</td><td>{bi}</td><td>{_MARK[s.op]}</td>'
            f"<td class=mono>{escape(s.a_summary or '')}</td>"
            f"<td class=mono>{escape(s.b_summary or '')}{fields}</td></tr>"
        )
        if n in near or len(steps) <= 2 * context + 8:
            flush()
            out.append(row)
        else:
            folded.append(row)
    flush()
    out.append("</table>")
    return "".join(out)
