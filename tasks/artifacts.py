"""Prefect artifacts a team sees in the UI: run progress, the scene table, the contact sheet,
and a link to the video in S3.

Everything here is best effort: an artifact the API refuses is logged and the video goes on.
Keys are per song (`scenes-<slug>`, `contact-sheet-<slug>`, `video-<slug>`), so the UI's
Artifacts page shows each song's history; every artifact also belongs to its flow run.
"""

from __future__ import annotations

import json
import logging
import re
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from mvagent import progress
from mvagent.models import Clip, Storyboard

log = logging.getLogger("mvagent.tasks.artifacts")

# Share of the run each stage stands for in the progress bar (generation dominates).
STAGE_WEIGHTS: dict[str, float] = {
    "ingest": 2, "transcribe": 3, "analyse": 5, "plan": 5, "generate": 55, "review": 10,
    "edit": 12, "evaluate": 3, "review-video": 3, "publish": 2,
}  # fmt: skip
LINK_EXPIRY_S = 7 * 24 * 3600  # the longest a SigV4 presigned URL may live


def artifact_key(kind: str, slug: str) -> str:
    """A valid artifact key: lowercase letters, digits and dashes."""
    return re.sub(r"[^a-z0-9-]+", "-", f"{kind}-{slug}".lower()).strip("-")[:60]


class ProgressArtifact:
    """A progress artifact for one flow run, moved forward as stages and scenes finish."""

    def __init__(self, run_id: str, *, description: str) -> None:
        from prefect.artifacts import create_progress_artifact

        self.run_id = run_id
        self.percent = 0.0
        self.done: set[str] = set()
        self._lock = threading.Lock()
        self.artifact_id = create_progress_artifact(progress=0.0, description=description)

    def on_progress(self, stage: str, fraction: float, message: str) -> None:
        weight = STAGE_WEIGHTS.get(stage)
        if weight is None or _current_run() != self.run_id:  # another run in this process
            return
        total = sum(STAGE_WEIGHTS.values())
        with self._lock:
            if fraction >= 1.0:
                self.done.add(stage)
            base = sum(STAGE_WEIGHTS[s] for s in self.done if s != stage)
            percent = 100.0 * (base + weight * fraction) / total
            if percent <= self.percent + 0.05:  # never backwards, no tiny updates
                return
            self.percent = round(min(percent, 100.0), 1)
            value = self.percent
        self._update(value)

    def finish(self) -> None:
        self.percent = 100.0
        self._update(100.0)

    def _update(self, value: float) -> None:
        from prefect.artifacts import update_progress_artifact

        try:
            update_progress_artifact(self.artifact_id, progress=value)
        except Exception as exc:  # noqa: BLE001 - progress is a courtesy, not the work
            log.warning("could not update the progress artifact: %s", exc)


def _current_run() -> str:
    try:
        from prefect.runtime import flow_run

        return str(flow_run.id or "")
    except Exception:  # noqa: BLE001
        return ""


def track_progress(run_id: str, *, description: str) -> tuple[ProgressArtifact | None, Callable]:
    """Start the progress artifact and listen to the progress bus; returns (artifact, stop)."""
    try:
        tracker = ProgressArtifact(run_id, description=description)
    except Exception as exc:  # noqa: BLE001
        log.warning("could not create the progress artifact: %s", exc)
        return None, lambda: None
    return tracker, progress.subscribe(tracker.on_progress)


# --------------------------------------------------------------------------- the scene table


def scene_rows(
    storyboard: Storyboard,
    clips: dict[int, Clip],
    *,
    song_dir: str | Path,
    failed: set[int] | frozenset[int] = frozenset(),
) -> list[dict[str, Any]]:
    """One row per scene: time, section, status, provider, model, cost, paid seconds, retakes."""
    review_file = Path(song_dir) / "review.json"
    retakes: dict[int, int] = {}
    if review_file.is_file():
        try:
            for r in json.loads(review_file.read_text()).get("clips", []):
                retakes[int(r["scene"])] = int(r.get("retakes", 0))
        except (ValueError, KeyError, TypeError, AttributeError):
            pass
    rows = []
    for scene in storyboard.scenes:
        clip = clips.get(scene.index)
        if clip is not None:
            status = "cached" if clip.cached else "generated"
        else:
            status = "failed" if scene.index in failed else "not made"
        rows.append(
            {
                "scene": scene.index,
                "start_s": round(scene.start, 2),
                "end_s": round(scene.end, 2),
                "section": scene.section,
                "status": status,
                "provider": clip.provider if clip else "",
                "model": clip.model if clip else "",
                "cost_usd": round(clip.cost_usd, 4) if clip else 0.0,
                "paid_seconds": round(clip.paid_seconds, 2) if clip else 0.0,
                "retakes": retakes.get(scene.index, 0),
            }
        )
    return rows


def publish_scene_table(
    storyboard: Storyboard,
    clips: dict[int, Clip],
    *,
    slug: str,
    song_dir: str | Path,
    failed: set[int] | frozenset[int] = frozenset(),
) -> Any:
    from prefect.artifacts import create_table_artifact

    rows = scene_rows(storyboard, clips, song_dir=song_dir, failed=failed)
    cost = sum(r["cost_usd"] for r in rows)
    made = sum(r["status"] in ("generated", "cached") for r in rows)
    return _safely(
        lambda: create_table_artifact(
            table=rows,
            key=artifact_key("scenes", slug),
            description=f"{made}/{len(rows)} scenes made, ${cost:.2f} for clips",
        )
    )


def publish_failed_scenes(
    requests: list[Any], clips: dict[int, Clip], failed: dict[int, str]
) -> Any:
    """The scene table of a run stopped by scenes no provider could make (with why); no key,
    it belongs to the failed flow run."""
    from prefect.artifacts import create_table_artifact

    rows = []
    for request in requests:
        clip = clips.get(request.scene_index)
        rows.append(
            {
                "scene": request.scene_index,
                "status": "failed" if request.scene_index in failed else "generated",
                "provider": clip.provider if clip else "",
                "cost_usd": round(clip.cost_usd, 4) if clip else 0.0,
                "error": failed.get(request.scene_index, "")[:200],
            }
        )
    return _safely(
        lambda: create_table_artifact(
            table=rows,
            description=f"{len(failed)} of {len(rows)} scenes failed; the run stopped",
        )
    )


# --------------------------------------------------------------------------- sheet and link


def presigned_url(bucket: Any, key: str, *, expires_s: int = LINK_EXPIRY_S) -> str:
    """An https link to `key` in the S3Bucket Block's bucket that a browser can open."""
    client = bucket.credentials.get_s3_client()
    return client.generate_presigned_url(
        "get_object", Params={"Bucket": bucket.bucket_name, "Key": key}, ExpiresIn=expires_s
    )


def bucket_key(bucket: Any, *parts: str) -> str:
    return "/".join(p.strip("/") for p in (bucket.bucket_folder, *parts) if p and p.strip("/"))


def s3_uri(bucket: Any, *parts: str) -> str:
    """`s3://bucket/<folder>/<parts...>` of an object under an S3Bucket Block."""
    return f"s3://{bucket.bucket_name}/{bucket_key(bucket, *parts)}"


def publish_media(song_dir: str | Path, *, slug: str, title: str, bucket: Any = None) -> None:
    """The contact sheet (image artifact from S3, else markdown naming the file) and, when
    the video was uploaded, a link artifact to it."""
    from prefect.artifacts import (
        create_image_artifact,
        create_link_artifact,
        create_markdown_artifact,
    )

    base = Path(song_dir)
    sheet = base / "contact_sheet.png"
    if bucket is not None:
        video_key = bucket_key(bucket, slug, "final.mp4")
        where = s3_uri(bucket, slug, "final.mp4")
        _safely(
            lambda: create_link_artifact(
                link=presigned_url(bucket, video_key),
                link_text=f"{title}: final.mp4",
                key=artifact_key("video", slug),
                description=f"{where} (the link expires in 7 days; the object stays)",
            )
        )
        if sheet.is_file():
            _safely(
                lambda: create_image_artifact(
                    image_url=presigned_url(bucket, bucket_key(bucket, slug, sheet.name)),
                    key=artifact_key("contact-sheet", slug),
                    description=f"one frame per scene; s3://{bucket.bucket_name}/"
                    f"{bucket_key(bucket, slug, sheet.name)}",
                )
            )
    elif sheet.is_file():
        # No bucket: the UI cannot reach the worker's disk, so say where the file is.
        _safely(
            lambda: create_markdown_artifact(
                markdown=f"Contact sheet of **{title}** (one frame per scene): "
                f"`{sheet.resolve()}` on the worker. Publish with a `storage_block` to see it here.",
                key=artifact_key("contact-sheet", slug),
                description="contact sheet",
            )
        )


def _safely(make: Callable[[], Any]) -> Any:
    try:
        return make()
    except Exception as exc:  # noqa: BLE001 - an artifact never fails the video
        log.warning("could not create an artifact: %s", exc)
        return None
