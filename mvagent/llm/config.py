"""Where the LLM lives: base URL, key, model, from a Block or the environment.

Kept apart from `OPENAI_BASE_URL` / `OPENAI_API_KEY` on purpose: those point the `sora`
video provider at a gateway, and the LLM is often somewhere else (OpenRouter, Ollama, vLLM).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr

ENV_BASE_URL = "MVAGENT_LLM_BASE_URL"
ENV_API_KEY = "MVAGENT_LLM_API_KEY"
ENV_MODEL = "MVAGENT_LLM_MODEL"
ENV_TRANSCRIBE_MODEL = "MVAGENT_LLM_TRANSCRIBE_MODEL"
ENV_STRUCTURED = "MVAGENT_LLM_STRUCTURED"
ENV_TIMEOUT = "MVAGENT_LLM_TIMEOUT_S"
ENV_MAX_ATTEMPTS = "MVAGENT_LLM_MAX_ATTEMPTS"

DEFAULT_MODEL = "gpt-4.1-mini"
DEFAULT_TRANSCRIBE_MODEL = "whisper-1"

StructuredMode = Literal["auto", "json_schema", "json_object"]


class LLMConfig(BaseModel):
    """Everything needed to build a client; the key stays a `SecretStr` until the call."""

    model_config = ConfigDict(frozen=True)

    base_url: str | None = Field(default=None, description="OpenAI-compatible /v1 base URL")
    api_key: SecretStr | None = None
    model: str = DEFAULT_MODEL
    transcribe_model: str = DEFAULT_TRANSCRIBE_MODEL
    structured: StructuredMode = Field(
        default="auto",
        description="json_schema (strict structured outputs), json_object (schema in the "
        "prompt, validated here) or auto (json_schema, json_object if the endpoint refuses it)",
    )
    timeout_s: float = 120.0
    max_attempts: int = Field(default=4, description="HTTP attempts per call (429/5xx/timeouts)")
    price_input_per_mtok: float | None = Field(
        default=None, description="USD per million input tokens; overrides the price table"
    )
    price_output_per_mtok: float | None = None

    @property
    def configured(self) -> bool:
        """True when there is somewhere to send requests (a key, or a keyless local server)."""
        return bool(self.base_url) or bool(self.api_key and self.api_key.get_secret_value())

    def describe(self) -> str:
        """Where calls go, without the key."""
        return f"{self.model} at {self.base_url or 'api.openai.com'}"


def config_from_env(env: Mapping[str, str] | None = None) -> LLMConfig:
    """The LLM config from `MVAGENT_LLM_*` (never from `OPENAI_*`)."""
    env = os.environ if env is None else env
    fields: dict[str, Any] = {}
    if v := env.get(ENV_BASE_URL, "").strip():
        fields["base_url"] = v
    if v := env.get(ENV_API_KEY, "").strip():
        fields["api_key"] = SecretStr(v)
    if v := env.get(ENV_MODEL, "").strip():
        fields["model"] = v
    if v := env.get(ENV_TRANSCRIBE_MODEL, "").strip():
        fields["transcribe_model"] = v
    if v := env.get(ENV_STRUCTURED, "").strip():
        fields["structured"] = v
    if v := env.get(ENV_TIMEOUT, "").strip():
        fields["timeout_s"] = float(v)
    if v := env.get(ENV_MAX_ATTEMPTS, "").strip():
        fields["max_attempts"] = int(v)
    return LLMConfig(**fields)
