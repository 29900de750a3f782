"""What is left on the accounts the agent spends from, against the team's thresholds.

Suno reports credits (`/api/v1/generate/credit` hosted, `/api/get_limit` self-hosted, the
same calls `mvagent doctor` makes); Runway reports its organisation's credit balance. Other
video providers publish no balance: for them the alert comes from their quota errors
(`QuotaExceededError`, see providers/quota.py) when a clip is refused.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

from mvagent.providers.remote import redact, reveal


@dataclass(frozen=True)
class QuotaReading:
    """One account's balance, or why it could not be read (`remaining` None)."""

    service: str
    remaining: float | None
    threshold: float
    unit: str = "credits"
    reason: str = ""
    message: str = ""

    @property
    def low(self) -> bool:
        return self.remaining is not None and self.remaining < self.threshold

    def payload(self) -> dict[str, Any]:
        """The event payload: numbers and words, never a key."""
        return asdict(self)


def read_suno(config: Mapping[str, Any], *, threshold: float) -> QuotaReading:
    from mvagent.sources.suno import suno_client

    secrets = [reveal(config.get("api_key"))]
    try:
        left = suno_client(**dict(config), attempts=2, timeout_s=15.0).credits()
    except Exception as exc:  # noqa: BLE001 - unreadable is reported, not raised
        first = (str(exc).splitlines() or [type(exc).__name__])[0][:200]
        return QuotaReading("suno", None, threshold, message=redact(first, secrets))
    return _judged(QuotaReading("suno", float(left), threshold))


def read_runway(config: Mapping[str, Any], *, threshold: float) -> QuotaReading:
    from mvagent.providers import get_provider

    secrets = [reveal(config.get("api_key"))]
    try:
        org = get_provider("runway", **dict(config)).client.organization.retrieve()
        left = float(org.credit_balance)
    except Exception as exc:  # noqa: BLE001
        first = (str(exc).splitlines() or [type(exc).__name__])[0][:200]
        return QuotaReading("runway", None, threshold, message=redact(first, secrets))
    return _judged(QuotaReading("runway", left, threshold))


def _judged(reading: QuotaReading) -> QuotaReading:
    if not reading.low:
        return reading
    why = f"{reading.remaining:g} {reading.unit} left, below the threshold of {reading.threshold:g}"
    return QuotaReading(**{**asdict(reading), "reason": why})


def quota_error(service: str, message: str) -> QuotaReading:
    """A provider refused work for want of quota: nothing left, whatever the threshold."""
    return QuotaReading(service, 0.0, 0.0, unit="quota", reason="the provider answered a quota error",
                        message=redact((message.splitlines() or [""])[0][:300]))  # fmt: skip
