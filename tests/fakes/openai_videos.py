"""A fake OpenAI Videos API (`/v1/videos`) that speaks the real contract.

Jobs go queued -> in_progress -> completed (or failed) over a scripted number of polls;
every retrieve carries `openai-poll-after-ms`; prompts containing a blocked word end `failed`
with a `moderation_blocked` error; faults (429 + Retry-After, 500, slow answers) are injected
per route. Routes: create, retrieve, content, remix, list.
"""

from __future__ import annotations

import itertools
import time
from dataclasses import dataclass, field
from email.parser import BytesParser
from email.policy import HTTP

from tests.fakes.media import tiny_mp4
from tests.fakes.server import FakeServer, Reply, Request

MODERATION_WORDS = ("FORBIDDEN", "blood")


@dataclass
class Job:
    id: str
    model: str
    prompt: str
    seconds: str
    size: str
    polls_left: int
    remixed_from: str | None = None
    reference: bytes | None = None
    status: str = "queued"
    error: dict | None = None
    created_at: int = field(default_factory=lambda: int(time.time()))

    def body(self) -> dict:
        progress = {"queued": 0, "in_progress": 50, "completed": 100, "failed": 100}[self.status]
        return {
            "id": self.id,
            "object": "video",
            "model": self.model,
            "status": self.status,
            "progress": progress,
            "created_at": self.created_at,
            "completed_at": self.created_at + 1 if self.status == "completed" else None,
            "expires_at": None,
            "prompt": self.prompt,
            "seconds": self.seconds,
            "size": self.size,
            "remixed_from_video_id": self.remixed_from,
            "error": self.error,
        }


def parse_form(req: Request) -> tuple[dict[str, str], dict[str, bytes]]:
    """Fields and files of a multipart/form-data (or JSON) body."""
    ctype = req.headers.get("content-type", "")
    if ctype.startswith("application/json"):
        return {k: str(v) for k, v in req.json().items()}, {}
    msg = BytesParser(policy=HTTP).parsebytes(
        b"Content-Type: " + ctype.encode() + b"\r\n\r\n" + req.body
    )
    fields: dict[str, str] = {}
    files: dict[str, bytes] = {}
    for part in msg.iter_parts():
        name = part.get_param("name", header="content-disposition")
        payload = part.get_payload(decode=True) or b""
        if part.get_filename():
            files[name] = payload
        else:
            fields[name] = payload.decode()
    return fields, files


class FakeOpenAIVideos(FakeServer):
    def __init__(
        self,
        *,
        api_key: str = "sk-test-key",
        polls_to_complete: int = 2,
        poll_after_ms: int = 20,
    ) -> None:
        super().__init__()
        self.api_key = api_key
        self.polls_to_complete = polls_to_complete
        self.poll_after_ms = poll_after_ms
        self.jobs: dict[str, Job] = {}
        self.created: list[Job] = []
        # Jobs whose prompt is in `hold` stay in_progress until removed from it.
        self.hold: set[str] = set()
        # Jobs created but not yet downloaded, now and at most (a concurrency probe).
        self.active = 0
        self.max_active = 0
        self._ids = itertools.count(1)

    @property
    def base_url(self) -> str:
        return self.url + "/v1"

    def handle(self, req: Request) -> tuple[str, object]:
        parts = req.path.strip("/").split("/")
        if req.headers.get("authorization") != f"Bearer {self.api_key}":
            # Like the real API, the message quotes the key it was given (a redaction test).
            given = req.headers.get("authorization", "").removeprefix("Bearer ")
            return "unauthorized", Reply(
                401,
                {"error": {"message": f"Incorrect API key provided: {given}.", "type": "invalid_request_error",
                           "code": "invalid_api_key"}},
            )  # fmt: skip
        if parts[:2] != ["v1", "videos"]:
            return "unknown", Reply(404, {"error": {"message": "not found"}})
        if req.method == "GET" and len(parts) == 2:  # list: the cheapest authenticated call
            return "list", Reply(200, {"object": "list", "data": [], "has_more": False})
        if req.method == "POST" and len(parts) == 2:
            return "create", lambda: self._create(req)
        if req.method == "POST" and len(parts) == 4 and parts[3] == "remix":
            return "remix", lambda: self._create(req, remix_of=parts[2])
        if req.method == "GET" and len(parts) == 3:
            return "retrieve", lambda: self._retrieve(parts[2])
        if req.method == "GET" and len(parts) == 4 and parts[3] == "content":
            return "content", lambda: self._content(parts[2])
        return "unknown", Reply(404, {"error": {"message": "not found"}})

    def _create(self, req: Request, remix_of: str | None = None) -> Reply:
        fields, files = parse_form(req)
        if remix_of is not None:
            src = self.jobs.get(remix_of)
            if src is None or src.status != "completed":
                return Reply(404, {"error": {"message": f"No completed video {remix_of}"}})
            model, seconds, size = src.model, src.seconds, src.size
        else:
            model = fields.get("model", "sora-2")
            seconds = fields.get("seconds", "4")
            size = fields.get("size", "720x1280")
            if seconds not in {"4", "8", "12"}:
                return Reply(400, {"error": {"message": f"Invalid value for seconds: {seconds}",
                                             "type": "invalid_request_error", "param": "seconds",
                                             "code": "invalid_value"}})  # fmt: skip
        job = Job(
            id=f"video_{next(self._ids):04d}",
            model=model,
            prompt=fields.get("prompt", ""),
            seconds=seconds,
            size=size,
            polls_left=self.polls_to_complete,
            remixed_from=remix_of,
            reference=files.get("input_reference"),
        )
        with self.lock:
            self.jobs[job.id] = job
            self.created.append(job)
            self.active += 1
            self.max_active = max(self.max_active, self.active)
        return Reply(200, job.body())

    def _retrieve(self, video_id: str) -> Reply:
        job = self.jobs.get(video_id)
        if job is None:
            return Reply(404, {"error": {"message": f"Video {video_id} not found"}})
        with self.lock:
            if job.status in ("queued", "in_progress") and job.prompt in self.hold:
                job.status = "in_progress"
            elif job.status in ("queued", "in_progress"):
                if job.polls_left <= 0:
                    if any(w in job.prompt for w in MODERATION_WORDS):
                        job.status = "failed"
                        job.error = {"code": "moderation_blocked",
                                     "message": "Your request was blocked by our moderation system."}  # fmt: skip
                    else:
                        job.status = "completed"
                else:
                    job.polls_left -= 1
                    job.status = "in_progress"
        return Reply(200, job.body(), headers={"openai-poll-after-ms": str(self.poll_after_ms)})

    def _content(self, video_id: str) -> Reply:
        job = self.jobs.get(video_id)
        if job is None or job.status != "completed":
            return Reply(404, {"error": {"message": f"Video {video_id} is not ready"}})
        with self.lock:
            self.active -= 1
        return Reply(200, tiny_mp4(float(job.seconds)), headers={"content-type": "video/mp4"})
