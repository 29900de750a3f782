"""`runway`: Runway's API through the official `runwayml` SDK.

`client.text_to_video.create(model, prompt_text, ratio, duration)` or, with a start frame,
`client.image_to_video.create(model, prompt_image, prompt_text, ratio, duration)` creates a
task; `client.tasks.retrieve(id)` polls it (PENDING / THROTTLED / RUNNING, then SUCCEEDED
with `output` URLs or FAILED with `failure` and `failureCode`). `SAFETY.*` codes are
content refusals; `INTERNAL.*` ones are Runway's own faults (refunded) and worth a new task.
Output URLs expire within 24-48 hours; an expired one is refreshed by retrieving the task
again, as Runway's docs say. `gen4_turbo` is image-to-video only.

The SDK's own retries are off (`max_retries=0`): the retry policy lives in `generation.py`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from mvagent.errors import ConfigError, ModerationError, ProviderError, RetryableProviderError
from mvagent.models import ClipRequest
from mvagent.providers import register
from mvagent.providers.jobs import JobGone, JobState, QueuedProvider, is_moderation
from mvagent.providers.remote import redact, retry_after_s

_STATES = {"PENDING": "queued", "THROTTLED": "queued", "RUNNING": "running",
           "SUCCEEDED": "done", "FAILED": "failed", "CANCELLED": "failed"}  # fmt: skip


@register("runway")
class RunwayProvider(QueuedProvider):
    """Runway tasks; see the module docstring."""

    env = ("RUNWAYML_API_SECRET",)
    block = "RunwayCredentials"

    def __init__(self, **config: Any) -> None:
        config.setdefault("poll_interval_s", 5.0)  # Runway asks for polls no more than every 5 s
        super().__init__(**config)

    @property
    def client(self) -> Any:
        if self._client is None:
            import runwayml

            self._client = runwayml.RunwayML(
                api_key=self._api_key, base_url=self.base_url, max_retries=0, timeout=self.timeout_s
            )
        return self._client

    def _submit(self, request: ClipRequest, *, seconds: int, width: int, height: int,
                image: str | None) -> str:  # fmt: skip
        args: dict[str, Any] = {
            "model": self.model,
            "prompt_text": request.prompt,
            "ratio": f"{width}:{height}",
            "duration": self.spec.duration_arg(seconds),
        }
        if request.seed:
            args["seed"] = request.seed
        if image:
            task = self._sdk_call(
                lambda: self.client.image_to_video.create(prompt_image=image, **args),
                what="creating the image-to-video task",
            )
        else:
            task = self._sdk_call(
                lambda: self.client.text_to_video.create(**args),
                what="creating the text-to-video task",
            )
        return task.id

    def _state(self, job_id: str) -> JobState:
        task = self._sdk_call(lambda: self.client.tasks.retrieve(job_id), what="polling", job=True)
        status = _STATES.get(task.status, "running")
        if status == "failed":
            # The SDK parses unknown shapes leniently; the wire name is then kept as is.
            code = str(
                getattr(task, "failure_code", None)
                or getattr(task, "failureCode", None)
                or task.status
            )
            return JobState("failed", error=str(getattr(task, "failure", "") or code), code=code,
                            retryable=code.startswith("INTERNAL"))  # fmt: skip
        urls = tuple(getattr(task, "output", None) or ()) if status == "done" else ()
        return JobState(status, urls=urls)

    def _sdk_call(self, fn: Callable[[], Any], *, what: str, job: bool = False) -> Any:
        import runwayml

        try:
            return fn()
        except runwayml.APITimeoutError:
            raise RetryableProviderError(f"runway timed out while {what}") from None
        except runwayml.APIConnectionError:
            raise RetryableProviderError(f"runway unreachable while {what}") from None
        except runwayml.APIStatusError as exc:
            status = exc.status_code
            body = exc.body if isinstance(exc.body, dict) else {}
            message = redact(body.get("error") or exc.message or "", [self._api_key])[:300]
            if status == 429 or status >= 500:
                raise RetryableProviderError(
                    f"runway answered HTTP {status} while {what}: {message}",
                    retry_after_s=retry_after_s(exc.response.headers),
                ) from None
            if status in (401, 403):
                raise ConfigError(
                    f"runway rejected the key (HTTP {status}) while {what}; check the "
                    "RunwayCredentials Block or RUNWAYML_API_SECRET"
                ) from None
            if job and status == 404:
                raise JobGone(f"runway does not know this task: {message}") from None
            if is_moderation(message):
                raise ModerationError(f"runway refused the prompt: {message}") from None
            err = ProviderError(f"runway answered HTTP {status} while {what}: {message}")
            err.http_status = status  # type: ignore[attr-defined]
            raise err from None
