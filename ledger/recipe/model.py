"""Recipe values: what a parsed recipe pins, as frozen dataclasses."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Literal

from ledger.errors import RecipeError

Provider = Literal["anthropic", "replay", "loopback"]
PROVIDERS: tuple[Provider, ...] = ("anthropic", "replay", "loopback")
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})
LOOPBACK_PLACEHOLDER = "http://127.0.0.1:0"


@dataclass(frozen=True)
class RecipeSection:
    """What to build: a name for the recipe, the CfS leaf to generate, the system prompt file."""

    name: str
    target: str
    prompt: str | None = None


@dataclass(frozen=True)
class ModelSection:
    """Which model, where, with which sampling; ``seed`` is always recorded, sent if asked."""

    provider: Provider
    id: str
    endpoint: str | None = None
    seed: int | None = None
    temperature: float = 0.0
    max_tokens: int = 8192
    send_seed: bool = False
    api_key_env: str = "ANTHROPIC_API_KEY"


@dataclass(frozen=True)
class SandboxSection:
    """Limits of the build sandbox. ``network`` exists only so that ``true`` can be refused."""

    network: bool = False
    timeout_s: int = 900
    max_turns: int = 60
    call_timeout_s: int = 120


@dataclass(frozen=True)
class TestSection:
    """The test command run in the sandbox after generation; ``None`` means no test step."""

    __test__ = False  # not a pytest test class despite the name

    command: str | None = None
    timeout_s: int = 600


@dataclass(frozen=True)
class SpecSection:
    """An optional pin of the target's CfS chain hash: the build refuses if the spec moved."""

    chain: str | None = None


@dataclass(frozen=True)
class LoopbackSection:
    """The scripted conversation the loopback test model server plays back."""

    script: str


@dataclass(frozen=True)
class Recipe:
    """A parsed, validated recipe. ``source`` and ``lines`` only serve error messages."""

    recipe: RecipeSection
    model: ModelSection
    tools: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    sandbox: SandboxSection = field(default_factory=SandboxSection)
    test: TestSection = field(default_factory=TestSection)
    spec: SpecSection = field(default_factory=SpecSection)
    loopback: LoopbackSection | None = None
    source: str = field(default="<recipe>", compare=False)
    lines: Mapping[tuple[str, str], int] = field(
        default_factory=lambda: MappingProxyType({}), compare=False, repr=False
    )

    __hash__ = None  # type: ignore[assignment]  # holds mappings

    def line_of(self, table: str, key: str | None = None) -> int | None:
        """The TOML line of ``[table] key`` (or of the table header), where it was written."""
        return self.lines.get((table, key or ""))

    def error(self, table: str, key: str | None, message: str, hint: str | None = None) -> RecipeError:
        return RecipeError(message, hint=hint, file=self.source, line=self.line_of(table, key))

    def to_dict(self) -> dict[str, Any]:
        """The plain, defaults-filled form that the recipe digest hashes (see module docstring)."""
        m = self.model
        return {
            "recipe": {
                "name": self.recipe.name,
                "target": self.recipe.target,
                "prompt": self.recipe.prompt,
            },
            "model": {
                "provider": m.provider,
                "id": m.id,
                "endpoint": m.endpoint,
                "seed": m.seed,
                "temperature": m.temperature,
                "max_tokens": m.max_tokens,
                "send_seed": m.send_seed,
                "api_key_env": m.api_key_env,
            },
            "tools": dict(sorted(self.tools.items())),
            "sandbox": {
                "network": self.sandbox.network,
                "timeout_s": self.sandbox.timeout_s,
                "max_turns": self.sandbox.max_turns,
                "call_timeout_s": self.sandbox.call_timeout_s,
            },
            "test": {"command": self.test.command, "timeout_s": self.test.timeout_s},
            "spec": {"chain": self.spec.chain},
            "loopback": None if self.loopback is None else {"script": self.loopback.script},
        }
