"""The agent loop: ask the model, run the tools it asks for, feed back the results, until done.

Every request and response is recorded whole (``model_request`` / ``model_response`` events),
so a replay can serve the same answers and a diff can find the first turn where two builds
went apart. The loop stops on the model's own end of turn, or on the recipe's turn, time or
token limits; ``AgentOutcome.stop_reason`` says which.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from ledger.agent.interface import ModelClient, Recorder
from ledger.agent.messages import MessagesRequest, parse_response
from ledger.agent.tools import ToolBox
from ledger.errors import ModelError

#: Stop reasons the loop adds to the model's own (end_turn, max_tokens, stop_sequence, refusal).
LIMIT_STOPS = ("max_turns", "timeout", "token_budget")


@dataclass(frozen=True)
class AgentLimits:
    """From the recipe's ``[sandbox]``: turns, wall time, and an optional total token budget."""

    max_turns: int
    timeout_s: float
    #: input + output tokens over the whole run; None = no budget beyond max_turns.
    max_tokens: int | None = None


@dataclass(frozen=True)
class ModelSettings:
    """From the recipe's ``[model]``.

    ``temperature`` None leaves sampling to the endpoint (recent Anthropic models take no
    temperature); ``send_seed`` is set only for endpoints that accept a seed.
    """

    id: str
    temperature: float | None
    max_tokens: int
    seed: int | None = None
    send_seed: bool = False


@dataclass(frozen=True)
class AgentOutcome:
    turns: int
    input_tokens: int
    output_tokens: int
    stop_reason: str
    final_text: str
    tool_calls: int = 0

    @property
    def hit_limit(self) -> bool:
        return self.stop_reason in LIMIT_STOPS


class AgentLoop:
    def __init__(
        self,
        client: ModelClient,
        toolbox: ToolBox,
        recorder: Recorder,
        limits: AgentLimits,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if limits.max_turns < 1 or limits.timeout_s <= 0:
            raise ValueError("AgentLimits needs max_turns >= 1 and timeout_s > 0")
        self.client = client
        self.toolbox = toolbox
        self.recorder = recorder
        self.limits = limits
        self._clock = clock

    def build_request(
        self, system: str, messages: list[dict[str, Any]], model: ModelSettings
    ) -> MessagesRequest:
        request: MessagesRequest = {
            "model": model.id,
            "max_tokens": model.max_tokens,
            "system": system,
            # a snapshot: later turns append to ``messages``, the recorded request must not move
            "messages": list(messages),
            "tools": self.toolbox.definitions(),
        }
        if model.temperature is not None:
            request["temperature"] = model.temperature
        if model.send_seed and model.seed is not None:
            request["seed"] = model.seed
        return request

    def run(self, system: str, user: str, model: ModelSettings) -> AgentOutcome:
        deadline = self._clock() + self.limits.timeout_s
        messages: list[dict[str, Any]] = [{"role": "user", "content": user}]
        turns = input_tokens = output_tokens = tool_calls = 0
        final_text = ""
        stop: str | None = None
        while stop is None:
            if turns >= self.limits.max_turns:
                stop = "max_turns"
                break
            if self._clock() >= deadline:
                stop = "timeout"
                break
            budget = self.limits.max_tokens
            if budget is not None and input_tokens + output_tokens >= budget:
                stop = "token_budget"
                break
            request = self.build_request(system, messages, model)
            turn = turns + 1
            self.recorder.emit("model_request", {
                "turn": turn, "request": request,
                "seed": model.seed, "seed_sent": "seed" in request,
            })
            retries: list[Mapping[str, Any]] = []
            response = self.client.create(request, on_retry=retries.append)
            self.recorder.emit("model_response", {
                "turn": turn, "response": response, "retries": [dict(r) for r in retries],
            })
            reply = parse_response(response)
            turns = turn
            input_tokens += reply.usage.input_tokens
            output_tokens += reply.usage.output_tokens
            final_text = reply.text
            messages.append(reply.as_assistant_message())
            if reply.tool_uses:
                results: list[dict[str, Any]] = []
                for call in reply.tool_uses:
                    left = deadline - self._clock()
                    if left <= 0:
                        stop = "timeout"
                        break
                    results.append(self.toolbox.execute(call, time_left_s=left).block(call.id))
                    tool_calls += 1
                messages.append({"role": "user", "content": results})
            elif reply.stop_reason == "pause_turn":
                continue  # a server-side tool paused the turn: send the conversation back as is
            elif reply.stop_reason == "tool_use":
                raise ModelError(
                    f"model response for turn {turn}: stop_reason is tool_use but the content "
                    "has no tool_use block"
                )
            else:
                stop = reply.stop_reason or "end_turn"
        return AgentOutcome(
            turns=turns,
            input_tokens=input_tokens,
            output_tokens=output_tokens,
            stop_reason=stop,
            final_text=final_text,
            tool_calls=tool_calls,
        )
