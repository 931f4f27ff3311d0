"""spec-ledger: a reproducible-build and provenance ledger for code that AI agents compile from specs."""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["__version__"]
