"""A fake Replicate API that speaks what the `replicate` SDK sends and expects.

`POST /v1/models/{owner}/{name}/predictions` starts a prediction (201, status `starting`);
`GET /v1/predictions/{id}` goes starting -> processing -> succeeded over scripted polls with
the video URL as `output`, or `failed` with Replicate's E005 "flagged as sensitive" error for
a blocked prompt. Errors are problem-details JSON (`{title, detail, status}`); 429s carry
Retry-After. Files are served at `/files/<token>.mp4`; `expire_next` hands out URLs that
already answer 404, as an expired replicate.delivery URL does.
Routes: create, get, file, account.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

from tests.fakes.media import tiny_mp4
from tests.fakes.server import FakeServer, Reply, Request

BLOCKED_WORDS = ("FORBIDDEN", "blood")


def problem(status: int, title: str, detail: str) -> dict:
    return {"title": title, "detail": detail, "status": status}


@dataclass
class Prediction:
    id: str
    model: str
    input: dict
    polls_left: int
    status: str = "starting"
    error: str | None = None
    token: int = 0

    def body(self, base: str, *, expired: bool) -> dict:
        output = None
        if self.status == "succeeded":
            output = f"{base}/files/{'x' if expired else 'v'}{self.token}-{self.id}.mp4"
        return {"id": self.id, "model": self.model, "version": "hidden", "status": self.status,
                "input": self.input, "output": output, "logs": "", "error": self.error,
                "metrics": {}, "created_at": "2026-12-01T10:00:00Z", "started_at": None,
                "completed_at": None,
                "urls": {"get": f"{base}/v1/predictions/{self.id}",
                         "cancel": f"{base}/v1/predictions/{self.id}/cancel"}}  # fmt: skip


class FakeReplicate(FakeServer):
    def __init__(self, *, api_key: str = "r8_test", polls_to_complete: int = 2) -> None:
        super().__init__()
        self.api_key = api_key
        self.polls_to_complete = polls_to_complete
        self.predictions: dict[str, Prediction] = {}
        self.created: list[Prediction] = []
        self.expire_next = 0
        self._ids = itertools.count(1)
        self._tokens = itertools.count(1)

    def handle(self, req: Request) -> tuple[str, object]:
        parts = req.path.strip("/").split("/")
        if parts[0] == "files":
            return "file", lambda: self._file(parts[1])
        if req.headers.get("authorization") != f"Bearer {self.api_key}":
            return "unauthorized", Reply(
                401,
                problem(401, "Unauthenticated", "You did not pass a valid authentication token"),
            )
        if req.method == "GET" and parts == ["v1", "account"]:
            return "account", Reply(200, {"type": "user", "username": "mvagent-test",
                                          "name": "Test", "github_url": None})  # fmt: skip
        if req.method == "POST" and parts[:2] == ["v1", "models"] and parts[-1] == "predictions":
            return "create", lambda: self._create(f"{parts[2]}/{parts[3]}", req.json())
        if req.method == "GET" and parts[:2] == ["v1", "predictions"] and len(parts) == 3:
            return "get", lambda: self._get(parts[2])
        return "unknown", Reply(404, problem(404, "Not found", req.path))

    def _create(self, model: str, body: dict) -> Reply:
        inp = body.get("input") or {}
        if "duration" in inp and not isinstance(inp["duration"], int):
            return Reply(
                422,
                problem(
                    422, "Input validation failed", "duration: Invalid type. Expected: integer"
                ),
            )
        p = Prediction(f"pred{next(self._ids):04d}", model, inp, self.polls_to_complete)
        with self.lock:
            self.predictions[p.id] = p
            self.created.append(p)
        return Reply(201, p.body(self.url, expired=False))

    def _get(self, pid: str) -> Reply:
        p = self.predictions.get(pid)
        if p is None:
            return Reply(404, problem(404, "Not found", f"Prediction {pid} not found"))
        with self.lock:
            if p.status in ("starting", "processing"):
                if p.polls_left > 0:
                    p.polls_left -= 1
                    p.status = "processing"
                elif any(w in str(p.input.get("prompt", "")) for w in BLOCKED_WORDS):
                    p.status = "failed"
                    p.error = ("The input or output was flagged as sensitive. Please try again "
                               "with different inputs. (E005)")  # fmt: skip
                else:
                    p.status = "succeeded"
            expired = False
            if p.status == "succeeded":
                p.token = next(self._tokens)
                if self.expire_next > 0:
                    self.expire_next -= 1
                    expired = True
        return Reply(200, p.body(self.url, expired=expired))

    def _file(self, name: str) -> Reply:
        token, _, pid = name.removesuffix(".mp4").partition("-")
        p = self.predictions.get(pid)
        if token.startswith("x") or p is None:
            return Reply(404, "Not Found")
        return Reply(
            200, tiny_mp4(float(p.input.get("duration", 5))), headers={"content-type": "video/mp4"}
        )
