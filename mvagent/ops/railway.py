"""Railway's public GraphQL API: the few operations a per-run worker service needs.

One service per flow run: `serviceCreate` (no source yet, so Railway does not deploy the
image's default CMD, which is the long-running worker), `serviceInstanceUpdate` (the image,
the start command, no restarts), `serviceInstanceDeployV2` (returns the deployment id),
`deployment` (its status) and `serviceDelete`. Plain httpx, no Prefect: the `railway` worker
type in `flows/railway_worker.py` drives it. The token is sent as a Bearer header and is
scrubbed from every message this module raises.
"""

from __future__ import annotations

import asyncio
from typing import Any

import httpx

from mvagent.errors import RailwayError

API_URL = "https://backboard.railway.com/graphql/v2"

# Deployment statuses (Railway's DeploymentStatus enum) that end a deployment without a run.
FAILED_STATUSES = frozenset({"FAILED", "CRASHED", "REMOVED", "SKIPPED"})
# The container is up (and may already have exited with 0: Railway keeps SUCCESS then).
RUNNING_STATUSES = frozenset({"SUCCESS", "SLEEPING"})

_SERVICE_CREATE = """
mutation serviceCreate($input: ServiceCreateInput!) {
  serviceCreate(input: $input) { id name }
}"""
_INSTANCE_UPDATE = """
mutation serviceInstanceUpdate($serviceId: String!, $environmentId: String!,
                               $input: ServiceInstanceUpdateInput!) {
  serviceInstanceUpdate(serviceId: $serviceId, environmentId: $environmentId, input: $input)
}"""
_DEPLOY = """
mutation serviceInstanceDeployV2($serviceId: String!, $environmentId: String!) {
  serviceInstanceDeployV2(serviceId: $serviceId, environmentId: $environmentId)
}"""
_DEPLOYMENT = """
query deployment($id: String!) {
  deployment(id: $id) { id status }
}"""
_SERVICE_DELETE = """
mutation serviceDelete($id: String!, $environmentId: String) {
  serviceDelete(id: $id, environmentId: $environmentId)
}"""
_ME = "query me { me { id } }"


class RailwayAPI:
    """Async client for the operations above; retries 429 and 5xx (honouring Retry-After)."""

    def __init__(
        self,
        token: str,
        *,
        url: str = API_URL,
        timeout_s: float = 30.0,
        attempts: int = 4,
        backoff_s: float = 1.0,
    ) -> None:
        if not token:
            raise RailwayError(
                "no Railway API token: save a RailwayCredentials Block (api_token) and set it "
                "as the pool's railway_credentials, or set RAILWAY_API_TOKEN on the worker"
            )
        self._token = token
        self.url = url
        self.attempts = attempts
        self.backoff_s = backoff_s
        self._http = httpx.AsyncClient(
            timeout=timeout_s, headers={"authorization": f"Bearer {token}"}
        )

    async def __aenter__(self) -> RailwayAPI:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self._http.aclose()

    # ------------------------------------------------------------------ operations

    async def create_service(
        self, *, project_id: str, environment_id: str, name: str, variables: dict[str, str]
    ) -> str:
        """A new, empty service with `variables`; returns its id."""
        data = await self.call(
            "serviceCreate",
            _SERVICE_CREATE,
            {"input": {"projectId": project_id, "environmentId": environment_id,
                       "name": name, "variables": variables}},
        )  # fmt: skip
        return str(data["serviceCreate"]["id"])

    async def configure_instance(
        self,
        *,
        service_id: str,
        environment_id: str,
        image: str,
        start_command: str,
        region: str | None = None,
    ) -> None:
        """Point the service at `image`, run `start_command` once (no restarts, one replica)."""
        settings: dict[str, Any] = {
            "source": {"image": image},
            "startCommand": start_command,
            # A flow run is a job, not a server: a crash is reported, not restarted forever.
            "restartPolicyType": "NEVER",
            "numReplicas": 1,
        }
        if region:
            settings["region"] = region
        await self.call(
            "serviceInstanceUpdate",
            _INSTANCE_UPDATE,
            {"serviceId": service_id, "environmentId": environment_id, "input": settings},
        )

    async def deploy(self, *, service_id: str, environment_id: str) -> str:
        """Start a deployment of the service; returns the deployment id."""
        data = await self.call(
            "serviceInstanceDeployV2",
            _DEPLOY,
            {"serviceId": service_id, "environmentId": environment_id},
        )
        return str(data["serviceInstanceDeployV2"])

    async def deployment_status(self, deployment_id: str) -> str:
        data = await self.call("deployment", _DEPLOYMENT, {"id": deployment_id})
        return str((data.get("deployment") or {}).get("status") or "UNKNOWN")

    async def delete_service(self, *, service_id: str, environment_id: str | None) -> None:
        await self.call(
            "serviceDelete", _SERVICE_DELETE, {"id": service_id, "environmentId": environment_id}
        )

    async def whoami(self) -> str:
        """The account id the token belongs to (a cheap check that the token works)."""
        data = await self.call("me", _ME, {})
        return str((data.get("me") or {}).get("id") or "")

    # ------------------------------------------------------------------ transport

    async def call(self, operation: str, query: str, variables: dict[str, Any]) -> dict[str, Any]:
        """POST one GraphQL operation; its `data`, or a `RailwayError` naming the operation."""
        payload = {"query": query, "variables": variables, "operationName": operation}
        for attempt in range(1, self.attempts + 1):
            try:
                response = await self._http.post(self.url, json=payload)
            except httpx.HTTPError as exc:
                if attempt == self.attempts:
                    raise RailwayError(
                        f"Railway {operation}: cannot reach {self.url} ({type(exc).__name__}); "
                        "check the network or the RailwayCredentials Block's api_url",
                        retryable=True,
                    ) from None
                await asyncio.sleep(self.backoff_s * attempt)
                continue
            if response.status_code == 429 or response.status_code >= 500:
                if attempt == self.attempts:
                    raise RailwayError(
                        f"Railway {operation}: HTTP {response.status_code} after "
                        f"{self.attempts} attempts; try again later",
                        retryable=True,
                    )
                await asyncio.sleep(_retry_after(response) or self.backoff_s * attempt)
                continue
            return self._data(operation, response)
        raise AssertionError("unreachable")  # the loop returns or raises

    def _data(self, operation: str, response: httpx.Response) -> dict[str, Any]:
        if response.status_code in (401, 403):
            raise RailwayError(
                f"Railway {operation}: HTTP {response.status_code}, the token was refused; "
                "create an account or team token (a project token cannot create services)"
            )
        try:
            body = response.json()
        except ValueError:
            raise RailwayError(
                f"Railway {operation}: HTTP {response.status_code} with a non-JSON answer; "
                "is api_url the GraphQL endpoint (…/graphql/v2)?"
            ) from None
        errors = body.get("errors") or []
        if errors:
            text = "; ".join(str(e.get("message", e)) for e in errors)[:300]
            text = text.replace(self._token, "***")
            hint = (
                " (check the token and that it can reach the project)"
                if "authorized" in text.lower()
                else ""
            )
            raise RailwayError(f"Railway {operation} failed: {text}{hint}")
        if response.status_code >= 400 or not isinstance(body.get("data"), dict):
            raise RailwayError(f"Railway {operation}: HTTP {response.status_code}, no data")
        return body["data"]


def _retry_after(response: httpx.Response) -> float | None:
    try:
        return min(float(response.headers.get("retry-after", "")), 60.0)
    except ValueError:
        return None
