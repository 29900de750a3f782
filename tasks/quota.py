"""Quota alerts as Prefect events: `mvagent.quota.low`, heard by the `mvagent: quota low` automation.

Two sources: the scheduled `check-quota` run reads the balances (mvagent/ops/quota.py) and
announces each one under its threshold; a provider that answers a quota error during a run
is announced at once (the generate task passes `provider_out_of_quota` to the engine).
"""

from __future__ import annotations

import os
from typing import Any

from prefect import task
from prefect.cache_policies import NO_CACHE

from mvagent.ops.quota import QuotaReading, quota_error, read_runway, read_suno

EVENT = "mvagent.quota.low"


def announce_low(reading: QuotaReading) -> None:
    """Emit `mvagent.quota.low` for `reading`, scrubbed of every secret in the environment."""
    from prefect.events import emit_event

    from mvagent.ops.doctor import secrets_in
    from mvagent.providers.remote import redact

    secrets = secrets_in(dict(os.environ))
    payload = {k: redact(v, secrets) if isinstance(v, str) else v
               for k, v in reading.payload().items()}  # fmt: skip
    emit_event(
        event=EVENT,
        resource={"prefect.resource.id": f"mvagent.quota.{reading.service}",
                  "prefect.resource.name": reading.service},
        payload=payload,
    )  # fmt: skip


def provider_out_of_quota(provider: str, reason: str) -> None:
    """The engine's `on_quota` hook: a provider refused a clip for want of quota."""
    announce_low(quota_error(provider, reason))


def _config(provider: str, block: str | None, env_fields: dict[str, str]) -> dict[str, Any]:
    if block:
        from blocks.credentials import load_credentials

        return load_credentials(provider, block)
    return {
        k: os.environ[v].strip() for k, v in env_fields.items() if os.environ.get(v, "").strip()
    }


@task(name="check-quotas", cache_policy=NO_CACHE)
def check_quotas(
    *,
    suno_block: str | None,
    suno_min_credits: float,
    runway_block: str | None,
    runway_min_credits: float,
) -> list[QuotaReading]:
    """Read every configured balance; announce the low ones; returns all readings."""
    from prefect.logging import get_run_logger

    logger = get_run_logger()
    readings = []
    suno = _config("suno", suno_block, {"base_url": "SUNO_API_BASE_URL", "kind": "SUNO_API_KIND",
                                        "api_key": "SUNO_API_KEY"})  # fmt: skip
    if suno.get("base_url"):
        readings.append(read_suno(suno, threshold=suno_min_credits))
    runway = _config("runway", runway_block, {"api_key": "RUNWAYML_API_SECRET"})
    if runway.get("api_key"):
        readings.append(read_runway(runway, threshold=runway_min_credits))
    for r in readings:
        if r.low:
            announce_low(r)
            logger.warning("%s: %s", r.service, r.reason)
        elif r.remaining is None:
            logger.warning("%s: balance unreadable: %s", r.service, r.message)
        else:
            logger.info("%s: %g %s left (threshold %g)", r.service, r.remaining, r.unit,
                        r.threshold)  # fmt: skip
    return readings
