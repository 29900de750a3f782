"""Fake Suno APIs on 127.0.0.1: a hosted sunoapi-style service and a self-hosted gcui-art/suno-api.

Hosted: `POST /api/v1/generate` -> taskId; `GET /api/v1/generate/record-info?taskId=` moves
PENDING -> TEXT_SUCCESS -> FIRST_SUCCESS -> SUCCESS over polls; `POST
/api/v1/generate/get-timestamped-lyrics` -> alignedWords. Self-hosted: `GET /api/get[?ids=]`,
`GET /api/get_aligned_lyrics?song_id=`. Both serve `/files/<id>.mp3` and `/files/<id>.jpg`.
Credits: `GET /api/v1/generate/credit` (hosted), `GET /api/get_limit` (self-hosted).
Routes: generate, record, lyrics, get, aligned, audio, image, credits, limit.

`FakeCdn` serves the same files on its own port and records every request's headers; pass
`media_url=cdn.host_url` (a `localhost` URL: another host than 127.0.0.1) to FakeSuno and the
track records point there, as real ones point at Suno's CDN.
"""

from __future__ import annotations

import itertools

from tests.fakes.media import tiny_mp3, tiny_png
from tests.fakes.server import FakeServer, Reply, Request

LYRICS = "[Verse]\nNeon rain on the glass\nWe drive till the night is gone"
WORDS = [
    ("Neon", 0.5, 0.9),
    ("rain", 0.9, 1.2),
    ("on", 1.2, 1.3),
    ("the", 1.3, 1.4),
    ("glass", 1.4, 1.9),
]
STAGES = ["PENDING", "TEXT_SUCCESS", "FIRST_SUCCESS", "SUCCESS"]


class FakeSuno(FakeServer):
    def __init__(
        self,
        *,
        api_key: str | None = "suno-test-key",
        media_url: str | None = None,
        song_mp3: bytes | None = None,
    ) -> None:
        super().__init__()
        self.api_key = api_key
        self.song_mp3 = song_mp3  # every track's audio (default: a 2 s tone)
        self.media_url = media_url or self.url
        self.tasks: dict[str, dict] = {}
        self.callbacks: list[str] = []
        self.credits = 420
        self._ids = itertools.count(1)
        # The self-hosted library: one finished song with lyrics, one instrumental, one in progress.
        self.library = [
            self._clip("c-lyrics", "Night Drive", LYRICS, "complete"),
            self._clip("c-instr", "Ambient Tide", "", "complete"),
            self._clip("c-busy", "Not Yet", LYRICS, "streaming"),
        ]

    def _clip(self, cid: str, title: str, lyric: str, status: str, audio: bool = True) -> dict:
        # A streaming clip already has an audio URL (a live stream), as on Suno.
        return {"id": cid, "title": title, "lyric": lyric, "status": status, "tags": "synthwave, dreamy",
                "audio_url": f"{self.media_url}/files/{cid}.mp3" if audio else "",
                "image_url": f"{self.media_url}/files/{cid}.jpg", "duration": 2.0,
                "created_at": "2026-11-20T10:00:00.000Z", "model_name": "chirp-v4"}  # fmt: skip

    def handle(self, req: Request) -> tuple[str, object]:
        path = req.path
        if path.startswith("/files/"):
            name = path.rsplit("/", 1)[-1]
            if name.endswith(".mp3"):
                audio = self.song_mp3 if self.song_mp3 is not None else tiny_mp3(2.0)
                return "audio", Reply(200, audio, headers={"content-type": "audio/mpeg"})
            return "image", Reply(200, tiny_png(), headers={"content-type": "image/png"})
        if self.api_key and req.headers.get("authorization") != f"Bearer {self.api_key}":
            return "unauthorized", Reply(401, {"code": 401, "msg": "Unauthorized"})
        if path == "/api/v1/generate" and req.method == "POST":
            return "generate", lambda: self._generate(req.json())
        if path == "/api/v1/generate/record-info":
            return "record", lambda: self._record(req.query.get("taskId", ""))
        if path == "/api/v1/generate/get-timestamped-lyrics":
            return "lyrics", lambda: self._hosted_words(req.json())
        if path == "/api/get":
            ids = req.query.get("ids")
            wanted = set(ids.split(",")) if ids else None
            return "get", Reply(
                200, [c for c in self.library if wanted is None or c["id"] in wanted]
            )
        if path == "/api/v1/generate/credit":  # hosted: credits left, for `mvagent doctor`
            return "credits", Reply(200, {"code": 200, "msg": "success", "data": self.credits})
        if path == "/api/get_limit":  # self-hosted
            return "limit", Reply(200, {"credits_left": self.credits, "period": "month",
                                        "monthly_limit": 2500, "monthly_usage": 2500 - self.credits})  # fmt: skip
        if path == "/api/get_aligned_lyrics":
            return "aligned", lambda: self._selfhosted_words(req.query.get("song_id", ""))
        return "unknown", Reply(404, {"code": 404, "msg": "not found"})

    def _generate(self, body: dict) -> Reply:
        if not body.get("callBackUrl"):
            return Reply(200, {"code": 400, "msg": "callBackUrl is required", "data": None})
        task_id = f"task{next(self._ids)}"
        self.tasks[task_id] = {"body": body, "stage": 0}
        self.callbacks.append(body["callBackUrl"])
        return Reply(200, {"code": 200, "msg": "success", "data": {"taskId": task_id}})

    def _record(self, task_id: str) -> Reply:
        task = self.tasks.get(task_id)
        if task is None:
            return Reply(200, {"code": 404, "msg": f"task {task_id} not found", "data": None})
        stage = STAGES[min(task["stage"], len(STAGES) - 1)]
        task["stage"] += 1
        body = task["body"]
        tracks = []
        if stage in ("FIRST_SUCCESS", "SUCCESS"):
            tracks = [{"id": f"{task_id}-a", "audioUrl": f"{self.media_url}/files/{task_id}-a.mp3",
                       "imageUrl": f"{self.media_url}/files/{task_id}-a.jpg", "prompt": LYRICS,
                       "modelName": "chirp-v4-5", "title": body.get("title") or "Untitled",
                       "tags": body.get("style", ""), "createTime": "2026-11-20 10:00:00", "duration": 2.0}]  # fmt: skip
        data = {"taskId": task_id, "status": stage, "type": "GENERATE", "errorCode": None,
                "errorMessage": None, "response": {"taskId": task_id, "sunoData": tracks}}  # fmt: skip
        return Reply(200, {"code": 200, "msg": "success", "data": data})

    def _hosted_words(self, body: dict) -> Reply:
        words = [
            {"word": w, "success": True, "startS": s, "endS": e, "palign": 0} for w, s, e in WORDS
        ]
        if body.get("taskId") not in self.tasks:
            return Reply(200, {"code": 404, "msg": "task not found", "data": None})
        return Reply(200, {"code": 200, "msg": "success", "data": {"alignedWords": words, "waveformData": [],
                                                                     "hootCer": 0.1, "isStreamed": False}})  # fmt: skip

    def _selfhosted_words(self, song_id: str) -> Reply:
        clip = next((c for c in self.library if c["id"] == song_id), None)
        if clip is None:
            return Reply(500, {"error": "Internal server error"})
        if not clip["lyric"]:
            return Reply(200, [])
        return Reply(200, [{"word": w, "start_s": s, "end_s": e, "success": True, "p_align": 0.9}
                           for w, s, e in WORDS])  # fmt: skip


class FakeCdn(FakeServer):
    """Audio and cover files on another origin; `host_url` names it as `localhost`."""

    def handle(self, req: Request) -> tuple[str, object]:
        if req.path.startswith("/files/") and req.path.endswith(".mp3"):
            return "audio", Reply(200, tiny_mp3(2.0), headers={"content-type": "audio/mpeg"})
        if req.path.startswith("/files/"):
            return "image", Reply(200, tiny_png(), headers={"content-type": "image/png"})
        return "unknown", Reply(404, b"")

    @property
    def host_url(self) -> str:
        return f"http://localhost:{self._httpd.server_port}"

    def authorized(self) -> list[str]:
        """Paths of requests that carried an Authorization header (must stay empty)."""
        return [r.path for r in self.log if "authorization" in r.headers]
