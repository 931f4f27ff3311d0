"""Replay client: serves the model responses recorded in a trajectory, refusing any other request.

Replay is how a build is REPRODUCED: the recorded answers go back through the same tools. If the
request the loop builds now differs from the recorded one, the tools did something different
this time, and the replay must stop at that turn rather than feed the model's old answer into
a new conversation.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, cast

from ledger.agent.interface import RetryHook
from ledger.agent.messages import MessagesRequest, MessagesResponse, first_difference
from ledger.digest import canonical_json
from ledger.errors import ModelError

Normalizer = Callable[[MessagesRequest], Any]


class ReplayClient:
    """A ``ModelClient`` over recorded (request, response) pairs, in order.

    ``normalize`` is applied to each live request before comparison; pass the trajectory's
    redactor so a secret that was redacted on record compares equal to its live value.
    """

    def __init__(
        self,
        recorded: Sequence[tuple[Mapping[str, Any], Mapping[str, Any]]],
        *,
        normalize: Normalizer | None = None,
    ) -> None:
        self._recorded = [(copy.deepcopy(dict(q)), copy.deepcopy(dict(r))) for q, r in recorded]
        self._normalize = normalize
        self._next = 0

    @classmethod
    def from_events(
        cls, events: Iterable[Mapping[str, Any]], *, normalize: Normalizer | None = None
    ) -> ReplayClient:
        """Pair the ``model_request`` / ``model_response`` events an ``AgentLoop`` recorded."""
        pairs: list[tuple[Mapping[str, Any], Mapping[str, Any]]] = []
        pending: Mapping[str, Any] | None = None
        for event in events:
            kind, data = event.get("type"), event.get("data")
            if kind not in ("model_request", "model_response"):
                continue
            seq = event.get("seq", "?")
            if not isinstance(data, Mapping):
                raise ModelError(f"trajectory event {seq}: {kind} data is not an object")
            if kind == "model_request":
                if pending is not None:
                    raise ModelError(f"trajectory event {seq}: model_request without a response")
                pending = _payload(data, "request", seq)
            else:
                if pending is None:
                    raise ModelError(f"trajectory event {seq}: model_response without a request")
                pairs.append((pending, _payload(data, "response", seq)))
                pending = None
        return cls(pairs, normalize=normalize)

    @property
    def turns_served(self) -> int:
        return self._next

    @property
    def turns_recorded(self) -> int:
        return len(self._recorded)

    def create(
        self, request: MessagesRequest, *, on_retry: RetryHook | None = None
    ) -> MessagesResponse:
        turn = self._next + 1
        if self._next >= len(self._recorded):
            raise ModelError(
                f"replay: turn {turn} requested but the recording holds only "
                f"{len(self._recorded)} turns",
                hint="the replayed build asked the model more often than the recorded one",
            )
        expected, response = self._recorded[self._next]
        live = self._normalize(request) if self._normalize else request
        # Canonical bytes decide equality (the same bytes the trajectory hash chain covers);
        # the structural walk only explains where the difference is.
        if canonical_json(expected) != canonical_json(live):
            where = first_difference(expected, live) or "$: differs in canonical form"
            raise ModelError(
                f"replay: request for turn {turn} differs from the recording at {where}",
                hint="a tool result or the prompt changed since the build was recorded",
            )
        self._next += 1
        return cast(MessagesResponse, copy.deepcopy(response))

    def finish(self) -> None:
        """Raise if recorded turns were never asked for (the replay stopped early)."""
        if self._next != len(self._recorded):
            raise ModelError(
                f"replay: only {self._next} of {len(self._recorded)} recorded turns were used",
                hint="the replayed agent stopped before the recorded one did",
            )


def _payload(data: Mapping[str, Any], key: str, seq: object) -> Mapping[str, Any]:
    value = data.get(key)
    if not isinstance(value, Mapping):
        raise ModelError(f"trajectory event {seq}: data.{key} is not an object")
    return value
