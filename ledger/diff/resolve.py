"""Turning ``A`` / ``B`` (a build id, an artifact path or an attestation file) into a verified build.

Nothing is read from a statement before its envelope verified against the workspace trust policy
(``ledger.attest.verify.collect_evidence``). Texts used for the unified diffs (spec members,
artifacts) are only ever taken from a source whose bytes hash to the attested digest: the current
workspace, the object store, or the signed trajectory itself (the system prompt carries every
chain member; ``write_file`` calls carry what the agent wrote).
"""

from __future__ import annotations

import json
import re
import shutil
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ledger.digest import sha256_file, sha256_hex
from ledger.errors import CheckFailed, InputError, LedgerError

if TYPE_CHECKING:
    from ledger.attest.policy import TrustPolicy
    from ledger.attest.verify import Evidence, VerifiedStatement
    from ledger.attest.views import AttestedMember
    from ledger.trajectory import Event
    from ledger.workspace import Workspace

_ENVELOPE_SUFFIX = ".intoto.jsonl"


class UnverifiedBuild(CheckFailed):
    """The named build exists but no trusted signature vouches for it: exit 1."""


class UnknownBuild(InputError):
    """No build, artifact or attestation file by that name: exit 2."""


@dataclass(frozen=True)
class ResolvedBuild:
    """One side of a diff: a build whose provenance verified, with what diffing needs from it."""

    given: str
    resolved_by: str  # "build id" | "artifact" | "attestation file"
    build_id: str
    where: str  # file:line of the verified provenance
    signer: str
    target: str
    recipe: str
    finished_on: str | None
    test_result: str | None
    pins: Mapping[str, str]
    members: tuple[AttestedMember, ...]
    artifacts: Mapping[str, str]  # subject name → sha256
    trajectory_sha256: str | None
    artifact_file: Path | None = None  # the file the user named, when resolved by artifact
    notes: tuple[str, ...] = field(default=())


class Resolver:
    """Resolves references in one workspace; evidence is read and verified once per diff."""

    def __init__(self, workspace: Workspace, policy: TrustPolicy | None = None) -> None:
        from ledger.attest.policy import load_trust_policy

        self.workspace = workspace
        self.policy = policy if policy is not None else load_trust_policy(workspace)
        self._evidence: Evidence | None = None

    @property
    def evidence(self) -> Evidence:
        from ledger.attest.verify import collect_evidence

        if self._evidence is None:
            self._evidence = collect_evidence(
                self.workspace.attestations_dir, self.policy, root=self.workspace.root
            )
        return self._evidence

    def resolve(self, ref: str) -> ResolvedBuild:
        path = Path(ref)
        if not path.is_absolute() and not path.exists():
            path = self.workspace.root / ref
        if path.is_file():
            if path.name.endswith(_ENVELOPE_SUFFIX):
                return self._from_attestation_file(ref, path)
            return self._from_artifact(ref, path)
        if path.exists():
            raise UnknownBuild(f"{ref} is a directory; expected a build id, artifact or attestation file")
        return self._from_build_id(ref)

    # ------------------------------------------------------------ the three kinds of reference

    def _from_build_id(self, ref: str) -> ResolvedBuild:
        provs = [v for v in self._provenances(self.evidence) if _build_id(v) == ref]
        if not provs:
            matches = sorted({_build_id(v) for v in self._provenances(self.evidence)} - {""})
            prefixed = [m for m in matches if m.startswith(ref)]
            if len(prefixed) == 1:
                provs = [v for v in self._provenances(self.evidence) if _build_id(v) == prefixed[0]]
            elif len(prefixed) > 1:
                raise UnknownBuild(
                    f"build id prefix {ref!r} is ambiguous: {', '.join(prefixed[:5])}",
                    hint="give more characters of the build id",
                )
        if not provs:
            envelope = self.workspace.attestations_dir / f"{ref}{_ENVELOPE_SUFFIX}"
            if envelope.is_file():
                raise UnverifiedBuild(
                    f"build {ref}: no envelope in {_rel(envelope, self.workspace.root)} verifies "
                    f"against the trust policy ({self._rejection_for(envelope)})",
                    hint="check [trust] in ledger.toml; an altered attestation never verifies",
                )
            raise UnknownBuild(
                f"{ref!r} is not a file and no verified build has that id "
                f"(looked in {_rel(self.workspace.attestations_dir, self.workspace.root)}/)",
                hint="pass a build id (ledger log), an artifact path or an .intoto.jsonl file",
            )
        return self._side(ref, "build id", provs[0], self.evidence)

    def _from_artifact(self, ref: str, path: Path) -> ResolvedBuild:
        digest = sha256_file(path)
        provs = [v for v in self._provenances(self.evidence) if digest in v.statement.digests()]
        if not provs:
            why = f"no verified provenance names {ref} (sha256:{digest[:16]}…)"
            rejected = self.evidence.rejected
            if rejected:
                why += (
                    f"; {len(rejected)} envelope(s) rejected, first {rejected[0].where}: {rejected[0].reason}"
                )
            raise UnverifiedBuild(why, hint="`ledger verify` shows which evidence exists for an artifact")
        # the newest verified build that produced these bytes
        chosen = max(provs, key=lambda v: (_finished(v) or "", v.where))
        notes: tuple[str, ...] = ()
        if len(provs) > 1:
            notes = (f"{len(provs)} builds produced {ref}; using the newest, {_build_id(chosen)}",)
        side = self._side(ref, "artifact", chosen, self.evidence, notes=notes)
        return _replace(side, artifact_file=path)

    def _from_attestation_file(self, ref: str, path: Path) -> ResolvedBuild:
        from ledger.attest.verify import collect_evidence

        if path.resolve().parent == self.workspace.attestations_dir.resolve():
            evidence = self.evidence
            mine = [v for v in self._provenances(evidence) if v.file.resolve() == path.resolve()]
            rejected_here = [
                r for r in evidence.rejected if r.where.startswith(_rel(path, self.workspace.root))
            ]
        else:
            # verify this file alone, so unrelated files next to it cannot break (or help) it
            with tempfile.TemporaryDirectory(prefix="ledger-diff-") as tmp:
                shutil.copyfile(path, Path(tmp) / path.name)
                bundle = path.with_name(path.name.removesuffix(_ENVELOPE_SUFFIX) + ".sigstore.jsonl")
                if bundle.is_file():
                    shutil.copyfile(bundle, Path(tmp) / bundle.name)
                try:
                    evidence = collect_evidence(Path(tmp), self.policy, root=Path(tmp))
                except LedgerError as exc:  # name the user's file, not the temporary copy
                    if exc.file is not None and Path(exc.file).parent == Path(tmp):
                        exc.file = str(path.parent / Path(exc.file).name)
                    raise
            mine = [v for v in self._provenances(evidence) if v.file.name == path.name]
            rejected_here = list(evidence.rejected)
        if not mine:
            reason = rejected_here[0].reason if rejected_here else "it holds no SLSA provenance statement"
            raise UnverifiedBuild(
                f"{ref}: no provenance in it verifies against the trust policy ({reason})",
                hint="check [trust] in ledger.toml; an altered attestation never verifies",
            )
        if len({_build_id(v) for v in mine}) > 1:
            raise InputError(f"{ref} holds provenance for several builds; expected one build per file")
        return self._side(ref, "attestation file", mine[0], evidence)

    # ------------------------------------------------------------ helpers

    @staticmethod
    def _provenances(evidence: Evidence) -> list[VerifiedStatement]:
        return [
            v
            for v in evidence.statements
            if v.statement.provenance is not None and v.statement.provenance.binding is not None
        ]

    def _rejection_for(self, envelope: Path) -> str:
        shown = _rel(envelope, self.workspace.root)
        for r in self.evidence.rejected:
            if r.where.startswith(shown):
                return f"{r.where}: {r.reason}"
        return "no provenance statement"

    def _side(
        self,
        given: str,
        how: str,
        prov: VerifiedStatement,
        evidence: Evidence,
        *,
        notes: tuple[str, ...] = (),
    ) -> ResolvedBuild:
        p = prov.statement.provenance
        assert p is not None and p.binding is not None
        build_id = p.build_id or ""
        results = [
            v.statement.test_result.result
            for v in evidence.statements
            if v.statement.test_result is not None and v.statement.test_result.invocation_id == build_id
        ]
        raw = prov.statement.raw
        try:
            pins = recipe_pins(raw)
            trajectory = _byproduct(raw, "trajectory")
        except (KeyError, TypeError, AttributeError) as exc:
            raise InputError(
                f"provenance for build {build_id} lacks a field the diff needs ({exc})", file=prov.where
            ) from None
        return ResolvedBuild(
            given=given,
            resolved_by=how,
            build_id=build_id,
            where=prov.where,
            signer=prov.signer,
            target=p.binding.target,
            recipe=pins.get("recipe.name", ""),
            finished_on=p.finished_on.isoformat() if p.finished_on else None,
            test_result="FAILED" if "FAILED" in results else (results[0] if results else None),
            pins=pins,
            members=p.binding.members,
            artifacts={s.name: s.sha256 for s in prov.statement.subjects if s.sha256},
            trajectory_sha256=trajectory,
            notes=notes,
        )


def recipe_pins(statement: Mapping[str, Any]) -> dict[str, str]:
    """The pinned inputs of a verified provenance as flat ``field → value`` strings.

    A build ``ledger import`` attested ran from no recipe: its pins are the transcript it was
    read from (``source.format``, ``source.filename``, ``source.sha256``) and the models seen.
    """
    bd = statement["predicate"]["buildDefinition"]
    ext = bd["externalParameters"]
    if ext.get("origin") == "imported":
        source = ext["source"]
        pins: dict[str, str] = {
            "origin": "imported",
            "source.format": str(source["format"]),
            "source.filename": str(source.get("filename", "")),
            "source.sha256": str(source["digest"]["sha256"]),
            "target": str(ext["target"]),
        }
    else:
        pins = {
            "recipe.name": str(ext["recipe"]["name"]),
            "recipe.digest": str(ext["recipe"]["digest"]["sha256"]),
            "target": str(ext["target"]),
            "sandbox": str(ext.get("sandbox", "")),
        }
    for key, value in (bd.get("internalParameters") or {}).items():
        if key != "group":  # N-version bookkeeping, not a pinned input
            pins[f"model.{key}"] = _text(value)
    for dep in bd.get("resolvedDependencies", []):
        ann = dep.get("annotations") or {}
        kind = ann.get("kind")
        if kind == "model":
            for key in ("provider", "id", "endpoint"):
                if key in ann:
                    pins[f"model.{key}"] = _text(ann[key])
        elif kind == "tool":
            pins[f"tools.{dep['name']}"] = _text(ann.get("version"))
        elif kind == "prompt":
            pins["prompt.file"] = str(dep["name"])
            pins["prompt.sha256"] = str(dep.get("digest", {}).get("sha256", ""))
    return pins


def _text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value)


def _byproduct(statement: Mapping[str, Any], name: str) -> str | None:
    for b in statement["predicate"].get("runDetails", {}).get("byproducts", []):
        if isinstance(b, dict) and b.get("name") == name:
            return str(b["digest"]["sha256"])
    return None


def _build_id(v: VerifiedStatement) -> str:
    p = v.statement.provenance
    return (p.build_id or "") if p else ""


def _finished(v: VerifiedStatement) -> str | None:
    p = v.statement.provenance
    return p.finished_on.isoformat() if p and p.finished_on else None


def _rel(path: Path, root: Path) -> str:
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return str(path)


def _replace(side: ResolvedBuild, **changes: Any) -> ResolvedBuild:
    from dataclasses import replace

    return replace(side, **changes)


# ---------------------------------------------------------------- trajectories and texts


@dataclass(frozen=True)
class LoadedTrajectory:
    events: tuple[Event, ...] | None
    note: str


def load_trajectory(workspace: Workspace, side: ResolvedBuild) -> LoadedTrajectory:
    """The attested trajectory from the object store; its bytes must hash to the signed digest."""
    from ledger.objects import ObjectStore
    from ledger.trajectory import parse_line

    digest = side.trajectory_sha256
    if digest is None:
        return LoadedTrajectory(None, f"build {side.build_id} names no trajectory byproduct")
    store = ObjectStore(workspace.objects_dir)
    if not store.has(digest):
        return LoadedTrajectory(
            None,
            f"trajectory sha256:{digest[:16]}… of build {side.build_id} is not in "
            f"{_rel(store.root, workspace.root)}/",
        )
    data = store.get_bytes(digest)  # re-hashed: a blob edited after signing raises ObjectCorrupt (exit 1)
    shown = _rel(store.path_for(digest), workspace.root)
    lines = data.splitlines(keepends=True)
    events = tuple(parse_line(raw, n, shown) for n, raw in enumerate(lines, 1))
    return LoadedTrajectory(events, f"{len(events)} events, sha256:{digest[:16]}…")


class TextSources:
    """Where the bytes behind an attested digest can be found, each checked against the digest."""

    def __init__(self, workspace: Workspace) -> None:
        from ledger.objects import ObjectStore

        self.workspace = workspace
        self.store = ObjectStore(workspace.objects_dir)
        self._chains: dict[str, Any] = {}

    def member(
        self, side: ResolvedBuild, member: AttestedMember, events: Sequence[Event] | None
    ) -> tuple[bytes | None, str]:
        """(content, where it came from) for one chain member, or (None, why not)."""
        chain = self._chain(side.target)
        if chain is not None:
            for m in chain.members:
                if m.label == member.label and m.sha256 == member.sha256:
                    return m.content, "workspace"
        stored = self._stored(member.sha256)
        if stored is not None:
            return stored, "object store"
        if events is not None:
            found = _member_from_prompt(events, member)
            if found is not None:
                return found, "trajectory"
        return None, "text not available"

    def artifact(
        self, side: ResolvedBuild, name: str, digest: str, events: Sequence[Event] | None
    ) -> tuple[bytes | None, str]:
        candidates: list[tuple[Path, str]] = []
        if side.artifact_file is not None:
            candidates.append((side.artifact_file, "the file given"))
        try:
            from ledger.fsutil import confine

            candidates.append((confine(self.workspace.root, name, what="artifact"), "workspace"))
        except LedgerError:
            pass
        for path, where in candidates:
            if path.is_file() and sha256_file(path) == digest:
                return path.read_bytes(), where
        stored = self._stored(digest)
        if stored is not None:
            return stored, "object store"
        if events is not None:
            found = _written_in_trajectory(events, name, digest)
            if found is not None:
                return found, "trajectory"
        return None, "text not available"

    def _stored(self, digest: str) -> bytes | None:
        if not re.fullmatch(r"[0-9a-f]{64}", digest) or not self.store.has(digest):
            return None
        return self.store.get_bytes(digest)

    def _chain(self, target: str) -> Any:
        if target not in self._chains:
            from ledger.spec import compute_chain

            try:
                self._chains[target] = compute_chain(self.workspace.root, target)
            except LedgerError:
                self._chains[target] = None
        return self._chains[target]


def _member_from_prompt(events: Sequence[Event], member: AttestedMember) -> bytes | None:
    """A member's text as the first system prompt delivered it (``Chain.render``), if it hashes right."""
    request = next((e.data.get("request") for e in events if e.type == "model_request"), None)
    system = request.get("system") if isinstance(request, Mapping) else None
    if isinstance(system, list):  # Messages API also allows a list of text blocks
        system = "".join(b.get("text", "") for b in system if isinstance(b, Mapping))
    if not isinstance(system, str):
        return None
    if member.role == "agent":
        opens, closes = "<instructions>\n", "</instructions>\n"
    elif member.role == "input":
        opens, closes = "<input>\n", "</input>\n"
    else:
        opens, closes = f'<entry name="{member.label}">\n', "</entry>\n"
    start = system.find(opens)
    while start >= 0:
        body = start + len(opens)
        end = system.find(closes, body)
        while end >= 0:  # the text may itself contain the closing tag: the digest decides
            candidate = system[body:end].encode("utf-8")
            if sha256_hex(candidate) == member.sha256:
                return candidate
            end = system.find(closes, end + 1)
        start = system.find(opens, start + 1)
    return None


def _written_in_trajectory(events: Sequence[Event], name: str, digest: str) -> bytes | None:
    """What a ``write_file`` call wrote to ``name``, if those bytes hash to the artifact digest."""
    for e in reversed(events):
        if e.type == "tool_call" and e.data.get("name") == "write_file":
            inp = e.data.get("input")
            if isinstance(inp, Mapping) and inp.get("path") == name and isinstance(inp.get("content"), str):
                content = str(inp["content"]).encode("utf-8")
                if sha256_hex(content) == digest:
                    return content
    return None


__all__ = [
    "LoadedTrajectory",
    "ResolvedBuild",
    "Resolver",
    "TextSources",
    "UnknownBuild",
    "UnverifiedBuild",
    "load_trajectory",
    "recipe_pins",
]
