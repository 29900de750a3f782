"""Task: make one scene's clip (the engine's `generate_clip`) with Prefect around it.

Two caches, one authority. The engine's clip cache (content-addressed by provider, model,
prompt, duration, size, seed and reference image; a folder or S3) is authoritative: it is
what guarantees that no clip is paid for twice, across output folders, machines and runs,
and it re-populates `clips/` whenever this task runs. On top of it, Prefect's result cache
(`cache_key_fn` + `persist_result`) lets a rerun skip the task entirely, but only when the
clip it would return is already in place: the key includes the destination file's hash and
is None when the file is missing, so a cached result never points at an absent clip.

Paid calls are gated by the provider's Prefect concurrency and rate limits, shared with
the retakes: see `tasks/provider_calls.py`.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

from prefect import task
from prefect.tasks import exponential_backoff

from mvagent import progress
from mvagent.decisions import DecisionLog
from mvagent.errors import BadInputError, BudgetExceededError, ProviderError, ScenesFailedError
from mvagent.models import Clip, ClipRequest, GenerationSettings, PlannerSettings
from mvagent.providers.generation import clip_path, generate_clip
from mvagent.providers.remote import fingerprint, sha256_file
from tasks.provider_calls import (  # noqa: F401 - limit helpers re-exported for callers
    LIMIT_PREFIX,
    clip_cache,
    credentials_for,
    ensure_limits,
    limit_names,
    prompt_rewriter,
    provider_limiter,
    run_budget,
)
from tasks.provider_calls import rate_per_minute as resolve_rate
from tasks.quota import provider_out_of_quota

# --------------------------------------------------------------------------- Prefect caching


def clip_cache_key(context: Any, parameters: dict[str, Any]) -> str | None:
    """Prefect cache key: the whole request (prompt, size, fps, duration, seed, cues), the
    provider settings, and the clip already at the destination; None if there is none."""
    request: ClipRequest = parameters["request"]
    settings: GenerationSettings = parameters["settings"]
    dest = clip_path(Path(parameters["clips_dir"]), request.scene_index)
    if not dest.is_file():
        return None
    return "mvagent-clip-" + fingerprint(
        v=1,
        provider=settings.provider,
        model=settings.model,
        fallback=settings.fallback,
        request=request.model_dump(mode="json", exclude={"reference_image"}),
        reference=sha256_file(request.reference_image),
        dest=str(dest.resolve()),
        dest_sha256=sha256_file(dest),
    )


def _worth_retrying(task: Any, task_run: Any, state: Any) -> bool:
    """Prefect-level retries are for the unexpected (a worker hiccup, a cache outage);
    the engine already retried the provider, and bad input, the budget or a provider that
    exhausted its retries will not heal by being asked again at once."""
    try:
        state.result()
    except (BadInputError, BudgetExceededError, ProviderError):
        return False
    except Exception:
        return True
    return False


# --------------------------------------------------------------------------- the task


@task(
    name="generate-clip",
    task_run_name="generate-scene-{request.scene_index}",
    retries=2,
    retry_delay_seconds=exponential_backoff(backoff_factor=10),
    retry_jitter_factor=0.5,
    retry_condition_fn=_worth_retrying,
    cache_key_fn=clip_cache_key,
    cache_expiration=timedelta(days=90),
    persist_result=True,
)
def generate_clip_task(
    request: ClipRequest,
    *,
    settings: GenerationSettings,
    clips_dir: str | Path,
    decisions_path: str | Path,
    credentials_block: str | None = None,
    cache_block: str | None = None,
    rate_per_minute: float | None = None,
    planner: PlannerSettings | None = None,
) -> Clip:
    """Make `clips_dir/scene-NNN.mp4` for `request` (see the module docstring).

    `credentials_block` defaults to `settings.credentials_block`; `cache_block` names an
    S3Bucket Block for a shared clip cache (else `settings.cache_dir`, else the local folder).
    """
    rate = resolve_rate(settings, rate_per_minute)
    clip = generate_clip(
        request,
        settings=settings,
        clips_dir=Path(clips_dir),
        decisions=DecisionLog(decisions_path),
        budget=run_budget(settings, decisions_path),
        credentials=credentials_for(settings, credentials_block),
        cache=clip_cache(settings, cache_block),
        limiter=provider_limiter(concurrency=settings.concurrency, rate_per_minute=rate),
        rewriter=prompt_rewriter(planner, settings, decisions_path),
        on_quota=provider_out_of_quota,
    )
    progress.advance("generate", f"scene {clip.scene_index}" + (" (cached)" if clip.cached else ""))
    try:
        from prefect import get_run_logger

        get_run_logger().info(
            "scene %d: %s%s, %.1f s, $%.2f", clip.scene_index, clip.provider,
            " (cached)" if clip.cached else "", clip.duration_s, clip.cost_usd,
        )  # fmt: skip
    except Exception:  # called outside a run (tests calling .fn)
        pass
    return clip


# --------------------------------------------------------------------------- collecting a wave


def collect_clips(
    futures: Any, requests: list[ClipRequest], *, settings: GenerationSettings
) -> dict[int, Clip]:
    """The clips of `generate_clip_task.map(requests, ...)`, by scene.

    Waits for every scene (the ones that work are paid for and cached either way), then, if
    any failed, raises one `ScenesFailedError` naming them all, so the run stops with a
    one-line message instead of a video that silently lacks (or fakes) those scenes.
    Budget stops and bad input are raised as they are.
    """
    clips: dict[int, Clip] = {}
    failed: list[tuple[int, BaseException]] = []
    for request, future in zip(requests, futures, strict=True):
        future.wait()
        outcome = future.state.result(raise_on_failure=False)
        if isinstance(outcome, BudgetExceededError | BadInputError):
            raise outcome
        if isinstance(outcome, BaseException):
            failed.append((request.scene_index, outcome))
        else:
            clips[outcome.scene_index] = outcome
    if not failed:
        return clips
    from tasks.artifacts import publish_failed_scenes

    publish_failed_scenes(requests, clips, {i: str(e).splitlines()[0] if str(e) else
                                            type(e).__name__ for i, e in failed})  # fmt: skip
    scenes = sorted(i for i, _ in failed)
    reason = str(failed[0][1]).splitlines()[0] if str(failed[0][1]) else type(failed[0][1]).__name__
    chain = ", ".join([settings.provider, *settings.fallback])
    raise ScenesFailedError(
        f"scene{'s' if len(scenes) > 1 else ''} {', '.join(map(str, scenes))} could not be made "
        f"with {chain} ({reason[:240]}); rerun to retry (clips already made are cached and not "
        "paid again), pick another --provider, or add --fallback local to finish with the free "
        "animatic",
        scenes=scenes,
    )
