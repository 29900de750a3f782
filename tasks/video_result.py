"""What a music-video run made, told to Prefect: an event for the notification automation and
an artifact for backfill summaries.

The run ends with `mvagent.video.completed` (from the flow, which knows the cost and where
final.mp4 went) or `mvagent.video.failed` (from the state hooks, with what was spent so far).
`mvagent automations apply` turns both into a webhook message; the event carries only what the
message needs (title, state, cost, link, run link, one line of error) and is scrubbed of every
secret in sight first. The artifact (`mvagent-video-result`, one row) is how a backfill reads
each song's cost and link back from the server, whichever machine made the video.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from prefect import task
from prefect.cache_policies import NO_CACHE

EVENT_COMPLETED = "mvagent.video.completed"
EVENT_FAILED = "mvagent.video.failed"
RESULT_KEY = "mvagent-video-result"


def video_link(*, song_dir: str, slug: str, storage_block: str | None) -> str:
    """`s3://bucket/<folder>/<slug>/final.mp4` when uploaded, else the file on the worker."""
    if not storage_block:
        return str((Path(song_dir) / "final.mp4").resolve())
    from blocks.storage import load_s3_bucket
    from tasks.artifacts import s3_uri

    return s3_uri(load_s3_bucket(storage_block), slug, "final.mp4")


def _scrub(text: str) -> str:
    from mvagent.ops.doctor import secrets_in
    from mvagent.providers.remote import redact

    return redact(text, secrets_in(dict(os.environ)))


def _run_url(run_id: str) -> str:
    """The run's page in the UI (the same address the run's log prints as "View at")."""
    if not run_id:
        return ""
    try:
        from prefect.utilities.urls import url_for

        return str(url_for("flow-run", obj_id=run_id, url_type="ui") or "")
    except Exception:  # noqa: BLE001 - no UI address known: the message goes without it
        return ""


def _tell(event: str, *, run_id: str, result: dict[str, Any]) -> None:
    """Emit the event and record the artifact; a bookkeeping failure never fails the video.

    Both name the flow run explicitly: the failure hooks may run after the run's context
    is gone, and the backfill finds the artifact by flow run id.
    """
    import json

    from prefect.client.orchestration import get_client
    from prefect.client.schemas.actions import ArtifactCreate
    from prefect.events import emit_event
    from prefect.logging import get_logger

    try:
        related = [{"prefect.resource.id": f"prefect.flow-run.{run_id}",
                    "prefect.resource.role": "flow-run"}] if run_id else []  # fmt: skip
        emit_event(
            event=event,
            resource={"prefect.resource.id": f"mvagent.video.{run_id or 'local'}",
                      "prefect.resource.name": result["title"][:100]},
            related=related,
            payload=result,
        )  # fmt: skip
        with get_client(sync_client=True) as client:
            client.create_artifact(
                ArtifactCreate(
                    key=RESULT_KEY,
                    type="table",
                    data=json.dumps([result]),
                    description=f"{result['title']}: {result['state']}",
                    flow_run_id=run_id or None,
                )
            )
    except Exception as exc:  # noqa: BLE001
        get_logger("mvagent").warning("could not announce the video's result: %s", exc)


def _result(
    *, run_id: str, title: str, state: str, cost_usd: float, link: str, message: str = ""
) -> dict:
    first = (message.strip().splitlines() or [""])[0][:300]
    return {
        "title": _scrub(title) or "untitled",
        "state": state,
        "cost_usd": round(float(cost_usd), 4),
        "cost": f"${cost_usd:.2f}",
        "link": _scrub(link),
        "run_url": _run_url(run_id),
        "message": _scrub(first),
    }


@task(name="announce-video", cache_policy=NO_CACHE)
def announce_video(
    *, title: str, slug: str, song_dir: str, storage_block: str | None, llm_cost_usd: float = 0.0
) -> dict[str, Any]:
    """The finished video: `mvagent.video.completed` with its cost and link; returns the payload."""
    from prefect.runtime import flow_run

    from tasks.provider_calls import run_spend_usd

    run_id = str(flow_run.id or "")
    link = video_link(song_dir=song_dir, slug=slug, storage_block=storage_block)
    result = _result(run_id=run_id, title=title, state="Completed", link=link,
                     cost_usd=run_spend_usd(run_id) + llm_cost_usd)  # fmt: skip
    _tell(EVENT_COMPLETED, run_id=run_id, result=result)
    return result


def on_video_not_made(flow: Any, flow_run: Any, state: Any) -> None:
    """music-video on_failure / on_crashed hook: `mvagent.video.failed` with what was spent."""
    from tasks.provider_calls import run_spend_usd

    params = getattr(flow_run, "parameters", None) or {}
    song = params.get("song") or {}
    if not isinstance(song, dict):
        song = getattr(song, "model_dump", dict)()
    title = str(song.get("title") or song.get("source") or ("demo" if song.get("demo") else ""))
    run_id = str(getattr(flow_run, "id", "") or "")
    result = _result(
        run_id=run_id,
        title=title,
        state=str(getattr(state, "name", "") or "Failed"),
        cost_usd=run_spend_usd(run_id),
        link="",
        message=str(getattr(state, "message", "") or ""),
    )
    _tell(EVENT_FAILED, run_id=run_id, result=result)
