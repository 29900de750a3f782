"""Operations commands: `mvagent doctor`, `mvagent blocks from-env`, `mvagent clean`.

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

    from mvagent.ops.doctor import DoctorFailedError, S3Target, doctor, failed, render_table

    configs: dict = {}
    s3: S3Target | None = None
    if blocks_name:
        from blocks.from_env import saved_configs

        configs, s3 = saved_configs(blocks_name)
    results = doctor(environ=dict(os.environ), configs=configs, s3=s3)
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
