from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from ledger.sandbox import probe_bwrap

REPO = Path(__file__).resolve().parents[2]
DEMO = REPO / "ledger" / "examples" / "demo"
FAKE_KEY = "sk-ant-api03-" + "Zx9" * 30 + "AA"

ROMAN = '''"""Roman numerals (a deliberately small implementation for the build tests)."""

_VALUES = ((1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"), (90, "XC"),
           (50, "L"), (40, "XL"), (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I"))


def to_roman(number: int) -> str:
    """Roman numeral of 1..3999."""
    if isinstance(number, bool) or not isinstance(number, int):
        raise TypeError("number must be an int")
    if not 1 <= number <= 3999:
        raise ValueError("number must be in 1..3999")
    out = []
    for value, letters in _VALUES:
        count, number = divmod(number, value)
        out.append(letters * count)
    return "".join(out)
'''

TEST = """import sys
import unittest
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from textkit import roman  # noqa: E402


class RomanTest(unittest.TestCase):
    def test_values(self) -> None:
        self.assertEqual(roman.to_roman(1994), "MCMXCIV")

    def test_range(self) -> None:
        with self.assertRaises(ValueError):
            roman.to_roman(0)
"""


def roman_script(extra_command: str | None = None) -> dict[str, object]:
    """A scripted conversation: write the module and its test, run them, stop."""
    turns: list[dict[str, object]] = [
        {
            "content": [
                {"type": "text", "text": "Writing the module and its test."},
                {
                    "type": "tool_use",
                    "name": "write_file",
                    "input": {"path": "src/textkit/roman.py", "content": ROMAN},
                },
                {
                    "type": "tool_use",
                    "name": "write_file",
                    "input": {"path": "tests/test_roman.py", "content": TEST},
                },
            ]
        },
        {
            "content": [
                {
                    "type": "tool_use",
                    "name": "run_command",
                    "input": {
                        "command": "python3 -m unittest discover -s tests -p 'test_roman.py' 2>/dev/null; echo \"exit: $?\""
                    },
                }
            ]
        },
    ]
    if extra_command:
        turns.append(
            {"content": [{"type": "tool_use", "name": "run_command", "input": {"command": extra_command}}]}
        )
    turns.append({"content": [{"type": "text", "text": "Done: roman.py written, tests pass."}]})
    return {"model": "loopback-scripted-test-model-20250101", "turns": turns}


@pytest.fixture
def demo_workspace(tmp_path: Path) -> Path:
    """The bundled demo workspace with a throwaway signing key trusted in ledger.toml."""
    from ledger.attest.signers import generate_key

    ws = tmp_path / "demo"
    shutil.copytree(DEMO, ws)
    generate_key("ed25519", ws / "keys" / "signing.pem", passphrase=None)
    (ws / "ledger.toml").write_text(
        '[signing]\nkey = "keys/signing.pem"\n\n[[trust.keys]]\npath = "keys/signing.pub"\n\n'
        '[redaction]\nenv = ["DEMO_DB_PASSWORD"]\n'
    )
    (ws / "scripts").mkdir(exist_ok=True)
    (ws / "scripts" / "roman.json").write_text(json.dumps(roman_script()))
    return ws


def sandbox_kind() -> str:
    """bwrap where this host can create namespaces; the tests still run (unconfined) elsewhere."""
    return "bwrap" if probe_bwrap().ok else "none"
