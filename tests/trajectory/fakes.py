"""Fake secrets in the shapes real ones have; none of them was ever valid."""

from __future__ import annotations

FAKE_ANTHROPIC_KEY = "sk-ant-api03-" + "Zq3xT9vLw2Rk8YbNc5Hd" * 4 + "-AbCdEfAA"
FAKE_BEARER = "tok_9f8e7d6c5b4a39281706f5e4d3c2b1a0"
FAKE_ENV_VALUE = "hunter2-correct-horse-42"
