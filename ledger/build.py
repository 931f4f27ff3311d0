"""One build: recipe → chain → sandboxed agent run → tests → attestations → manifest → ledger.

Order of effects is chosen for crash safety: everything is produced in a temp directory and
the object store first; then the signed attestation is written; only then do the artifact
bytes and the manifest change in the workspace (each atomically). A crash or Ctrl-C at any
point leaves the workspace either as it was or with a complete, attested artifact.
"""

from __future__ import annotations

import contextlib
import json
import re
import secrets
import shutil
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ledger import __version__
from ledger.config import load_config
from ledger.digest import canonical_json, sha256_file, sha256_hex
from ledger.errors import AttestationError, CheckFailed, InputError
from ledger.fsutil import atomic_write_bytes, confine
from ledger.workspace import Workspace

if TYPE_CHECKING:
    from ledger.agent import AgentOutcome, ModelClient
    from ledger.attest.files import WrittenAttestations
    from ledger.attest.statement import TestOutcome
    from ledger.recipe import ResolvedRecipe
    from ledger.sandbox import Sandbox
    from ledger.spec import Chain
    from ledger.trajectory import TrajectoryWriter

_UNITTEST_LINE = re.compile(
    r"^(test\w*) \(([\w.]+)\)(?:\n.*?)? \.\.\. "
    r"(ok|FAIL|ERROR|skipped.*|expected failure|unexpected success)$",
    re.M,
)
_PYTEST_LINE = re.compile(r"^(\S+::\S+) (PASSED|FAILED|ERROR|SKIPPED|XFAIL|XPASS)", re.M)


@dataclass(frozen=True)
class BuildOptions:
    sandbox: str | None = None  # None: ledger.toml [sandbox] kind, default bwrap
    sign: bool = True
    ingest: bool = True
    replay_events: tuple[Mapping[str, Any], ...] | None = None  # replay client instead of the model
    update_workspace: bool = True  # write the artifact + manifest (False for verification replays)
    probe_tools: bool = True
    group: Mapping[str, Any] | None = None  # N-version group this build belongs to


@dataclass(frozen=True)
class BuildResult:
    build_id: str
    recipe: str
    target: str
    chain: str
    chain_sha256: str
    artifacts: dict[str, str]  # workspace-relative path → sha256
    artifact_bytes: dict[str, bytes] = field(repr=False)
    test_result: str | None
    tests_passed: int
    tests_failed: int
    turns: int
    input_tokens: int
    output_tokens: int
    stop_reason: str
    duration_s: float
    trajectory: str  # sha256 of the trajectory file in the object store
    trajectory_head: str
    exec_log: str
    sandbox: str
    attestation: str | None
    ingested: bool

    def to_json(self) -> dict[str, Any]:
        data = {k: v for k, v in self.__dict__.items() if k != "artifact_bytes"}
        return data


def new_build_id(now: datetime | None = None) -> str:
    """Sortable and unique: UTC time to the second plus 32 random bits."""
    moment = (now or datetime.now(UTC)).astimezone(UTC)
    return f"{moment:%Y%m%dT%H%M%SZ}-{secrets.token_hex(4)}"


def run_build(workspace: Workspace, recipe_path: Path, options: BuildOptions = BuildOptions()) -> BuildResult:
    """Run one build end to end; see the module docstring for the order of effects."""
    from ledger.objects import ObjectStore
    from ledger.recipe import resolve_recipe
    from ledger.spec import compute_chain, load_tree
    from ledger.trajectory import Redactor, TrajectoryWriter

    config = load_config(workspace)
    sandbox_kind = options.sandbox or config.sandbox_default()
    resolved = resolve_recipe(recipe_path, workspace, probe=options.probe_tools)
    recipe = resolved.recipe
    tree = load_tree(workspace.root)
    chain = compute_chain(tree, recipe.recipe.target)
    if chain.output is None:
        raise InputError(f"{recipe.recipe.target} declares no output:; nothing to build")
    signer = _signer(workspace) if options.sign else None  # fail before the model is called

    build_id = new_build_id()
    started = datetime.now(UTC)
    t0 = time.monotonic()
    store = ObjectStore(workspace.objects_dir)
    tmp = workspace.state_dir / "tmp" / build_id
    tmp.mkdir(parents=True)
    redactor = Redactor((*config.redaction_env(), recipe.model.api_key_env))
    try:
        writer = TrajectoryWriter(tmp / "trajectory.jsonl", redactor, store=store)
        with _abandon_on_error(writer):
            writer.emit("build_start", _build_start(build_id, resolved, chain, sandbox_kind, options))
            produced, outcome, test, exec_records = _generate(
                workspace, resolved, chain, writer, sandbox_kind, options, redactor
            )
            writer.emit(
                "build_end",
                {
                    "build_id": build_id,
                    "stop_reason": outcome.stop_reason,
                    "turns": outcome.turns,
                    "input_tokens": outcome.input_tokens,
                    "output_tokens": outcome.output_tokens,
                    "artifacts": {p: sha256_hex(b) for p, b in sorted(produced.items())},
                    "test_result": test.result if test else None,
                },
            )
            digest = writer.close()
        exec_log_bytes = b"".join(canonical_json(r) + b"\n" for r in exec_records)
        exec_log_bytes, _ = redactor.redact_bytes(exec_log_bytes)
        exec_log = store.put_bytes(exec_log_bytes)
        finished = datetime.now(UTC)
        artifacts = {p: sha256_hex(b) for p, b in sorted(produced.items())}

        written: WrittenAttestations | None = None
        if signer is not None:
            written = _attest(
                workspace, build_id, resolved, chain, artifacts, digest, exec_log, test,
                started, finished, sandbox_kind, signer, options.group,
            )  # fmt: skip
        if options.update_workspace:
            install_artifacts(workspace, chain, produced)
        ingested = False
        if options.ingest and written is not None:
            ingested = _ingest(workspace, written.envelope_file)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    return BuildResult(
        build_id=build_id,
        recipe=recipe.recipe.name,
        target=chain.target,
        chain=chain.hash,
        chain_sha256=chain.sha256,
        artifacts=artifacts,
        artifact_bytes=produced,
        test_result=test.result if test else None,
        tests_passed=len(test.passed) if test else 0,
        tests_failed=len(test.failed) if test else 0,
        turns=outcome.turns,
        input_tokens=outcome.input_tokens,
        output_tokens=outcome.output_tokens,
        stop_reason=outcome.stop_reason,
        duration_s=round(time.monotonic() - t0, 3),
        trajectory=digest.file_sha256,
        trajectory_head=digest.head,
        exec_log=exec_log,
        sandbox=sandbox_kind,
        attestation=str(written.envelope_file.relative_to(workspace.root)) if written else None,
        ingested=ingested,
    )


@contextlib.contextmanager
def _abandon_on_error(writer: TrajectoryWriter) -> Iterator[None]:
    try:
        yield
    except BaseException:
        with contextlib.suppress(Exception):
            writer.abandon()
        raise


def _build_start(
    build_id: str, resolved: ResolvedRecipe, chain: Chain, sandbox_kind: str, options: BuildOptions
) -> dict[str, Any]:
    recipe = resolved.recipe
    return {
        "build_id": build_id,
        "builder": {"name": "spec-ledger", "version": __version__},
        "recipe": {"name": recipe.recipe.name, "digest": resolved.digest, "source": recipe.source},
        "target": chain.target,
        "output": chain.output,
        "chain": {"cfs": chain.hash, "sha256": chain.sha256},
        "members": [
            {"label": m.label, "role": m.role, "file": m.file, "sha256": m.sha256, "cfs_hash": m.cfs_hash}
            for m in chain.members
        ],
        "model": {
            "provider": "replay" if options.replay_events is not None else recipe.model.provider,
            "id": recipe.model.id,
            "endpoint": recipe.model.endpoint,
            "seed": recipe.model.seed,
            "temperature": recipe.model.temperature,
            "max_tokens": recipe.model.max_tokens,
        },
        "tools": {t.name: t.found for t in resolved.tool_versions},
        "sandbox": sandbox_kind,
        "group": dict(options.group) if options.group else None,
        # what a replay needs to run the agent the same way (ledger/replay.py)
        "limits": {
            "max_turns": recipe.sandbox.max_turns,
            "timeout_s": recipe.sandbox.timeout_s,
            "call_timeout_s": recipe.sandbox.call_timeout_s,
        },
    }


def _generate(
    workspace: Workspace,
    resolved: ResolvedRecipe,
    chain: Chain,
    writer: TrajectoryWriter,
    sandbox_kind: str,
    options: BuildOptions,
    redactor: Any,
) -> tuple[dict[str, bytes], AgentOutcome, TestOutcome | None, list[dict[str, Any]]]:
    from ledger.agent import AgentLimits, AgentLoop, ModelSettings, ToolBox, ToolLimits
    from ledger.sandbox import open_sandbox

    recipe = resolved.recipe
    assert chain.output is not None
    system = _system_prompt(workspace, resolved, chain)
    user = (
        f"Generate the artifact {chain.artifact} for {chain.target}: write `{chain.output}` "
        "from the spec chain in the system prompt, write its tests, run them, then stop."
    )
    settings = ModelSettings(
        id=recipe.model.id,
        temperature=recipe.model.temperature,
        max_tokens=recipe.model.max_tokens,
        seed=recipe.model.seed,
        send_seed=recipe.model.send_seed,
    )
    limits = AgentLimits(max_turns=recipe.sandbox.max_turns, timeout_s=float(recipe.sandbox.timeout_s))
    with (
        _model_client(workspace, resolved, options, redactor) as client,
        open_sandbox(workspace.root, kind=sandbox_kind) as sandbox,
    ):
        toolbox = ToolBox(sandbox, writer, ToolLimits(command_timeout_s=float(recipe.sandbox.call_timeout_s)))
        outcome = AgentLoop(client, toolbox, writer, limits).run(system, user, settings)
        if options.replay_events is not None:
            client_finish = getattr(client, "finish", None)
            if client_finish is not None:
                client_finish()
        produced = _collect(sandbox, chain.output)
        test = _run_tests(sandbox, recipe.test.command, float(recipe.test.timeout_s), writer)
        return produced, outcome, test, list(sandbox.exec_log)


def _system_prompt(workspace: Workspace, resolved: ResolvedRecipe, chain: Chain) -> str:
    prompt_rel = resolved.recipe.recipe.prompt
    prompt = confine(workspace.root, prompt_rel).read_text(encoding="utf-8") if prompt_rel else ""
    return prompt.rstrip("\n") + "\n\n" + chain.render()


@contextlib.contextmanager
def _model_client(
    workspace: Workspace, resolved: ResolvedRecipe, options: BuildOptions, redactor: Any
) -> Iterator[ModelClient]:
    recipe = resolved.recipe
    if options.replay_events is not None:
        yield _replay_client(options.replay_events, redactor)
        return
    from ledger.agent import AnthropicClient

    if recipe.model.provider == "loopback":
        from ledger.agent.loopback import serve_script
        from ledger.recipe import bind_endpoint

        assert recipe.loopback is not None
        script = confine(workspace.root, recipe.loopback.script)
        with serve_script(script) as server:
            port = int(server.base_url.rsplit(":", 1)[1].split("/")[0])
            yield AnthropicClient(
                bind_endpoint(recipe, port), environ={"ANTHROPIC_API_KEY": "loopback-test-key"}
            )
        return
    if recipe.model.provider == "replay":
        raise InputError(
            f"recipe {recipe.source} uses provider 'replay'; give the recording with --replay BUILD",
            hint="ledger build RECIPE --replay BUILD_ID|TRAJECTORY_DIGEST",
        )
    import os

    api_key = os.environ.get(recipe.model.api_key_env)
    if not api_key:
        raise InputError(
            f"the model endpoint needs an API key in ${recipe.model.api_key_env}",
            hint=f"export {recipe.model.api_key_env}=…  (it is never written to disk)",
        )
    assert recipe.model.endpoint is not None
    yield AnthropicClient(recipe.model.endpoint, environ={"ANTHROPIC_API_KEY": api_key})


def _replay_client(events: tuple[Mapping[str, Any], ...], redactor: Any) -> ModelClient:
    """Recorded requests carry redaction markers with the old build's salt: compare without salts."""
    from ledger.agent import ReplayClient
    from ledger.trajectory import normalize_markers

    def unsalted(value: Any) -> Any:
        return json.loads(normalize_markers(json.dumps(value, ensure_ascii=False)))

    recorded = [
        {**e, "data": {**e["data"], "request": unsalted(e["data"]["request"])}}
        if e.get("type") == "model_request"
        else e
        for e in events
    ]

    def normalize(request: Any) -> Any:
        return unsalted(redactor.redact_data({"request": request}).data["request"])

    return ReplayClient.from_events(recorded, normalize=normalize)


def _collect(sandbox: Sandbox, output: str) -> dict[str, bytes]:
    """Only the node's ``output:`` leaves the sandbox, and only as a regular file inside scratch."""
    try:
        path = confine(sandbox.scratch, output, what="output")
    except InputError as exc:
        raise CheckFailed(f"build produced no usable {output}: {exc.message}") from None
    if path.is_symlink() or not path.is_file():
        raise CheckFailed(
            f"the agent did not produce {output}",
            hint="read the trajectory (`ledger trajectory show`) to see what the agent did",
        )
    return {output: path.read_bytes()}


def _run_tests(
    sandbox: Sandbox, command: str | None, timeout_s: float, writer: TrajectoryWriter
) -> TestOutcome | None:
    from ledger.attest.statement import TestOutcome, TestResult

    if not command:
        return None
    result = sandbox.run(["/bin/sh", "-c", command], timeout_s=timeout_s)
    writer.emit("exec", result.log_record())
    output = (result.stdout + b"\n" + result.stderr).decode("utf-8", errors="replace")
    passed, failed, warned = _parse_test_names(output)
    verdict: TestResult
    if result.exit_code == 0 and not result.timed_out:
        verdict = "WARNED" if warned and not failed else "PASSED"
    else:
        verdict = "FAILED"
        if not failed:
            failed = [f"<test command exited {result.exit_code}{', timed out' if result.timed_out else ''}>"]
    outcome = TestOutcome(
        result=verdict, command=command, passed=tuple(passed), failed=tuple(failed), warned=tuple(warned)
    )
    writer.emit(
        "test_result",
        {
            "command": command,
            "result": verdict,
            "exit_code": result.exit_code,
            "timed_out": result.timed_out,
            "passed": passed,
            "failed": failed,
            "warned": warned,
            "duration_s": round(result.duration_s, 3),
        },
    )
    return outcome


def _parse_test_names(output: str) -> tuple[list[str], list[str], list[str]]:
    """Test names and outcomes from unittest ``-v`` or pytest ``-v`` output."""
    passed: list[str] = []
    failed: list[str] = []
    warned: list[str] = []
    for name, where, status in _UNITTEST_LINE.findall(output):
        full = f"{where}.{name}" if not where.endswith(name) else where
        if status == "ok" or status == "expected failure":
            passed.append(full)
        elif status.startswith("skipped"):
            warned.append(full)
        else:
            failed.append(full)
    for name, status in _PYTEST_LINE.findall(output):
        if status in ("PASSED", "XFAIL"):
            passed.append(name)
        elif status == "SKIPPED":
            warned.append(name)
        else:
            failed.append(name)
    return passed, failed, warned


def _signer(workspace: Workspace) -> Any:
    from ledger.attest.policy import signing_key_path
    from ledger.attest.signers import load_signer, passphrase_from_env

    path = signing_key_path(workspace)
    if path is None:
        raise InputError(
            "no signing key configured: [signing] key is missing from ledger.toml",
            hint='create one with `ledger key generate` and set [signing] key = "keys/…pem", '
            "or pass --no-sign for an unattested trial build",
        )
    return load_signer(path, passphrase=passphrase_from_env())


def _attest(
    workspace: Workspace,
    build_id: str,
    resolved: ResolvedRecipe,
    chain: Chain,
    artifacts: Mapping[str, str],
    trajectory: Any,
    exec_log: str,
    test: TestOutcome | None,
    started: datetime,
    finished: datetime,
    sandbox_kind: str,
    signer: Any,
    group: Mapping[str, Any] | None = None,
) -> WrittenAttestations:
    from ledger.attest.files import attest_build
    from ledger.attest.statement import (
        EXEC_LOG_MEDIA_TYPE,
        TRAJECTORY_MEDIA_TYPE,
        BuildInputs,
        Byproduct,
        ChainMemberRef,
        FileRef,
        ModelRef,
    )

    recipe = resolved.recipe
    prompt = None
    if recipe.recipe.prompt:
        prompt = FileRef(recipe.recipe.prompt, sha256_file(confine(workspace.root, recipe.recipe.prompt)))
    inputs = BuildInputs(
        build_id=build_id,
        recipe_name=recipe.recipe.name,
        recipe_digest=resolved.digest,
        target=chain.target,
        chain_cfs=chain.hash,
        chain_sha256=chain.sha256,
        members=[ChainMemberRef(m.label, m.role, m.file, m.sha256, m.cfs_hash) for m in chain.members],
        model=ModelRef(
            provider=recipe.model.provider,
            id=recipe.model.id,
            endpoint=recipe.model.endpoint or "",
            seed=recipe.model.seed,
            temperature=recipe.model.temperature,
            max_tokens=recipe.model.max_tokens,
        ),
        tools={t.name: t.found for t in resolved.tool_versions if t.found},
        prompt=prompt,
        artifacts=[FileRef(p, d) for p, d in sorted(artifacts.items())],
        trajectory=Byproduct("trajectory", trajectory.file_sha256, TRAJECTORY_MEDIA_TYPE),
        exec_log=Byproduct("exec-log", exec_log, EXEC_LOG_MEDIA_TYPE),
        started_on=started,
        finished_on=finished,
        sandbox=sandbox_kind,  # type: ignore[arg-type]
        builder_version=__version__,
        group=group,
    )
    return attest_build(workspace.attestations_dir, inputs, test, signer)


def install_artifacts(workspace: Workspace, chain: Chain, produced: Mapping[str, bytes]) -> None:
    """Artifact bytes, then the manifest entry, each replaced atomically."""
    from ledger.spec.manifest import ManifestEntry, artifact_checksum, updating_manifest

    for rel, data in produced.items():
        target = workspace.root / rel
        confine(workspace.root, rel, what="output")
        atomic_write_bytes(target, data)
    with updating_manifest(workspace.root) as updates:
        for rel, data in produced.items():
            updates.append(ManifestEntry(chain.artifact, rel, artifact_checksum(data), chain.hash))


def _ingest(workspace: Workspace, envelope_file: Path) -> bool:
    """Index the new attestation when the ledger store is available (it is rebuildable anyway)."""
    from ledger.store import open_store

    open_store(workspace).ingest([envelope_file])
    return True


def load_replay_events(workspace: Workspace, reference: str) -> tuple[Mapping[str, Any], ...]:
    """Events of a recorded trajectory, named by file path, trajectory digest or build id."""
    from ledger.objects import ObjectStore
    from ledger.trajectory import read_trajectory

    candidate = Path(reference)
    if not candidate.is_file():
        store = ObjectStore(workspace.objects_dir)
        digest = (
            reference
            if re.fullmatch(r"[0-9a-f]{64}", reference)
            else _trajectory_of_build(workspace, reference)
        )
        candidate = store.path_for(digest)
        if not candidate.is_file():
            raise InputError(f"no trajectory {digest} in {workspace.objects_dir}")
    return tuple(e.to_json() for e in read_trajectory(candidate))


def _trajectory_of_build(workspace: Workspace, build_id: str) -> str:
    """The trajectory digest a *verified* provenance of ``build_id`` names.

    The envelope file is workspace content (a cloned repository's): its statement is read only
    once a key of ``[trust]`` verifies it, as everywhere else, so an unsigned or forged
    ``attestations/<id>.intoto.jsonl`` cannot choose the answers a replay feeds the tools.
    """
    from ledger.attest.files import envelope_path
    from ledger.attest.policy import load_trust_policy
    from ledger.attest.statement import PROVENANCE_TYPE
    from ledger.attest.verify import collect_evidence
    from ledger.objects import check_digest

    path = envelope_path(workspace.attestations_dir, build_id)
    if not path.is_file():
        raise InputError(f"no build {build_id}: {path.relative_to(workspace.root)} does not exist")
    evidence = collect_evidence(
        workspace.attestations_dir, load_trust_policy(workspace), root=workspace.root, build_id=build_id
    )
    for verified in evidence.statements:
        prov = verified.statement.provenance
        if verified.statement.predicate_type != PROVENANCE_TYPE or prov is None or prov.build_id != build_id:
            continue
        run = verified.statement.raw.get("predicate", {}).get("runDetails", {})
        byproducts = run.get("byproducts") if isinstance(run, dict) else None
        for byproduct in byproducts if isinstance(byproducts, list) else []:
            if isinstance(byproduct, dict) and byproduct.get("name") == "trajectory":
                digest = byproduct.get("digest")
                sha256 = digest.get("sha256") if isinstance(digest, dict) else None
                return check_digest(sha256 if isinstance(sha256, str) else repr(sha256))
        raise InputError(f"build {build_id} names no trajectory byproduct", file=verified.where)
    reasons = dict.fromkeys(r.reason for r in evidence.rejected)
    why = "; ".join(reasons) or "it holds no provenance of this build"
    raise AttestationError(
        f"no verified provenance of build {build_id}: {why}",
        file=str(path.relative_to(workspace.root)),
        hint="replay only builds whose attestation a key of ledger.toml [trust] signed",
    )


__all__ = [
    "BuildOptions",
    "BuildResult",
    "install_artifacts",
    "load_replay_events",
    "new_build_id",
    "run_build",
]
