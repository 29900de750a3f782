"""What the queue-style providers (fal, replicate, runway) share: submit, journal, poll, fetch.

Each of them creates a remote job, polls it until it succeeds or fails, then downloads the
video from a URL that expires. `QueuedProvider.generate` does that once for all three:

- the job id is journalled right after the paid create, so a retry or a rerun resumes it;
- a job the server no longer knows (404 on poll) is created anew;
- an expired result URL is refreshed once by asking the job again (free), and only a job
  whose result is gone for good ends the attempt;
- 429, 5xx and timeouts become `RetryableProviderError` with the server's Retry-After.

`NoRetryTransport` turns the SDKs' own retries off: fal-client and replicate retry 429s
inside the SDK (fal ignoring Retry-After), which would hide retries from our policy and its
counts. It raises its own exceptions on those answers before the SDK can look at them.
"""

from __future__ import annotations

import time
from abc import abstractmethod
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

import httpx

from mvagent import telemetry
from mvagent.errors import (
    ModerationError,
    ProviderError,
    QuotaExceededError,
    RetryableProviderError,
)
from mvagent.models import ClipRequest
from mvagent.providers.base import Capabilities, VideoProvider
from mvagent.providers.catalog import ModelSpec, model_spec, with_price
from mvagent.providers.quota import is_quota_error
from mvagent.providers.remote import (
    JobJournal,
    fingerprint,
    fit_image,
    redact,
    remember_secret,
    resolve_key,
    retry_after_s,
    reveal,
    sha256_file,
    write_atomic,
)

TRANSIENT_STATUS = frozenset({408, 429, 500, 502, 503, 504})
# Words vendors use when a prompt or an output is refused for content.
MODERATION_HINTS = ("moderation", "content_policy", "content policy", "safety", "sensitive",
                    "nsfw", "flagged", "policy", "e005")  # fmt: skip


def is_moderation(*texts: object) -> bool:
    low = " ".join(str(t or "") for t in texts).lower()
    return any(h in low for h in MODERATION_HINTS)


class TransientHTTP(Exception):
    """A 408/429/5xx answer, raised by `NoRetryTransport` before the SDK can retry it."""

    def __init__(self, status: int, headers: httpx.Headers, text: str) -> None:
        super().__init__(f"HTTP {status}")
        self.status = status
        self.headers = headers
        self.text = text


class TransientNetwork(Exception):
    """A timeout or a refused connection, raised before the SDK can retry it."""


class NoRetryTransport(httpx.BaseTransport):
    """An httpx transport for an SDK client: optional host rewrite, no hidden retries.

    `rewrite` maps a vendor host (e.g. "queue.fal.run") to a base URL; SDKs without a base
    URL option are pointed at a gateway or a local fake this way.
    """

    def __init__(
        self, inner: httpx.BaseTransport | None = None, *, rewrite: Mapping[str, str] | None = None
    ) -> None:
        self.inner = inner or httpx.HTTPTransport()
        self.rewrite = {h: httpx.URL(u) for h, u in (rewrite or {}).items()}

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        target = self.rewrite.get(request.url.host)
        if target is not None:
            path = target.raw_path.rstrip(b"/") + request.url.raw_path
            request.url = request.url.copy_with(
                scheme=target.scheme, host=target.host, port=target.port, raw_path=path
            )
            request.headers["host"] = request.url.netloc.decode("ascii")
        try:
            response = self.inner.handle_request(request)
        except httpx.TimeoutException:
            raise TransientNetwork("timed out") from None
        except httpx.TransportError as exc:
            raise TransientNetwork(f"unreachable ({type(exc).__name__})") from None
        if response.status_code in TRANSIENT_STATUS:
            response.read()
            text = response.text[:300]
            response.close()
            raise TransientHTTP(response.status_code, response.headers, text)
        return response

    def close(self) -> None:
        self.inner.close()


class ResultExpired(ProviderError):
    """The result URL no longer serves the file (vendors expire them after hours or days)."""


def download(url: str, *, timeout_s: float, headers: Mapping[str, str] | None = None) -> bytes:
    """The bytes at a result URL; `ResultExpired` for 401/403/404/410 (a stale signed URL)."""
    if url.startswith("data:"):
        import base64

        return base64.b64decode(url.split(",", 1)[1])
    try:
        resp = httpx.get(url, headers=dict(headers or {}), timeout=timeout_s, follow_redirects=True)
    except httpx.TimeoutException:
        raise RetryableProviderError("the video download timed out") from None
    except httpx.TransportError as exc:
        raise RetryableProviderError(f"the video download failed ({type(exc).__name__})") from None
    if resp.status_code in TRANSIENT_STATUS:
        raise RetryableProviderError(
            f"the video download answered HTTP {resp.status_code}",
            retry_after_s=retry_after_s(resp.headers),
        )
    if resp.status_code in (401, 403, 404, 410):
        raise ResultExpired(f"the result URL answered HTTP {resp.status_code} (expired)")
    if resp.status_code != 200:
        raise ProviderError(f"the video download answered HTTP {resp.status_code}")
    return resp.content


@dataclass(frozen=True)
class JobState:
    """Where a remote job is: queued | running | done | failed (+ why, + result URLs)."""

    status: str
    urls: tuple[str, ...] = ()
    error: str = ""
    code: str = ""
    retryable: bool = False  # a failure on the vendor's side (unbilled), worth another job


class JobGone(ProviderError):
    """The server does not know the job (expired from its history, or never created)."""


def data_uri(png: bytes) -> str:
    import base64

    return "data:image/png;base64," + base64.b64encode(png).decode()


class QueuedProvider(VideoProvider):
    """A provider whose model runs as a remote job; subclasses speak their SDK.

    Subclasses set `name`, `env`, `block`, and implement `_submit`, `_state` and `_sdk_call`.
    """

    remote = True
    # The seed is the plan's take number: a new seed asks for a new take.
    cache_fields: tuple[str, ...] = ("prompt", "seed", "reference")
    env: ClassVar[tuple[str, ...]] = ()
    block: ClassVar[str] = ""

    def __init__(
        self,
        *,
        api_key: object = None,
        base_url: str | None = None,
        model: str | None = None,
        price_per_second_usd: float | None = None,
        timeout_s: float = 60.0,
        poll_interval_s: float = 5.0,
        max_wait_s: float = 900.0,
        jobs_dir: str | Path | None = None,
        sleep: Callable[[float], None] = time.sleep,
        **_ignored: object,
    ) -> None:
        self._api_key = resolve_key(api_key, env=self.env, provider=self.name, block=self.block)
        remember_secret(self._api_key)
        self.base_url = reveal(base_url)
        self.spec: ModelSpec = with_price(
            model_spec(self.name, reveal(model)), price_per_second_usd
        )
        self.model = self.spec.name
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

    # ------------------------------------------------------------------ subclass hooks

    @abstractmethod
    def _submit(self, request: ClipRequest, *, seconds: int, width: int, height: int,
                image: str | None) -> str:  # fmt: skip
        """Create the paid job; return its id. `image` is a data URI of the start frame."""

    @abstractmethod
    def _state(self, job_id: str) -> JobState:
        """One poll (raises `JobGone` if the server does not know `job_id`)."""

    @abstractmethod
    def _sdk_call(self, fn: Callable[[], Any], *, what: str) -> Any:
        """Run one SDK call with its errors mapped onto ours (raised `from None`)."""

    def _result_urls(self, job_id: str) -> tuple[str, ...]:
        """Fresh result URLs for a finished job (default: poll it again)."""
        return self._poll(job_id).urls

    def _download_headers(self) -> dict[str, str]:
        return {}

    # ------------------------------------------------------------------ the job

    def transient(self, exc: Exception, *, what: str) -> ProviderError:
        """Our error for a `TransientHTTP` / `TransientNetwork` raised by the transport."""
        if isinstance(exc, TransientHTTP) and is_quota_error(exc.status, None, exc.text):
            return QuotaExceededError(
                f"{self.name}'s account is out of quota (HTTP {exc.status}) while {what}: "
                f"{redact(exc.text, [self._api_key])}"
            )
        if isinstance(exc, TransientHTTP):
            return RetryableProviderError(
                f"{self.name} answered HTTP {exc.status} while {what}: "
                f"{redact(exc.text, [self._api_key])}",
                retry_after_s=retry_after_s(exc.headers),
            )
        return RetryableProviderError(f"{self.name} {exc} while {what}")

    def generate(self, request: ClipRequest, *, dest: Path) -> Path:
        caps = self.capabilities
        seconds = int(caps.pick_duration(request.duration_s))
        width, height = caps.pick_size(request.width, request.height)
        use_image = request.reference_image is not None and caps.image_reference
        if self.spec.image_required and not use_image:
            raise ProviderError(
                f"{self.name} model {self.model} needs a start image and this scene has none; "
                "choose a text-to-video model (see `mvagent providers`)"
            )
        key = fingerprint(
            provider=self.name, base_url=self.base_url, model=self.model, prompt=request.prompt,
            seconds=seconds, size=(width, height), seed=request.seed,
            reference=sha256_file(request.reference_image) if use_image else None,
        )  # fmt: skip
        record = self.journal.get(key)
        job_id = record["job_id"] if record else None
        state = None
        if job_id:
            try:
                state = self._poll(job_id)
            except JobGone:
                self.journal.drop(key)
                job_id = None
        if job_id is None:
            image = None
            if use_image:
                png = fit_image(request.reference_image, width=width, height=height)
                image = data_uri(png)
            with telemetry.provider_call(self.name, "create", model=self.model, seconds=seconds):
                job_id = self._submit(
                    request, seconds=seconds, width=width, height=height, image=image
                )
            self.journal.put(key, {"provider": self.name, "job_id": job_id, "created": time.time()})
        self.last_job_id = job_id
        try:
            state = self._wait(job_id, state)
        except JobGone:
            self.journal.drop(key)
            raise RetryableProviderError(
                f"{self.name} lost job {job_id}; starting it again"
            ) from None
        if state.status == "failed":
            self.journal.drop(key)
            message = redact(state.error or "no reason given", [self._api_key])
            if state.retryable:
                raise RetryableProviderError(
                    f"{self.name} job {job_id} failed on the vendor's side ({state.code}): {message}"
                )
            if is_moderation(state.code, state.error):
                raise ModerationError(f"{self.name} refused the prompt ({state.code}): {message}")
            raise ProviderError(f"{self.name} job {job_id} failed ({state.code}): {message}")
        data = self._fetch(job_id, state.urls)
        write_atomic(Path(dest), data)
        self.journal.drop(key)
        return Path(dest)

    def _poll(self, job_id: str) -> JobState:
        with telemetry.provider_call(self.name, "poll", model=self.model) as span:
            state = self._state(job_id)
            span.set_attribute("job.status", state.status)
            return state

    def _download(self, url: str) -> bytes:
        with telemetry.provider_call(self.name, "download", model=self.model):
            return download(url, timeout_s=self.timeout_s, headers=self._download_headers())

    def _wait(self, job_id: str, state: JobState | None) -> JobState:
        deadline = time.monotonic() + self.max_wait_s
        state = state or self._poll(job_id)
        while state.status not in ("done", "failed"):
            if time.monotonic() > deadline:
                # Retryable: the next attempt resumes this same job from the journal.
                raise RetryableProviderError(
                    f"{self.name} job {job_id} still {state.status} after {self.max_wait_s:.0f} s"
                )
            self.sleep(self.poll_interval_s)
            state = self._poll(job_id)
        return state

    def _fetch(self, job_id: str, urls: tuple[str, ...]) -> bytes:
        """Download the first video; on an expired URL ask the job once for a fresh one."""
        if not urls:
            raise ProviderError(f"{self.name} job {job_id} finished without a video")
        try:
            return self._download(urls[0])
        except ResultExpired:
            fresh = self._result_urls(job_id)
            if not fresh:
                raise ProviderError(f"{self.name} job {job_id}: the result is gone") from None
            try:
                return self._download(fresh[0])
            except ResultExpired:
                raise ProviderError(
                    f"{self.name} job {job_id}: the result URL expired and a fresh one did not "
                    "work; rerun to generate the clip again"
                ) from None
