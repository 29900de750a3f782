"""`sora`: the OpenAI Videos API (`/v1/videos`) through the official `openai` SDK.

OpenAI removed this API (and `sora-2`, `sora-2-pro`) on 2026-09-24. OpenAI-compatible
gateways still serve the same contract for other models, so `base_url` and `model` are
configurable: point them at the gateway and set `price_per_second_usd` for its model.

One clip = `videos.create` (model, prompt, `seconds` "4"/"8"/"12", `size`, optional
`input_reference` image for the first frame), polling `videos.retrieve` at the interval the
`openai-poll-after-ms` header asks for, then `videos.download_content`. The job id is
journalled right after the create so a retry or a rerun resumes it instead of paying again.
The SDK's own retries are off (`max_retries=0`): the retry policy lives in `generation.py`.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from mvagent import telemetry
from mvagent.errors import (
    ConfigError,
    ModerationError,
    ProviderError,
    QuotaExceededError,
    RetryableProviderError,
)
from mvagent.models import ClipRequest
from mvagent.providers import register
from mvagent.providers.base import Capabilities, VideoProvider
from mvagent.providers.quota import is_quota_error
from mvagent.providers.remote import (
    JobJournal,
    atomic_path,
    fingerprint,
    fit_image,
    redact,
    remember_secret,
    resolve_key,
    retry_after_s,
    reveal,
    sha256_file,
)

T = TypeVar("T")

_SECONDS = (4.0, 8.0, 12.0)
_LANDSCAPE_PORTRAIT = ((1280, 720), (720, 1280))
_ALL_SIZES = (*_LANDSCAPE_PORTRAIT, (1792, 1024), (1024, 1792))
# Prompt limit: not published; 4000 characters is our assumption.
MODELS: dict[str, Capabilities] = {
    "sora-2": Capabilities(
        durations_s=_SECONDS,
        max_duration_s=12.0,
        sizes=_LANDSCAPE_PORTRAIT,
        image_reference=True,
        price_per_second_usd=0.10,
        remix=True,
    ),
    "sora-2-pro": Capabilities(
        durations_s=_SECONDS,
        max_duration_s=12.0,
        sizes=_ALL_SIZES,
        image_reference=True,
        price_per_second_usd=0.30,
        remix=True,
    ),
}
DEFAULT_MODEL = "sora-2"
# A gateway model we know nothing about is priced like the dearest Sora, so budgets err safe.
UNKNOWN_MODEL_PRICE_USD = 0.30
_MODERATION_HINTS = ("moderation", "content_policy", "content policy", "safety", "policy_violation")


def is_moderation(code: object, message: object) -> bool:
    text = f"{code or ''} {message or ''}".lower()
    return any(hint in text for hint in _MODERATION_HINTS)


@register("sora")
class SoraProvider(VideoProvider):
    """Sora-contract video generation; see the module docstring."""

    # What of a request changes the output (the cache key adds provider, model, size, duration).
    remote = True
    # The seed is the plan's take number: a new seed asks for a new take (not sent to the API).
    cache_fields: tuple[str, ...] = ("prompt", "seed", "reference")

    def __init__(
        self,
        *,
        api_key: object = None,
        base_url: str | None = None,
        model: str | None = None,
        organization: str | None = None,
        price_per_second_usd: float | None = None,
        timeout_s: float = 60.0,
        poll_interval_s: float = 2.0,
        max_wait_s: float = 900.0,
        jobs_dir: str | Path | None = None,
        sleep: Callable[[float], None] = time.sleep,
        **_ignored: object,
    ) -> None:
        import os

        self._api_key = resolve_key(
            api_key,
            env=("SORA_API_KEY", "OPENAI_API_KEY"),
            provider="sora",
            block="SoraCredentials",
        )
        remember_secret(self._api_key)
        self.base_url = reveal(base_url) or os.environ.get("OPENAI_BASE_URL") or None
        self.model = reveal(model) or os.environ.get("SORA_MODEL") or DEFAULT_MODEL
        self.organization = organization
        self.price_override = price_per_second_usd
        self.timeout_s = timeout_s
        self.poll_interval_s = poll_interval_s
        self.max_wait_s = max_wait_s
        self.journal = JobJournal(jobs_dir)
        self.sleep = sleep
        self.last_job_id: str | None = None
        self._client: Any = None

    # ------------------------------------------------------------------ interface

    @property
    def capabilities(self) -> Capabilities:
        known = MODELS.get(self.model)
        base = known or Capabilities(
            durations_s=_SECONDS,
            max_duration_s=12.0,
            sizes=_ALL_SIZES,
            image_reference=True,
            price_per_second_usd=UNKNOWN_MODEL_PRICE_USD,
            remix=True,
        )
        if self.price_override is None:
            return base
        from dataclasses import replace

        return replace(base, price_per_second_usd=float(self.price_override))

    def generate(self, request: ClipRequest, *, dest: Path) -> Path:
        caps = self.capabilities
        seconds = int(caps.pick_duration(request.duration_s))
        width, height = caps.pick_size(request.width, request.height)
        ref_sha = sha256_file(request.reference_image)
        key = fingerprint(
            provider="sora",
            base_url=self.base_url,
            model=self.model,
            prompt=request.prompt,
            seconds=seconds,
            size=(width, height),
            reference=ref_sha,
        )

        def create() -> str:
            kwargs: dict[str, Any] = {
                "model": self.model,
                "prompt": request.prompt,
                "seconds": str(seconds),
                "size": f"{width}x{height}",
            }
            if request.reference_image is not None and caps.image_reference:
                png = fit_image(request.reference_image, width=width, height=height)
                kwargs["input_reference"] = ("reference.png", png, "image/png")
            return self._call(
                lambda: self.client.videos.create(**kwargs), what="creating the video"
            ).id

        return self._run_job(key, create, dest=dest)

    def remix(self, video_id: str, *, prompt: str, dest: Path) -> Path:
        """A revision of a finished video with a new prompt (same length and size)."""
        key = fingerprint(provider="sora", base_url=self.base_url, remix_of=video_id, prompt=prompt)

        def create() -> str:
            return self._call(
                lambda: self.client.videos.remix(video_id, prompt=prompt), what="remixing the video"
            ).id

        return self._run_job(key, create, dest=dest)

    # ------------------------------------------------------------------ job lifecycle

    @property
    def client(self) -> Any:
        if self._client is None:
            import openai

            self._client = openai.OpenAI(
                api_key=self._api_key,
                base_url=self.base_url,
                organization=self.organization,
                max_retries=0,
                timeout=self.timeout_s,
            )
        return self._client

    def _run_job(self, key: str, create: Callable[[], str], *, dest: Path) -> Path:
        record = self.journal.get(key)
        video = None
        if record is not None:
            video = self._retrieve_or_none(record["job_id"])
            if video is None:  # expired or unknown on the server: start over
                self.journal.drop(key)
        if video is None:
            job_id = create()
            self.journal.put(key, {"provider": "sora", "job_id": job_id, "created": time.time()})
        else:
            job_id = video.id
        self.last_job_id = job_id
        video = self._wait(job_id)
        if video.status == "failed":
            self.journal.drop(key)
            code = getattr(video.error, "code", None)
            message = redact(getattr(video.error, "message", None) or "no reason given")
            if is_moderation(code, message):
                raise ModerationError(f"sora refused the prompt ({code}): {message}")
            raise ProviderError(f"sora job {job_id} failed ({code}): {message}")
        content = self._call(
            lambda: self.client.videos.download_content(job_id, variant="video"),
            what="downloading the video",
        )
        with atomic_path(dest) as tmp:
            content.write_to_file(tmp)
        self.journal.drop(key)
        return Path(dest)

    def _retrieve_or_none(self, job_id: str) -> Any:
        try:
            return self._call(lambda: self.client.videos.retrieve(job_id), what="resuming the job")
        except ProviderError as exc:
            if getattr(exc, "http_status", None) == 404:
                return None
            raise

    def _wait(self, job_id: str) -> Any:
        """Poll until the job is completed or failed, at the interval the server asks for."""
        deadline = time.monotonic() + self.max_wait_s
        while True:
            raw = self._call(
                lambda: self.client.videos.with_raw_response.retrieve(job_id),
                what="polling the job",
            )
            video = raw.parse()
            if video.status in ("completed", "failed"):
                return video
            if time.monotonic() > deadline:
                # Retryable: the next attempt resumes this same job from the journal.
                raise RetryableProviderError(
                    f"sora job {job_id} still {video.status} after {self.max_wait_s:.0f} s"
                )
            header = raw.headers.get("openai-poll-after-ms")
            try:
                delay_s = int(header) / 1000.0 if header is not None else self.poll_interval_s
            except ValueError:
                delay_s = self.poll_interval_s
            self.sleep(delay_s)

    def _call(self, fn: Callable[[], T], *, what: str) -> T:
        """One SDK call as a span (create, poll, download) with its errors mapped."""
        with telemetry.provider_call("sora", telemetry.operation_of(what), model=self.model):
            return self._call_mapped(fn, what=what)

    def _call_mapped(self, fn: Callable[[], T], *, what: str) -> T:
        """Run one SDK call, mapping its errors onto ours.

        Our errors are raised `from None`: the SDK's exception text can quote the key, and a
        chained traceback would carry it into logs.
        """
        import openai

        try:
            # The SDK marks these methods deprecated (OpenAI shut the API down); gateways still
            # serve them. Python hides DeprecationWarning outside __main__, so no filter here
            # (changing the global filters is not thread-safe).
            return fn()
        except openai.APITimeoutError:
            raise RetryableProviderError(f"sora timed out while {what}") from None
        except openai.APIConnectionError as exc:
            raise RetryableProviderError(
                f"sora unreachable while {what}: {redact(exc, [self._api_key])}"
            ) from None
        except openai.APIStatusError as exc:
            status = exc.status_code
            message = redact(getattr(exc, "message", "") or "", [self._api_key])
            code = getattr(exc, "code", None)
            err: ProviderError
            if is_quota_error(status, code, message):
                err = QuotaExceededError(
                    f"sora's account is out of quota (HTTP {status} {code or ''}) while {what}: "
                    f"{message}; top it up or use --fallback"
                )
            elif status == 429 or status >= 500:
                err = RetryableProviderError(
                    f"sora answered HTTP {status} while {what}: {message}",
                    retry_after_s=retry_after_s(exc.response.headers),
                )
            elif status in (401, 403):
                raise ConfigError(
                    f"sora rejected the API key (HTTP {status}) while {what}; check the "
                    "SoraCredentials Block or SORA_API_KEY / OPENAI_API_KEY"
                ) from None
            elif is_moderation(code, message):
                err = ModerationError(f"sora refused the prompt ({code}): {message}")
            else:
                err = ProviderError(f"sora answered HTTP {status} while {what}: {message}")
            err.http_status = status  # type: ignore[attr-defined]
            raise err from None
