"""prefect.yaml says what is true: `prefect deploy --all` registers every deployment."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = [pytest.mark.service, pytest.mark.slow]
ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def undeploy_after(prefect_harness):
    """Remove the deployments (and their Suno trigger) from the session's server afterwards.

    Left there, the trigger turns every `mvagent.suno.track.ready` event the watcher tests
    send later in this worker into a music-video run: 148 at once from test_watch_cli, whose
    writes lock the server's SQLite database until its `watch --once` times out.
    """
    from prefect.client.orchestration import get_client

    yield
    with get_client(sync_client=True) as client:
        for dep in client.read_deployments():
            if (dep.entrypoint or "").startswith("flows/"):  # prefect.yaml's, not other tests'
                client.delete_resource_owned_automations(f"prefect.deployment.{dep.id}")
                client.delete_deployment(dep.id)


def test_prefect_deploy_all(undeploy_after):
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
    assert {"SongInput", "VideoOptions", "RenderSettings", "GenerationForm"} <= set(defs)
    assert "provider" in defs["GenerationForm"]["properties"]
    # Closed choices are drop-downs: a typo cannot pass the form.
    enums = {
        "provider": defs["GenerationForm"]["properties"]["provider"],
        "planner": defs["PlannerSettings"]["properties"]["mode"],
        "critic": defs["ReviewSettings"]["properties"]["critic"],
        "preset": defs["RenderSettings"]["properties"]["preset"],
    }
    assert set(enums["provider"]["enum"]) == {
        "local",
        "sora",
        "veo",
        "fal",
        "replicate",
        "runway",
        "web",
    }
    assert enums["planner"]["enum"] == ["auto", "llm", "heuristic"]
    assert enums["critic"]["enum"] == ["auto", "llm", "rules", "off"]
    assert enums["preset"]["enum"] == ["draft", "final"]
    fallback = defs["GenerationForm"]["properties"]["fallback"]["items"]
    assert set(fallback["enum"]) == set(enums["provider"]["enum"])
    # The form says which of demo and source wins.
    assert "wins" in defs["SongInput"]["properties"]["demo"]["description"]
    # Every field of every deployment's form has a description.
    with get_client(sync_client=True) as client:
        for name in ("music-video/music-video", "watch-suno/watch-suno", "backfill/backfill"):
            dep_schema = client.read_deployment_by_name(name).parameter_openapi_schema
            missing = [
                f"{name}: {p}"
                for p, v in dep_schema["properties"].items()
                if not v.get("description")
            ]
            for model, body in (dep_schema.get("definitions") or {}).items():
                missing += [f"{name}: {model}.{p}" for p, v in body.get("properties", {}).items()
                            if not v.get("description")]  # fmt: skip
            assert not missing, missing
    assert ("music-video", "flows/music_video.py:music_video") in names
    assert ("watch-suno", "flows/watch_suno.py:watch_suno") in names
    assert ("backfill", "flows/backfill.py:backfill") in names
    triggers = [a for a in automations if "mvagent.suno.track.ready" in str(a.trigger)]
    assert triggers, "the Suno event trigger was not registered"
    # The event's style and the watcher's Suno Block reach the video run.
    action = str(triggers[0].actions[0].parameters)
    assert "event.payload.style" in action and "event.payload.credentials_block" in action


def test_provider_choices_are_the_registered_providers():
    from typing import get_args

    from mvagent.providers import ProviderName, provider_names

    assert sorted(get_args(ProviderName)) == provider_names()


def test_a_source_wins_over_demo(tmp_path):
    from mvagent.demo import synthesize_demo_song
    from mvagent.ingest import ingest

    synthesize_demo_song(tmp_path / "Mine.wav", form="short")
    song = ingest(str(tmp_path / "Mine.wav"), out_dir=tmp_path, demo=True)
    assert song.title == "Mine" and song.source != "demo"
