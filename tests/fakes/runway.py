"""A fake Runway API that speaks what the `runwayml` SDK sends and expects.

`POST /v1/text_to_video` and `POST /v1/image_to_video` create a task (`{id}`); `GET
/v1/tasks/{id}` goes PENDING -> THROTTLED -> RUNNING -> SUCCEEDED over scripted polls with
`output` URLs, or FAILED with `failureCode` SAFETY.INPUT.TEXT for a blocked prompt. Every
request must carry `X-Runway-Version`. Errors are `{"error": message}`; 429s carry
Retry-After. `expire_next` hands out output URLs that already answer 403.
Routes: create, retrieve, file, organization.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

from tests.fakes.media import tiny_mp4
from tests.fakes.server import FakeServer, Reply, Request

BLOCKED_WORDS = ("FORBIDDEN", "blood")
STATES = ("PENDING", "THROTTLED", "RUNNING")


@dataclass
class Task:
    id: str
    kind: str
    body: dict
    polls: int = 0
    failure_code: str | None = None


class FakeRunway(FakeServer):
    def __init__(self, *, api_key: str = "key_test", polls_to_complete: int = 3) -> None:
        super().__init__()
        self.api_key = api_key
        self.polls_to_complete = polls_to_complete
        self.tasks: dict[str, Task] = {}
        self.created: list[Task] = []
        self.expire_next = 0
        self.internal_failures: set[str] = set()  # prompts that fail INTERNAL once
        self._ids = itertools.count(1)
        self._tokens = itertools.count(1)

    def handle(self, req: Request) -> tuple[str, object]:
        parts = req.path.strip("/").split("/")
        if parts[0] == "files":
            return "file", lambda: self._file(parts[1])
        if req.headers.get("authorization") != f"Bearer {self.api_key}":
            return "unauthorized", Reply(401, {"error": "Invalid API key."})
        if not req.headers.get("x-runway-version"):
            return "unversioned", Reply(400, {"error": "X-Runway-Version header is required"})
        if req.method == "GET" and parts == ["v1", "organization"]:
            return "organization", Reply(200, {"creditBalance": 1250, "usage": {"models": {}},
                                               "tier": {"maxMonthlyCreditSpend": 10000, "models": {}}})  # fmt: skip
        if req.method == "POST" and parts in (["v1", "text_to_video"], ["v1", "image_to_video"]):
            return "create", lambda: self._create(parts[1], req.json())
        if req.method == "GET" and parts[:2] == ["v1", "tasks"] and len(parts) == 3:
            return "retrieve", lambda: self._retrieve(parts[2])
        return "unknown", Reply(404, {"error": "Not found"})

    def _create(self, kind: str, body: dict) -> Reply:
        if body.get("model") == "gen4_turbo" and kind != "image_to_video":
            return Reply(400, {"error": "gen4_turbo requires promptImage"})
        if kind == "image_to_video" and not str(body.get("promptImage", "")).startswith(
            "data:image/"
        ):
            return Reply(400, {"error": "promptImage must be an https URL or a data URI"})
        task = Task(f"task-{next(self._ids):04d}", kind, body)
        with self.lock:
            self.tasks[task.id] = task
            self.created.append(task)
        return Reply(200, {"id": task.id})

    def _retrieve(self, tid: str) -> Reply:
        task = self.tasks.get(tid)
        if task is None:
            return Reply(404, {"error": "Task not found"})
        base = {"id": tid, "createdAt": "2026-12-01T10:00:00.000Z"}
        with self.lock:
            task.polls += 1
            if task.polls <= self.polls_to_complete:
                status = STATES[min(task.polls - 1, len(STATES) - 1)]
                return Reply(200, {**base, "status": status, "progress": 0.5,
                                   "estimatedCost": {"credits": 60}})  # fmt: skip
            prompt = str(task.body.get("promptText", ""))
            if any(w in prompt for w in BLOCKED_WORDS):
                return Reply(200, {**base, "status": "FAILED", "cost": {"credits": 0}, "failureCode": "SAFETY.INPUT.TEXT",
                                   "failure": "Your prompt was flagged by our content moderation."})  # fmt: skip
            if prompt in self.internal_failures:
                self.internal_failures.discard(prompt)
                return Reply(200, {**base, "status": "FAILED", "cost": {"credits": 0}, "failureCode": "INTERNAL.BAD_OUTPUT.CODE01",
                                   "failure": "An unexpected error occurred."})  # fmt: skip
            token = next(self._tokens)
            prefix = "x" if self.expire_next > 0 else "v"
            if self.expire_next > 0:
                self.expire_next -= 1
        url = f"{self.url}/files/{prefix}{token}-{tid}.mp4"
        return Reply(200, {**base, "status": "SUCCEEDED", "output": [url], "cost": {"credits": 60}})

    def _file(self, name: str) -> Reply:
        token, _, tid = name.removesuffix(".mp4").partition("-")
        task = self.tasks.get(tid)
        if token.startswith("x") or task is None:
            return Reply(
                403,
                "<Error><Code>AccessDenied</Code><Message>Request has expired</Message></Error>",
            )
        return Reply(
            200,
            tiny_mp4(float(task.body.get("duration", 5))),
            headers={"content-type": "video/mp4"},
        )
