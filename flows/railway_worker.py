"""The `railway` worker type: one Railway service per flow run, deleted when the run ends.

A process worker on Railway keeps the heavy image (Chromium, librosa, ffmpeg) running and
billed while it waits for work. This worker is light: it polls the pool and, for each flow
run, creates a Railway service from the image with the run's environment (PREFECT_API_URL,
PREFECT__FLOW_RUN_ID, ...) and the command `prefect flow-run execute`, deploys it, watches the
deployment and the run, and deletes the service when the run is over: completed, failed,
crashed, cancelled, or the worker itself stopping. So the big container exists only while a
video is being made. Run it anywhere with network access to Railway and the Prefect API:

    prefect work-pool create mvagent-railway-jobs --type railway
    prefect worker start --pool mvagent-railway-jobs --type railway            # always on
    prefect worker start --pool mvagent-railway-jobs --type railway --run-once # from cron

Prefect finds the type through the `prefect.collections` entry point in pyproject.toml (the
project installed, editable or not). Railway's GraphQL calls live in `mvagent/ops/railway.py`.
"""

from __future__ import annotations

import os
import re
import time
from typing import TYPE_CHECKING, Any

import anyio
import anyio.abc
from prefect.client.schemas.objects import StateType
from prefect.workers.base import (
    BaseJobConfiguration,
    BaseVariables,
    BaseWorker,
    BaseWorkerResult,
)
from pydantic import BaseModel, Field

from blocks.railway import RailwayCredentials
from mvagent.errors import RailwayError
from mvagent.ops.railway import API_URL, FAILED_STATUSES, RUNNING_STATUSES, RailwayAPI

if TYPE_CHECKING:
    from prefect.client.schemas.objects import FlowRun

TOKEN_ENV = "RAILWAY_API_TOKEN"


class _RailwayServiceFields(BaseModel):
    """The per-run service's settings: one definition for the job configuration and the pool's
    form (Prefect's worker pattern declares both; the form's schema comes from the variables)."""

    image: str = Field(
        description="Docker image each flow run runs in (built from this project's Dockerfile)."
    )
    project_id: str = Field(description="Railway project the per-run services are created in.")
    environment_id: str = Field(description="Railway environment id (e.g. production's).")
    railway_credentials: RailwayCredentials | None = Field(
        default=None,
        description=f"Block with the Railway API token; without it the worker's {TOKEN_ENV}.",
    )
    region: str | None = Field(default=None, description="Railway region, e.g. us-west2.")
    poll_interval_s: float = Field(
        default=5.0, description="Seconds between checks of the deployment and the run."
    )
    start_timeout_s: float = Field(
        default=900.0,
        description="Seconds the deployment may take to start (image pull) before the run is "
        "reported crashed.",
    )
    exit_grace_s: float = Field(
        default=10.0,
        description="Seconds the container gets after the run ended to send its last logs and "
        "exit before its service is deleted.",
    )


class RailwayJobConfiguration(_RailwayServiceFields, BaseJobConfiguration):
    """What one flow run's Railway service looks like (filled from the pool's template)."""

    def api(self) -> RailwayAPI:
        """A client for the configured token (Block first, then the worker's environment)."""
        if self.railway_credentials is not None:
            creds = self.railway_credentials
            return RailwayAPI(creds.api_token.get_secret_value(), url=creds.api_url)
        return RailwayAPI(
            os.environ.get(TOKEN_ENV, "").strip(),
            url=os.environ.get("RAILWAY_API_URL", API_URL),
        )


class RailwayVariables(_RailwayServiceFields, BaseVariables):
    """The pool's form: what a team sets once, and deployments may override per run."""

    image: str = Field(
        description="Docker image each flow run runs in (built from this project's Dockerfile), "
        "e.g. ghcr.io/you/musicvideo-agent:latest.",
    )


class RailwayWorkerResult(BaseWorkerResult):
    """The service that ran the flow run, and 0 if the run completed."""


class RailwayWorker(BaseWorker[RailwayJobConfiguration, RailwayVariables, RailwayWorkerResult]):
    type = "railway"
    job_configuration = RailwayJobConfiguration
    job_configuration_variables = RailwayVariables
    _description = (
        "Run each flow run in its own Railway service, created from a Docker image when the run "
        "starts and deleted when it ends, so nothing heavy runs (or is billed) between videos."
    )
    _display_name = "Railway (one service per run)"
    _documentation_url = "https://docs.railway.com/integrations/api"

    async def run(
        self,
        flow_run: FlowRun,
        configuration: RailwayJobConfiguration,
        task_status: anyio.abc.TaskStatus[Any] | None = None,
    ) -> RailwayWorkerResult:
        logger = self.get_flow_run_logger(flow_run)
        env = {k: v for k, v in configuration.env.items() if v is not None}
        if not env.get("PREFECT_API_URL"):
            raise RailwayError(
                "the railway worker has no PREFECT_API_URL to give the flow run's service; "
                "start the worker with PREFECT_API_URL (and PREFECT_API_KEY on Cloud) set"
            )
        name = service_name(configuration.name or flow_run.name, str(flow_run.id))
        service_id: str | None = None
        async with configuration.api() as api:
            try:
                service_id = await api.create_service(
                    project_id=configuration.project_id,
                    environment_id=configuration.environment_id,
                    name=name,
                    variables=env,
                )
                if task_status is not None:
                    task_status.started(service_id)
                logger.info(f"Railway service {name!r} ({service_id}) created for this run")
                await api.configure_instance(
                    service_id=service_id,
                    environment_id=configuration.environment_id,
                    image=configuration.image,
                    start_command=configuration.command or "prefect flow-run execute",
                    region=configuration.region,
                )
                deployment_id = await api.deploy(
                    service_id=service_id, environment_id=configuration.environment_id
                )
                logger.info(f"Railway deployment {deployment_id} started ({configuration.image})")
                code = await self._watch(api, flow_run, configuration, deployment_id)
            finally:
                if service_id is not None:
                    # Shielded: a worker stopping (cancelled scope) must still remove the
                    # service, or the container keeps running and billing.
                    with anyio.CancelScope(shield=True):
                        await self._delete(api, service_id, configuration, logger)
        return RailwayWorkerResult(identifier=service_id or name, status_code=code)

    async def _watch(
        self,
        api: RailwayAPI,
        flow_run: FlowRun,
        configuration: RailwayJobConfiguration,
        deployment_id: str,
    ) -> int:
        """Poll the deployment and the flow run until one of them ends; the exit code."""
        logger = self.get_flow_run_logger(flow_run)
        started = time.monotonic()
        last_status = ""
        cancelling_since: float | None = None
        while True:
            status = await api.deployment_status(deployment_id)
            if status != last_status:
                logger.info(f"Railway deployment {deployment_id}: {status}")
                last_status = status
            if status in FAILED_STATUSES:
                logger.error(
                    f"Railway deployment {deployment_id} ended {status} before the flow run "
                    "finished; see the service's logs in Railway"
                )
                return 1
            run = await self.client.read_flow_run(flow_run.id)
            state = run.state
            if state is not None and state.is_final():
                logger.info(f"Flow run ended {state.type.value} in Railway")
                # The state is reported before the process has shipped its last logs and
                # exited; deleting the service at once would cut them off.
                await anyio.sleep(configuration.exit_grace_s)
                return 0 if state.type == StateType.COMPLETED else 1
            if state is not None and state.type == StateType.CANCELLING:
                # The run's own process stops itself; give it a moment, then the service goes.
                cancelling_since = cancelling_since or time.monotonic()
                if time.monotonic() - cancelling_since > 30:
                    await self._mark_flow_run_as_cancelled(run)
                    return 0
            waited = time.monotonic() - started
            if status not in RUNNING_STATUSES and waited > configuration.start_timeout_s:
                logger.error(
                    f"Railway deployment {deployment_id} still {status} after "
                    f"{configuration.start_timeout_s:g} s; giving up on this run"
                )
                return 1
            await anyio.sleep(configuration.poll_interval_s)

    async def _delete(
        self, api: RailwayAPI, service_id: str, configuration: RailwayJobConfiguration, logger: Any
    ) -> None:
        try:
            await api.delete_service(
                service_id=service_id, environment_id=configuration.environment_id
            )
        except RailwayError as exc:
            logger.warning(
                f"could not delete Railway service {service_id}: {exc}; delete it by hand"
            )
        else:
            logger.info(f"Railway service {service_id} deleted")

    async def kill_infrastructure(
        self,
        infrastructure_pid: str,
        configuration: RailwayJobConfiguration,
        grace_seconds: int = 30,
    ) -> None:
        """Cancelling a pending run: its service (the infrastructure pid) is deleted."""
        async with configuration.api() as api:
            await api.delete_service(
                service_id=infrastructure_pid, environment_id=configuration.environment_id
            )


def service_name(run_name: str, run_id: str) -> str:
    """A readable, unique Railway service name: `mvagent-<run name>-<8 hex of the id>`."""
    slug = re.sub(r"[^a-z0-9]+", "-", run_name.lower()).strip("-")[:24].strip("-")
    return f"mvagent-{slug or 'run'}-{run_id.replace('-', '')[:8]}"
