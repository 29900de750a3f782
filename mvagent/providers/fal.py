"""`fal`: models on fal.ai's queue (Kling, Seedance, Wan, Hailuo, Veo...) through `fal-client`.

`SyncClient.submit(endpoint, arguments)` queues a request at `queue.fal.run/<endpoint>`;
`status(endpoint, request_id)` reports IN_QUEUE / IN_PROGRESS / COMPLETED (COMPLETED may
carry `error` and `error_type`); `result(...)` returns the endpoint's output, for video
models `{"video": {"url": ...}}`. The model is the endpoint id (`--model`); a start image
goes to the model's image-to-video endpoint (`endpoint_image` in the model table) as a data
URI, which fal accepts for any file input (its CDN upload endpoint has no base-URL option,
so a data URI is also what keeps tests and gateways on one host).

fal-client builds its URLs from the hosts `FAL_QUEUE_RUN_HOST` names at import time (always
https). `base_url` instead routes `queue.fal.run` to another server through our transport,
which also turns the SDK's internal 429 retries off (see `jobs.NoRetryTransport`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from mvagent.errors import ConfigError, ModerationError, ProviderError
from mvagent.models import ClipRequest
from mvagent.providers import register
from mvagent.providers.jobs import (
    JobGone,
    JobState,
    NoRetryTransport,
    QueuedProvider,
    TransientHTTP,
    TransientNetwork,
    is_moderation,
)
from mvagent.providers.remote import redact

QUEUE_HOST = "queue.fal.run"


def _error_text(body: Any) -> tuple[str, str]:
    """(message, error type) of a fal error body: `detail` is a string or a list of items."""
    if isinstance(body, dict):
        detail = body.get("detail", body)
        if isinstance(detail, list) and detail and isinstance(detail[0], dict):
            return str(detail[0].get("msg", detail[0])), str(detail[0].get("type", ""))
        return str(detail), str(body.get("error_type") or "")
    return str(body), ""


@register("fal")
class FalProvider(QueuedProvider):
    """fal.ai queue models; see the module docstring."""

    env = ("FAL_KEY",)
    block = "FalCredentials"

    def __init__(self, **config: Any) -> None:
        config.setdefault("poll_interval_s", 2.0)
        super().__init__(**config)

    @property
    def client(self) -> Any:
        if self._client is None:
            import fal_client
            from fal_client.client import BackupDomainTransport

            inner = None if self.base_url else BackupDomainTransport()
            rewrite = {QUEUE_HOST: self.base_url} if self.base_url else None
            transport = NoRetryTransport(inner, rewrite=rewrite)

            class _Client(fal_client.SyncClient):
                # The SDK's httpx client, with our transport (host rewrite, no hidden retries).
                @property
                def _client(inner_self) -> Any:  # noqa: N805 - SDK attribute
                    import httpx

                    cached = inner_self.__dict__.get("_mv_http")
                    if cached is None:
                        cached = httpx.Client(
                            transport=transport,
                            headers={"Authorization": inner_self._auth.header_value,
                                     "User-Agent": fal_client.client.USER_AGENT},
                            timeout=inner_self.default_timeout,
                            follow_redirects=True,
                        )  # fmt: skip
                        inner_self.__dict__["_mv_http"] = cached
                    return cached

            self._client = _Client(key=self._api_key, default_timeout=self.timeout_s)
        return self._client

    # ------------------------------------------------------------------ hooks

    def _submit(self, request: ClipRequest, *, seconds: int, width: int, height: int,
                image: str | None) -> str:  # fmt: skip
        spec = self.spec
        endpoint = spec.endpoint_image if image and spec.endpoint_image else spec.name
        args: dict[str, Any] = {"prompt": request.prompt, **spec.extra_args}
        if (duration := spec.duration_arg(seconds)) is not None:
            args["duration"] = duration
        args["aspect_ratio"] = "16:9" if width >= height else "9:16"
        if request.seed:
            args["seed"] = request.seed
        if image:
            args[spec.image_arg] = image
        handle = self._sdk_call(lambda: self.client.submit(endpoint, args), what="queueing")
        # The status/result calls need the endpoint too: keep it in the job id.
        return f"{endpoint}::{handle.request_id}"

    def _state(self, job_id: str) -> JobState:
        import fal_client

        endpoint, _, request_id = job_id.partition("::")
        status = self._sdk_call(
            lambda: self.client.status(endpoint, request_id), what="polling", job=True
        )
        if isinstance(status, fal_client.Queued):
            return JobState("queued")
        if isinstance(status, fal_client.InProgress):
            return JobState("running")
        if status.error:
            return JobState("failed", error=str(status.error), code=str(status.error_type or ""))
        return self._result(endpoint, request_id)

    def _result(self, endpoint: str, request_id: str) -> JobState:
        try:
            output = self._sdk_call(
                lambda: self.client.result(endpoint, request_id), what="fetching the result",
                job=True,
            )  # fmt: skip
        except ModerationError as exc:
            return JobState("failed", error=str(exc), code="content_policy_violation")
        video = (output or {}).get("video") or {}
        url = video.get("url") if isinstance(video, dict) else None
        return JobState("done", urls=(url,) if url else ())

    def _sdk_call(self, fn: Callable[[], Any], *, what: str, job: bool = False) -> Any:
        import fal_client

        try:
            return fn()
        except (TransientHTTP, TransientNetwork) as exc:
            raise self.transient(exc, what=what) from None
        except fal_client.FalClientHTTPError as exc:
            status = exc.status_code
            try:
                body = exc.response.json()
            except ValueError:
                body = exc.response.text
            message, kind = _error_text(body)
            message = redact(message, [self._api_key])[:300]
            kind = kind or str(exc.error_type or "")
            if status in (401, 403):
                raise ConfigError(
                    f"fal rejected the key (HTTP {status}) while {what}; check the "
                    "FalCredentials Block or FAL_KEY"
                ) from None
            if job and status == 404:
                raise JobGone(f"fal does not know this request: {message}") from None
            if is_moderation(kind, message):
                raise ModerationError(f"fal refused the prompt ({kind}): {message}") from None
            err = ProviderError(f"fal answered HTTP {status} while {what}: {message}")
            err.http_status = status  # type: ignore[attr-defined]
            raise err from None
