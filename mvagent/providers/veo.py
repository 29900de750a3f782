"""`veo`: Google Veo through the `google-genai` SDK.

`client.models.generate_videos(...)` starts a long-running operation, `client.operations.get`
polls it, and the finished operation carries the video bytes. The installed SDK (3.x) only
offers `generate_videos` on the Vertex AI backend ("Gemini Enterprise Agent Platform"; Veo
is no longer served by the Gemini Developer API), so the client is built with
`vertexai=True`: with an API key (Vertex express mode, `GEMINI_API_KEY`/`GOOGLE_API_KEY`) or
with `project` + `location` and Application Default Credentials.

Prices (USD per generated second) are Google's list prices for 720p/1080p as published by
the sources in docs/providers.md; they are assumptions to override with
`price_per_second_usd` when your contract differs.
"""

from __future__ import annotations

import base64
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from mvagent import telemetry
from mvagent.errors import ConfigError, ModerationError, ProviderError, RetryableProviderError
from mvagent.models import ClipRequest
from mvagent.providers import register
from mvagent.providers.base import Capabilities, VideoProvider
from mvagent.providers.catalog import default_model, model_spec, with_price
from mvagent.providers.remote import (
    JobJournal,
    fingerprint,
    fit_image,
    redact,
    remember_secret,
    retry_after_s,
    reveal,
    sha256_file,
    write_atomic,
)

T = TypeVar("T")

# Veo 3.1 only (2.0 and 3.0 were shut down on 2026-06-30); durations, sizes, prices and the
# reference-image limit come from the model table (models.toml).
DEFAULT_MODEL = default_model("veo")
_MODERATION_HINTS = ("safety", "responsible ai", "policy", "prohibited", "blocked", "filtered")


def _moderation(text: object) -> bool:
    low = str(text or "").lower()
    return any(h in low for h in _MODERATION_HINTS)


@register("veo")
class VeoProvider(VideoProvider):
    """Veo video generation on Vertex AI; see the module docstring."""

    remote = True
    cache_fields: tuple[str, ...] = ("prompt", "seed", "reference")

    def __init__(
        self,
        *,
        api_key: object = None,
        base_url: str | None = None,
        model: str | None = None,
        project: str | None = None,
        location: str | None = None,
        price_per_second_usd: float | None = None,
        timeout_s: float = 60.0,
        poll_interval_s: float = 10.0,
        max_wait_s: float = 900.0,
        jobs_dir: str | Path | None = None,
        sleep: Callable[[float], None] = time.sleep,
        reference_images: list[str | Path] | None = None,
        **_ignored: object,
    ) -> None:
        self._api_key = (
            reveal(api_key)
            or (os.environ.get("GEMINI_API_KEY") or "").strip()
            or (os.environ.get("GOOGLE_API_KEY") or "").strip()
            or None
        )
        self.project = reveal(project) or os.environ.get("GOOGLE_CLOUD_PROJECT") or None
        self.location = reveal(location) or os.environ.get("GOOGLE_CLOUD_LOCATION") or None
        if not self._api_key and not self.project:
            raise ConfigError(
                "the veo provider needs an API key (save a VeoCredentials Block, or set "
                "GEMINI_API_KEY or GOOGLE_API_KEY) or a Google Cloud project with Application "
                "Default Credentials (GOOGLE_CLOUD_PROJECT)"
            )
        remember_secret(self._api_key)
        self.base_url = reveal(base_url)
        self.spec = with_price(model_spec("veo", reveal(model)), price_per_second_usd)
        self.model = self.spec.name
        # Character/style images sent with every clip (Veo 3.1 takes up to 3 "asset" images).
        self.reference_images = [Path(p) for p in (reference_images or [])][
            : self.spec.reference_images
        ]
        self.cache_extra = [sha256_file(p) for p in self.reference_images]
        self.timeout_s = timeout_s
        self.poll_interval_s = poll_interval_s
        self.max_wait_s = max_wait_s
        self.journal = JobJournal(jobs_dir)
        self.sleep = sleep
        self.last_job_id: str | None = None
        self._client: Any = None

    @property
    def capabilities(self) -> Capabilities:
        return self.spec.capabilities()

    @property
    def client(self) -> Any:
        if self._client is None:
            from google import genai
            from google.genai import types

            options = types.HttpOptions(
                base_url=self.base_url, timeout=int(self.timeout_s * 1000), retry_options=None
            )
            if self._api_key:
                self._client = genai.Client(
                    vertexai=True, api_key=self._api_key, http_options=options
                )
            else:
                self._client = genai.Client(
                    vertexai=True,
                    project=self.project,
                    location=self.location or "global",
                    http_options=options,
                )
        return self._client

    # ------------------------------------------------------------------ generation

    def generate(self, request: ClipRequest, *, dest: Path) -> Path:
        from google.genai import types

        caps = self.capabilities
        seconds = int(caps.pick_duration(request.duration_s))
        width, height = caps.pick_size(request.width, request.height)
        ref_sha = sha256_file(request.reference_image)
        key = fingerprint(
            provider="veo",
            base_url=self.base_url,
            model=self.model,
            prompt=request.prompt,
            seconds=seconds,
            size=(width, height),
            seed=request.seed,
            reference=ref_sha,
            assets=self.cache_extra,
        )

        def create() -> Any:
            image = None
            if request.reference_image is not None and caps.image_reference:
                png = fit_image(request.reference_image, width=width, height=height)
                image = types.Image(image_bytes=png, mime_type="image/png")
            config = types.GenerateVideosConfig(
                number_of_videos=1,
                duration_seconds=seconds,
                aspect_ratio="16:9" if width >= height else "9:16",
                resolution="1080p" if max(width, height) >= 1920 else "720p",
                seed=request.seed,
                negative_prompt=request.negative_prompt or None,
                generate_audio=False,  # the music video has its own soundtrack
                reference_images=[
                    types.VideoGenerationReferenceImage(
                        image=types.Image(image_bytes=p.read_bytes(), mime_type="image/png"),
                        reference_type="ASSET",
                    )
                    for p in self.reference_images
                ]
                or None,
            )
            source = types.GenerateVideosSource(prompt=request.prompt, image=image)
            return self._call(
                lambda: self.client.models.generate_videos(
                    model=self.model, source=source, config=config
                ),
                what="starting the generation",
            )

        record = self.journal.get(key)
        operation = None
        if record is not None:
            operation = self._resume(record["job_id"])
            if operation is None:
                self.journal.drop(key)
        if operation is None:
            operation = create()
            self.journal.put(
                key, {"provider": "veo", "job_id": operation.name, "created": time.time()}
            )
        self.last_job_id = operation.name
        operation = self._wait(operation)
        try:
            data = self._video_bytes(operation)
        except (ModerationError, ProviderError):
            self.journal.drop(key)
            raise
        write_atomic(Path(dest), data)
        self.journal.drop(key)
        return Path(dest)

    def _resume(self, name: str) -> Any:
        from google.genai import types

        try:
            return self._call(
                lambda: self.client.operations.get(types.GenerateVideosOperation(name=name)),
                what="resuming the operation",
            )
        except ProviderError as exc:
            if getattr(exc, "http_status", None) == 404:
                return None
            raise

    def _wait(self, operation: Any) -> Any:
        deadline = time.monotonic() + self.max_wait_s
        while not operation.done:
            if time.monotonic() > deadline:
                raise RetryableProviderError(
                    f"veo operation still running after {self.max_wait_s:.0f} s"
                )
            self.sleep(self.poll_interval_s)
            operation = self._call(
                lambda op=operation: self.client.operations.get(op), what="polling"
            )
        return operation

    def _video_bytes(self, operation: Any) -> bytes:
        if operation.error:
            message = redact(operation.error.get("message", operation.error))
            if _moderation(message):
                raise ModerationError(f"veo refused the prompt: {message}")
            raise ProviderError(f"veo operation failed: {message}")
        result = operation.result or operation.response
        videos = list(getattr(result, "generated_videos", None) or [])
        if not videos:
            reasons = "; ".join(getattr(result, "rai_media_filtered_reasons", None) or [])
            if getattr(result, "rai_media_filtered_count", None):
                raise ModerationError(f"veo filtered the video: {reasons or 'no reason given'}")
            raise ProviderError("veo finished without a video")
        video = videos[0].video
        if video.video_bytes:
            data = video.video_bytes
            return base64.b64decode(data) if isinstance(data, str) else data
        if video.uri and video.uri.startswith(("http://", "https://")):
            with telemetry.provider_call("veo", "download", model=self.model):
                return self._download(video.uri)
        raise ProviderError(
            f"veo stored the video at {video.uri}; this provider expects the bytes inline "
            "(do not set an output storage URI)"
        )

    def _download(self, uri: str) -> bytes:
        import httpx

        headers = {"x-goog-api-key": self._api_key} if self._api_key else {}
        try:
            resp = httpx.get(uri, headers=headers, timeout=self.timeout_s, follow_redirects=True)
        except httpx.TimeoutException:
            raise RetryableProviderError("veo download timed out") from None
        except httpx.TransportError as exc:
            raise RetryableProviderError(f"veo download failed: {redact(exc)}") from None
        if resp.status_code == 429 or resp.status_code >= 500:
            raise RetryableProviderError(
                f"veo download answered HTTP {resp.status_code}",
                retry_after_s=retry_after_s(resp.headers),
            )
        if resp.status_code != 200:
            raise ProviderError(f"veo download answered HTTP {resp.status_code}")
        return resp.content

    def _call(self, fn: Callable[[], T], *, what: str) -> T:
        """One SDK call as a span (create, poll) with its errors mapped."""
        with telemetry.provider_call("veo", telemetry.operation_of(what), model=self.model):
            return self._call_mapped(fn, what=what)

    def _call_mapped(self, fn: Callable[[], T], *, what: str) -> T:
        """One SDK call with its errors mapped onto ours, raised `from None` (no key leaks)."""
        import httpx
        from google.genai import errors

        transient: tuple[type[BaseException], ...] = (httpx.TimeoutException, httpx.TransportError)
        try:
            import httpx2

            transient += (httpx2.TimeoutException, httpx2.TransportError)
        except ImportError:  # pragma: no cover - depends on the SDK's HTTP stack
            pass
        try:
            return fn()
        except errors.APIError as exc:
            status = int(exc.code or 0)
            message = redact(exc.message or exc.status or "", [self._api_key])
            err: ProviderError
            if status == 429 or status >= 500:
                headers = getattr(exc.response, "headers", None)
                err = RetryableProviderError(
                    f"veo answered HTTP {status} while {what}: {message}",
                    retry_after_s=retry_after_s(headers),
                )
            elif status in (401, 403):
                raise ConfigError(
                    f"veo rejected the credentials (HTTP {status}) while {what}; check the "
                    "VeoCredentials Block or GEMINI_API_KEY / GOOGLE_API_KEY"
                ) from None
            elif _moderation(message):
                err = ModerationError(f"veo refused the prompt: {message}")
            else:
                err = ProviderError(f"veo answered HTTP {status} while {what}: {message}")
            err.http_status = status  # type: ignore[attr-defined]
            raise err from None
        except transient as exc:
            kind = "timed out" if "Timeout" in type(exc).__name__ else "unreachable"
            raise RetryableProviderError(f"veo {kind} while {what}") from None
