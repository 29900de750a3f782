"""The check_quota flow: read the accounts' balances and announce the low ones as events.

Scheduled in prefect.yaml (hourly); the `mvagent: quota low` automation (`mvagent automations
apply`) turns each `mvagent.quota.low` event into a webhook message.
"""

from __future__ import annotations

from prefect import flow

from tasks.quota import check_quotas


@flow(name="check-quota")
def check_quota(
    suno_credentials_block: str | None = None,
    suno_min_credits: float = 100.0,
    runway_credentials_block: str | None = None,
    runway_min_credits: float = 500.0,
) -> list[dict]:
    """Announce every balance under its threshold; returns the readings.

    Args:
        suno_credentials_block: SunoCredentials Block to read credits with; empty:
            SUNO_API_BASE_URL / SUNO_API_KIND / SUNO_API_KEY on the worker (none: not checked).
        suno_min_credits: alert when fewer Suno credits than this are left.
        runway_credentials_block: RunwayCredentials Block; empty: RUNWAYML_API_SECRET (none:
            not checked).
        runway_min_credits: alert when Runway's credit balance is below this.
    """
    readings = check_quotas(
        suno_block=suno_credentials_block,
        suno_min_credits=suno_min_credits,
        runway_block=runway_credentials_block,
        runway_min_credits=runway_min_credits,
    )
    return [r.payload() for r in readings]
