"""A fake OpenAI-compatible LLM endpoint: `/v1/chat/completions` and `/v1/audio/transcriptions`.

It speaks the real JSON shapes (choices/message/content/refusal/finish_reason, usage;
verbose_json transcriptions with word timestamps) and checks the Bearer key, quoting a
wrong one back like the real API does (a redaction test). Structured replies come from
`script` (a queue: a str is the content, a dict is sent as JSON content, `Refuse("...")`
is a refusal) and then from `responder(request_json) -> content`; by default a small
"director" that answers a storyboard request with a valid plan built from the request.
Faults (429 + Retry-After, 500, slow answers) are injected per route: "chat", "transcribe".
"""

from __future__ import annotations

import itertools
import json
import re
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from tests.fakes.openai_videos import parse_form
from tests.fakes.server import FakeServer, Reply, Request

DIRECTOR_WORD = "lantern-lit"  # appears in every action the fake director writes


@dataclass
class Refuse:
    message: str = "I'm sorry, I can't help with that."


def director(request: dict) -> dict:
    """A valid plan for a storyboard request (the user message's JSON), or a prompt rewrite."""
    user = next(m["content"] for m in request["messages"] if m["role"] == "user")
    if isinstance(user, list):  # text and images: the request is the text's JSON part
        text = next(p["text"] for p in user if p.get("type") == "text")
        user = text[: text.rindex("}") + 1]
    if user.startswith("Refusal:"):
        return {"prompt": "A gentle, stylised version of the shot, " + DIRECTOR_WORD + " and calm",
                "changes": "removed the refused words"}  # fmt: skip
    brief = json.loads(user)
    scenes = []
    for s in brief["scenes"]:
        sung = s.get("lyrics_sung") or ""
        scenes.append(
            {
                "index": s["index"],
                "action": f"Mara walks through the {DIRECTOR_WORD} market as the {s['section']} swells",
                "location": "market",
                "setting": "blue hour, light rain",
                "camera": "slow dolly forward, medium shot",
                "characters": ["mara"],
                "lyric": " ".join(sung.split()[:6]),
            }
        )
    return {
        "concept": {"logline": f"A night in the life of {brief['song']['title']}", "treatment": "narrative"},
        "bible": {
            "characters": [{"id": "mara", "name": "Mara",
                            "description": "a woman in her twenties, short black bob, yellow raincoat"}],
            "locations": [{"id": "market", "name": "Night market",
                           "description": "a crowded night market strung with paper lanterns"}],
            "palette": ["amber", "deep teal", "warm red"],
            "lens": "35mm anamorphic, shallow focus",
            "camera_language": "patient tracking shots",
            "era": "present day",
        },
        "scenes": scenes,
    }  # fmt: skip


def _tokens(content: Any) -> int:
    """Roughly what the API bills: text by length, an image part as a flat 85 tokens."""
    if isinstance(content, list):
        return sum(85 if p.get("type") == "image_url" else len(str(p.get("text", ""))) // 4
                   for p in content)  # fmt: skip
    return len(str(content or "")) // 4


def image_parts(request: dict) -> list[dict]:
    """The `image_url` content parts of a chat request, in order."""
    return [p for m in request["messages"] if isinstance(m.get("content"), list)
            for p in m["content"] if p.get("type") == "image_url"]  # fmt: skip


class VisionEditor:
    """A stand-in vision critic: clip reviews pop `verdicts` (then accept), the contact sheet
    rubric gets `scene_score` for every scene but those at positions `weak_at` on the sheet,
    which score 1 (their scene numbers go to `flagged`). Anything else goes to `director`."""

    def __init__(self, *verdicts: str, scene_score: int = 4, revised_prompt: str = "",
                 weak_at: tuple[int, ...] = ()) -> None:  # fmt: skip
        self.verdicts = deque(verdicts)
        self.scene_score = scene_score
        self.revised_prompt = revised_prompt
        self.weak_at = weak_at
        self.flagged: list[int] = []
        self.clip_reviews = 0
        self.rubrics = 0

    def __call__(self, request: dict) -> dict:
        system = str(request["messages"][0].get("content", ""))
        if "contact sheet" in system:
            self.rubrics += 1
            brief = json.loads(request["messages"][1]["content"][0]["text"])
            scenes = [s["scene"] for s in brief["scenes"]]
            weak = {scenes[i] for i in self.weak_at if i < len(scenes)}
            self.flagged = sorted(weak)
            return {"theme_fit": 4, "storytelling": 3, "continuity": 4, "technical_quality": 4,
                    "scenes": [{"scene": n, "score": 1 if n in weak else self.scene_score,
                                "problem": "off theme" if n in weak else ""} for n in scenes],
                    "summary": "coherent neon video"}  # fmt: skip
        if image_parts(request):
            self.clip_reviews += 1
            verdict = self.verdicts.popleft() if self.verdicts else "accept"
            bad = verdict != "accept"
            return {"verdict": verdict, "prompt_adherence": 2 if bad else 4, "continuity": 4,
                    "visual_quality": 2 if bad else 4,
                    "problems": ["the subject is missing"] if bad else [],
                    "revised_prompt": self.revised_prompt if verdict == "revise" else ""}  # fmt: skip
        return director(request)


class FakeOpenAIChat(FakeServer):
    def __init__(
        self,
        *,
        api_key: str = "sk-test-llm-key",
        json_schema: bool = True,
        responder: Callable[[dict], Any] | None = None,
    ) -> None:
        super().__init__()
        self.api_key = api_key
        self.json_schema = json_schema  # False: answer 400 to response_format json_schema
        self.responder = responder or director
        self.script: deque[Any] = deque()
        self.requests: list[dict] = []  # chat request bodies, in order
        self.words: list[dict] = [
            {"word": "Hello", "start": 1.0, "end": 1.4},
            {"word": "neon", "start": 1.5, "end": 1.9},
            {"word": "night", "start": 2.0, "end": 2.6},
            {"word": "drive", "start": 4.0, "end": 4.5},
            {"word": "home", "start": 4.6, "end": 5.2},
        ]
        self._ids = itertools.count(1)

    @property
    def base_url(self) -> str:
        return self.url + "/v1"

    def handle(self, req: Request) -> tuple[str, object]:
        if req.headers.get("authorization") != f"Bearer {self.api_key}":
            given = req.headers.get("authorization", "").removeprefix("Bearer ")
            return "unauthorized", Reply(
                401,
                {"error": {"message": f"Incorrect API key provided: {given}.", "type": "invalid_request_error",
                           "code": "invalid_api_key"}},
            )  # fmt: skip
        if req.method == "POST" and req.path == "/v1/chat/completions":
            return "chat", lambda: self._chat(req)
        if req.method == "GET" and req.path == "/v1/models":
            return "models", Reply(200, {"object": "list", "data": [
                {"id": m, "object": "model", "created": 0, "owned_by": "fake"}
                for m in ("gpt-4.1-mini", "whisper-1")]})  # fmt: skip
        if req.method == "POST" and req.path == "/v1/audio/transcriptions":
            return "transcribe", lambda: self._transcribe(req)
        return "unknown", Reply(404, {"error": {"message": f"Unknown path {req.path}"}})

    def _chat(self, req: Request) -> Reply:
        body = req.json()
        with self.lock:
            self.requests.append(body)
        fmt = (body.get("response_format") or {}).get("type")
        if fmt == "json_schema" and not self.json_schema:
            return Reply(400, {"error": {"message": "response_format json_schema is not supported by this model",
                                         "type": "invalid_request_error", "param": "response_format"}})  # fmt: skip
        answer = self.script.popleft() if self.script else self.responder(body)
        refusal = None
        if isinstance(answer, Refuse):
            content, refusal = None, answer.message
        elif isinstance(answer, dict | list):
            content = json.dumps(answer)
        else:
            content = str(answer)
        prompt_tokens = sum(_tokens(m.get("content", "")) for m in body["messages"])
        completion_tokens = len(content or refusal or "") // 4
        return Reply(
            200,
            {
                "id": f"chatcmpl-{next(self._ids)}",
                "object": "chat.completion",
                "created": int(time.time()),
                "model": body.get("model", ""),
                "choices": [{"index": 0, "finish_reason": "stop", "logprobs": None,
                             "message": {"role": "assistant", "content": content, "refusal": refusal}}],
                "usage": {"prompt_tokens": prompt_tokens, "completion_tokens": completion_tokens,
                          "total_tokens": prompt_tokens + completion_tokens},
            },
        )  # fmt: skip

    def _transcribe(self, req: Request) -> Reply:
        fields, files = parse_form(req)
        if "file" not in files:
            return Reply(400, {"error": {"message": "no file"}})
        if fields.get("response_format") != "verbose_json":
            return Reply(200, {"text": " ".join(w["word"] for w in self.words)})
        # A repeated form field ("timestamp_granularities[]" twice): read them all from the body.
        grains = [
            g.decode()
            for g in re.findall(rb'name="timestamp_granularities\[\]"\r\n\r\n(\w+)', req.body)
        ]
        out: dict[str, Any] = {
            "task": "transcribe",
            "language": "english",
            "duration": 6.0,
            "text": " ".join(w["word"] for w in self.words),
        }
        if "word" in grains:
            out["words"] = self.words
        if "segment" in grains:
            out["segments"] = [
                {"id": 0, "seek": 0, "start": 1.0, "end": 2.6, "text": "Hello neon night",
                 "tokens": [], "temperature": 0.0, "avg_logprob": -0.1, "compression_ratio": 1.0,
                 "no_speech_prob": 0.01},
                {"id": 1, "seek": 0, "start": 4.0, "end": 5.2, "text": "drive home",
                 "tokens": [], "temperature": 0.0, "avg_logprob": -0.1, "compression_ratio": 1.0,
                 "no_speech_prob": 0.01},
            ]  # fmt: skip
        return Reply(200, out)
