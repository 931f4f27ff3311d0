"""``ledger report --html``: one self-contained page for auditors.

Inline CSS and SVG only — no scripts, fonts or requests — so the file can be archived with
the evidence and opened offline. Content: builds over time, per-artifact provenance (spec
chain, model, signer, tests, verification levels), stale artifacts, and links between
successive builds of the same artifact.
"""

from __future__ import annotations

import html
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ledger import __version__
from ledger.fsutil import atomic_write_text

if TYPE_CHECKING:
    from ledger.store.model import BuildRecord
    from ledger.workspace import Workspace


@dataclass(frozen=True)
class ArtifactRow:
    path: str
    spec_status: str
    verdict: dict[str, Any] | None  # ArtifactVerdict.to_json() for the bytes on disk
    builds: tuple[str, ...]  # build ids that produced this path, newest first


@dataclass(frozen=True)
class ReportData:
    workspace: str
    generated: datetime
    builds: dict[str, BuildRecord]
    artifacts: tuple[ArtifactRow, ...]
    approvals: dict[str, tuple[dict[str, Any], ...]] = field(default_factory=dict)  # build id → approvals


def collect(workspace: Workspace) -> ReportData:
    """Everything the page shows, from the ledger, the spec tree and a fresh offline verify."""
    from ledger.attest.policy import load_trust_policy
    from ledger.attest.verify import verify_artifacts
    from ledger.spec import artifact_statuses, compute_chain
    from ledger.store import open_store

    store = open_store(workspace)
    entries = store.log(limit=1_000_000)
    builds = {e.build_id: store.build(e.build_id) for e in entries}
    by_path: dict[str, list[BuildRecord]] = defaultdict(list)
    for record in builds.values():
        for subject in record.subjects:
            if subject.name:
                by_path[subject.name].append(record)
    statuses = {s.path: s.status for s in artifact_statuses(workspace.root)}
    paths = sorted(set(by_path) | set(statuses))
    existing = [workspace.root / p for p in paths if (workspace.root / p).is_file()]
    from ledger.approve.lookup import approvals_of, authorized_checks
    from ledger.store.approvals import ledger_approvals

    policy = load_trust_policy(workspace)
    pool = ledger_approvals(store)
    approvals = {b: tuple(a.to_json() for a in approvals_of(r, pool)) for b, r in builds.items()}
    verdicts = {
        v.path if isinstance(v.path, str) else Path(v.path).as_posix(): v.to_json()
        for v in verify_artifacts(
            workspace.root,
            existing,
            workspace.attestations_dir,
            policy,
            lambda target: compute_chain(workspace.root, target),
            checks=authorized_checks(workspace, policy),
        )
    }
    rows = []
    for path in paths:
        history = sorted(by_path.get(path, []), key=_finished, reverse=True)
        verdict = verdicts.get(str(workspace.root / path)) or verdicts.get(path)
        rows.append(
            ArtifactRow(path, statuses.get(path, "not in spec"), verdict, tuple(b.build_id for b in history))
        )
    return ReportData(str(workspace.root), datetime.now(UTC), builds, tuple(rows), approvals)


def _finished(record: BuildRecord) -> datetime:
    return record.finished_on or datetime.min


def render(data: ReportData) -> str:
    e = html.escape
    parts = [
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>",
        "<meta name='viewport' content='width=device-width, initial-scale=1'>",
        f"<title>spec-ledger audit report — {e(Path(data.workspace).name)}</title>",
        f"<style>{CSS}</style></head><body>",
        "<header><h1>spec-ledger audit report</h1>",
        f"<p class='meta'>workspace <code>{e(data.workspace)}</code> · generated "
        f"{data.generated:%Y-%m-%d %H:%M:%S} UTC · spec-ledger {e(__version__)} · "
        f"{len(data.builds)} builds · {len(data.artifacts)} artifacts</p></header>",
        _summary(data),
        _timeline(data),
        _artifacts(data),
        _builds(data),
        "<footer>Generated offline from signed in-toto attestations "
        "(attestations/*.intoto.jsonl) and the DuckDB ledger. Verification levels were recomputed "
        "for the bytes on disk when this page was written.</footer></body></html>",
    ]
    return "\n".join(parts)


def _summary(data: ReportData) -> str:
    statuses = Counter(a.spec_status for a in data.artifacts)
    ok = sum(1 for a in data.artifacts if a.verdict and a.verdict.get("ok"))
    stale = [a.path for a in data.artifacts if a.spec_status == "stale"]
    cards = [
        (
            "artifacts verified",
            f"{ok} / {len(data.artifacts)}",
            "good" if ok == len(data.artifacts) else "bad",
        ),
        ("stale artifacts", str(len(stale)), "bad" if stale else "good"),
        ("builds", str(len(data.builds)), ""),
        ("spec status", ", ".join(f"{n} {s}" for s, n in sorted(statuses.items())) or "—", ""),
    ]
    body = "".join(
        f"<div class='card {cls}'><div class='num'>{html.escape(v)}</div><div>{html.escape(k)}</div></div>"
        for k, v, cls in cards
    )
    return f"<section id='summary'><h2>Summary</h2><div class='cards'>{body}</div></section>"


def _timeline(data: ReportData) -> str:
    """Builds per day as an inline SVG bar chart."""
    days = Counter(
        (b.finished_on or datetime.min).strftime("%Y-%m-%d") for b in data.builds.values() if b.finished_on
    )
    if not days:
        return "<section id='timeline'><h2>Builds over time</h2><p>No builds in the ledger.</p></section>"
    keys = sorted(days)
    top = max(days.values())
    width, bar = max(320, 60 * len(keys)), 40
    bars = []
    for i, day in enumerate(keys):
        h = int(120 * days[day] / top)
        x = 20 + i * 60
        bars.append(
            f"<rect x='{x}' y='{140 - h}' width='{bar}' height='{h}' class='bar'><title>{day}: "
            f"{days[day]} builds</title></rect><text x='{x + bar / 2}' y='{136 - h}' "
            f"text-anchor='middle'>{days[day]}</text><text x='{x + bar / 2}' y='158' "
            f"text-anchor='middle' class='axis'>{day[5:]}</text>"
        )
    svg = f"<svg width='{width}' height='165' role='img' aria-label='builds per day'>{''.join(bars)}</svg>"
    return f"<section id='timeline'><h2>Builds over time</h2>{svg}</section>"


LEVELS = ("SIGNED", "BOUND", "TESTED", "REPRODUCED", "AUTHORIZED")


def _artifacts(data: ReportData) -> str:
    e = html.escape
    rows = []
    for a in data.artifacts:
        levels = (a.verdict or {}).get("levels", {})
        cells = []
        for level in LEVELS:
            info = levels.get(level, {})
            status = info.get("status", "—")
            cls = {"met": "good", "failed": "bad"}.get(status, "muted")
            label = "STALE" if level == "BOUND" and "STALE" in info.get("reason", "") else status
            cells.append(f"<td class='{cls}' title='{e(info.get('reason', ''))}'>{e(label)}</td>")
        verdict = "OK" if a.verdict and a.verdict.get("ok") else ("NOT MET" if a.verdict else "missing file")
        latest = a.builds[0] if a.builds else None
        link = f"<a href='#b-{e(latest)}'>{e(latest)}</a>" if latest else "—"
        status_cls = "good" if a.spec_status == "up-to-date" else "bad"
        rows.append(
            f"<tr><td><code>{e(a.path)}</code></td><td class='{status_cls}'>{e(a.spec_status)}</td>"
            f"{''.join(cells)}<td class='{'good' if verdict == 'OK' else 'bad'}'>{verdict}</td>"
            f"<td>{link}</td><td>{len(a.builds)}</td></tr>"
        )
    head = "".join(f"<th>{lvl}</th>" for lvl in LEVELS)
    return (
        "<section id='artifacts'><h2>Artifacts</h2><p>Verification of the bytes on disk now; hover a level "
        "for its reason.</p><table><thead><tr><th>artifact</th><th>spec status</th>"
        f"{head}<th>verdict</th><th>latest build</th><th>builds</th></tr></thead><tbody>"
        f"{''.join(rows)}</tbody></table></section>"
    )


def _builds(data: ReportData) -> str:
    e = html.escape
    ordered = sorted(data.builds.values(), key=_finished, reverse=True)
    last_by_path: dict[str, str] = {}
    links: dict[str, list[tuple[str, str]]] = defaultdict(list)  # build → [(path, previous build)]
    for record in sorted(data.builds.values(), key=_finished):
        for s in record.subjects:
            if s.name:
                if s.name in last_by_path:
                    links[record.build_id].append((s.name, last_by_path[s.name]))
                last_by_path[s.name] = record.build_id
    out = ["<section id='builds'><h2>Builds</h2>"]
    for b in ordered:
        test_cls = {"PASSED": "good", "FAILED": "bad"}.get(b.test_result, "muted")
        subjects = "".join(
            f"<li><code>{e(s.name or '?')}</code> sha256:{e((s.sha256 or '')[:16])}…</li>" for s in b.subjects
        )
        members = "".join(
            f"<tr><td>{m.position}</td><td>{e(m.role or '')}</td><td><code>{e(m.label)}</code></td>"
            f"<td><code>{e(m.file or '')}</code></td><td><code>{e((m.sha256 or '')[:16])}…</code></td></tr>"
            for m in b.members
        )
        tools = ", ".join(f"{e(t.name or '')} {e(t.version or '')}" for t in b.tools) or "—"
        prev = "".join(
            f"<li>previous build of <code>{e(path)}</code>: <a href='#b-{e(p)}'>{e(p)}</a></li>"
            for path, p in links.get(b.build_id, [])
        )
        traj = b.trajectory
        traj_text = (
            f"{traj.events} events, {traj.turns} turns, {traj.tool_calls} tool calls"
            if traj.indexed
            else "not indexed"
        )
        out.append(
            f"<article id='b-{e(b.build_id)}'><h3>{e(b.build_id)}</h3>"
            f"<dl><dt>target</dt><dd><code>{e(b.target or '')}</code> "
            f"chain <code>{e(b.chain_cfs or '')}</code></dd>"
            f"<dt>recipe</dt><dd>{e(b.recipe_name or '')} "
            f"<code>{e((b.recipe_sha256 or '')[:16])}…</code></dd>"
            f"<dt>model</dt><dd>{e(b.model_provider or '')} <code>{e(b.model_id or '')}</code> at "
            f"<code>{e(b.model_endpoint or '')}</code> (seed {b.seed})</dd>"
            f"<dt>tools</dt><dd>{tools}</dd><dt>sandbox</dt><dd>{e(b.sandbox or '')}</dd>"
            f"<dt>signer</dt><dd><code>{e(b.signer)}</code></dd>"
            f"<dt>tests</dt><dd class='{test_cls}'>{e(b.test_result)}</dd>"
            f"<dt>finished</dt><dd>{e(str(b.finished_on or ''))}</dd>"
            f"<dt>trajectory</dt><dd><code>{e((traj.sha256 or '')[:16])}…</code> {traj_text}</dd>"
            f"<dt>approved</dt><dd>{_approvals_html(data.approvals.get(b.build_id, ()))}</dd></dl>"
            f"<h4>Artifacts</h4><ul>{subjects}</ul>{'<ul>' + prev + '</ul>' if prev else ''}"
            f"<details><summary>spec chain ({len(b.members)} members)</summary><table><thead><tr><th>#</th>"
            f"<th>role</th><th>member</th><th>file</th><th>sha256</th></tr></thead><tbody>{members}"
            "</tbody></table></details></article>"
        )
    out.append("</section>")
    return "".join(out)


def _approvals_html(approvals: tuple[dict[str, Any], ...]) -> str:
    if not approvals:
        return "<span class='muted'>no approvals of this build or of its spec content</span>"
    items = []
    for a in approvals:
        what = f"build {a['build']}" if a.get("build") else f"spec {a.get('spec')}"
        who = a.get("name") or str(a.get("keyid", ""))[:12]
        items.append(
            f"<li><b>{html.escape(str(who))}</b> as <b>{html.escape(str(a['role']))}</b> approved "
            f"<code>{html.escape(what)}</code> on {html.escape(str(a['approved_on'])[:16])}"
            + (f" — {html.escape(str(a['note']))}" if a.get("note") else "")
            + "</li>"
        )
    return "<ul class='approvals'>" + "".join(items) + "</ul>"


def write_report(workspace: Workspace, out: Path) -> ReportData:
    data = collect(workspace)
    atomic_write_text(out, render(data))
    return data


CSS = """
body{font:14px/1.45 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:0 auto;max-width:1180px;
padding:24px;color:#1d232b;background:#fff}
h1{margin:0 0 4px}h2{border-bottom:2px solid #e3e7ee;padding-bottom:4px;margin-top:32px}
.meta{color:#5b6573}code{font:12px ui-monospace,SFMono-Regular,Menlo,monospace;background:#f3f5f8;
padding:1px 4px;border-radius:3px}
.cards{display:flex;gap:12px;flex-wrap:wrap}
.card{border:1px solid #e3e7ee;border-radius:8px;padding:12px 16px;min-width:160px}
.card .num{font-size:24px;font-weight:600}
table{border-collapse:collapse;width:100%;margin:8px 0}th,td{border-bottom:1px solid #e9edf2;padding:5px 8px;
text-align:left;vertical-align:top}th{background:#f7f9fb}
.good{color:#17663a;font-weight:600}.bad{color:#a4161a;font-weight:600}.muted{color:#8a94a3}
.bar{fill:#3d6fb6}svg text{font-size:11px;fill:#1d232b}svg .axis{fill:#5b6573}
article{border:1px solid #e3e7ee;border-radius:8px;padding:8px 16px;margin:12px 0}
article:target{outline:3px solid #3d6fb6}
dl{display:grid;grid-template-columns:110px 1fr;gap:2px 12px}dt{color:#5b6573}dd{margin:0}
footer{margin-top:40px;color:#5b6573;font-size:12px}
"""
