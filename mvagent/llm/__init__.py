"""The LLM client: one OpenAI-compatible backend behind a small interface (`LLM`)."""

from __future__ import annotations

from collections.abc import Callable

from mvagent.decisions import DecisionLog
from mvagent.llm.client import LLM, LLMCall, LLMRetryPolicy, OpenAICompatibleLLM
from mvagent.llm.config import LLMConfig, config_from_env
from mvagent.providers.remote import redact


def call_recorder(decisions: DecisionLog, *, stage: str) -> Callable[[LLMCall], None]:
    """`on_call` that writes each LLM call to `decisions.jsonl` (tokens, USD, latency)."""

    def record(call: LLMCall) -> None:
        cost = "price unknown" if call.cost_usd is None else f"${call.cost_usd:.4f}"
        outcome = "ok" if call.ok else "rejected: " + "; ".join(call.problems[:2])
        reason = (
            f"{call.purpose}{' (repair)' if call.repair else ''} with {call.model} "
            f"[{call.mode}]: {call.prompt_tokens}+{call.completion_tokens} tokens, {cost}, "
            f"{call.latency_s:.2f} s, {call.attempts} attempt(s); {outcome}"
        )
        decisions.record(stage, "llm_call", redact(reason)[:600], data=call.model_dump(mode="json"))

    return record


def build_llm(
    config: LLMConfig,
    *,
    on_call: Callable[[LLMCall], None] | None = None,
    retry: LLMRetryPolicy | None = None,
) -> LLM:
    return OpenAICompatibleLLM(config, on_call=on_call, retry=retry)


__all__ = [
    "LLM",
    "LLMCall",
    "LLMConfig",
    "LLMRetryPolicy",
    "OpenAICompatibleLLM",
    "build_llm",
    "call_recorder",
    "config_from_env",
]
