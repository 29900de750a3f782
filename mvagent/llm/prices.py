"""What LLM calls cost: a small table of list prices (USD), data not logic.

Prices are public list prices as last seen (2025-2026) and are assumptions: set
`LLMConfig.price_input_per_mtok` / `price_output_per_mtok` (Block fields) for your contract.
A model not in the table (a local Ollama/vLLM model, most OpenRouter ids) costs 0 and the
call record says the price is unknown.
"""

from __future__ import annotations

# model prefix -> (USD per 1M input tokens, USD per 1M output tokens). Longest prefix wins.
CHAT_PER_MTOK: dict[str, tuple[float, float]] = {
    "gpt-5": (1.25, 10.00),
    "gpt-5-mini": (0.25, 2.00),
    "gpt-5-nano": (0.05, 0.40),
    "gpt-4.1": (2.00, 8.00),
    "gpt-4.1-mini": (0.40, 1.60),
    "gpt-4.1-nano": (0.10, 0.40),
    "gpt-4o": (2.50, 10.00),
    "gpt-4o-mini": (0.15, 0.60),
    "o4-mini": (1.10, 4.40),
    "gemini-2.5-pro": (1.25, 10.00),
    "gemini-2.5-flash": (0.30, 2.50),
    "gemini-2.5-flash-lite": (0.10, 0.40),
    "claude-sonnet-4": (3.00, 15.00),
    "claude-haiku-4": (1.00, 5.00),
}

# transcription model -> USD per minute of audio.
TRANSCRIBE_PER_MIN: dict[str, float] = {
    "whisper-1": 0.006,
    "gpt-4o-transcribe": 0.006,
    "gpt-4o-mini-transcribe": 0.003,
}


def _lookup(table: dict, model: str) -> object | None:
    name = model.rsplit("/", 1)[-1].lower()  # "openai/gpt-4o-mini" on OpenRouter
    matches = [k for k in table if name == k or name.startswith(k + "-")]
    return table[max(matches, key=len)] if matches else None


def chat_price(model: str) -> tuple[float, float] | None:
    """(input, output) USD per million tokens, or None when unknown."""
    return _lookup(CHAT_PER_MTOK, model)  # type: ignore[return-value]


def chat_cost_usd(
    model: str,
    *,
    prompt_tokens: int,
    completion_tokens: int,
    override: tuple[float | None, float | None] = (None, None),
) -> float | None:
    """USD for one call, or None when the price is unknown."""
    price = chat_price(model)
    inp = override[0] if override[0] is not None else (price[0] if price else None)
    out = override[1] if override[1] is not None else (price[1] if price else None)
    if inp is None or out is None:
        return None
    return round((prompt_tokens * inp + completion_tokens * out) / 1e6, 6)


def transcribe_cost_usd(model: str, *, seconds: float) -> float | None:
    per_min = _lookup(TRANSCRIBE_PER_MIN, model)
    return None if per_min is None else round(float(per_min) * seconds / 60.0, 6)  # type: ignore[arg-type]
