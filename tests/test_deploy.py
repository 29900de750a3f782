"""prefect.yaml says what is true: `prefect deploy --all` registers every deployment."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = [pytest.mark.service, pytest.mark.slow]
ROOT = Path(__file__).resolve().parents[1]


def test_prefect_deploy_all(prefect_harness):
    from prefect.client.orchestration import get_client
    from prefect.settings import PREFECT_API_URL

    env = {**os.environ, "PREFECT_API_URL": PREFECT_API_URL.value()}
    prefect = [sys.executable, "-m", "prefect"]
    subprocess.run(
        [*prefect, "work-pool", "create", "mvagent-railway", "--type", "process"],
        env=env,
        cwd=ROOT,
        capture_output=True,
        timeout=120,
    )
    proc = subprocess.run(
        [*prefect, "--no-prompt", "deploy", "--all"],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    with get_client(sync_client=True) as client:
        names = {(d.name, d.entrypoint) for d in client.read_deployments()}
        automations = client.read_automations()
        mv = client.read_deployment_by_name("music-video/music-video")
    # The UI builds its run form from this schema: the pydantic models must be in it.
    schema = mv.parameter_openapi_schema
    assert set(schema["properties"]) == {"song", "options"}
    defs = schema.get("definitions") or schema.get("$defs") or {}
    assert {"SongInput", "VideoOptions", "RenderSettings", "GenerationSettings"} <= set(defs)
    assert "provider" in defs["GenerationSettings"]["properties"]
    assert ("music-video", "flows/music_video.py:music_video") in names
    assert ("watch-suno", "flows/watch_suno.py:watch_suno") in names
    assert ("backfill", "flows/backfill.py:backfill") in names
    triggers = [a for a in automations if "mvagent.suno.track.ready" in str(a.trigger)]
    assert triggers, "the Suno event trigger was not registered"
