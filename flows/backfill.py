"""The backfill flow: one music-video run per song of a manifest, each started once.

Each song's run gets the target deployment's own `options` (provider, model, style, planner,
storage Block: what prefect.yaml or the UI set), with this backfill's `options` merged over
them key by key. Its idempotency key is a hash of deployment, song and those options, so
submitting the same manifest again starts nothing new: Prefect hands back the run the first
submission made. Then it waits for the runs and writes a table artifact (song, state,
duration, cost, link). A failing song, or a row that cannot be submitted, does not stop the
others.
"""

from __future__ import annotations

from typing import Any

from prefect import flow, get_run_logger
from prefect.deployments import run_deployment

from flows.params import SongInput, VideoOptions
from mvagent.batch import deep_merge, idempotency_key, song_label
from mvagent.manifest import load_manifest
from tasks.backfill import deployment_defaults, existing_run_id, wait_for_runs, write_summary


@flow(name="backfill")
def backfill(
    manifest: str,
    deployment: str = "music-video/music-video",
    options: dict[str, Any] | None = None,
    suno_credentials_block: str | None = None,
    wait: bool = True,
    timeout_s: float = 6 * 3600.0,
    poll_s: float = 10.0,
) -> list[dict[str, Any]]:
    """Start one `deployment` run per song in `manifest`; returns the summary rows.

    Args:
        manifest: path on the worker of a CSV or JSON list of songs (columns: source, title,
            artist, style, lyrics_path, suno_credentials_block).
        deployment: `flow/deployment` that makes one video (its saved parameters are the
            defaults every song's run gets).
        options: only what to change from the deployment's options for these songs, e.g.
            {"render": {"width": 640, "height": 360}}; empty: the deployment's options as set.
        suno_credentials_block: SunoCredentials Block (`name` or
            `mvagent-suno-credentials/name`) for suno: songs whose row names none.
        wait: wait for the runs and write the summary; off: submit and return.
        timeout_s: how long to wait for the runs before summarising what is done.
        poll_s: seconds between looks at the runs' states.
    """
    logger = get_run_logger()
    rows = load_manifest(manifest)  # a bad manifest fails here, before any run starts
    defaults = deployment_defaults(deployment)
    merged = deep_merge(defaults.get("options") or {}, options or {})
    submitted: list[dict[str, Any]] = []
    for row in rows:
        song_params: dict[str, Any] = dict(row)
        try:
            song = SongInput(**row)
            if suno_credentials_block and not song.suno_credentials_block:
                song = song.model_copy(update={"suno_credentials_block": suno_credentials_block})
            song_params = song.model_dump(mode="json")
            run_options = VideoOptions.model_validate(merged).model_dump(mode="json")
            key = idempotency_key(deployment, song_params, run_options)
            earlier = existing_run_id(key)
            run = run_deployment(
                deployment,
                parameters={"song": song_params, "options": run_options},
                idempotency_key=key,
                timeout=0,
            )
        except Exception as exc:  # noqa: BLE001 - one bad row must not stop the batch
            reason = (str(exc).strip().splitlines() or [type(exc).__name__])[0][:200]
            logger.error("%s: not submitted: %s", song_label(song_params), reason)
            submitted.append({"song": song_params, "error": f"not submitted: {reason}"})
            continue
        logger.info("%s: %s run %s", song_label(song_params),
                    "already submitted," if earlier else "started", run.id)  # fmt: skip
        submitted.append({"song": song_params, "run_id": str(run.id), "new": earlier is None})
    if not wait:
        return submitted
    ids = [s["run_id"] for s in submitted if "run_id" in s]
    if ids:
        wait_for_runs(ids, timeout_s=timeout_s, poll_s=poll_s)
    summary = write_summary(submitted)
    for row, item in zip(summary, submitted, strict=True):
        row["new_run"] = bool(item.get("new"))
    return summary
