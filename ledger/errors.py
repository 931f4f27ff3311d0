"""The one exception hierarchy of spec-ledger.

    LedgerError                 user-facing; the CLI prints ``str(e)`` + hint, exit ``e.exit_code``
    ├── InputError              malformed input (spec, recipe, manifest, envelope, args): exit 2
    │   ├── SpecError           Code from Spec tree, frontmatter, logical names, manifest
    │   ├── RecipeError         recipe TOML, tool probes, spec pins
    │   ├── AttestationError    DSSE envelope / statement that cannot be parsed
    │   ├── TrajectoryError     trajectory JSONL that cannot be parsed
    │   ├── ImportFormatError   external trajectory formats
    │   └── PathEscapeError     a path that leaves the workspace / scratch
    ├── ConfigError             ledger.toml, keys, trust policy: exit 2
    ├── SandboxError            sandbox cannot run as asked: exit 2
    ├── ModelError              model endpoint failed / replay mismatch: exit 1
    ├── StoreError              ledger database problems: exit 1
    └── CheckFailed             something was checked and did not hold: exit 1

Anything that is not a ``LedgerError`` is a bug and keeps its traceback.
"""

from __future__ import annotations


class LedgerError(Exception):
    """Base class: a message for the user and an optional hint saying what to do next."""

    exit_code = 1

    def __init__(
        self,
        message: str,
        *,
        hint: str | None = None,
        file: str | None = None,
        line: int | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint
        self.file = file
        self.line = line

    def location(self) -> str:
        if self.file is None:
            return ""
        return f"{self.file}:{self.line}" if self.line is not None else self.file

    def __str__(self) -> str:
        where = self.location()
        return f"{where}: {self.message}" if where else self.message

    def diagnostics(self) -> str:
        """One line (plus an optional hint line) for a human."""
        text = f"error: {self}"
        if self.hint:
            text += f"\n  hint: {self.hint}"
        return text


class InputError(LedgerError):
    exit_code = 2


class SpecError(InputError):
    pass


class RecipeError(InputError):
    pass


class AttestationError(InputError):
    pass


class TrajectoryError(InputError):
    pass


class ImportFormatError(InputError):
    pass


class PathEscapeError(InputError):
    pass


class ConfigError(LedgerError):
    exit_code = 2


class SandboxError(LedgerError):
    exit_code = 2


class ModelError(LedgerError):
    exit_code = 1


class StoreError(LedgerError):
    exit_code = 1


class CheckFailed(LedgerError):
    exit_code = 1
