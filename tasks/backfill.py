"""Tasks around a backfill: the target deployment's defaults, waiting, and the summary artifact.

The submission itself (`run_deployment` per song, with an idempotency key) is in the flow;
these read from and write to the Prefect server. Cost and link come from the
`mvagent-video-result` artifact each music-video run records (tasks/video_result.py), so
they are right whichever worker made the video.
"""

from __future__ import annotations

import json
import time
from typing import Any

from prefect import task
from prefect.cache_policies import NO_CACHE

from mvagent.batch import song_label, summary_frame, summary_records
from tasks.video_result import RESULT_KEY

SUMMARY_KEY = "backfill-summary"


@task(name="deployment-defaults", cache_policy=NO_CACHE)
def deployment_defaults(deployment: str) -> dict[str, Any]:
    """The parameters saved on `deployment` (prefect.yaml or the UI's Edit form)."""
    from prefect.client.orchestration import get_client

    with get_client(sync_client=True) as client:
        return dict(client.read_deployment_by_name(deployment).parameters or {})


def existing_run_id(idempotency_key: str) -> str | None:
    """The flow run a previous submission started with this key, if any."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterIdempotencyKey

    with get_client(sync_client=True) as client:
        runs = client.read_flow_runs(
            flow_run_filter=FlowRunFilter(
                idempotency_key=FlowRunFilterIdempotencyKey(any_=[idempotency_key])
            ),
            limit=1,
        )
    return str(runs[0].id) if runs else None


@task(name="wait-for-runs", cache_policy=NO_CACHE)
def wait_for_runs(run_ids: list[str], *, timeout_s: float, poll_s: float) -> dict[str, str]:
    """Poll until every run is final (or `timeout_s` passed); run id -> state name."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId

    states: dict[str, str] = {}
    deadline = time.monotonic() + timeout_s
    with get_client(sync_client=True) as client:
        while True:
            runs = client.read_flow_runs(
                flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=list(run_ids))),
                limit=max(len(run_ids), 1),
            )
            states = {str(r.id): (r.state.name if r.state else "Unknown") for r in runs}
            final = all(r.state is not None and r.state.is_final() for r in runs)
            if (final and len(runs) == len(run_ids)) or time.monotonic() > deadline:
                return states
            time.sleep(poll_s)


def _results(client: Any, run_ids: list[str]) -> dict[str, dict[str, Any]]:
    from prefect.client.schemas.filters import (
        ArtifactFilter,
        ArtifactFilterKey,
        FlowRunFilter,
        FlowRunFilterId,
    )

    artifacts = client.read_artifacts(
        artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=[RESULT_KEY])),
        flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=list(run_ids))),
    )
    out: dict[str, dict[str, Any]] = {}
    for artifact in sorted(artifacts, key=lambda a: a.created or 0):  # the last one wins
        try:
            data = artifact.data if isinstance(artifact.data, list) else json.loads(artifact.data)
            out[str(artifact.flow_run_id)] = dict(data[0])
        except (TypeError, ValueError, IndexError, KeyError):
            continue
    return out


@task(name="backfill-summary", cache_policy=NO_CACHE)
def write_summary(submitted: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The table artifact: song, state, duration, cost, link (one row per manifest row).

    `submitted` rows carry `song` (its parameters) and `run_id`, or `error` when the row
    could not even be submitted.
    """
    from prefect.artifacts import create_table_artifact
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId

    ids = [r["run_id"] for r in submitted if r.get("run_id")]
    with get_client(sync_client=True) as client:
        runs = {}
        if ids:
            found = client.read_flow_runs(
                flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=ids)), limit=len(ids)
            )
            runs = {str(r.id): r for r in found}
        results = _results(client, ids) if ids else {}
    rows = []
    for item in submitted:
        run = runs.get(item.get("run_id") or "")
        result = results.get(item.get("run_id") or "", {})
        state = run.state.name if run is not None and run.state else "Not submitted"
        duration = run.total_run_time.total_seconds() if run is not None else None
        link = result.get("link") or (result.get("run_url") or "")
        if not link and run is not None:
            link = f"flow run {run.id}"
        if item.get("error"):
            link = item["error"]
        rows.append({"song": song_label(item.get("song") or {}), "state": state,
                     "duration_s": duration, "cost_usd": result.get("cost_usd"), "link": link})  # fmt: skip
    records = summary_records(summary_frame(rows))
    done = sum(1 for r in records if r["state"] == "Completed")
    create_table_artifact(
        table=records,
        key=SUMMARY_KEY,
        description=f"backfill: {done} of {len(records)} songs completed",
    )
    return records
