"""Railway's public GraphQL API on 127.0.0.1, for the `railway` worker type.

`POST /graphql/v2` with `Authorization: Bearer <token>`. The operation is read from the query
text (the first field of the selection: serviceCreate, serviceInstanceUpdate,
serviceInstanceDeployV2, deployment, serviceDelete, me) and counted under that name in
`calls`. State is kept like Railway keeps it: projects and environments, services with their
variables and instance settings, deployments with a status (QUEUED → DEPLOYING → SUCCESS, or
FAILED for an image it cannot pull, CRASHED for a container that exits non-zero).

A deployment really runs its "container": the service's start command as a subprocess with only
the service's variables as its environment (plus PATH to this interpreter's scripts, standing in
for the image's own PATH), in a folder of its own. `serviceDelete` stops it, as Railway does.
Answers are Railway-shaped: `{"data": {...}}`, or HTTP 200 with `{"errors": [{"message"}]}`.
"""

from __future__ import annotations

import itertools
import re
import shlex
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.fakes.server import FakeServer, Reply, Request

PROJECT = "11111111-aaaa-4bbb-8ccc-000000000001"
ENVIRONMENT = "22222222-aaaa-4bbb-8ccc-000000000002"
UNPULLABLE = "missing"  # an image whose name holds this fails like a bad registry path

_FIELD = re.compile(r"^\s*(?:(?:query|mutation)\b[^{(]*(?:\([^)]*\))?\s*)?\{\s*(\w+)", re.S)


@dataclass
class Service:
    id: str
    name: str
    project_id: str
    environment_id: str
    variables: dict[str, str]
    image: str | None = None
    start_command: str | None = None
    restart_policy: str = "ON_FAILURE"
    region: str | None = None


@dataclass
class Deployment:
    id: str
    service_id: str
    status: str = "QUEUED"
    process: subprocess.Popen | None = None
    workdir: Path | None = None
    statuses: list[str] = field(default_factory=list)


class FakeRailway(FakeServer):
    def __init__(self, *, token: str, start_delay_s: float = 0.2) -> None:
        super().__init__()
        self.token = token
        self.start_delay_s = start_delay_s
        self.services: dict[str, Service] = {}
        self.deleted: dict[str, Service] = {}
        self.deployments: dict[str, Deployment] = {}
        self.environments = {PROJECT: {ENVIRONMENT}}
        self._ids = itertools.count(1)
        self._root = Path(tempfile.mkdtemp(prefix="fake-railway-"))

    @property
    def graphql_url(self) -> str:
        return f"{self.url}/graphql/v2"

    def __exit__(self, *exc: object) -> None:
        for dep in self.deployments.values():
            if dep.process is not None and dep.process.poll() is None:
                dep.process.kill()
        super().__exit__(*exc)

    # ------------------------------------------------------------------ routing

    def handle(self, req: Request) -> tuple[str, Any]:
        if req.path != "/graphql/v2" or req.method != "POST":
            return "unknown", Reply(404, {"message": "Not Found"})
        body = req.json()
        match = _FIELD.match(body.get("query", ""))
        op = match.group(1) if match else "unparsed"
        if req.headers.get("authorization") != f"Bearer {self.token}":
            return op, Reply(200, _error("Not Authorized"))
        handler = getattr(self, f"_op_{op}", None)
        if handler is None:
            return op, Reply(200, _error(f'Cannot query field "{op}" on type "Mutation".'))
        variables = body.get("variables") or {}
        return op, lambda: handler(variables)

    # ------------------------------------------------------------------ operations

    def _op_me(self, _v: dict[str, Any]) -> Reply:
        return Reply(200, {"data": {"me": {"id": "user-1"}}})

    def _op_serviceCreate(self, v: dict[str, Any]) -> Reply:
        data = v.get("input") or {}
        project, env = data.get("projectId"), data.get("environmentId")
        if project not in self.environments:
            return Reply(200, _error("Project not found"))
        if env is not None and env not in self.environments[project]:
            return Reply(200, _error("Environment not found"))
        if any(s.name == data.get("name") for s in self.services.values()):
            return Reply(200, _error("A service with that name already exists"))
        service = Service(
            id=str(uuid.uuid4()),
            name=data.get("name") or f"service-{next(self._ids)}",
            project_id=project,
            environment_id=env or ENVIRONMENT,
            variables={k: str(val) for k, val in (data.get("variables") or {}).items()},
            image=(data.get("source") or {}).get("image"),
        )
        with self.lock:
            self.services[service.id] = service
        return Reply(200, {"data": {"serviceCreate": {"id": service.id, "name": service.name}}})

    def _op_serviceInstanceUpdate(self, v: dict[str, Any]) -> Reply:
        service = self.services.get(v.get("serviceId", ""))
        if service is None:
            return Reply(200, _error("Service not found"))
        data = v.get("input") or {}
        if "source" in data:
            service.image = (data["source"] or {}).get("image")
        service.start_command = data.get("startCommand", service.start_command)
        service.restart_policy = data.get("restartPolicyType", service.restart_policy)
        service.region = data.get("region", service.region)
        return Reply(200, {"data": {"serviceInstanceUpdate": True}})

    def _op_serviceInstanceDeployV2(self, v: dict[str, Any]) -> Reply:
        service = self.services.get(v.get("serviceId", ""))
        if service is None:
            return Reply(200, _error("Service not found"))
        if not service.image:
            return Reply(200, _error("Service has no source to deploy"))
        dep = Deployment(id=str(uuid.uuid4()), service_id=service.id)
        with self.lock:
            self.deployments[dep.id] = dep
        threading.Thread(target=self._start, args=(service, dep), daemon=True).start()
        return Reply(200, {"data": {"serviceInstanceDeployV2": dep.id}})

    def _op_deployment(self, v: dict[str, Any]) -> Reply:
        dep = self.deployments.get(v.get("id", ""))
        if dep is None:
            return Reply(200, _error("Deployment not found"))
        self._refresh(dep)
        return Reply(200, {"data": {"deployment": {"id": dep.id, "status": dep.status}}})

    def _op_serviceDelete(self, v: dict[str, Any]) -> Reply:
        with self.lock:
            service = self.services.pop(v.get("id", ""), None)
        if service is None:
            return Reply(200, _error("Service not found"))
        self.deleted[service.id] = service
        for dep in self.deployments.values():
            if dep.service_id == service.id:
                if dep.process is not None and dep.process.poll() is None:
                    dep.process.kill()
                    dep.process.wait()
                self._set(dep, "REMOVED")
        return Reply(200, {"data": {"serviceDelete": True}})

    # ------------------------------------------------------------------ the "container"

    def _start(self, service: Service, dep: Deployment) -> None:
        time.sleep(self.start_delay_s)
        self._set(dep, "DEPLOYING")
        if UNPULLABLE in (service.image or ""):
            self._set(dep, "FAILED")
            return
        if service.id not in self.services:  # deleted while queued
            return
        dep.workdir = self._root / dep.id
        dep.workdir.mkdir(parents=True)
        scripts = str(Path(sys.executable).parent)
        env = {**service.variables, "PATH": f"{scripts}:/usr/bin:/bin", "HOME": str(dep.workdir)}
        argv = shlex.split(service.start_command or "")
        with (dep.workdir / "log.txt").open("wb") as log:
            dep.process = subprocess.Popen(
                argv, env=env, cwd=dep.workdir, stdout=log, stderr=subprocess.STDOUT
            )
        self._set(dep, "SUCCESS")

    def _refresh(self, dep: Deployment) -> None:
        # A container that exited non-zero (restart policy NEVER) shows as CRASHED; one that
        # exited 0 stays SUCCESS, as on Railway.
        if dep.process is not None and dep.status == "SUCCESS":
            code = dep.process.poll()
            if code not in (None, 0):
                self._set(dep, "CRASHED")

    def _set(self, dep: Deployment, status: str) -> None:
        with self.lock:
            dep.status = status
            dep.statuses.append(status)

    def container_log(self, service_id: str) -> str:
        for dep in self.deployments.values():
            if dep.service_id == service_id and dep.workdir is not None:
                return (dep.workdir / "log.txt").read_text(errors="replace")
        return ""

    def all_services(self) -> dict[str, Service]:
        return {**self.deleted, **self.services}

    def exit_codes(self) -> dict[str, int | None]:
        return {
            d.service_id: (d.process.poll() if d.process else None)
            for d in self.deployments.values()
        }

    def env_of(self, service_id: str) -> dict[str, str]:
        return dict(self.all_services()[service_id].variables)


def _error(message: str) -> dict[str, Any]:
    return {"data": None, "errors": [{"message": message, "locations": [], "path": []}]}
