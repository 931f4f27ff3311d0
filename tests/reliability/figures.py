"""Counters the reliability tests report, collected for ``benchmarks/reliability_figures.py``.

Each test appends one JSON record per figure to the file named by ``LEDGER_RELIABILITY_FIGURES``
(when set); the benchmark script runs the suite with it and prints the README figures.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

ENV = "LEDGER_RELIABILITY_FIGURES"


def record(section: str, **values: Any) -> None:
    """Append one figure; a no-op unless the benchmark script asked for figures."""
    target = os.environ.get(ENV)
    if not target:
        return
    line = json.dumps({"section": section, **values}, sort_keys=True)
    with Path(target).open("a", encoding="utf-8") as fh:
        fh.write(line + "\n")
