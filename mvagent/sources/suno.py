"""Suno track clients: a hosted sunoapi-style service or a self-hosted gcui-art/suno-api.

Suno has no official API; two shapes are in use and both are spoken here:

- hosted sunoapi-style services: `POST /api/v1/generate` (with `callBackUrl`), `GET
  /api/v1/generate/record-info?taskId=` and `POST /api/v1/generate/get-timestamped-lyrics`
  (`alignedWords [{word, startS, endS}]`), Bearer key; answers wrapped as `{code, msg, data}`;
  results also arrive as POSTs to `callBackUrl` (`parse_callback`);
- the self-hosted gcui-art/suno-api: `GET /api/get?ids=` (no ids: the library feed) and
  `GET /api/get_aligned_lyrics?song_id=` (`[{word, start_s, end_s}]`).

Only a finished track counts: `complete` (self-hosted) or `SUCCESS` (hosted). A `streaming`
track already has an audio URL, but it is a live stream of a song still being made.
The key goes only to the API's own origin: audio and covers live on a CDN, which gets none.
"""

from __future__ import annotations

import os
import random
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable
from typing import Any, Literal
from urllib.parse import urlsplit

from pydantic import BaseModel

from mvagent.errors import BadInputError, ConfigError, ProviderError
from mvagent.models import WordTiming
from mvagent.providers.remote import redact, remember_secret, retry_after_s, reveal

# Finished, for good: "complete" (self-hosted clip status), "success" (hosted task status).
READY = {"complete", "success"}
FAILED = {
    "error",
    "create_task_failed",
    "generate_audio_failed",
    "callback_exception",
    "sensitive_word_error",
}


class SunoTrack(BaseModel):
    """One Suno song as either API describes it."""

    id: str
    title: str = ""
    audio_url: str = ""
    image_url: str = ""
    lyrics: str = ""
    style: str = ""
    duration_s: float | None = None
    status: str = ""
    created_at: str = ""
    task_id: str = ""  # hosted APIs address a track by task id + audio id

    @property
    def ready(self) -> bool:
        return bool(self.audio_url) and self.status.lower() in READY

    @property
    def source(self) -> str:
        """The `song.source` a video run reads this track back with."""
        return f"suno:{self.task_id}:{self.id}" if self.task_id else f"suno:{self.id}"

    @property
    def failed(self) -> bool:
        return self.status.lower() in FAILED


# --------------------------------------------------------------------------- HTTP


class _Http:
    """httpx with our retry policy (429/5xx/timeouts, Retry-After honoured) and no key leaks."""

    def __init__(self, base_url: str, *, api_key: str | None, timeout_s: float, attempts: int,
                 backoff_s: float, sleep: Callable[[float], None], service: str = "the Suno API") -> None:  # fmt: skip
        self.service = service
        self.base_url = base_url.rstrip("/")
        self.api_key = api_key
        remember_secret(api_key)
        self.timeout_s = timeout_s
        self.attempts = attempts
        self.backoff_s = backoff_s
        self.sleep = sleep
        self.calls = 0

    def sends_key_to(self, url: str) -> bool:
        """Whether `url` is on the API's own origin (scheme, host and port all equal)."""
        return bool(self.api_key) and _origin(url) == _origin(self.base_url)

    def request(self, method: str, path: str, *, what: str, **kw: Any) -> Any:
        import httpx

        url = path if path.startswith("http") else f"{self.base_url}{path}"
        # Audio and cover URLs name a CDN: the key is for the API alone, never for them.
        keyed = self.sends_key_to(url)
        headers = {"Authorization": f"Bearer {self.api_key}"} if keyed else {}
        for attempt in range(1, self.attempts + 1):
            self.calls += 1
            wait: float | None = None
            try:
                resp = httpx.request(method, url, headers=headers, timeout=self.timeout_s, **kw)
            except httpx.TimeoutException:
                problem = "timed out"
            except httpx.TransportError as exc:
                problem = f"unreachable ({redact(type(exc).__name__)})"
            else:
                if resp.status_code == 429 or resp.status_code >= 500:
                    problem, wait = f"answered HTTP {resp.status_code}", retry_after_s(resp.headers)
                elif resp.status_code in (401, 403):
                    if not keyed:
                        raise ProviderError(
                            f"{self.service} refused access (HTTP {resp.status_code}) while {what}"
                        )
                    raise ConfigError(
                        f"{self.service} rejected the key (HTTP {resp.status_code}) while {what}; "
                        "check SUNO_API_KEY or the SunoCredentials Block"
                    )
                elif resp.status_code >= 400:
                    raise ProviderError(
                        f"{self.service} answered HTTP {resp.status_code} while {what}"
                    )
                else:
                    return resp
            if attempt == self.attempts:
                raise ProviderError(f"{self.service} {problem} while {what} ({attempt} attempts)")
            base = self.backoff_s * 2 ** (attempt - 1)
            self.sleep(wait if wait is not None else base * (1 + random.uniform(0, 0.5)))
        raise AssertionError("unreachable")

    def json(self, method: str, path: str, *, what: str, **kw: Any) -> Any:
        resp = self.request(method, path, what=what, **kw)
        try:
            return resp.json()
        except ValueError:
            raise ProviderError(
                f"{self.service} sent something that is not JSON while {what}"
            ) from None


def _origin(url: str) -> tuple[str, str, int | None]:
    parts = urlsplit(url)
    port = parts.port or {"http": 80, "https": 443}.get(parts.scheme.lower())
    return parts.scheme.lower(), (parts.hostname or "").lower(), port


# --------------------------------------------------------------------------- clients


class SunoClient(ABC):
    """Read Suno tracks and their word timings."""

    http: _Http

    @abstractmethod
    def tracks(self, ids: Iterable[str] | None = None) -> list[SunoTrack]:
        """Tracks by id, or the recent library when `ids` is None."""

    @abstractmethod
    def aligned_words(self, track: SunoTrack) -> list[WordTiming]:
        """Word timings (seconds) for `track`; empty for instrumentals."""

    def credits(self) -> int:
        """Credits left on the account (a cheap authenticated call: `mvagent doctor`)."""
        raise ProviderError(f"{type(self).__name__} cannot read credits")

    def new_tracks(self, seen: Iterable[str]) -> list[SunoTrack]:
        """Finished tracks of the library not in `seen` (polling; Suno sends no webhooks)."""
        known = set(seen)
        return [t for t in self.tracks() if t.ready and t.id not in known]


def _words(items: list[dict], start: str, end: str) -> list[WordTiming]:
    out = []
    for w in items or []:
        if w.get(start) is None or w.get(end) is None or not str(w.get("word", "")).strip():
            continue
        out.append(WordTiming(word=str(w["word"]), start=float(w[start]), end=float(w[end])))
    return out


class HostedSunoClient(SunoClient):
    """sunoapi-style hosted API (`/api/v1/...`, answers wrapped as `{code, msg, data}`)."""

    def __init__(self, http: _Http) -> None:
        self.http = http

    def _data(self, method: str, path: str, *, what: str, **kw: Any) -> Any:
        body = self.http.json(method, path, what=what, **kw)
        code = body.get("code", 200) if isinstance(body, dict) else 200
        if code != 200:
            raise ProviderError(
                f"the Suno API said {code} ({redact(body.get('msg', ''))}) while {what}"
            )
        return body.get("data") if isinstance(body, dict) else body

    def generate(self, *, prompt: str, style: str = "", title: str = "", instrumental: bool = False,
                 model: str = "V4_5", callback_url: str) -> str:  # fmt: skip
        """Start a song; returns its task id (results arrive at `callback_url` or via polling)."""
        data = self._data("POST", "/api/v1/generate", what="starting a song", json={
            "prompt": prompt, "style": style, "title": title, "customMode": bool(style or title),
            "instrumental": instrumental, "model": model, "callBackUrl": callback_url,
        })  # fmt: skip
        return str(data["taskId"])

    def task(self, task_id: str) -> tuple[str, list[SunoTrack]]:
        """The task's status and its tracks (so far)."""
        data = self._data("GET", "/api/v1/generate/record-info", what=f"reading task {task_id}",
                          params={"taskId": task_id})  # fmt: skip
        status = str(data.get("status", ""))
        raw = ((data.get("response") or {}).get("sunoData")) or []
        return status, [self._track(r, task_id=task_id, status=status) for r in raw]

    def tracks(self, ids: Iterable[str] | None = None) -> list[SunoTrack]:
        if ids is None:
            raise ConfigError(
                "hosted Suno APIs have no library listing: receive their callbacks with "
                "`mvagent callbacks serve`, or name tracks as suno:TASK_ID"
            )
        out: list[SunoTrack] = []
        for ref in ids:
            task_id, _, audio_id = ref.partition(":")
            status, found = self.task(task_id)
            if audio_id:
                found = [t for t in found if t.id == audio_id]
            if not found and status.lower() in FAILED:
                out.append(SunoTrack(id=audio_id or task_id, task_id=task_id, status=status))
            out.extend(found)
        return out

    def credits(self) -> int:
        data = self._data("GET", "/api/v1/generate/credit", what="reading credits")
        return int(data or 0)

    def aligned_words(self, track: SunoTrack) -> list[WordTiming]:
        data = self._data("POST", "/api/v1/generate/get-timestamped-lyrics", what="reading word timings",
                          json={"taskId": track.task_id, "audioId": track.id})  # fmt: skip
        return _words((data or {}).get("alignedWords") or [], "startS", "endS")

    @staticmethod
    def _track(r: dict, *, task_id: str, status: str) -> SunoTrack:
        def pick(*names: str) -> Any:
            return next((r[n] for n in names if r.get(n) not in (None, "")), None)

        return SunoTrack(
            id=str(pick("id", "audioId") or ""),
            title=str(pick("title") or ""),
            audio_url=str(
                pick("audioUrl", "audio_url", "sourceAudioUrl", "source_audio_url") or ""
            ),
            image_url=str(pick("imageUrl", "image_url") or ""),
            lyrics=str(pick("prompt", "lyric") or ""),
            style=str(pick("tags", "style") or ""),
            duration_s=float(pick("duration")) if pick("duration") is not None else None,
            status=status,
            created_at=str(pick("createTime", "created_at") or ""),
            task_id=task_id,
        )

    @classmethod
    def parse_callback(cls, payload: object) -> tuple[str, list[SunoTrack]]:
        """The stage and tracks of a `callBackUrl` POST body.

        The stage is the body's `callbackType` (text, first, complete, error); only "complete"
        tracks have status SUCCESS (finished); "first" tracks are still being made. A body
        without the documented shape raises `BadInputError`.
        """
        if not isinstance(payload, dict) or not isinstance(payload.get("data"), dict):
            raise BadInputError("a Suno callback is a JSON object with a 'data' object")
        data = payload["data"]
        stage = str(data.get("callbackType") or "")
        task_id = str(data.get("task_id") or data.get("taskId") or "")
        if not stage or not task_id:
            raise BadInputError("a Suno callback needs data.callbackType and data.task_id")
        items = data.get("data") or []
        if not isinstance(items, list) or not all(isinstance(r, dict) for r in items):
            raise BadInputError("a Suno callback's data.data is a list of track objects")
        if payload.get("code", 200) != 200 or stage == "error":
            return "error", []
        status = {"complete": "SUCCESS", "first": "FIRST_SUCCESS"}.get(stage, stage.upper())
        tracks = [cls._track(r, task_id=task_id, status=status) for r in items]
        if any(not t.id for t in tracks):
            raise BadInputError("a Suno callback track has no id")
        return stage, tracks


class SelfHostedSunoClient(SunoClient):
    """gcui-art/suno-api (`/api/get`, `/api/get_aligned_lyrics`), answers unwrapped."""

    def __init__(self, http: _Http) -> None:
        self.http = http

    def tracks(self, ids: Iterable[str] | None = None) -> list[SunoTrack]:
        params = {"ids": ",".join(ids)} if ids is not None else None
        raw = self.http.json("GET", "/api/get", what="reading tracks", params=params)
        return [
            SunoTrack(
                id=str(r.get("id", "")),
                title=str(r.get("title") or ""),
                audio_url=str(r.get("audio_url") or ""),
                image_url=str(r.get("image_url") or ""),
                lyrics=str(r.get("lyric") or r.get("prompt") or ""),
                style=str(r.get("tags") or ""),
                duration_s=float(r["duration"]) if r.get("duration") not in (None, "") else None,
                status=str(r.get("status") or ""),
                created_at=str(r.get("created_at") or ""),
            )
            for r in (raw if isinstance(raw, list) else [])
        ]

    def credits(self) -> int:
        raw = self.http.json("GET", "/api/get_limit", what="reading credits")
        return int((raw or {}).get("credits_left", 0)) if isinstance(raw, dict) else 0

    def aligned_words(self, track: SunoTrack) -> list[WordTiming]:
        raw = self.http.json("GET", "/api/get_aligned_lyrics", what="reading word timings",
                             params={"song_id": track.id})  # fmt: skip
        if isinstance(raw, dict):  # some versions keep Suno's own wrapper
            raw = raw.get("aligned_words") or []
        return _words(raw, "start_s", "end_s")


def suno_client(
    *,
    base_url: str | None = None,
    kind: Literal["hosted", "selfhosted"] | None = None,
    api_key: object = None,
    timeout_s: float = 30.0,
    attempts: int = 4,
    backoff_s: float = 2.0,
    sleep: Callable[[float], None] = time.sleep,
) -> SunoClient:
    """A client from arguments, else `SUNO_API_BASE_URL` / `SUNO_API_KIND` / `SUNO_API_KEY`."""
    base_url = reveal(base_url) or os.environ.get("SUNO_API_BASE_URL")
    if not base_url:
        raise ConfigError(
            "suno: sources need a Suno API: set SUNO_API_BASE_URL (and SUNO_API_KIND=hosted|selfhosted, "
            "SUNO_API_KEY) or save a SunoCredentials Block"
        )
    kind = kind or os.environ.get("SUNO_API_KIND", "hosted")  # type: ignore[assignment]
    if kind not in ("hosted", "selfhosted"):
        raise ConfigError(f"SUNO_API_KIND must be hosted or selfhosted, not {kind!r}")
    key = reveal(api_key) or reveal(os.environ.get("SUNO_API_KEY"))
    http = _Http(
        base_url,
        api_key=key,
        timeout_s=timeout_s,
        attempts=attempts,
        backoff_s=backoff_s,
        sleep=sleep,
    )
    return HostedSunoClient(http) if kind == "hosted" else SelfHostedSunoClient(http)
