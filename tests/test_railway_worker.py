"""The `railway` worker type against a fake Railway GraphQL API and the session's Prefect server.

The first test uses the real commands README gives (`prefect work-pool create --type railway`,
`prefect worker start --type railway --run-once`, so Prefect finds the type through the
entry point) and real flow runs: each run gets one Railway service whose "container" (the
fake runs the service's start command with only the service's variables) executes the run
with `prefect flow-run execute`; the service is deleted when the run completes and when it
fails. The others run the worker in-process for the failure paths.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from blocks.railway import RailwayCredentials
from flows.railway_worker import RailwayWorker, service_name
from tests.fakes.railway import ENVIRONMENT, PROJECT, FakeRailway

pytestmark = [pytest.mark.service, pytest.mark.slow]
TOKEN = "PLANTED-railway-token-5f1c9e"
IMAGE = "ghcr.io/example/musicvideo-agent:test"

JOBS = """
import os
from pathlib import Path

from prefect import flow


@flow
def ok(out: str) -> None:
    ids = f"{os.environ['PREFECT__FLOW_RUN_ID']} {os.getpid()} {os.getppid()}"
    Path(out).write_text(ids)


@flow
def boom() -> None:
    raise RuntimeError("the video could not be made")
"""


@pytest.fixture
def railway():
    with FakeRailway(token=TOKEN, start_delay_s=0.2) as fake:
        yield fake


def _template(credentials: dict[str, Any] | None, **defaults: Any) -> dict[str, Any]:
    template = RailwayWorker.get_default_base_job_template()
    props = template["variables"]["properties"]
    values = {"image": IMAGE, "project_id": PROJECT, "environment_id": ENVIRONMENT,
              "poll_interval_s": 0.3, "exit_grace_s": 8.0, **defaults}  # fmt: skip
    if credentials is not None:
        values["railway_credentials"] = credentials
    for key, value in values.items():
        props[key]["default"] = value
    return template


def _credentials_ref(railway: FakeRailway, name: str, token: str = TOKEN) -> dict[str, Any]:
    RailwayCredentials(api_token=token, api_url=railway.graphql_url).save(name, overwrite=True)
    block_id = RailwayCredentials.load(name)._block_document_id
    return {"$ref": {"block_document_id": str(block_id)}}


def _deploy(pool: str, folder: Path, entrypoint: str, **job_variables: Any) -> str:
    from prefect.client.orchestration import get_client

    with get_client(sync_client=True) as client:
        flow_id = client.create_flow_from_name(entrypoint.split(":")[1])
        deployment_id = client.create_deployment(
            flow_id=flow_id,
            name=f"{pool}-{entrypoint.split(':')[1]}",
            work_pool_name=pool,
            entrypoint=entrypoint,
            pull_steps=[
                {"prefect.deployments.steps.set_working_directory": {"directory": str(folder)}}
            ],
            job_variables=job_variables,
        )
    return str(deployment_id)


def _start_run(deployment_id: str, **parameters: Any) -> str:
    from prefect.client.orchestration import get_client

    with get_client(sync_client=True) as client:
        return str(client.create_flow_run_from_deployment(deployment_id, parameters=parameters).id)


def _run(run_id: str) -> Any:
    from prefect.client.orchestration import get_client

    with get_client(sync_client=True) as client:
        return client.read_flow_run(run_id)


def _prefect(args: list[str], *, cwd: Path, timeout_s: float) -> subprocess.CompletedProcess:
    from prefect.settings import PREFECT_API_URL

    env = {**os.environ, "PREFECT_API_URL": PREFECT_API_URL.value()}
    return subprocess.run(
        [sys.executable, "-m", "prefect", *args],
        cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout_s,
    )  # fmt: skip


def test_each_flow_run_gets_one_service_deleted_after_success_and_failure(
    prefect_harness, railway: FakeRailway, tmp_path: Path
) -> None:
    pool = "railway-jobs"
    template = tmp_path / "template.json"
    template.write_text(json.dumps(_template(_credentials_ref(railway, "railway-test"))))
    created = _prefect(["work-pool", "create", pool, "--type", "railway",
                        "--base-job-template", str(template)], cwd=tmp_path, timeout_s=120)  # fmt: skip
    assert created.returncode == 0, created.stdout + created.stderr
    jobs = tmp_path / "jobs"
    jobs.mkdir()
    (jobs / "jobs.py").write_text(JOBS)
    marker = tmp_path / "ran-in-railway.txt"
    ok_run = _start_run(_deploy(pool, jobs, "jobs.py:ok"), out=str(marker))
    boom_run = _start_run(_deploy(pool, jobs, "jobs.py:boom"))

    worker = _prefect(["worker", "start", "--pool", pool, "--type", "railway", "--run-once"],
                      cwd=tmp_path, timeout_s=240)  # fmt: skip
    output = worker.stdout + worker.stderr
    assert worker.returncode == 0, output[-3000:]

    # One service per run, each deployed once, polled, and deleted once.
    assert railway.calls["serviceCreate"] == 2
    assert railway.calls["serviceInstanceUpdate"] == 2
    assert railway.calls["serviceInstanceDeployV2"] == 2
    assert railway.calls["deployment"] >= 2
    assert railway.calls["serviceDelete"] == 2
    assert railway.services == {} and len(railway.deleted) == 2
    by_run = {s.variables["PREFECT__FLOW_RUN_ID"]: s for s in railway.deleted.values()}
    assert set(by_run) == {ok_run, boom_run}
    for run_id, service in by_run.items():
        assert service.image == IMAGE and service.restart_policy == "NEVER"
        assert service.start_command == "prefect flow-run execute"
        assert service.variables["PREFECT_API_URL"].startswith("http://127.0.0.1")
        assert service.name == service_name(_run(run_id).name, run_id)
        assert TOKEN not in json.dumps(service.variables)

    # The run really executed inside the "container" the fake started, and finished there.
    assert _run(ok_run).state.type.value == "COMPLETED"
    run_id, pid, parent = marker.read_text().split()
    assert run_id == ok_run
    container = next(d for d in railway.deployments.values() if d.service_id == by_run[ok_run].id)
    # `prefect flow-run execute` runs the flow in a child process; it exited by itself (0)
    # within the exit grace, before the service was deleted.
    assert container.process.pid in (int(pid), int(parent))
    assert container.process.returncode == 0
    # A failed flow stays Failed (not Crashed); its service went too.
    assert _run(boom_run).state.type.value == "FAILED"
    assert "the video could not be made" in railway.container_log(by_run[boom_run].id)
    assert TOKEN not in output


def _work_in_process(pool: str) -> None:
    async def once() -> None:
        async with RailwayWorker(work_pool_name=pool, create_pool_if_not_found=False) as worker:
            await worker.sync_with_backend()
            await worker.get_and_submit_flow_runs()

    asyncio.run(once())


def _create_pool(pool: str, template: dict[str, Any]) -> None:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.actions import WorkPoolCreate

    with get_client(sync_client=True) as client:
        client.create_work_pool(
            WorkPoolCreate(name=pool, type="railway", base_job_template=template), overwrite=True
        )


def test_a_deployment_that_fails_crashes_the_run_and_still_deletes_the_service(
    prefect_harness, railway: FakeRailway, tmp_path: Path
) -> None:
    pool = "railway-bad-image"
    _create_pool(pool, _template(_credentials_ref(railway, "railway-bad-image")))
    run = _start_run(_deploy(pool, tmp_path, "jobs.py:ok", image="registry.example/missing:1"))
    _work_in_process(pool)
    assert railway.calls["serviceCreate"] == 1 and railway.calls["serviceInstanceDeployV2"] == 1
    assert railway.calls["serviceDelete"] == 1 and railway.services == {}
    (service,) = railway.deleted.values()
    assert service.image == "registry.example/missing:1"
    assert railway.deployments[next(iter(railway.deployments))].statuses[-2:] == [
        "FAILED",
        "REMOVED",
    ]
    state = _run(run).state
    assert state.type.value == "CRASHED" and "non-zero status code 1" in state.message


def test_a_refused_token_crashes_the_run_with_a_fix_and_no_secret(
    prefect_harness, railway: FakeRailway, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pool = "railway-bad-token"
    wrong = "WRONG-railway-token-77aa"
    # No Block in the pool: the worker's RAILWAY_API_TOKEN / RAILWAY_API_URL are used.
    _create_pool(pool, _template(None))
    monkeypatch.setenv("RAILWAY_API_TOKEN", wrong)
    monkeypatch.setenv("RAILWAY_API_URL", railway.graphql_url)
    run = _start_run(_deploy(pool, tmp_path, "jobs.py:ok"))
    _work_in_process(pool)
    assert railway.calls["serviceCreate"] == 1
    assert railway.calls["serviceDelete"] == 0 and railway.all_services() == {}
    state = _run(run).state
    assert state.type.value == "CRASHED"
    assert "Not Authorized" in state.message and "check the token" in state.message
    assert wrong not in state.message


def test_cancelling_a_pending_run_deletes_its_service(
    prefect_harness, railway: FakeRailway
) -> None:
    from mvagent.ops.railway import RailwayAPI

    async def go() -> None:
        async with RailwayAPI(TOKEN, url=railway.graphql_url) as api:
            sid = await api.create_service(project_id=PROJECT, environment_id=ENVIRONMENT,
                                           name="pending", variables={})  # fmt: skip
        config = RailwayWorker.job_configuration(
            image=IMAGE, project_id=PROJECT, environment_id=ENVIRONMENT,
            railway_credentials=RailwayCredentials(api_token=TOKEN, api_url=railway.graphql_url),
        )  # fmt: skip
        worker = RailwayWorker(work_pool_name="unused")
        await worker.kill_infrastructure(sid, config)

    asyncio.run(go())
    assert railway.calls["serviceDelete"] == 1 and railway.services == {}


def test_retries_429_with_retry_after_then_succeeds(railway: FakeRailway) -> None:
    from mvagent.ops.railway import RailwayAPI
    from tests.fakes.server import Reply

    railway.inject("me", Reply(429, {"message": "slow down"}, headers={"retry-after": "0.1"}))

    async def go() -> str:
        async with RailwayAPI(TOKEN, url=railway.graphql_url, backoff_s=0.01) as api:
            return await api.whoami()

    assert asyncio.run(go()) == "user-1" and railway.calls["me"] == 2


def test_service_names_are_short_readable_and_unique() -> None:
    name = service_name("Clever Fox!!", "0f3c2a1b-1111-2222-3333-444455556666")
    assert name == "mvagent-clever-fox-0f3c2a1b"
    assert len(service_name("x" * 80, "ab" * 16)) == len("mvagent-") + 24 + 1 + 8
