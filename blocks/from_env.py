"""`mvagent blocks from-env`: the deployment's variables saved as Prefect Blocks, and read back.

A Railway (or any) deployment starts with variables; Blocks are what flow runs load by name,
so this turns one into the other once. Values are never printed: the result lists only
which Block types were saved under which name.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from pydantic import SecretStr

from blocks.credentials import (
    BLOCK_TYPES,
    FalCredentials,
    LLMCredentials,
    ReplicateCredentials,
    RunwayCredentials,
    SoraCredentials,
    SunoCredentials,
    VeoCredentials,
    WebSessionCredentials,
)
from mvagent.errors import ConfigError
from mvagent.ops.doctor import S3Target, parse_bucket_url


def _get(env: Mapping[str, str], *names: str) -> str | None:
    return next((env[n].strip() for n in names if env.get(n, "").strip()), None)


def blocks_from_env(env: Mapping[str, str] | None = None) -> dict[str, Any]:
    """The Blocks the variables describe, by provider name (unsaved)."""
    env = os.environ if env is None else env
    out: dict[str, Any] = {}
    if key := _get(env, "SORA_API_KEY", "OPENAI_API_KEY"):
        out["sora"] = SoraCredentials(api_key=SecretStr(key), base_url=_get(env, "OPENAI_BASE_URL"),
                                      model=_get(env, "SORA_MODEL"))  # fmt: skip
    if (key := _get(env, "GEMINI_API_KEY", "GOOGLE_API_KEY")) or _get(env, "GOOGLE_CLOUD_PROJECT"):
        out["veo"] = VeoCredentials(api_key=SecretStr(key) if key else None,
                                    project=_get(env, "GOOGLE_CLOUD_PROJECT"),
                                    location=_get(env, "GOOGLE_CLOUD_LOCATION"))  # fmt: skip
    for name, cls, var in (("fal", FalCredentials, "FAL_KEY"),
                           ("replicate", ReplicateCredentials, "REPLICATE_API_TOKEN"),
                           ("runway", RunwayCredentials, "RUNWAYML_API_SECRET")):  # fmt: skip
        if key := _get(env, var):
            out[name] = cls(api_key=SecretStr(key))
    cookie, email, password = (
        _get(env, "MVAGENT_WEB_SESSION_COOKIE"),
        _get(env, "SORA_EMAIL"),
        _get(env, "SORA_PASSWORD"),
    )
    if cookie or email or password:
        out["web"] = WebSessionCredentials(
            session_cookie=SecretStr(cookie) if cookie else None,
            login_email=email,
            login_password=SecretStr(password) if password else None,
            recipe=_get(env, "MVAGENT_WEB_RECIPE") or "example",
            base_url=_get(env, "MVAGENT_WEB_BASE_URL"),
        )
    key, base = _get(env, "SUNO_API_KEY"), _get(env, "SUNO_API_BASE_URL")
    if key or base:
        if not base:
            raise ConfigError(
                "SUNO_API_KEY is set without SUNO_API_BASE_URL: set the API's URL too"
            )
        kind = _get(env, "SUNO_API_KIND") or "hosted"
        out["suno"] = SunoCredentials(base_url=base, kind=kind,  # type: ignore[arg-type]
                                      api_key=SecretStr(key) if key else None)  # fmt: skip
    if _get(env, "MVAGENT_LLM_BASE_URL", "MVAGENT_LLM_API_KEY"):
        llm_key = _get(env, "MVAGENT_LLM_API_KEY")
        out["llm"] = LLMCredentials(api_key=SecretStr(llm_key) if llm_key else None,
                                    base_url=_get(env, "MVAGENT_LLM_BASE_URL"),
                                    model=_get(env, "MVAGENT_LLM_MODEL"),
                                    transcribe_model=_get(env, "MVAGENT_LLM_TRANSCRIBE_MODEL"))  # fmt: skip
    if url := _get(env, "RAILWAY_WEBHOOK"):
        from prefect.blocks.webhook import Webhook

        out["webhook"] = Webhook(method="POST", url=SecretStr(url))
    if url := _get(env, "STORAGE_BUCKET_URL"):
        from prefect_aws import AwsCredentials, S3Bucket
        from prefect_aws.client_parameters import AwsClientParameters

        bucket, prefix = parse_bucket_url(url)
        secret = _get(env, "AWS_SECRET_ACCESS_KEY")
        endpoint = _get(env, "AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL")
        creds = AwsCredentials(
            aws_access_key_id=_get(env, "AWS_ACCESS_KEY_ID"),
            aws_secret_access_key=SecretStr(secret) if secret else None,
            region_name=_get(env, "AWS_REGION", "AWS_DEFAULT_REGION"),
            aws_client_parameters=AwsClientParameters(endpoint_url=endpoint),
        )
        out["s3"] = S3Bucket(bucket_name=bucket, bucket_folder=prefix, credentials=creds)
    return out


def save_blocks_from_env(
    *, name: str, env: Mapping[str, str] | None = None, overwrite: bool = True
) -> list[str]:
    """Save every Block the variables describe under `name`; returns `type-slug/name` of each."""
    saved = []
    for block in blocks_from_env(env).values():
        block.save(name, overwrite=overwrite)
        saved.append(f"{block.get_block_type_slug()}/{name}")
    return saved


def saved_configs(name: str) -> tuple[dict[str, dict[str, Any]], S3Target | None]:
    """Provider configs of the credential Blocks saved under `name`, and its S3 bucket, if any."""
    configs: dict[str, dict[str, Any]] = {}
    for provider, cls in BLOCK_TYPES.items():
        try:
            configs[provider] = cls.load(name).provider_config()
        except (ValueError, KeyError):
            continue  # not saved under this name: that provider is simply not configured
    try:
        from prefect_aws import S3Bucket

        bucket = S3Bucket.load(name)
    except (ValueError, KeyError):
        return configs, None
    client = bucket.credentials.get_s3_client()
    return configs, S3Target(bucket.bucket_name, bucket.bucket_folder, client)
