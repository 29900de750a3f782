"""Prefect Blocks holding provider credentials; secrets are `SecretStr`, loaded by name.

Create one in the UI or in Python (`SoraCredentials(api_key="...").save("sora-main")`), then
run with `--credentials sora-main`. Each block gives the engine its provider config
(`provider_config()`, secrets still wrapped) and a ready SDK client (`get_client()`).
Register the types once per Prefect server: `prefect block register -m blocks.credentials`.
"""

from __future__ import annotations

from typing import Any, ClassVar, Literal

from prefect.blocks.core import Block
from pydantic import Field, SecretStr

from mvagent.errors import ConfigError


class SoraCredentials(Block):
    """An OpenAI (or OpenAI-compatible gateway) key for the `sora` provider."""

    _block_type_name = "mvagent Sora Credentials"
    _block_type_slug = "mvagent-sora-credentials"
    _description = (
        "Key, base URL and model for the OpenAI Videos API contract. OpenAI shut the API down "
        "on 2026-09-24; point base_url at a compatible gateway and set its model and price."
    )
    provider: ClassVar[str] = "sora"

    api_key: SecretStr = Field(description="API key (sent as a Bearer token).")
    base_url: str | None = Field(default=None, description="e.g. https://gateway.example/v1")
    model: str | None = Field(
        default=None, description="sora-2, sora-2-pro, or the gateway's model"
    )
    price_per_second_usd: float | None = Field(
        default=None, description="USD per generated second, for models the provider does not know"
    )

    def provider_config(self) -> dict[str, Any]:
        return _present(api_key=self.api_key, base_url=self.base_url, model=self.model,
                        price_per_second_usd=self.price_per_second_usd)  # fmt: skip

    def get_client(self) -> Any:
        """An `openai.OpenAI` client with the SDK's own retries off (ours are counted)."""
        import openai

        return openai.OpenAI(
            api_key=self.api_key.get_secret_value(), base_url=self.base_url, max_retries=0
        )


class VeoCredentials(Block):
    """A Google key (Vertex AI express mode) or project for the `veo` provider."""

    _block_type_name = "mvagent Veo Credentials"
    _block_type_slug = "mvagent-veo-credentials"
    _description = "API key, or Google Cloud project/location with ADC, for Veo on Vertex AI."
    provider: ClassVar[str] = "veo"

    api_key: SecretStr | None = Field(
        default=None, description="Google API key (Vertex express mode)."
    )
    project: str | None = Field(
        default=None, description="Google Cloud project (with ADC, no key)."
    )
    location: str | None = Field(default=None, description="e.g. us-central1 (default: global)")
    base_url: str | None = Field(
        default=None, description="Override the endpoint (gateways, tests)."
    )
    model: str | None = Field(default=None, description="e.g. veo-3.1-fast-generate-preview")
    price_per_second_usd: float | None = None

    def provider_config(self) -> dict[str, Any]:
        return _present(api_key=self.api_key, project=self.project, location=self.location,
                        base_url=self.base_url, model=self.model,
                        price_per_second_usd=self.price_per_second_usd)  # fmt: skip

    def get_client(self) -> Any:
        """A `google.genai.Client` on the Vertex AI backend (the one that serves Veo)."""
        from mvagent.providers.veo import VeoProvider

        return VeoProvider(**self.provider_config()).client


class _QueuedCredentials(Block):
    """Key, model, price and base URL for a queue-style provider (fal, replicate, runway)."""

    provider: ClassVar[str] = ""
    api_key: SecretStr = Field(description="API key / token.")
    model: str | None = Field(default=None, description="Model id; see `mvagent providers`.")
    base_url: str | None = Field(
        default=None, description="Override the endpoint (gateways, tests)."
    )
    price_per_second_usd: float | None = Field(
        default=None, description="USD per generated second, when your price differs from the table"
    )

    def provider_config(self) -> dict[str, Any]:
        return _present(api_key=self.api_key, model=self.model, base_url=self.base_url,
                        price_per_second_usd=self.price_per_second_usd)  # fmt: skip

    def get_client(self) -> Any:
        """The SDK client the provider uses (fal SyncClient, replicate.Client, RunwayML)."""
        from mvagent.providers import get_provider

        return get_provider(self.provider, **self.provider_config()).client


class FalCredentials(_QueuedCredentials):
    """A fal.ai key (FAL_KEY) for the `fal` provider."""

    _block_type_name = "mvagent Fal Credentials"
    _block_type_slug = "mvagent-fal-credentials"
    _description = (
        "fal.ai API key and endpoint id (e.g. fal-ai/kling-video/v2.5-turbo/pro/text-to-video)."
    )
    provider: ClassVar[str] = "fal"


class ReplicateCredentials(_QueuedCredentials):
    """A Replicate API token (REPLICATE_API_TOKEN) for the `replicate` provider."""

    _block_type_name = "mvagent Replicate Credentials"
    _block_type_slug = "mvagent-replicate-credentials"
    _description = "Replicate API token and model (owner/name, e.g. bytedance/seedance-1-pro)."
    provider: ClassVar[str] = "replicate"


class RunwayCredentials(_QueuedCredentials):
    """A Runway API secret (RUNWAYML_API_SECRET) for the `runway` provider."""

    _block_type_name = "mvagent Runway Credentials"
    _block_type_slug = "mvagent-runway-credentials"
    _description = "Runway API secret and model (gen4.5, gen4_turbo, veo3.1, veo3.1_fast)."
    provider: ClassVar[str] = "runway"


class WebSessionCredentials(Block):
    """The login cookie (and recipe) for a browser-based generator driven by `web`."""

    _block_type_name = "mvagent Web Session"
    _block_type_slug = "mvagent-web-session"
    _description = "Session cookie for a web video generator, and the recipe that drives it."
    provider: ClassVar[str] = "web"

    session_cookie: SecretStr | None = Field(
        default=None, description="Value of the site's login cookie."
    )
    # A login for sites whose recipe signs in with a form (`SORA_EMAIL` / `SORA_PASSWORD`).
    login_email: str | None = Field(default=None, description="Account e-mail for the login form.")
    login_password: SecretStr | None = Field(default=None, description="Account password.")
    recipe: str = Field(default="example", description="Recipe name or path to a .toml recipe.")
    base_url: str | None = Field(default=None, description="Replaces {base_url} in the recipe URL.")
    executable_path: str | None = Field(
        default=None, description="Chromium binary (/usr/bin/chromium)."
    )

    def provider_config(self) -> dict[str, Any]:
        return _present(session_cookie=self.session_cookie, recipe=self.recipe, base_url=self.base_url,
                        executable_path=self.executable_path, login_email=self.login_email,
                        login_password=self.login_password)  # fmt: skip

    def get_client(self) -> Any:
        """The configured `web` provider (its browser starts per generation)."""
        from mvagent.providers.web import WebProvider

        return WebProvider(**self.provider_config())


class SunoCredentials(Block):
    """Access to a Suno API: a hosted sunoapi-style service or a self-hosted gcui-art/suno-api."""

    _block_type_name = "mvagent Suno Credentials"
    _block_type_slug = "mvagent-suno-credentials"
    _description = "Base URL, kind and key of the Suno API the music source reads tracks from."
    provider: ClassVar[str] = "suno"

    base_url: str = Field(description="e.g. https://api.sunoapi.org or http://localhost:3000")
    kind: Literal["hosted", "selfhosted"] = "hosted"
    api_key: SecretStr | None = Field(default=None, description="Bearer token (hosted services).")

    def provider_config(self) -> dict[str, Any]:
        return _present(base_url=self.base_url, kind=self.kind, api_key=self.api_key)

    def get_client(self) -> Any:
        from mvagent.sources.suno import suno_client

        return suno_client(**self.provider_config())


class LLMCredentials(Block):
    """An OpenAI-compatible LLM endpoint for the planner, the prompt engineer and transcription.

    Any `/v1/chat/completions` server: OpenAI, OpenRouter, Gemini's OpenAI-compatible API,
    Ollama, vLLM. Kept apart from `SoraCredentials` (the video gateway is rarely the LLM).
    """

    _block_type_name = "mvagent LLM Credentials"
    _block_type_slug = "mvagent-llm-credentials"
    _description = (
        "Base URL, key and model of an OpenAI-compatible LLM (OpenAI, OpenRouter, Gemini, "
        "Ollama, vLLM) used to plan the storyboard and write prompts."
    )
    provider: ClassVar[str] = "llm"

    api_key: SecretStr | None = Field(default=None, description="API key (none for local servers).")
    base_url: str | None = Field(default=None, description="e.g. https://openrouter.ai/api/v1")
    model: str | None = Field(default=None, description="e.g. gpt-4.1-mini, qwen3:14b")
    transcribe_model: str | None = Field(default=None, description="e.g. whisper-1")
    structured: Literal["auto", "json_schema", "json_object"] = Field(
        default="auto", description="json_object for endpoints without json_schema support"
    )
    price_input_per_mtok: float | None = Field(default=None, description="USD per 1M input tokens")
    price_output_per_mtok: float | None = Field(
        default=None, description="USD per 1M output tokens"
    )

    def provider_config(self) -> dict[str, Any]:
        return _present(api_key=self.api_key, base_url=self.base_url, model=self.model,
                        transcribe_model=self.transcribe_model, structured=self.structured,
                        price_input_per_mtok=self.price_input_per_mtok,
                        price_output_per_mtok=self.price_output_per_mtok)  # fmt: skip

    def llm_config(self) -> Any:
        from mvagent.llm import LLMConfig

        return LLMConfig(**self.provider_config())

    def get_client(self) -> Any:
        """An `openai.OpenAI` client for the endpoint, the SDK's own retries off."""
        import openai

        key = self.api_key.get_secret_value() if self.api_key else "not-needed"
        return openai.OpenAI(api_key=key, base_url=self.base_url, max_retries=0)


def load_llm_config(block_name: str) -> Any:
    """The `LLMConfig` saved in the LLMCredentials Block `block_name`."""
    from mvagent.llm import LLMConfig

    return LLMConfig(**load_credentials("llm", block_name))


BLOCK_TYPES: dict[str, type[Block]] = {
    "sora": SoraCredentials,
    "veo": VeoCredentials,
    "fal": FalCredentials,
    "replicate": ReplicateCredentials,
    "runway": RunwayCredentials,
    "web": WebSessionCredentials,
    "suno": SunoCredentials,
    "llm": LLMCredentials,
}


def load_credentials(provider: str, block_name: str) -> dict[str, Any]:
    """The provider config saved in Block `block_name` (`name` or `"<type-slug>/<name>"`).

    Secrets stay `SecretStr` in the returned mapping; the provider unwraps them.
    """
    from blocks.naming import load_block

    cls = BLOCK_TYPES.get(provider)
    if cls is None:
        raise ConfigError(
            f"provider {provider!r} takes no credentials Block; drop the credentials setting "
            f"or pick one of: {', '.join(sorted(BLOCK_TYPES))}"
        )
    hint = (
        f"create it in the Prefect UI or with {cls.__name__}(...).save(NAME), and register the "
        "types with `prefect block register -m blocks.credentials`"
    )
    return load_block(block_name, expected=cls, hint=hint).provider_config()


def suno_client_from_block(block_name: str) -> Any:
    """The Suno client for SunoCredentials Block `block_name` (`name` or `type-slug/name`)."""
    from mvagent.sources.suno import suno_client

    return suno_client(**load_credentials("suno", block_name))


def _present(**fields: Any) -> dict[str, Any]:
    return {k: v for k, v in fields.items() if v is not None}
