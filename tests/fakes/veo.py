"""A fake Vertex AI Veo endpoint that speaks what `google-genai` sends and expects.

`POST /v1beta1/publishers/google/models/{model}:predictLongRunning` starts an operation;
`POST .../{model}:fetchPredictOperation` with `operationName` polls it. Operations finish
after a scripted number of polls with the video inline (`bytesBase64Encoded`), or with the
Responsible-AI filter (`raiMediaFilteredCount`) for prompts containing a blocked word.
Errors use Google's JSON shape; 429s carry Retry-After. Routes: create, poll, model.
"""

from __future__ import annotations

import base64
import itertools
from dataclasses import dataclass

from tests.fakes.media import tiny_mp4
from tests.fakes.server import FakeServer, Reply, Request

BLOCKED_WORDS = ("FORBIDDEN", "blood")


def google_error(code: int, status: str, message: str) -> dict:
    return {"error": {"code": code, "message": message, "status": status}}


@dataclass
class Operation:
    name: str
    model: str
    instance: dict
    parameters: dict
    polls_left: int

    @property
    def prompt(self) -> str:
        return self.instance.get("prompt", "")


class FakeVeo(FakeServer):
    def __init__(self, *, api_key: str = "veo-test-key", polls_to_complete: int = 2) -> None:
        super().__init__()
        self.api_key = api_key
        self.polls_to_complete = polls_to_complete
        self.operations: dict[str, Operation] = {}
        self.created: list[Operation] = []
        self._ids = itertools.count(1)

    def handle(self, req: Request) -> tuple[str, object]:
        if req.headers.get("x-goog-api-key") != self.api_key:
            return "unauthorized", Reply(
                401,
                google_error(
                    401, "UNAUTHENTICATED", "API key not valid. Please pass a valid API key."
                ),
            )
        path = req.path
        if req.method == "GET" and "/publishers/google/models/" in path:  # models.get
            name = path.rsplit("/", 1)[-1]
            return "model", Reply(200, {"name": f"publishers/google/models/{name}",
                                        "versionId": "001", "displayName": name})  # fmt: skip
        if req.method == "POST" and path.endswith(":predictLongRunning"):
            model = path.rsplit("/", 1)[-1].split(":")[0]
            return "create", lambda: self._create(model, req.json())
        if req.method == "POST" and path.endswith(":fetchPredictOperation"):
            return "poll", lambda: self._poll(req.json().get("operationName", ""))
        return "unknown", Reply(404, google_error(404, "NOT_FOUND", f"no route {path}"))

    def _create(self, model: str, body: dict) -> Reply:
        instance = (body.get("instances") or [{}])[0]
        params = body.get("parameters") or {}
        if params.get("durationSeconds") not in (4, 6, 8, 5, 7):
            return Reply(
                400, google_error(400, "INVALID_ARGUMENT", "durationSeconds must be 4, 6 or 8")
            )
        op_id = next(self._ids)
        name = f"projects/p/locations/us-central1/publishers/google/models/{model}/operations/op{op_id}"
        op = Operation(name, model, instance, params, self.polls_to_complete)
        with self.lock:
            self.operations[name] = op
            self.created.append(op)
        return Reply(200, {"name": name})

    def _poll(self, name: str) -> Reply:
        op = self.operations.get(name)
        if op is None:
            return Reply(404, google_error(404, "NOT_FOUND", f"operation {name} not found"))
        with self.lock:
            if op.polls_left > 0:
                op.polls_left -= 1
                return Reply(200, {"name": name, "done": False})
        if any(w in op.prompt for w in BLOCKED_WORDS):
            response = {
                "@type": "type.googleapis.com/cloud.ai.large_models.vision.GenerateVideoResponse",
                "raiMediaFilteredCount": 1,
                "raiMediaFilteredReasons": [
                    "The prompt could not be submitted: it may violate our policies."
                ],
            }
        else:
            video = base64.b64encode(
                tiny_mp4(float(op.parameters.get("durationSeconds", 8)))
            ).decode()
            response = {
                "@type": "type.googleapis.com/cloud.ai.large_models.vision.GenerateVideoResponse",
                "videos": [{"bytesBase64Encoded": video, "mimeType": "video/mp4"}],
            }
        return Reply(200, {"name": name, "done": True, "response": response})
