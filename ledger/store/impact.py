"""Which artifacts a spec node reaches, and which of them are stale against today's spec tree."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Protocol

from ledger.errors import LedgerError
from ledger.store.interface import Store
from ledger.store.model import ImpactRow


class _Member(Protocol):
    @property
    def label(self) -> str: ...
    @property
    def sha256(self) -> str: ...


class _Chain(Protocol):
    @property
    def hash(self) -> str: ...
    @property
    def sha256(self) -> str: ...
    @property
    def members(self) -> Sequence[_Member]: ...


ChainLookup = Callable[[str], _Chain]


def impact(
    store: Store,
    node: str,
    current_chain: ChainLookup,
    *,
    all_builds: bool = False,
) -> list[ImpactRow]:
    """Every artifact whose attested chain includes ``node``, with its status today.

    Only the newest build of each artifact path is reported unless ``all_builds``: an older
    build that a newer one replaced is history, not exposure. Stale rows name the members
    that moved (by label, as ``verify`` does).
    """
    cache: dict[str, _Chain | str] = {}

    def lookup(target: str) -> _Chain | str:
        if target not in cache:
            try:
                cache[target] = current_chain(target)
            except LedgerError as exc:
                cache[target] = exc.message
        return cache[target]

    rows = []
    for hit in store.impacted(node):
        if not (hit.latest or all_builds):
            continue
        if hit.target is None or hit.chain_cfs is None:
            rows.append(ImpactRow(hit, "unknown", "the provenance carries no spec chain"))
            continue
        now = lookup(hit.target)
        if isinstance(now, str):
            rows.append(ImpactRow(hit, "unknown", f"{hit.target} no longer resolves: {now}"))
            continue
        if now.hash == hit.chain_cfs and now.sha256 == hit.chain_sha256:
            rows.append(ImpactRow(hit, "current", f"chain {hit.chain_cfs} is today's chain"))
            continue
        then = {m.label: m.sha256 for m in store.build(hit.build_id).members}
        today = {m.label: m.sha256 for m in now.members}
        moved = [f"{label} (removed)" for label in then if label not in today]
        moved += [
            f"{label} (changed)" for label, sha in then.items() if label in today and today[label] != sha
        ]
        moved += [f"{label} (added)" for label in today if label not in then]
        detail = ", ".join(moved) if moved else "member order or roles differ"
        rows.append(ImpactRow(hit, "stale", f"chain {hit.chain_cfs} -> {now.hash}; moved: {detail}"))
    return rows
