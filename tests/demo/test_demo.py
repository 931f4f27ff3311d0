"""The demo end to end, and the HTML audit report it writes, rendered in a real browser."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.browser import dump_dom, needs_chromium, screenshot
from tests.conftest import run_ledger

MODULES = ("normalize", "slugify", "wordcount", "roman")


@pytest.fixture(scope="module")
def demo_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("demo") / "ws"
    result = run_ledger("demo", "--dir", str(root), "--json", timeout=300)
    assert result.code == 0, result
    summary = json.loads(result.stdout)
    assert summary["ok"] and len(summary["steps"]) >= 20
    assert len(summary["builds"]["slugify"]) == 2
    return root


def test_demo_leaves_attestations_that_verify(demo_dir: Path) -> None:
    artifacts = [f"src/textkit/{m}.py" for m in MODULES]
    result = run_ledger("verify", *artifacts, "--json", cwd=demo_dir)
    assert result.code == 0, result
    verdicts = json.loads(result.stdout)["artifacts"]
    assert all(v["ok"] for v in verdicts) and len(verdicts) == 4


def test_demo_ledger_answers_trace_with_the_spec_text_in_force(demo_dir: Path) -> None:
    result = run_ledger("trace", "src/textkit/slugify.py", "--json", cwd=demo_dir)
    assert result.code == 0, result
    builds = json.loads(result.stdout)["builds"]
    assert builds[0]["target"] == "SPEC/textkit/slugify"
    labels = [m["label"] for m in builds[0]["members"]]
    assert "SPEC/textkit/normalize" in labels
    text = run_ledger("trace", "src/textkit/slugify.py", "--text", cwd=demo_dir)
    assert "max_length: int = 60" in text.stdout  # the rebuilt artifact came from the edited spec


def test_demo_diff_page_and_audit(demo_dir: Path) -> None:
    assert "first divergence" in (demo_dir / "diff.html").read_text().lower()
    audit = run_ledger("audit", "--json", cwd=demo_dir)
    assert audit.code == 0 and json.loads(audit.stdout)["ok"] is True


@needs_chromium
def test_report_renders_in_headless_chromium(demo_dir: Path, tmp_path: Path) -> None:
    page = demo_dir / "report.html"
    html = page.read_text()
    # self-contained: nothing that loads a resource (endpoint URLs may appear as text)
    for banned in ("<script", "<link", "src=", "@import", "url(", "href='http", 'href="http'):
        assert banned not in html, banned
    screenshot(page, "audit-report.png", tmp_path / "profile", size="1280,2400")
    dom = dump_dom(page, tmp_path / "profile")
    assert "spec-ledger audit report" in dom
    assert "4 / 4" in dom  # every artifact verified
    for module in MODULES:
        assert f"src/textkit/{module}.py" in dom
    assert "previous build of" in dom  # the two slugify builds are linked
