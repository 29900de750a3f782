"""Suno commands: `mvagent watch` (poll a library) and `mvagent callbacks serve` (hosted).

Both announce finished tracks as `mvagent.suno.track.ready` events to the Prefect server
PREFECT_API_URL names, through the same per-track ledger as the watch-suno deployment
(tasks/suno_watch.py). Prefect is imported only inside the commands.
"""

from __future__ import annotations

import os
import time

import click

from mvagent.errors import ProviderError

_sleep = time.sleep  # the wait between polls (tests replace this, not time.sleep itself)


def _require_server(what: str) -> None:
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("DO_NOT_TRACK", "1")
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
    from tasks.suno_watch import require_server

    require_server(what)


def _report(result: object) -> None:
    for track_id in result.announced:  # type: ignore[attr-defined]
        click.echo(f"announced suno track {track_id}")
    click.echo(
        f"{len(result.announced)} announced, {len(result.recovered)} recovered, "  # type: ignore[attr-defined]
        f"{result.waiting} waiting for their runs, {len(result.given_up)} given up, "  # type: ignore[attr-defined]
        f"{result.skipped_unfinished} not finished on Suno"  # type: ignore[attr-defined]
    )


@click.command()
@click.option("--once", is_flag=True, help="Poll once and exit.")
@click.option(
    "--interval",
    type=click.FloatRange(min=5),
    default=300,
    show_default=True,
    help="Seconds between polls (without --once).",
)
@click.option(
    "--credentials", "credentials_block", default=None, help="A saved SunoCredentials Block."
)
@click.option("--max-attempts", type=click.IntRange(1, 20), default=3, show_default=True)
def watch(once: bool, interval: float, credentials_block: str | None, max_attempts: int) -> None:
    """Announce each finished track of a Suno library once, as a Prefect event."""
    _require_server("mvagent watch")
    from tasks.suno_watch import suno_for, watch_once

    client = suno_for(credentials_block)
    while True:
        try:
            _report(watch_once(credentials_block, max_attempts=max_attempts, client=client))
        except ProviderError as exc:
            if once:
                raise
            # Suno down for a while is no reason to stop watching; the next poll catches up.
            click.echo(f"mvagent: warning: {str(exc).splitlines()[0]}", err=True)
        if once:
            return
        _sleep(interval)


@click.group()
def callbacks() -> None:
    """Receive hosted Suno callbacks."""


@callbacks.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8787, show_default=True, type=click.IntRange(1, 65535))
@click.option(
    "--token",
    envvar="MVAGENT_CALLBACK_TOKEN",
    default=None,
    help="Shared secret the callBackUrl carries as ?token= (default: $MVAGENT_CALLBACK_TOKEN).",
)
@click.option(
    "--credentials",
    "credentials_block",
    default=None,
    help="SunoCredentials Block the video runs read the tracks with.",
)
def serve(host: str, port: int, token: str | None, credentials_block: str | None) -> None:
    """Serve POST /suno/callback: each completed track becomes one ready event."""
    from mvagent.suno_callbacks import PATH, check_token, create_app

    check_token(token)
    _require_server("mvagent callbacks serve")
    import uvicorn

    from tasks.suno_watch import announce_callback

    app = create_app(
        token=token or "",
        on_tracks=lambda tracks: announce_callback(tracks, credentials_block=credentials_block),
    )
    click.echo(f"POST Suno callbacks to http://{host}:{port}{PATH}?token=$MVAGENT_CALLBACK_TOKEN")
    # No access log: the token is in the query string of every request.
    uvicorn.run(app, host=host, port=port, access_log=False, log_level="warning")
