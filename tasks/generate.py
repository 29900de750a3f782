"""Task: make one scene's clip (the engine's `generate_clip`) with Prefect around it.

Two caches, one authority. The engine's clip cache (content-addressed by provider, model,
prompt, duration, size, seed and reference image; a folder or S3) is authoritative: it is
what guarantees that no clip is paid for twice, across output folders, machines and runs,
and it re-populates `clips/` whenever this task runs. On top of it, Prefect's result cache
(`cache_key_fn` + `persist_result`) lets a rerun skip the task entirely, but only when the
clip it would return is already in place: the key includes the destination file's hash and
is None when the file is missing, so a cached result never points at an absent clip.

Paid calls go through Prefect global concurrency limits named `mvagent-provider-<name>`
(concurrent jobs, default `settings.concurrency`) and `mvagent-provider-<name>-rate`
(a rate limit, default `MVAGENT_PROVIDER_RATE_PER_MINUTE` or 10 per minute). They are
created when missing; limits already on the server (tuned in the UI or with
`prefect gcl update`) are left as they are.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

from prefect import task
from prefect.tasks import exponential_backoff

from mvagent import progress
from mvagent.decisions import DecisionLog
from mvagent.errors import BadInputError, BudgetExceededError, ProviderError, ScenesFailedError
from mvagent.models import Clip, ClipRequest, GenerationSettings, PlannerSettings
from mvagent.providers.generation import Budget, clip_path, generate_clip
from mvagent.providers.remote import fingerprint, sha256_file
from tasks.quota import provider_out_of_quota

LIMIT_PREFIX = "mvagent-provider-"
log = logging.getLogger("mvagent.tasks.generate")

_LOCK = threading.Lock()
_BUDGETS: dict[tuple[str, str], Budget] = {}


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


# --------------------------------------------------------------------------- limits


def limit_names(provider: str) -> tuple[str, str]:
    return f"{LIMIT_PREFIX}{provider}", f"{LIMIT_PREFIX}{provider}-rate"


def ensure_limits(provider: str, *, concurrency: int, rate_per_minute: float) -> None:
    """Create the provider's global concurrency and rate limits if the server lacks them."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.actions import GlobalConcurrencyLimitCreate
    from prefect.exceptions import ObjectNotFound

    jobs, rate = limit_names(provider)
    wanted = [(jobs, max(int(concurrency), 1), 0.0)]
    if rate_per_minute > 0:
        wanted.append((rate, max(int(concurrency), 1), rate_per_minute / 60.0))
    with _LOCK, get_client(sync_client=True) as client:
        for name, limit, decay in wanted:
            try:
                client.read_global_concurrency_limit_by_name(name)
            except ObjectNotFound:
                try:
                    client.create_global_concurrency_limit(
                        GlobalConcurrencyLimitCreate(
                            name=name, limit=limit, slot_decay_per_second=decay
                        )
                    )
                except Exception:
                    # Another worker may have created it a moment ago; if not, this raises.
                    client.read_global_concurrency_limit_by_name(name)


def provider_limiter(*, concurrency: int, rate_per_minute: float):
    """`limiter(name)` for the engine: a rate-limit slot, then a concurrency slot."""
    from prefect.concurrency.sync import concurrency as concurrency_slot
    from prefect.concurrency.sync import rate_limit

    @contextmanager
    def limiter(provider: str) -> Iterator[None]:
        jobs, rate = limit_names(provider)
        try:
            # Checked on every paid call (one cheap read): a limit deleted on the server
            # comes back instead of silently not limiting.
            ensure_limits(provider, concurrency=concurrency, rate_per_minute=rate_per_minute)
            gated = True
        except Exception as exc:  # no API to talk to: run ungated rather than not at all
            log.warning("cannot set up Prefect concurrency limits for %s: %s", provider, exc)
            gated = False
        if not gated:
            yield
            return
        if rate_per_minute > 0:
            rate_limit(rate, occupy=1, strict=False)
        with concurrency_slot(jobs, occupy=1, strict=False):
            yield

    return limiter


# --------------------------------------------------------------------------- credentials, budget


def _credentials(settings: GenerationSettings, block: str | None) -> dict[str, Any] | None:
    """Provider config from a Block: "name" for the primary provider, or "sora=a,veo=b"."""
    name = block or settings.credentials_block
    if not name:
        return None
    from blocks.credentials import load_credentials

    if "=" not in name:
        return load_credentials(settings.provider, name)
    nested: dict[str, Any] = {}
    for part in name.split(","):
        provider, _, block_name = part.partition("=")
        nested[provider.strip()] = load_credentials(provider.strip(), block_name.strip())
    return nested


def _run_budget(settings: GenerationSettings, decisions_path: str) -> Budget:
    """One budget per flow run and song, shared by its mapped tasks (in this process)."""
    try:
        from prefect.runtime import flow_run

        run_id = str(flow_run.id or "")
    except Exception:
        run_id = ""
    key = (str(Path(decisions_path).resolve()), run_id)
    with _LOCK:
        if key not in _BUDGETS:
            _BUDGETS[key] = Budget(settings.max_cost_usd)
        return _BUDGETS[key]


def run_spend_usd(run_id: str) -> float:
    """What this process's clips of flow run `run_id` have paid so far (every song, every take)."""
    with _LOCK:
        return round(sum(b.spent_usd for (_, rid), b in _BUDGETS.items() if rid == run_id), 4)


def _cache(block: str | None) -> Any:
    name = block or os.environ.get("MVAGENT_CACHE_BLOCK")
    if not name:
        return None
    from blocks.storage import s3_clip_cache

    return s3_clip_cache(name)


def _rewriter(planner: PlannerSettings | None, settings: GenerationSettings, decisions_path: Any):
    """The LLM rewrite for refused prompts when an LLM is configured (else the word swap)."""
    if planner is None or planner.mode == "heuristic":
        return None
    from mvagent.planning.rewrite import llm_rewriter
    from mvagent.providers.generation import capabilities_for
    from tasks.plan import planner_llm

    llm = planner_llm(planner, decisions=DecisionLog(decisions_path), stage=STAGE_NAME)
    if llm is None:
        return None
    caps = capabilities_for(settings.provider, model=settings.model or None)
    return llm_rewriter(llm, max_chars=caps.max_prompt_chars)


STAGE_NAME = "generate"


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
    rate = rate_per_minute
    if rate is None:
        rate = float(os.environ.get("MVAGENT_PROVIDER_RATE_PER_MINUTE", "10"))
    clip = generate_clip(
        request,
        settings=settings,
        clips_dir=Path(clips_dir),
        decisions=DecisionLog(decisions_path),
        budget=_run_budget(settings, str(decisions_path)),
        credentials=_credentials(settings, credentials_block),
        cache=_cache(cache_block),
        limiter=provider_limiter(concurrency=settings.concurrency, rate_per_minute=rate),
        rewriter=_rewriter(planner, settings, decisions_path),
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
