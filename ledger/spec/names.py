"""Logical names: ``SPEC/a/b``, ``SPEC/a/b(qualifier)``, ``ARTIFACT/a/b``, ``EXTERNAL/path``."""

from __future__ import annotations

import posixpath
from dataclasses import dataclass
from typing import Literal

from ledger.errors import SpecError

Kind = Literal["SPEC", "ARTIFACT", "EXTERNAL"]
SPEC_ROOT = "code-from-spec"


@dataclass(frozen=True)
class LogicalName:
    """A parsed reference. ``name`` never carries the qualifier; ``label`` does."""

    kind: Kind
    name: str
    qualifier: str | None = None

    @property
    def relative(self) -> str:
        """The part after the prefix: a tree path for SPEC/ARTIFACT, a project path for EXTERNAL."""
        return self.name.split("/", 1)[1]

    @property
    def label(self) -> str:
        return self.name if self.qualifier is None else f"{self.name}({self.qualifier})"

    @property
    def spec_name(self) -> str:
        """The SPEC/ node behind a SPEC/ or ARTIFACT/ reference."""
        return "SPEC/" + self.relative

    @property
    def node_file(self) -> str:
        """Project-relative path of the ``_node.md`` of a SPEC/ARTIFACT reference."""
        return f"{SPEC_ROOT}/{self.relative}/_node.md"

    @property
    def parent(self) -> str | None:
        rel = self.relative
        return None if "/" not in rel else "SPEC/" + rel.rsplit("/", 1)[0]

    def ancestors(self) -> list[str]:
        """SPEC/ names of every proper prefix of this node, root first."""
        parts = self.relative.split("/")
        return ["SPEC/" + "/".join(parts[:i]) for i in range(1, len(parts))]


def parse_logical_name(text: str, *, file: str | None = None, line: int | None = None) -> LogicalName:
    """Parse as the reference does: the first ``(`` … following ``)`` is the qualifier.

    Qualifiers on ARTIFACT/ and EXTERNAL/ are dropped (they name whole files). Names whose
    path would leave the tree (``..``, absolute, backslash, empty segments) are refused here,
    because every later step turns the name into a filesystem path.
    """
    if not isinstance(text, str):
        raise SpecError(f"logical name must be a string, got {type(text).__name__}", file=file, line=line)
    stripped, qualifier = text, None
    open_idx = text.find("(")
    if open_idx >= 0:
        close_rel = text[open_idx:].find(")")
        if close_rel >= 0:
            qualifier = text[open_idx + 1 : open_idx + close_rel]
            stripped = text[:open_idx]
    for prefix in ("SPEC/", "ARTIFACT/", "EXTERNAL/"):
        if stripped.startswith(prefix):
            kind: Kind = prefix[:-1]  # type: ignore[assignment]
            break
    else:
        raise SpecError(
            f"unknown logical-name prefix in {text!r}; expected SPEC/, ARTIFACT/ or EXTERNAL/",
            file=file,
            line=line,
        )
    relative = stripped[len(prefix) :]
    if relative == "":
        raise SpecError(f"invalid logical name {text!r}: nothing after {prefix}", file=file, line=line)
    if kind == "SPEC" and relative.endswith("/"):  # the reference refuses it too (ErrInvalidName)
        raise SpecError(
            f"invalid logical name {text!r}: ends with '/'; expected SPEC/<node path> without a "
            "trailing slash",
            file=file,
            line=line,
        )
    _check_path(relative, text, cleaned=kind == "EXTERNAL", file=file, line=line)
    if kind != "SPEC":
        qualifier = None
    return LogicalName(kind, stripped, qualifier)


def _check_path(relative: str, text: str, *, cleaned: bool, file: str | None, line: int | None) -> None:
    # Mirrors oslayer.ValidateStringIsCfsPath: no absolute path, ':' , backslash or '..'. An
    # EXTERNAL/ path is a file path, judged like Go after filepath.Clean ('docs/../x' is 'x');
    # a SPEC/ name must be literal, or its '# SPEC/…' heading could never match it.
    if relative.startswith("/") or ":" in relative:
        raise SpecError(f"logical name {text!r} is an absolute path", file=file, line=line)
    if "\\" in relative:
        raise SpecError(f"logical name {text!r} contains a backslash", file=file, line=line)
    if ".." in (posixpath.normpath(relative) if cleaned else relative).split("/"):
        raise SpecError(
            f"logical name {text!r} uses '..'; references must stay inside the project",
            file=file,
            line=line,
        )
    if "\x00" in relative:
        raise SpecError(f"logical name {text!r} contains a NUL byte", file=file, line=line)
