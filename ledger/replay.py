"""REPRODUCED: replay a signed build's trajectory and check it rebuilds the same bytes.

The recorded model answers are served by the replay client, every tool call runs again in a
fresh sandbox over a copy of the workspace, and each new tool result is compared with the
recorded one as it happens. The first result that differs (a non-hermetic tool: time,
randomness, network, a changed input file) stops the replay and is reported with both
values. Nothing is trusted before it is checked: the trajectory must be the exact bytes the
verified attestation names, and its hash chain must verify, before any replay starts.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ledger.errors import LedgerError

if TYPE_CHECKING:
    from ledger.attest.verify import ArtifactContext, LevelOutcome
    from ledger.trajectory import Event
    from ledger.workspace import Workspace


@dataclass(frozen=True)
class Divergence:
    """The first recorded event whose replayed counterpart differs."""

    seq: int
    type: str
    tool: str | None
    expected: str
    actual: str

    def describe(self) -> str:
        what = f"{self.type} of {self.tool}" if self.tool else self.type
        return f"event {self.seq} ({what}) differs: recorded {self.expected!r}, replayed {self.actual!r}"


@dataclass(frozen=True)
class ReplayReport:
    ok: bool
    reason: str
    build_id: str | None
    artifacts: dict[str, str]  # path → sha256 rebuilt by the replay
    divergence: Divergence | None = None
    events_replayed: int = 0

    def to_json(self) -> dict[str, Any]:
        data = dict(self.__dict__)
        data["divergence"] = None if self.divergence is None else dict(self.divergence.__dict__)
        return data


class _Diverged(Exception):
    def __init__(self, divergence: Divergence) -> None:
        super().__init__(divergence.describe())
        self.divergence = divergence


class _ComparingRecorder:
    """Receives the replay's events and checks every tool result against the recording."""

    def __init__(self, recorded: list[Event], redactor: Any) -> None:
        from ledger.trajectory import normalize_markers

        self._normalize = normalize_markers
        self._redactor = redactor
        self._expected = [e for e in recorded if e.type == "tool_result"]
        self._next = 0
        self.count = 0

    def emit(self, type: str, data: Mapping[str, Any]) -> None:
        self.count += 1
        if type != "tool_result":
            return
        live = self._redactor.redact_data(dict(data)).data
        if self._next >= len(self._expected):
            raise _Diverged(
                Divergence(-1, type, str(live.get("name")), "(no further tool result)", _short(live))
            )
        recorded = self._expected[self._next]
        self._next += 1
        want = self._normalize(json.dumps(_result_view(recorded.data), sort_keys=True))
        got = self._normalize(json.dumps(_result_view(live), sort_keys=True))
        if want != got:
            raise _Diverged(
                Divergence(
                    recorded.seq,
                    type,
                    str(recorded.data.get("name")),
                    str(_result_view(recorded.data)["content"]),
                    str(_result_view(live)["content"]),
                )
            )


def _result_view(data: Mapping[str, Any]) -> dict[str, Any]:
    return {"name": data.get("name"), "is_error": data.get("is_error"), "content": data.get("content")}


def _short(data: Mapping[str, Any]) -> str:
    return str(data.get("content", ""))[:200]


def replay_build(
    workspace: Workspace, provenance: Mapping[str, Any], *, sandbox: str | None = None
) -> ReplayReport:
    """Replay the build a *verified* provenance statement describes."""
    from ledger.attest.statement import BUILD_TYPE_CFS
    from ledger.objects import ObjectStore
    from ledger.trajectory import read_trajectory, verify_trajectory

    predicate = provenance.get("predicate", {})
    run = predicate.get("runDetails", {})
    build_id = run.get("metadata", {}).get("invocationId")
    build_type = predicate.get("buildDefinition", {}).get("buildType")
    if build_type != BUILD_TYPE_CFS:
        origin = predicate.get("buildDefinition", {}).get("externalParameters", {}).get("origin")
        return ReplayReport(
            False,
            f"cannot replay buildType {build_type}"
            + (f" (origin: {origin})" if isinstance(origin, str) else "")
            + ": the external agent's tools ran outside spec-ledger's sandbox, so imported tools "
            "are not replayable; only cfs-generation builds can be REPRODUCED",
            build_id,
            {},
        )
    byproducts = {b.get("name"): b for b in run.get("byproducts", []) if isinstance(b, dict)}
    trajectory_ref = byproducts.get("trajectory")
    if trajectory_ref is None:
        return ReplayReport(False, "the provenance names no trajectory byproduct", build_id, {})
    digest = str(trajectory_ref.get("digest", {}).get("sha256", ""))
    store = ObjectStore(workspace.objects_dir)
    path = store.path_for(digest)
    if not path.is_file():
        return ReplayReport(
            False, f"trajectory {digest[:16]}… is not in {workspace.objects_dir}", build_id, {}
        )
    if not store.verify(digest):
        return ReplayReport(False, f"trajectory {digest[:16]}… was modified after signing", build_id, {})
    report = verify_trajectory(path)
    if not report.ok:
        return ReplayReport(False, f"trajectory hash chain broken: {report.reason}", build_id, {})
    events = read_trajectory(path)
    start = next((e for e in events if e.type == "build_start"), None)
    first_request = next((e for e in events if e.type == "model_request"), None)
    if start is None or first_request is None:
        return ReplayReport(
            False, "the trajectory has no build_start or model_request to replay", build_id, {}
        )
    attested = {s["name"]: s["digest"]["sha256"] for s in provenance.get("subject", [])}
    try:
        rebuilt, count = _run(workspace, events, start, first_request, sandbox)
    except _Diverged as exc:
        return ReplayReport(False, f"not reproduced: {exc}", build_id, {}, exc.divergence)
    except LedgerError as exc:
        return ReplayReport(False, f"replay failed: {exc}", build_id, {})
    for name, want in sorted(attested.items()):
        got = rebuilt.get(name)
        if got != want:
            return ReplayReport(
                False,
                f"replay rebuilt {name} as sha256:{(got or 'nothing')[:16]}…, attested sha256:{want[:16]}…",
                build_id,
                rebuilt,
                events_replayed=count,
            )
    return ReplayReport(
        True, f"replayed {count} events; artifacts byte-identical", build_id, rebuilt, None, count
    )


def _run(
    workspace: Workspace, events: list[Event], start: Event, first_request: Event, sandbox: str | None
) -> tuple[dict[str, str], int]:
    from ledger.agent import AgentLimits, AgentLoop, ModelSettings, ToolBox, ToolLimits
    from ledger.build import _replay_client
    from ledger.config import load_config
    from ledger.digest import sha256_hex
    from ledger.fsutil import confine
    from ledger.sandbox import open_sandbox
    from ledger.trajectory import Redactor

    info = start.data
    request = first_request.data["request"]
    limits = info.get("limits", {})
    output = str(info["output"])
    kind = sandbox or str(info.get("sandbox", "bwrap"))
    redactor = Redactor(load_config(workspace).redaction_env())
    recorder = _ComparingRecorder(events, redactor)
    client = _replay_client(tuple(e.to_json() for e in events), redactor)
    system = request.get("system", "")
    user = request["messages"][0]["content"]
    settings = ModelSettings(
        id=request["model"],
        temperature=request.get("temperature"),
        max_tokens=int(request["max_tokens"]),
        seed=first_request.data.get("seed"),
        send_seed="seed" in request,
    )
    agent_limits = AgentLimits(
        max_turns=int(limits.get("max_turns", 60)), timeout_s=float(limits.get("timeout_s", 900))
    )
    with open_sandbox(workspace.root, kind=kind) as box:
        toolbox = ToolBox(
            box, recorder, ToolLimits(command_timeout_s=float(limits.get("call_timeout_s", 120)))
        )
        AgentLoop(client, toolbox, recorder, agent_limits).run(system, user, settings)
        client.finish()  # type: ignore[attr-defined]
        produced = confine(box.scratch, output)
        rebuilt = {output: sha256_hex(produced.read_bytes())} if produced.is_file() else {}
    return rebuilt, recorder.count


class ReproducedCheck:
    """The REPRODUCED level for ``ledger verify --replay``."""

    def __init__(self, workspace: Workspace, *, sandbox: str | None = None) -> None:
        self.workspace = workspace
        self.sandbox = sandbox
        self.reports: dict[str, ReplayReport] = {}

    @property
    def level(self) -> Any:
        from ledger.attest.policy import Level

        return Level.REPRODUCED

    def check(self, ctx: ArtifactContext) -> LevelOutcome:
        from ledger.attest.verify import LevelOutcome, Status

        if ctx.provenance is None:
            return LevelOutcome(self.level, Status.FAILED, "no signed provenance to replay")
        raw = ctx.provenance.statement.raw
        key = str(raw.get("predicate", {}).get("runDetails", {}).get("metadata", {}).get("invocationId"))
        if key not in self.reports:
            self.reports[key] = replay_build(self.workspace, raw, sandbox=self.sandbox)
        report = self.reports[key]
        if report.ok and ctx.name in report.artifacts and report.artifacts[ctx.name] == ctx.digest:
            return LevelOutcome(self.level, Status.MET, report.reason)
        reason = report.reason if not report.ok else f"replay did not rebuild {ctx.name} with these bytes"
        return LevelOutcome(self.level, Status.FAILED, reason)
