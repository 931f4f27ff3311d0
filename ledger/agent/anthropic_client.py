"""The live model client: the official ``anthropic`` SDK pointed at the recipe's endpoint.

Any Anthropic-Messages-compatible server works (``base_url`` = the recipe's endpoint). The API
key comes only from ``ANTHROPIC_API_KEY`` in the environment, never from a file or the recipe,
and is never recorded. Retries are done here, not inside the SDK (``max_retries=0``): every
failed attempt is reported through ``on_retry`` so it ends up in the trajectory.

The seed: the Anthropic API has no seed parameter, so a request carries ``seed`` only when the
recipe says its endpoint accepts one (``ModelSettings.send_seed``); it then travels in the
JSON body via the SDK's ``extra_body``. The loop records the seed in every ``model_request``
event either way.
"""

from __future__ import annotations

import inspect
import random
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, cast
from urllib.parse import urlsplit

from ledger.agent.interface import RetryHook
from ledger.agent.messages import MessagesRequest, MessagesResponse
from ledger.errors import ModelError

API_KEY_ENV = "ANTHROPIC_API_KEY"
#: Sent to a loopback endpoint when no key is set: the scripted server only checks presence.
LOOPBACK_PLACEHOLDER_KEY = "loopback-no-key"
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})

_RETRY_STATUSES = frozenset({408, 409, 429})


@dataclass(frozen=True)
class RetryPolicy:
    """Bounded exponential backoff; a server's ``retry-after`` wins but is capped."""

    max_attempts: int = 5
    initial_delay_s: float = 0.5
    max_delay_s: float = 8.0
    max_retry_after_s: float = 60.0

    def backoff(self, attempt: int) -> float:
        base: float = min(self.initial_delay_s * 2.0 ** (attempt - 1), self.max_delay_s)
        return base * random.uniform(0.75, 1.0)


def is_loopback(endpoint: str) -> bool:
    return (urlsplit(endpoint).hostname or "") in LOOPBACK_HOSTS


class AnthropicClient:
    """A ``ModelClient`` over the anthropic SDK (imported on first use: it costs ~1 s)."""

    def __init__(
        self,
        endpoint: str,
        *,
        stream: bool = False,
        retry: RetryPolicy | None = None,
        request_timeout_s: float = 600.0,
        environ: Mapping[str, str] | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        import os

        parts = urlsplit(endpoint)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ModelError(f"model endpoint {endpoint!r}: expected an http(s) URL")
        env = os.environ if environ is None else environ
        key = env.get(API_KEY_ENV)
        if not key:
            if not is_loopback(endpoint):
                raise ModelError(
                    f"{API_KEY_ENV} is not set; the endpoint {endpoint} needs an API key",
                    hint=f"export {API_KEY_ENV}=… (keys are read only from the environment)",
                )
            key = LOOPBACK_PLACEHOLDER_KEY
        self.endpoint = endpoint
        self.stream = stream
        self.retry = retry or RetryPolicy()
        self.request_timeout_s = request_timeout_s
        self._key = key
        self._sleep = sleep
        self._sdk: Any = None

    def __repr__(self) -> str:  # never show the key
        return f"AnthropicClient(endpoint={self.endpoint!r}, stream={self.stream})"

    def _client(self) -> Any:
        if self._sdk is None:
            import anthropic

            self._sdk = anthropic.Anthropic(
                api_key=self._key,
                base_url=self.endpoint,
                max_retries=0,
                timeout=self.request_timeout_s,
            )
        return self._sdk

    def create(
        self, request: MessagesRequest, *, on_retry: RetryHook | None = None
    ) -> MessagesResponse:
        import anthropic

        sdk = self._client()
        # Keys this SDK version names as arguments go as such; the rest (``seed``, and
        # ``temperature``, which recent SDKs no longer name) travel verbatim in extra_body.
        method = sdk.messages.stream if self.stream else sdk.messages.create
        named = set(inspect.signature(method).parameters) - {"stream", "extra_body"}
        kwargs: dict[str, Any] = {k: v for k, v in request.items() if k in named}
        extra = {k: v for k, v in request.items() if k not in named and k != "stream"}
        if extra:
            kwargs["extra_body"] = extra
        attempts = self.retry.max_attempts
        for attempt in range(1, attempts + 1):
            try:
                return self._call(sdk, kwargs)
            except anthropic.APIStatusError as exc:
                error_type, message = _error_details(exc.body, str(exc))
                retryable = _should_retry(exc.status_code, exc.response.headers)
                if not retryable or attempt == attempts:
                    tried = f" after {attempt} attempts" if attempt > 1 else ""
                    raise ModelError(
                        f"model endpoint {self.endpoint} answered HTTP {exc.status_code} "
                        f"({error_type}){tried}: {message}",
                        hint=_hint_for(exc.status_code),
                    ) from None
                wait = _retry_after(exc.response.headers, self.retry) or self.retry.backoff(attempt)
                record: dict[str, Any] = {
                    "attempt": attempt, "status": exc.status_code, "error": error_type,
                    "message": message, "wait_s": round(wait, 3),
                }
            except anthropic.APIConnectionError as exc:
                kind = "timeout" if isinstance(exc, anthropic.APITimeoutError) else "connection"
                if attempt == attempts:
                    raise ModelError(
                        f"model endpoint {self.endpoint}: {kind} error after {attempt} attempts: "
                        f"{exc}",
                        hint="check the recipe's endpoint and the network",
                    ) from None
                wait = self.retry.backoff(attempt)
                record = {"attempt": attempt, "status": None, "error": kind,
                          "message": str(exc), "wait_s": round(wait, 3)}
            if on_retry is not None:
                on_retry(record)
            self._sleep(wait)
        raise AssertionError("unreachable: the loop returns or raises")

    def _call(self, sdk: Any, kwargs: dict[str, Any]) -> MessagesResponse:
        if self.stream:
            with sdk.messages.stream(**kwargs) as events:
                message = events.get_final_message()
            return cast(MessagesResponse, message.model_dump(mode="json", exclude_none=True))
        raw = sdk.messages.with_raw_response.create(**kwargs)
        raw.parse()  # the SDK's own validation of the shape
        # The wire JSON, not a re-serialised model: what the endpoint said is the evidence.
        body = raw.json()
        if not isinstance(body, dict):
            raise ModelError(f"model endpoint {self.endpoint}: response is not a JSON object")
        return cast(MessagesResponse, body)


def _should_retry(status: int, headers: Mapping[str, str]) -> bool:
    flag = headers.get("x-should-retry")
    if flag in ("true", "false"):
        return flag == "true"
    return status in _RETRY_STATUSES or status >= 500


def _retry_after(headers: Mapping[str, str], policy: RetryPolicy) -> float | None:
    for name, scale in (("retry-after-ms", 0.001), ("retry-after", 1.0)):
        value = headers.get(name)
        if value is None:
            continue
        try:
            seconds = float(value) * scale
        except ValueError:
            continue
        if seconds >= 0:
            return min(seconds, policy.max_retry_after_s)
    return None


def _error_details(body: object, fallback: str) -> tuple[str, str]:
    if isinstance(body, Mapping):
        err = body.get("error", body)
        if isinstance(err, Mapping):
            return str(err.get("type", "error")), str(err.get("message", fallback))[:500]
    return "error", fallback[:500]


def _hint_for(status: int) -> str | None:
    if status == 401:
        return f"the endpoint rejected the key; check {API_KEY_ENV}"
    if status == 404:
        return "check the recipe's model id and endpoint"
    if status == 400:
        return "the endpoint refused the request; see the message"
    return None
