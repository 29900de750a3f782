"""One LLM client for any OpenAI-compatible endpoint, behind a small interface.

`LLM.structured(messages=..., schema=Model, purpose=..., check=...)` returns a validated
pydantic object. The base class owns what every backend shares: parsing, validation,
semantic checks and ONE repair round that sends the errors back; a backend only sends
messages and returns the raw reply (`_send`). `OpenAICompatibleLLM` is that backend on the
official `openai` SDK: `chat.completions.parse(response_format=Model)` (strict JSON schema),
or `response_format={"type": "json_object"}` with the schema in the prompt for endpoints
without json_schema (many Ollama/vLLM builds). Retries on 429, 5xx and timeouts are ours,
honour Retry-After, and are counted; the SDK's own retries are off.

Every call (tokens, USD, latency, attempts, outcome) goes to `calls` and to `on_call`, which
the planner points at `decisions.jsonl`. Nothing here ever puts the key in a message.
"""

from __future__ import annotations

import json
import random
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, ValidationError

from mvagent import metrics, telemetry
from mvagent.errors import LLMError
from mvagent.llm.config import LLMConfig
from mvagent.llm.prices import chat_cost_usd
from mvagent.providers.remote import redact, remember_secret, reveal

T = TypeVar("T", bound=BaseModel)
Check = Callable[[Any], list[str]]
Message = dict[str, str]


class LLMCall(BaseModel):
    """One request/answer round with the LLM (a repair is a second call)."""

    model_config = ConfigDict(frozen=True)

    purpose: str
    model: str
    mode: str  # json_schema | json_object | transcribe
    ok: bool
    attempts: int = 1  # HTTP attempts, retries included
    repair: bool = False
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost_usd: float | None = None  # None: the price of this model is unknown
    latency_s: float = 0.0
    problems: list[str] = []
    retries: list[str] = []  # why each retried attempt failed (429, 5xx, timeout)


@dataclass
class Reply:
    """What a backend got back for one request."""

    content: str | None
    refusal: str | None = None
    finish_reason: str = "stop"
    prompt_tokens: int = 0
    completion_tokens: int = 0
    parsed: BaseModel | None = None
    attempts: int = 1
    mode: str = "json_schema"
    retries: list[str] = field(default_factory=list)


def repair_message(problems: Sequence[str]) -> str:
    listed = "\n".join(f"- {p}" for p in problems[:20])
    return (
        "Your reply could not be used:\n"
        f"{listed}\n"
        "Reply again with the complete JSON object, fixing every problem above and keeping "
        "everything else as it was."
    )


_FENCE = re.compile(r"^\s*```(?:json)?\s*(.*?)\s*```\s*$", re.DOTALL)


def validation_problems(exc: ValidationError) -> list[str]:
    out = []
    for err in exc.errors()[:20]:
        loc = ".".join(str(p) for p in err.get("loc", ())) or "(root)"
        out.append(f"{loc}: {err.get('msg', 'invalid')}")
    return out


def parse_reply(reply: Reply, schema: type[T]) -> tuple[T | None, list[str]]:
    """The reply as `schema`, or the problems that stop it being one."""
    if reply.refusal:
        return None, [f"you refused: {reply.refusal.strip()[:300]}"]
    if reply.finish_reason == "length":
        return None, ["the reply was cut off at the token limit; be more concise"]
    if reply.parsed is not None and isinstance(reply.parsed, schema):
        return reply.parsed, []
    text = (reply.content or "").strip()
    if not text:
        return None, ["the reply was empty; answer with one JSON object"]
    if m := _FENCE.match(text):  # local models like to wrap JSON in a code fence
        text = m.group(1)
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        return None, [f"the reply is not valid JSON ({exc.msg} at char {exc.pos})"]
    try:
        return schema.model_validate(data), []
    except ValidationError as exc:
        return None, validation_problems(exc)


class LLM:
    """The interface the planner and prompt engineer use; subclasses implement `_send`."""

    model: str = ""

    def __init__(self, *, on_call: Callable[[LLMCall], None] | None = None) -> None:
        self.calls: list[LLMCall] = []
        self.on_call = on_call

    # -- backends implement these
    def _send(self, messages: list[Message], schema: type[BaseModel], *, purpose: str) -> Reply:
        raise NotImplementedError

    def _cost(self, reply: Reply) -> float | None:
        return None

    def transcribe(self, audio: Path) -> Any:
        raise LLMError(f"{type(self).__name__} cannot transcribe audio")

    # -- shared
    def record(self, call: LLMCall) -> None:
        self.calls.append(call)
        # A span after the fact from the measured latency: no prompt, no reply, no key.
        telemetry.record_span(
            f"llm.{call.purpose}", seconds=call.latency_s, ok=call.ok, model=call.model,
            purpose=call.purpose, mode=call.mode, attempts=call.attempts, repair=call.repair,
            prompt_tokens=call.prompt_tokens, completion_tokens=call.completion_tokens,
            cost_usd=call.cost_usd,  # left out when the model's price is unknown
            status="ok" if call.ok else "error",
        )  # fmt: skip
        metrics.llm_call(call.model, call.purpose, call.latency_s, cost_usd=call.cost_usd,
                         ok=call.ok)  # fmt: skip
        if self.on_call is not None:
            self.on_call(call)

    @property
    def total_cost_usd(self) -> float:
        return round(sum(c.cost_usd or 0.0 for c in self.calls), 6)

    def structured(
        self,
        *,
        messages: Sequence[Message],
        schema: type[T],
        purpose: str,
        check: Check | None = None,
        repairs: int = 1,
    ) -> T:
        """Ask for a `schema` object; `check(obj)` lists semantic problems (empty = fine).

        A reply that is not JSON, breaks the schema, fails `check` or is refused gets
        `repairs` more tries with the problems sent back; then `LLMError`.
        """
        history = [dict(m) for m in messages]
        problems: list[str] = []
        for round_ in range(repairs + 1):
            t0 = time.perf_counter()
            try:
                reply = self._send(history, schema, purpose=purpose)
            except LLMError as exc:
                self.record(LLMCall(purpose=purpose, model=self.model, mode="error", ok=False,
                                    repair=round_ > 0, latency_s=round(time.perf_counter() - t0, 3),
                                    problems=[redact(exc)[:300]]))  # fmt: skip
                raise
            value, problems = parse_reply(reply, schema)
            if value is not None and check is not None:
                problems = check(value)
            self.record(
                LLMCall(
                    purpose=purpose,
                    model=self.model,
                    mode=reply.mode,
                    ok=not problems,
                    attempts=reply.attempts,
                    repair=round_ > 0,
                    prompt_tokens=reply.prompt_tokens,
                    completion_tokens=reply.completion_tokens,
                    cost_usd=self._cost(reply),
                    latency_s=round(time.perf_counter() - t0, 3),
                    problems=[redact(p)[:300] for p in problems[:10]],
                    retries=reply.retries,
                )
            )
            if not problems:
                return value  # type: ignore[return-value]
            history += [
                {"role": "assistant", "content": reply.content or reply.refusal or ""},
                {"role": "user", "content": repair_message(problems)},
            ]
        raise LLMError(
            redact(
                f"the LLM ({self.model}) gave no usable {purpose} after {repairs} repair "
                f"round(s): {problems[0] if problems else 'no reply'}; try another model "
                "(MVAGENT_LLM_MODEL) or --planner heuristic"
            )
        )


# --------------------------------------------------------------------------- retries


@dataclass(frozen=True)
class LLMRetryPolicy:
    """Exponential backoff from `backoff_s` with jitter; Retry-After replaces it, up to a cap."""

    max_attempts: int = 4
    backoff_s: float = 1.0
    max_backoff_s: float = 30.0
    jitter: float = 0.25
    max_retry_after_s: float = 120.0
    sleep: Callable[[float], None] = field(default=time.sleep, compare=False)

    def delay_s(self, attempt: int, *, retry_after_s: float | None, rng: random.Random) -> float:
        if retry_after_s is not None:
            return max(retry_after_s, 0.0)  # never undercut what the server asked for
        base = min(self.backoff_s * 2 ** (attempt - 1), self.max_backoff_s)
        return base * (1.0 + rng.uniform(0.0, self.jitter))


def retry_after_s(headers: Any) -> float | None:
    """Seconds from `retry-after-ms` or `retry-after` (seconds or an HTTP date)."""
    if headers is None:
        return None
    for name, divisor in (("retry-after-ms", 1000.0), ("retry-after", 1.0)):
        value = headers.get(name)
        if value is None:
            continue
        try:
            return float(value) / divisor
        except ValueError:
            import email.utils

            parsed = email.utils.parsedate_tz(value)
            if parsed is not None:
                return max(email.utils.mktime_tz(parsed) - time.time(), 0.0)
    return None


# --------------------------------------------------------------------------- OpenAI SDK


_NO_JSON_SCHEMA = re.compile(r"response_format|json_schema|structured output|schema", re.I)


class OpenAICompatibleLLM(LLM):
    """The `openai` SDK against any OpenAI-compatible base URL."""

    def __init__(
        self,
        config: LLMConfig,
        *,
        retry: LLMRetryPolicy | None = None,
        on_call: Callable[[LLMCall], None] | None = None,
        client: Any = None,
    ) -> None:
        super().__init__(on_call=on_call)
        import openai

        self.config = config
        self.model = config.model
        self.retry = retry or LLMRetryPolicy(max_attempts=max(config.max_attempts, 1))
        self.mode = "json_schema" if config.structured != "json_object" else "json_object"
        key = reveal(config.api_key)
        remember_secret(key)  # scrubbed from every message and decision from now on
        # Keyless local servers (Ollama, vLLM) still need a non-empty string for the SDK.
        self.client = client or openai.OpenAI(
            api_key=key or "not-needed",
            base_url=config.base_url,
            max_retries=0,
            timeout=config.timeout_s,
        )
        self._rng = random.Random()

    def _cost(self, reply: Reply) -> float | None:
        return chat_cost_usd(
            self.model,
            prompt_tokens=reply.prompt_tokens,
            completion_tokens=reply.completion_tokens,
            override=(self.config.price_input_per_mtok, self.config.price_output_per_mtok),
        )

    def _send(self, messages: list[Message], schema: type[BaseModel], *, purpose: str) -> Reply:
        attempts = 0
        retries: list[str] = []

        def call() -> Reply:
            if self.mode == "json_schema":
                return self._send_json_schema(messages, schema)
            return self._send_json_object(messages, schema)

        while True:
            attempts += 1
            try:
                reply = self._with_errors_mapped(call, attempt=attempts)
            except _Retry as r:
                retries.append(f"{r.reason}; retried after {r.delay_s:.2f} s")
                self.retry.sleep(r.delay_s)
                continue
            except _Downgrade:
                self.mode = "json_object"
                attempts -= 1  # not the server's fault; the retry budget stays whole
                continue
            reply.attempts = attempts
            reply.retries = retries
            return reply

    def _send_json_schema(self, messages: list[Message], schema: type[BaseModel]) -> Reply:
        import openai

        raw = self.client.chat.completions.with_raw_response.parse(
            model=self.model, messages=messages, response_format=schema
        )
        body = _body(raw.text)
        reply = _reply_from_body(body, mode="json_schema")
        try:
            message = raw.parse().choices[0].message
        except (ValidationError, openai.LengthFinishReasonError,
                openai.ContentFilterFinishReasonError):  # fmt: skip
            return reply  # parse_reply turns the raw content into the problems to send back
        reply.parsed = message.parsed
        reply.refusal = message.refusal or reply.refusal
        return reply

    def _send_json_object(self, messages: list[Message], schema: type[BaseModel]) -> Reply:
        schema_text = json.dumps(schema.model_json_schema(), separators=(",", ":"))
        instruction = (
            "Answer with ONE JSON object (no prose, no code fence) that validates against "
            f"this JSON Schema:\n{schema_text}"
        )
        sent = [*messages[:1], {"role": "system", "content": instruction}, *messages[1:]]
        raw = self.client.chat.completions.with_raw_response.create(
            model=self.model, messages=sent, response_format={"type": "json_object"}
        )
        return _reply_from_body(_body(raw.text), mode="json_object")

    def _with_errors_mapped(self, call: Callable[[], Reply], *, attempt: int) -> Reply:
        """Run `call`; turn SDK errors into a retry, a downgrade, or one-line `LLMError`."""
        import openai

        where = self.config.describe()
        try:
            return call()
        except openai.APIStatusError as exc:
            status = exc.status_code
            text = redact(_error_text(exc))
            if status == 429 or status >= 500:
                wait = retry_after_s(exc.response.headers)
                self._maybe_retry(attempt, wait, f"HTTP {status} from {where}: {text}")
            if (
                status in (400, 422)
                and self.mode == "json_schema"
                and self.config.structured == "auto"
                and _NO_JSON_SCHEMA.search(text)
            ):
                raise _Downgrade() from None
            if status in (401, 403):
                raise LLMError(
                    f"{where} rejected the API key (HTTP {status}): check MVAGENT_LLM_API_KEY "
                    "or the LLMCredentials Block"
                ) from None
            if status == 404:
                raise LLMError(
                    f"{where} answered 404 ({text}): check the model name (MVAGENT_LLM_MODEL) "
                    "and that the base URL ends in /v1"
                ) from None
            raise LLMError(f"{where} refused the request (HTTP {status}): {text}") from None
        except openai.APITimeoutError:
            self._maybe_retry(attempt, None, f"{where} timed out after {self.config.timeout_s:g} s")
            raise AssertionError("unreachable") from None
        except openai.APIConnectionError as exc:
            reason = redact(str(exc.__cause__ or exc))[:200]
            self._maybe_retry(attempt, None, f"cannot reach {where} ({reason})")
            raise AssertionError("unreachable") from None

    def _maybe_retry(self, attempt: int, wait: float | None, what: str) -> None:
        if attempt >= self.retry.max_attempts:
            raise LLMError(
                f"{what}; gave up after {attempt} attempts: check MVAGENT_LLM_BASE_URL, or use "
                "--planner heuristic"
            ) from None
        if wait is not None and wait > self.retry.max_retry_after_s:
            raise LLMError(
                f"{what}; the server asks to wait {wait:.0f} s (over "
                f"{self.retry.max_retry_after_s:.0f} s): try later or use --planner heuristic"
            ) from None
        raise _Retry(self.retry.delay_s(attempt, retry_after_s=wait, rng=self._rng), what)

    def transcribe(self, audio: Path) -> Any:
        """Timed words for `audio` (see `mvagent.llm.transcribe`)."""
        from mvagent.llm.transcribe import request_transcript

        return request_transcript(self, Path(audio))


class _Retry(Exception):
    def __init__(self, delay_s: float, reason: str) -> None:
        self.delay_s = delay_s
        self.reason = reason


class _Downgrade(Exception):
    """The endpoint does not take json_schema: ask again in json_object mode."""


def _body(text: str) -> dict:
    try:
        data = json.loads(text)
    except json.JSONDecodeError:
        raise LLMError("the LLM endpoint answered with something that is not JSON") from None
    if not isinstance(data, dict):
        raise LLMError("the LLM endpoint answered with an unexpected JSON shape")
    return data


def _reply_from_body(body: dict, *, mode: str) -> Reply:
    choices = body.get("choices") or [{}]
    choice = choices[0] if isinstance(choices[0], dict) else {}
    message = choice.get("message") or {}
    usage = body.get("usage") or {}
    return Reply(
        content=message.get("content"),
        refusal=message.get("refusal"),
        finish_reason=choice.get("finish_reason") or "stop",
        prompt_tokens=int(usage.get("prompt_tokens") or 0),
        completion_tokens=int(usage.get("completion_tokens") or 0),
        mode=mode,
    )


def _error_text(exc: Any) -> str:
    body = getattr(exc, "body", None)
    if isinstance(body, dict):
        err = body.get("error", body)
        if isinstance(err, dict) and err.get("message"):
            return str(err["message"])[:300]
    return str(getattr(exc, "message", exc))[:300]
