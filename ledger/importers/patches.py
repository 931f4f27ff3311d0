"""Codex's ``apply_patch`` envelopes (``*** Begin Patch`` … ``*** End Patch``): the files a patch
touches, shared by the importers of formats that carry them (Codex rollouts, ATIF)."""

from __future__ import annotations

import re
from typing import Any

from ledger.importers.base import record_digest

PATCH_RE = re.compile(r"\*\*\* Begin Patch\n(.*?)\*\*\* End Patch", re.DOTALL)
# the text of a result saying the patch was not applied
PATCH_FAILED_RE = re.compile(r"\A\s*(?:apply_patch verification failed|patch rejected|error|failed)", re.I)
PATCH_OPS = {"Add File": "create", "Update File": "edit", "Delete File": "delete"}


def patch_files(patch: str) -> list[tuple[str, str, dict[str, Any]]]:
    """``(path, operation, extra)`` per file an apply_patch envelope touches.

    An added file's bytes are known (apply-patch writes each ``+`` line and a newline), so they
    get a digest; an update is a diff whose result the rollout does not hold.
    """
    body = PATCH_RE.search(patch + ("" if "*** End Patch" in patch else "\n*** End Patch"))
    if body is None:
        return []
    files: list[tuple[str, str, dict[str, Any]]] = []
    added: list[str] | None = None
    for line in body.group(1).split("\n"):
        header = re.match(r"\*\*\* (Add File|Update File|Delete File|Move to): (.+)\Z", line)
        if header is not None:
            if added is not None:
                record_digest(files[-1][2], "".join(s + "\n" for s in added))
            added = None
            kind, path = header.group(1), header.group(2).strip()
            if kind == "Move to" and files:
                old, op, extra = files[-1]
                files[-1] = (path, op, {**extra, "moved_from": old})
            elif kind != "Move to":
                files.append((path, PATCH_OPS[kind], {}))
                added = [] if kind == "Add File" else None
        elif added is not None and line.startswith("+"):
            added.append(line[1:])
    if added is not None and files:
        record_digest(files[-1][2], "".join(s + "\n" for s in added))
    return files
