"""``ledger record -- COMMAND…``: run an agent behind the recording proxy and attest its writes.

Order of effects: fail fast on usage errors (command not found, no signing key, unknown
``--spec``), snapshot, run the command with ``ANTHROPIC_BASE_URL`` pointing at the proxy, snapshot
again, finish the trajectory (into the object store), then sign and ingest. The command's own
exit status is returned (the CLI exits with it); a recording is attested even when the command
failed, because the files it left behind are exactly what an auditor asks about.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ledger import __version__
from ledger.attest.imported import ImportedBuildInputs, ModelSeen
from ledger.attest.statement import TRAJECTORY_MEDIA_TYPE, Byproduct, FileRef
from ledger.config import load_config
from ledger.errors import InputError
from ledger.record.external import (
    ExternalAttestation,
    artifact_refs,
    check_artifact_names,
    load_signer,
    sign_and_ingest,
    spec_binding,
)
from ledger.record.proxy import DEFAULT_UPSTREAM, RecordedRequest, RecordedResponse, RecordingProxy
from ledger.record.snapshot import Changes, diff_snapshots, take_snapshot
from ledger.trajectory import Redactor, TrajectoryWriter
from ledger.workspace import Workspace

BASE_URL_ENV = "ANTHROPIC_BASE_URL"


@dataclass(frozen=True)
class RecordOptions:
    spec: str | None = None
    upstream: str = DEFAULT_UPSTREAM
    artifacts: tuple[str, ...] = ()  # empty: attest every created or modified file
    sign: bool = True
    ingest: bool = True
    cwd: Path | None = None  # where COMMAND runs (default: cwd if inside the workspace, else its root)
    env: Mapping[str, str] | None = None  # COMMAND's environment (default: os.environ)
    # called once the options are checked, with the command as recorded (redacted) and the upstream
    on_start: Callable[[tuple[str, ...], str], None] | None = None


@dataclass(frozen=True)
class RecordResult:
    build_id: str
    command: tuple[str, ...]  # as recorded (redacted)
    exit_code: int
    exchanges: int
    models: tuple[str, ...]
    changes: Changes
    trajectory: str
    trajectory_head: str
    attestation: ExternalAttestation | None
    duration_s: float
    notes: tuple[str, ...] = field(default=())

    def to_json(self, root: Path) -> dict[str, Any]:
        return {
            "build_id": self.build_id,
            "command": list(self.command),
            "exit_code": self.exit_code,
            "exchanges": self.exchanges,
            "models": list(self.models),
            "files": self.changes.to_json(),
            "trajectory": {"sha256": self.trajectory, "head": self.trajectory_head},
            "attestation": self.attestation.to_json(root) if self.attestation else None,
            "duration_s": self.duration_s,
            "notes": list(self.notes),
        }


class _TrajectorySink:
    """Writes each proxied exchange as ``model_request`` / ``model_response`` events.

    ``seal()`` ends the recording: an exchange still in flight when the proxy stops (a
    background process of the agent, an upstream that never answers) must not append a
    ``model_response`` after ``build_end`` or raise into a closed writer; it is dropped and
    counted in the notes instead.
    """

    def __init__(self, writer: TrajectoryWriter, redactor: Redactor, upstream: str) -> None:
        self._writer = writer
        self._redactor = redactor
        self._upstream = upstream
        self._lock = threading.Lock()
        self._gate = threading.Lock()  # held while an event is emitted; seal() waits for it
        self._sealed = False
        self.dropped = 0
        self.models: dict[str, None] = {}  # insertion-ordered set of model ids seen

    def seal(self) -> None:
        with self._gate:
            self._sealed = True

    def _emit(self, type: str, data: dict[str, Any]) -> None:
        with self._gate:
            if self._sealed:
                self.dropped += 1
                return
            self._writer.emit(type, data)

    def _scrub(self, value: Any, secrets: Sequence[str]) -> Any:
        """Header credentials that reappear in a body become markers (the writer never sees them)."""
        if not secrets:
            return value
        if isinstance(value, str):
            for secret in secrets:
                if secret in value:
                    value = value.replace(secret, self._redactor.marker("api_key_header", secret))
            return value
        if isinstance(value, dict):
            return {self._scrub(k, secrets): self._scrub(v, secrets) for k, v in value.items()}
        if isinstance(value, list):
            return [self._scrub(v, secrets) for v in value]
        return value

    def _model(self, model: Any) -> None:
        if isinstance(model, str) and model:
            with self._lock:
                self.models.setdefault(model, None)

    def request(self, request: RecordedRequest) -> None:
        body = request.body
        model = body.get("model") if isinstance(body, dict) else None
        self._model(model)
        data: dict[str, Any] = {
            "exchange": request.exchange,
            "method": request.method,
            "path": request.path,
            "headers": dict(request.headers),
            "request": body,
        }
        if isinstance(model, str):
            data["model"] = model
        self._emit("model_request", self._scrub(data, request.credentials))

    def response(self, request: RecordedRequest, response: RecordedResponse) -> None:
        body = response.body
        if isinstance(body, dict) and response.status < 400:
            self._model(body.get("model"))
        data: dict[str, Any] = {
            "exchange": response.exchange,
            "status": response.status,
            "headers": dict(response.headers),
            "response": body,
            "streamed": response.streamed,
            "latency_ms": response.latency_ms,
        }
        if response.streamed:
            data["sse_events"] = response.sse_events
        if response.problems:
            data["problems"] = list(response.problems)
        if response.error:
            data["error"] = response.error
        self._emit("model_response", self._scrub(data, request.credentials))


def _resolve_command(command: Sequence[str], env: Mapping[str, str], cwd: Path) -> None:
    if not command:
        raise InputError("no command to record", hint="ledger record [OPTIONS] -- COMMAND [ARGS…]")
    program = command[0]
    if "/" in program:
        found = (cwd / program).is_file()
    else:
        found = shutil.which(program, path=env.get("PATH", os.defpath)) is not None
    if not found:
        raise InputError(f"command {program!r} not found", hint="check the command and $PATH")


@contextlib.contextmanager
def _parent_ignores_interrupts() -> Iterator[None]:
    """Ctrl-C goes to the recorded command (same process group); we wait for it and attest."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def _exit_status(code: int) -> int:
    return 128 - code if code < 0 else code  # killed by signal N: 128 + N, as shells report it


def run_record(
    workspace: Workspace, command: Sequence[str], options: RecordOptions = RecordOptions()
) -> RecordResult:
    """Record ``command``; see the module docstring for the order of effects."""
    from ledger.build import _abandon_on_error, new_build_id
    from ledger.objects import ObjectStore
    from ledger.record.proxy import check_upstream

    env = dict(os.environ if options.env is None else options.env)
    cwd = (options.cwd or _default_cwd(workspace)).resolve()
    _resolve_command(command, env, cwd)
    upstream = check_upstream(options.upstream)
    explicit = check_artifact_names(options.artifacts)
    signer = load_signer(workspace) if options.sign else None
    binding = spec_binding(workspace, options.spec) if options.spec else None
    config = load_config(workspace)
    redactor = Redactor(config.redaction_env(), environ=env)
    recorded_argv = tuple(redactor.redact_data({"argv": list(command)}).data["argv"])
    if options.on_start is not None:
        options.on_start(recorded_argv, upstream)

    before = take_snapshot(workspace.root)
    build_id = new_build_id()
    started = datetime.now(UTC)
    t0 = time.monotonic()
    store = ObjectStore(workspace.objects_dir)
    tmp = workspace.state_dir / "tmp" / build_id
    notes: list[str] = []
    try:
        writer = TrajectoryWriter(tmp / "trajectory.jsonl", redactor, store=store)
        with _abandon_on_error(writer):
            start: dict[str, Any] = {
                "build_id": build_id,
                "builder": {"name": "spec-ledger", "version": __version__},
                "origin": "recorded",
                "command": list(command),
                "cwd": _shown(cwd, workspace.root),
                "upstream": upstream,
                "model": {"provider": "anthropic", "endpoint": upstream},
                "snapshot": {"files": len(before.files), "git": before.git},
            }
            if binding is not None:
                start["target"] = binding.target
                start["chain"] = {"cfs": binding.chain_cfs, "sha256": binding.chain_sha256}
            writer.emit("build_start", start)
            sink = _TrajectorySink(writer, redactor, upstream)
            proxy = RecordingProxy(upstream, sink).start()
            try:
                child_env = {**env, BASE_URL_ENV: proxy.base_url}
                run_started = time.monotonic()
                with _parent_ignores_interrupts():
                    try:
                        proc = subprocess.Popen(list(command), cwd=cwd, env=child_env)
                    except OSError as exc:
                        raise InputError(f"cannot run {command[0]!r}: {exc.strerror}") from None
                    exit_code = _exit_status(proc.wait())
                duration_ms = int((time.monotonic() - run_started) * 1000)
            finally:
                left = proxy.close()
                sink.seal()
            if left:
                notes.append(f"{left} model exchange(s) were still in flight when recording stopped")
            if sink.dropped:
                notes.append(
                    f"{sink.dropped} event(s) of those exchanges came too late and were not recorded"
                )
            notes += proxy.failures[:20]
            after = take_snapshot(workspace.root)
            changes = diff_snapshots(before, after)
            if after.unnamed:
                shown = ", ".join(after.unnamed[:5]) + (" …" if len(after.unnamed) > 5 else "")
                notes.append(
                    f"{len(after.unnamed)} file(s) with names that are not UTF-8 were not attested "
                    f"(rename them to be covered): {shown}"
                )
            for path in changes.written:
                state = after.files[path]
                previous = before.files.get(path)
                data: dict[str, Any] = {"path": path, "sha256": state.sha256, "size": state.size}
                data["change"] = "modified" if previous else "created"
                if previous:
                    data["previous_sha256"] = previous.sha256
                writer.emit("file_write", data)
            writer.emit(
                "exec",
                {
                    "argv": list(command),
                    "cwd": _shown(cwd, workspace.root),
                    "exit_code": exit_code,
                    "duration_ms": duration_ms,
                    "files": changes.to_json(),
                    "timed_out": False,
                },
            )
            if explicit:
                artifacts = artifact_refs(workspace, explicit)
            else:
                artifacts = [FileRef(p, after.files[p].sha256) for p in changes.written]
            writer.emit(
                "build_end",
                {
                    "build_id": build_id,
                    "status": "success" if exit_code == 0 else "failed",
                    "reason": f"command exited {exit_code}",
                    "exchanges": proxy.exchanges,
                    "artifacts": [{"path": a.path, "sha256": a.sha256} for a in artifacts],
                    "duration_ms": int((time.monotonic() - t0) * 1000),
                },
            )
            digest = writer.close()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    attestation = None
    if signer is not None and artifacts:
        inputs = ImportedBuildInputs(
            build_id=build_id,
            origin="recorded",
            artifacts=artifacts,
            models=[ModelSeen(m, "anthropic", upstream) for m in sink.models],
            trajectory=Byproduct("trajectory", digest.file_sha256, TRAJECTORY_MEDIA_TYPE),
            started_on=started,
            finished_on=datetime.now(UTC),
            builder_version=__version__,
            command=recorded_argv,
            upstream=upstream,
            exit_code=exit_code,
            binding=binding,
        )
        attestation = sign_and_ingest(workspace, inputs, signer, ingest=options.ingest)
    elif signer is not None:
        notes.append("the command wrote no files and no --artifact was given: nothing to attest")
    return RecordResult(
        build_id=build_id,
        command=recorded_argv,
        exit_code=exit_code,
        exchanges=proxy.exchanges,
        models=tuple(sink.models),
        changes=changes,
        trajectory=digest.file_sha256,
        trajectory_head=digest.head,
        attestation=attestation,
        duration_s=round(time.monotonic() - t0, 3),
        notes=tuple(notes),
    )


def _default_cwd(workspace: Workspace) -> Path:
    """The current directory when it is inside the workspace, else the workspace root."""
    here, root = Path.cwd().resolve(), workspace.root.resolve()
    return here if here == root or root in here.parents else root


def _shown(path: Path, root: Path) -> str:
    try:
        return path.relative_to(root.resolve()).as_posix() or "."
    except ValueError:
        return str(path)
