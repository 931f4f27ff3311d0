"""``ledger demo``: the whole story, offline, on the bundled textkit workspace.

Each step runs the real ``ledger`` command a user would type (in a subprocess, from the demo
workspace), shows it and its output, and checks that it behaved as expected: the exit code,
and a fact about the output. The demo succeeds only if every step does.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from ledger.errors import CheckFailed, ConfigError

SPEC_EDIT = (
    "code-from-spec/textkit/slugify/_node.md",
    'def slugify(text: str, *, max_length: int = 80, separator: str = "-") -> str: ...',
    'def slugify(text: str, *, max_length: int = 60, separator: str = "-") -> str: ...',
)
MODULES = ("normalize", "slugify", "wordcount", "roman")
APPROVALS = """
[approvals]
self_approval = false   # the key that signed a build may not approve it

[[approvals.rules]]
pattern = "SPEC/textkit/roman"
roles = ["release"]

[[approvals.keys]]
path = "keys/alice.pub"
name = "alice"
roles = ["release"]
"""


@dataclass
class StepResult:
    title: str
    command: str
    ok: bool
    detail: str
    seconds: float


@dataclass
class Demo:
    root: Path
    sandbox: str
    say: Callable[[str], None]
    show: Callable[[str, str, int], None]
    results: list[StepResult] = field(default_factory=list)
    builds: dict[str, list[str]] = field(default_factory=dict)

    def ledger(
        self,
        title: str,
        *args: str,
        expect: int = 0,
        check: Callable[[str], str | None] | None = None,
    ) -> str:
        """Run `ledger ARGS` in the workspace; record whether it behaved as expected."""
        command = "ledger " + " ".join(_quote(a) for a in args)
        started = time.monotonic()
        proc = subprocess.run(
            [sys.executable, "-m", "ledger", *args],
            cwd=self.root,
            capture_output=True,
            text=True,
            env={**os.environ, "COLUMNS": "110", "LEDGER_DEMO": "1"},
            timeout=600,
        )
        seconds = time.monotonic() - started
        output = proc.stdout + (proc.stderr if proc.returncode else "")
        problem = None
        if proc.returncode != expect:
            problem = (
                f"exit {proc.returncode}, expected {expect}: {(proc.stderr or proc.stdout).strip()[-400:]}"
            )
        elif check is not None:
            problem = check(proc.stdout + proc.stderr)
        self.show(command, output, proc.returncode)
        ok = problem is None
        self.results.append(StepResult(title, command, ok, problem or "", seconds))
        if not ok:
            raise CheckFailed(f"demo step '{title}' did not behave as expected: {problem}")
        return proc.stdout


def _quote(arg: str) -> str:
    return arg if arg and all(c.isalnum() or c in "-_./=:[]" for c in arg) else json.dumps(arg)


def prepare_workspace(root: Path) -> None:
    """Copy the bundled example into ``root`` (which must be new or empty)."""
    if root.exists() and any(root.iterdir()):
        raise ConfigError(f"{root} exists and is not empty", hint="pass --dir with a new directory")
    source = resources.files("ledger") / "examples" / "demo"
    with resources.as_file(source) as src:
        shutil.copytree(src, root, dirs_exist_ok=True, ignore=shutil.ignore_patterns(".manifest.lock"))


def contains(*needles: str) -> Callable[[str], str | None]:
    def check(output: str) -> str | None:
        missing = [n for n in needles if n not in output]
        return f"output lacks {missing}" if missing else None

    return check


def run_demo(
    root: Path, *, sandbox: str, say: Callable[[str], None], show: Callable[[str, str, int], None]
) -> Demo:
    demo = Demo(root.resolve(), sandbox, say, show)
    prepare_workspace(demo.root)

    say("1. A new workspace from the bundled textkit example: 4 spec leaves, 4 pinned recipes, "
        "a scripted loopback test model (not a real model).")  # fmt: skip
    demo.ledger("init the workspace (signing key + trust policy)", "init", ".", check=contains("ledger.toml"))
    demo.ledger("spec status before any build", "spec", "status", check=contains("missing"))

    say("2. Build every artifact: sandboxed agent, tests, signed in-toto attestation, manifest, ledger.")
    for module in MODULES:
        out = demo.ledger(
            f"build {module}", "build", f"recipes/{module}.toml", "--sandbox", sandbox, "--json",
            check=contains('"test_result": "PASSED"'),
        )  # fmt: skip
        demo.builds.setdefault(module, []).append(json.loads(out)["build_id"])
    demo.ledger("every artifact up to date", "spec", "status", "--check")

    say("3. Verify the deployed artifacts offline: signed by a trusted key, bound to today's spec, tested.")
    artifacts = [f"src/textkit/{m}.py" for m in MODULES]
    demo.ledger("verify all artifacts", "verify", *artifacts, check=contains("SIGNED", "BOUND", "TESTED"))

    say("3b. Require a release approval for SPEC/textkit/roman: verify fails until an approver signs off.")
    demo.ledger("an approver's key (alice)", "key", "generate", "--out", "keys/alice.pem")
    config = demo.root / "ledger.toml"
    required = 'require = ["SIGNED", "BOUND", "TESTED"]'
    text = config.read_text()
    if required not in text:
        raise CheckFailed("ledger.toml written by `ledger init` has no default [trust] require line")
    config.write_text(text.replace(required, required[:-1] + ', "AUTHORIZED"]') + APPROVALS)
    demo.ledger(
        "verify without the approval", "verify", "src/textkit/roman.py", expect=1,
        check=contains("AUTHORIZED", "release"),
    )  # fmt: skip
    demo.ledger(
        "alice approves the spec node", "approve", "SPEC/textkit/roman", "--role", "release",
        "--key", "keys/alice.pem", "--note", "CHG-1042 reviewed",
    )  # fmt: skip
    demo.ledger(
        "verify with the approval", "verify", "src/textkit/roman.py", "--json",
        check=contains('"AUTHORIZED": {', '"status": "met"'),
    )  # fmt: skip
    demo.ledger("who approved what", "trace", "src/textkit/roman.py", check=contains("alice as release"))

    say("4. Trace an artifact back to the spec text that was in force when it was generated.")
    demo.ledger(
        "trace slugify to its spec", "trace", "src/textkit/slugify.py", "--text",
        check=contains("SPEC/textkit/slugify", "SPEC/textkit/normalize", "max_length: int = 80"),
    )  # fmt: skip

    say("5. Change one spec subsection (slugify's max_length default 80 → 60): what does it reach?")
    path, old, new = SPEC_EDIT
    spec_file = demo.root / path
    spec_file.write_text(spec_file.read_text(encoding="utf-8").replace(old, new, 1), encoding="utf-8")
    demo.ledger("impact of the edited node", "impact", "SPEC/textkit/slugify", check=contains("stale"))
    demo.ledger("spec status shows it stale", "spec", "status", check=contains("stale"))
    demo.ledger(
        "verify refuses the stale artifact", "verify", "src/textkit/slugify.py", expect=1,
        check=contains("STALE"),
    )  # fmt: skip

    say("6. Rebuild slugify from the new spec, then diff the two builds.")
    recipe = demo.root / "recipes" / "slugify.toml"
    recipe.write_text(recipe.read_text().replace("scripts/slugify.json", "scripts/slugify-v2.json"))
    out = demo.ledger(
        "rebuild slugify", "build", "recipes/slugify.toml", "--sandbox", sandbox, "--json",
        check=contains('"test_result": "PASSED"'),
    )  # fmt: skip
    demo.builds["slugify"].append(json.loads(out)["build_id"])
    old_build, new_build = demo.builds["slugify"]
    demo.ledger(
        "diff the two slugify builds", "diff", old_build, new_build, "--html", "diff.html",
        check=contains("SPEC/textkit/slugify", "first divergence"),
    )  # fmt: skip
    demo.ledger("verify the rebuilt artifact", "verify", "src/textkit/slugify.py")

    say("7. Reproduce: replay the signed trajectory in a fresh sandbox and get the same bytes.")
    demo.ledger(
        "replay the slugify build", "verify", "src/textkit/slugify.py", "--replay", "--sandbox", sandbox,
        check=contains("REPRODUCED"),
    )  # fmt: skip

    say("8. Tamper with a deployed artifact: verification must fail.")
    roman = demo.root / "src" / "textkit" / "roman.py"
    original = roman.read_bytes()
    roman.write_bytes(original + b"\n# a quiet change\n")
    demo.ledger("verify the tampered artifact", "verify", "src/textkit/roman.py", expect=1)
    roman.write_bytes(original)

    say("9. Audit the ledger: signed checkpoint, append-only proof, every row from a verified envelope.")
    demo.ledger("sign a checkpoint", "checkpoint")
    demo.ledger("audit the ledger", "audit", check=contains("consistent"))

    say("10. An HTML report for auditors.")
    demo.ledger("write the HTML report", "report", "--html", "report.html")
    if not (demo.root / "report.html").is_file():
        raise CheckFailed("report.html was not written")
    return demo


def summary(demo: Demo) -> dict[str, Any]:
    return {
        "workspace": str(demo.root),
        "steps": [r.__dict__ for r in demo.results],
        "ok": all(r.ok for r in demo.results),
        "builds": demo.builds,
    }
