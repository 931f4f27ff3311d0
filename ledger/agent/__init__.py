"""The agent: a loop that lets a model build code with five confined tools, recording everything.

Model clients (one module each): ``anthropic_client`` (the real SDK, any Messages-compatible
endpoint), ``replay`` (recorded answers, strict request matching) and ``loopback`` (a scripted
test-model server on 127.0.0.1 for tests and the demo).
"""

from __future__ import annotations

from ledger.agent.anthropic_client import AnthropicClient, RetryPolicy
from ledger.agent.interface import ExecResult, ModelClient, Recorder, RetryHook, Sandbox
from ledger.agent.loop import AgentLimits, AgentLoop, AgentOutcome, ModelSettings
from ledger.agent.messages import MessagesRequest, MessagesResponse, first_difference
from ledger.agent.replay import ReplayClient
from ledger.agent.tools import TOOL_DEFINITIONS, ToolBox, ToolLimits, ToolResult

__all__ = [
    "TOOL_DEFINITIONS",
    "AgentLimits",
    "AgentLoop",
    "AgentOutcome",
    "AnthropicClient",
    "ExecResult",
    "MessagesRequest",
    "MessagesResponse",
    "ModelClient",
    "ModelSettings",
    "Recorder",
    "ReplayClient",
    "RetryHook",
    "RetryPolicy",
    "Sandbox",
    "ToolBox",
    "ToolLimits",
    "ToolResult",
    "first_difference",
]
