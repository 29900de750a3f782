"""Operations commands: `mvagent doctor`, `blocks from-env`, `clean`, `automations apply`.

Kept out of cli.py so the video commands and these grow apart. Prefect is imported only by
the options that need saved Blocks (`--blocks`, `from-env`).
"""

from __future__ import annotations

import os

import click


@click.command()
@click.option(
    "--blocks",
    "blocks_name",
    default=None,
    help="Also check the credential and S3Bucket Blocks saved under this name.",
)
def doctor(blocks_name: str | None) -> None:
    """Check every configured credential with one cheap real call; exit 1 naming failures."""
    from rich.console import Console

    from mvagent.ops.doctor import (
        CheckResult,
        DoctorFailedError,
        S3Target,
        describe_error,
        doctor,
        failed,
        render_table,
        secrets_in,
    )
    from mvagent.providers.remote import redact

    configs: dict = {}
    s3: S3Target | None = None
    unreadable: list[CheckResult] = []
    if blocks_name:
        from blocks.from_env import saved_configs

        try:
            configs, s3 = saved_configs(blocks_name)
        except Exception as exc:  # the Prefect API is down: a row in the table, not a traceback
            detail = redact(describe_error(exc), secrets_in(dict(os.environ)))
            unreadable.append(CheckResult("blocks", blocks_name, "failed", detail))
    results = unreadable + doctor(environ=dict(os.environ), configs=configs, s3=s3)
    Console(width=140).print(render_table(results))
    if bad := failed(results):
        raise DoctorFailedError(f"doctor: failed: {', '.join(bad)}")


@click.group()
def blocks() -> None:
    """Prefect Blocks for credentials and storage."""


@blocks.command("from-env")
@click.option("--name", default="default", show_default=True, help="Name to save each Block as.")
def from_env(name: str) -> None:
    """Save Blocks from SORA_API_KEY, SUNO_API_*, SORA_EMAIL/PASSWORD, STORAGE_BUCKET_URL...."""
    from blocks.from_env import save_blocks_from_env

    saved = save_blocks_from_env(name=name)
    if not saved:
        click.echo("no credentials in the environment; nothing saved")
    for slug in saved:  # names only: a value never reaches the terminal
        click.echo(f"saved {slug}")


@click.command()
@click.option(
    "--older-than",
    "older_than_days",
    type=click.FloatRange(min=0),
    default=None,
    help="Remove cached clips not used for this many days (default: MVAGENT_CACHE_MAX_AGE_DAYS).",
)
@click.option(
    "--max-gb",
    type=click.FloatRange(min=0),
    default=None,
    help="Trim the clip cache to this size, least recently used first (default: "
    "MVAGENT_CACHE_MAX_GB).",
)
@click.option(
    "--cache",
    "cache_dir",
    default=None,
    type=click.Path(file_okay=False),
    help="The local clip cache (default: MVAGENT_CACHE_DIR or ~/.cache/mvagent/clips).",
)
@click.option(
    "--out",
    "out_dir",
    default="out",
    show_default=True,
    type=click.Path(file_okay=False),
    help="Output folder whose stray temp files are removed (videos are never touched).",
)
@click.option("--dry-run", is_flag=True, help="Say what would be removed; remove nothing.")
def clean(
    older_than_days: float | None,
    max_gb: float | None,
    cache_dir: str | None,
    out_dir: str,
    dry_run: bool,
) -> None:
    """Trim the clip cache by age and size; remove temp files that killed runs left."""
    from mvagent.ops import clean as ops
    from mvagent.providers.cache import default_cache_dir

    env_limits = ops.limits_from_env()
    chosen = ops.limits(max_gb=max_gb, older_than_days=older_than_days)
    limits = ops.CacheLimits(
        max_bytes=chosen.max_bytes if max_gb is not None else env_limits.max_bytes,
        max_age_s=chosen.max_age_s if older_than_days is not None else env_limits.max_age_s,
    )
    folder = cache_dir or str(default_cache_dir())
    report = ops.evict(folder, limits=limits, dry_run=dry_run)
    report.merge(ops.stray_temporaries(out_dir, dry_run=dry_run))
    report.merge(ops.stale_render_dirs(dry_run=dry_run))
    prefix = "would have " if dry_run else ""
    click.echo(f"{prefix}{report.summary()} ({folder})")


@click.group()
def automations() -> None:
    """Prefect automations: a webhook message when a video is done or failed, or quota is low."""


@automations.command("apply")
@click.option(
    "--notify",
    "notify_ref",
    default=None,
    help="Notification Block to send through (`name` or `type-slug/name`: custom-webhook, "
    "slack-webhook, or the webhook Block `blocks from-env` saved from RAILWAY_WEBHOOK).",
)
@click.option(
    "--webhook-url",
    envvar="RAILWAY_WEBHOOK",
    default=None,
    help="Save this URL as the custom-webhook Block `mvagent` and send through it "
    "(default: $RAILWAY_WEBHOOK).",
)
def automations_apply(notify_ref: str | None, webhook_url: str | None) -> None:
    """Create or update the notification automations on the Prefect server (idempotent)."""
    from blocks.notify import notification_block_id, save_webhook_block
    from flows.automations import apply_automations
    from mvagent.errors import ConfigError

    if not notify_ref:
        if not webhook_url:
            raise ConfigError(
                "automations apply: name a notification Block with --notify, or give "
                "--webhook-url / set RAILWAY_WEBHOOK"
            )
        notify_ref = save_webhook_block(webhook_url)
        click.echo(f"saved {notify_ref}")  # the name only: the URL is a secret
    ref, block_id = notification_block_id(notify_ref)
    for line in apply_automations(block_id):
        click.echo(f"{line} -> {ref}")
