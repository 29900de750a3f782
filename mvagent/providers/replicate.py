"""`replicate`: models on Replicate (Kling, Seedance, Wan, Hailuo, Veo...) through `replicate`.

`client.models.predictions.create(model="owner/name", input={...})` starts a prediction
(`POST /v1/models/{owner}/{name}/predictions`); `client.predictions.get(id)` polls it
(starting -> processing -> succeeded | failed | canceled); a succeeded prediction's `output`
is the video's URL (or a list of them). Each model's input names (`duration`,
`aspect_ratio`, the start-image field) come from the model table. Replicate flags refused
content with error code E005 ("flagged as sensitive"): that is a moderation refusal.

Result URLs (replicate.delivery) expire about an hour after the prediction; an expired one
is refreshed by getting the prediction again. The SDK's transport retries GETs on 429/503
itself; ours raises first so every retry is our policy's (see `jobs.NoRetryTransport`).
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

_STATES = {"starting": "queued", "processing": "running", "succeeded": "done",
           "failed": "failed", "canceled": "failed"}  # fmt: skip


def _urls(output: Any) -> tuple[str, ...]:
    if output is None:
        return ()
    items = output if isinstance(output, list) else [output]
    out = []
    for item in items:
        url = getattr(item, "url", item)  # a FileOutput or a plain URL
        if isinstance(url, str):
            out.append(url)
    return tuple(out)


@register("replicate")
class ReplicateProvider(QueuedProvider):
    """Replicate predictions; see the module docstring."""

    env = ("REPLICATE_API_TOKEN",)
    block = "ReplicateCredentials"

    def __init__(self, **config: Any) -> None:
        config.setdefault("poll_interval_s", 2.0)
        super().__init__(**config)

    @property
    def client(self) -> Any:
        if self._client is None:
            import httpx
            import replicate

            self._client = replicate.Client(
                api_token=self._api_key,
                base_url=self.base_url,
                timeout=httpx.Timeout(self.timeout_s),
                transport=NoRetryTransport(),
            )
        return self._client

    def _submit(self, request: ClipRequest, *, seconds: int, width: int, height: int,
                image: str | None) -> str:  # fmt: skip
        spec = self.spec
        args: dict[str, Any] = {"prompt": request.prompt, **spec.extra_args}
        if (duration := spec.duration_arg(seconds)) is not None:
            args["duration"] = duration
        if not image:  # with a start image the picture's own shape wins
            args["aspect_ratio"] = "16:9" if width >= height else "9:16"
        if request.seed:
            args["seed"] = request.seed
        if image:
            args[spec.image_arg] = image
        prediction = self._sdk_call(
            lambda: self.client.models.predictions.create(model=spec.name, input=args),
            what="creating the prediction",
        )
        return prediction.id

    def _state(self, job_id: str) -> JobState:
        p = self._sdk_call(lambda: self.client.predictions.get(job_id), what="polling", job=True)
        status = _STATES.get(p.status, "running")
        if status == "failed":
            error = p.error or ("canceled" if p.status == "canceled" else "")
            code = "E005" if "E005" in str(error) else p.status
            return JobState("failed", error=str(error), code=code)
        return JobState(status, urls=_urls(p.output) if status == "done" else ())

    def _sdk_call(self, fn: Callable[[], Any], *, what: str, job: bool = False) -> Any:
        from replicate.exceptions import ReplicateError

        try:
            return fn()
        except (TransientHTTP, TransientNetwork) as exc:
            raise self.transient(exc, what=what) from None
        except ReplicateError as exc:
            status = int(exc.status or 0)
            message = redact(exc.detail or exc.title or "", [self._api_key])[:300]
            if status in (401, 403):
                raise ConfigError(
                    f"replicate rejected the token (HTTP {status}) while {what}; check the "
                    "ReplicateCredentials Block or REPLICATE_API_TOKEN"
                ) from None
            if job and status == 404:
                raise JobGone(f"replicate does not know this prediction: {message}") from None
            if is_moderation(message):
                raise ModerationError(f"replicate refused the prompt: {message}") from None
            err = ProviderError(f"replicate answered HTTP {status} while {what}: {message}")
            err.http_status = status  # type: ignore[attr-defined]
            raise err from None
