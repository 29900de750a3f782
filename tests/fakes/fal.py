"""A fake fal.ai queue (`queue.fal.run`) that speaks what `fal-client` sends and expects.

`POST /<endpoint>` queues a request and answers `{request_id, response_url, status_url,
cancel_url}`; `GET /<owner>/<alias>/requests/<id>/status` goes IN_QUEUE -> IN_PROGRESS ->
COMPLETED over scripted polls; `GET /<owner>/<alias>/requests/<id>` returns the output
`{"video": {"url": ...}}`, or 422 with a `content_policy_violation` detail for a blocked
prompt. Result files are served at `/files/<token>.mp4`; `expire_next` makes the next result
URLs answer 403 (an expired signed URL) until the result is asked for again.
Routes: submit, status, result, file.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

from tests.fakes.media import tiny_mp4
from tests.fakes.server import FakeServer, Reply, Request

BLOCKED_WORDS = ("FORBIDDEN", "blood")


@dataclass
class QueuedRequest:
    id: str
    endpoint: str
    arguments: dict
    polls_left: int
    queued_polls: int = 1
    token: str = ""

    @property
    def seconds(self) -> float:
        raw = str(self.arguments.get("duration", "5")).rstrip("s")
        return float(raw)


class FakeFal(FakeServer):
    def __init__(self, *, api_key: str = "fal-test-key", polls_to_complete: int = 2) -> None:
        super().__init__()
        self.api_key = api_key
        self.polls_to_complete = polls_to_complete
        self.requests: dict[str, QueuedRequest] = {}
        self.created: list[QueuedRequest] = []
        self.expire_next = 0  # result URLs handed out while > 0 are already expired
        self.expired_tokens: set[str] = set()
        self.failing: dict[str, str] = {}  # prompt -> error to report on COMPLETED
        self._ids = itertools.count(1)
        self._tokens = itertools.count(1)

    def handle(self, req: Request) -> tuple[str, object]:
        parts = req.path.strip("/").split("/")
        if parts[0] == "files" and req.method == "GET":
            return "file", lambda: self._file(parts[1])
        if req.headers.get("authorization") != f"Key {self.api_key}":
            return "unauthorized", Reply(401, {"detail": "Invalid API key"})
        if "requests" in parts:
            i = parts.index("requests")
            rid = parts[i + 1]
            if req.method == "GET" and parts[-1] == "status":
                return "status", lambda: self._status(rid)
            if req.method == "GET" and len(parts) == i + 2:
                return "result", lambda: self._result(rid)
        if req.method == "POST":
            return "submit", lambda: self._submit("/".join(parts), req.json())
        return "unknown", Reply(404, {"detail": f"no route {req.path}"})

    def _base(self, endpoint: str) -> str:
        owner, alias = endpoint.split("/")[:2]
        return f"{self.url}/{owner}/{alias}"

    def _submit(self, endpoint: str, arguments: dict) -> Reply:
        if not str(arguments.get("prompt", "")).strip():
            return Reply(422, {"detail": [{"loc": ["body", "prompt"], "msg": "field required",
                                           "type": "missing"}]})  # fmt: skip
        rid = f"req-{next(self._ids):04d}"
        job = QueuedRequest(rid, endpoint, arguments, self.polls_to_complete)
        with self.lock:
            self.requests[rid] = job
            self.created.append(job)
        base = f"{self._base(endpoint)}/requests/{rid}"
        return Reply(200, {"request_id": rid, "response_url": base, "status_url": base + "/status",
                           "cancel_url": base + "/cancel", "queue_position": 0})  # fmt: skip

    def _status(self, rid: str) -> Reply:
        job = self.requests.get(rid)
        if job is None:
            return Reply(404, {"detail": "Request not found"})
        with self.lock:
            if job.queued_polls > 0 and job.polls_left > 0:
                job.queued_polls -= 1
                job.polls_left -= 1
                return Reply(200, {"status": "IN_QUEUE", "queue_position": 0})
            if job.polls_left > 0:
                job.polls_left -= 1
                return Reply(200, {"status": "IN_PROGRESS", "logs": None})
        body: dict = {"status": "COMPLETED", "logs": None, "metrics": {"inference_time": 1.0}}
        if job.arguments.get("prompt") in self.failing:
            body.update(error=self.failing[job.arguments["prompt"]], error_type="runner_error")
        return Reply(200, body)

    def _result(self, rid: str) -> Reply:
        job = self.requests.get(rid)
        if job is None:
            return Reply(404, {"detail": "Request not found"})
        if any(w in str(job.arguments.get("prompt", "")) for w in BLOCKED_WORDS):
            return Reply(
                422,
                {"detail": [{"loc": ["body", "prompt"], "type": "content_policy_violation",
                             "msg": "The content could not be processed because it contained "
                                    "material flagged by a content checker."}]},
                headers={"x-fal-error-type": "content_policy_violation"},
            )  # fmt: skip
        with self.lock:
            token = f"v{next(self._tokens)}-{rid}"
            if self.expire_next > 0:
                self.expire_next -= 1
                self.expired_tokens.add(token)
        url = f"{self.url}/files/{token}.mp4"
        return Reply(200, {"video": {"url": url, "content_type": "video/mp4",
                                     "file_name": "output.mp4"}, "seed": 1})  # fmt: skip

    def _file(self, name: str) -> Reply:
        token = name.removesuffix(".mp4")
        if token in self.expired_tokens:
            return Reply(403, "<Error><Code>AccessDenied</Code>Request has expired</Error>")
        rid = token.split("-", 1)[1]
        job = self.requests.get(rid)
        if job is None:
            return Reply(404, "not found")
        return Reply(200, tiny_mp4(job.seconds), headers={"content-type": "video/mp4"})
