"""What every paid provider call in a flow run needs, whichever task makes it.

First takes (`tasks/generate.py`), retakes, rescues and redos (`tasks/review.py`) all go
through `clip_makers`, so they share one thing of each: the credentials Block, the clip
cache (an S3Bucket Block or `settings.cache_dir`), the run's budget, the prompt rewriter
and the Prefect limits.

Paid calls go through Prefect global concurrency limits named `mvagent-provider-<name>`
(concurrent jobs, default `settings.concurrency`) and `mvagent-provider-<name>-rate`
(a rate limit: `settings.rate_per_minute`, else `MVAGENT_PROVIDER_RATE_PER_MINUTE`, else 10
per minute). They are created when missing; limits already on the server (tuned in the UI
or with `prefect gcl update`) are left as they are.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from mvagent.decisions import DecisionLog
from mvagent.models import Clip, ClipRequest, GenerationSettings, PlannerSettings
from mvagent.providers.cache import ClipCache, open_cache
from mvagent.providers.generation import Budget, generate_clip, revise_clip

LIMIT_PREFIX = "mvagent-provider-"
DEFAULT_RATE_PER_MINUTE = 10.0
log = logging.getLogger("mvagent.tasks.provider_calls")

_LOCK = threading.Lock()
_BUDGETS: dict[tuple[str, str], Budget] = {}


# --------------------------------------------------------------------------- limits


def limit_names(provider: str) -> tuple[str, str]:
    return f"{LIMIT_PREFIX}{provider}", f"{LIMIT_PREFIX}{provider}-rate"


def rate_per_minute(settings: GenerationSettings, override: float | None = None) -> float:
    """The provider rate limit for this run: `override`, the setting, the environment, 10."""
    if override is not None:
        return float(override)
    if settings.rate_per_minute is not None:
        return float(settings.rate_per_minute)
    return float(os.environ.get("MVAGENT_PROVIDER_RATE_PER_MINUTE", DEFAULT_RATE_PER_MINUTE))


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


# --------------------------------------------------------------------------- credentials, budget, cache


def credentials_for(
    settings: GenerationSettings, block: str | None = None
) -> dict[str, Any] | None:
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


def run_budget(settings: GenerationSettings, decisions_path: str | Path) -> Budget:
    """One budget per flow run and song, shared by its tasks (in this process)."""
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


def clip_cache(settings: GenerationSettings, block: str | None = None) -> ClipCache:
    """The clip cache: an S3Bucket Block (`block` or MVAGENT_CACHE_BLOCK), else the folder
    or s3:// location in `settings.cache_dir`. Critic verdicts are kept there too."""
    name = block or os.environ.get("MVAGENT_CACHE_BLOCK")
    if name:
        from blocks.storage import s3_clip_cache

        return s3_clip_cache(name)
    return open_cache(settings.cache_dir)


def prompt_rewriter(
    planner: PlannerSettings | None, settings: GenerationSettings, decisions_path: Any
):
    """The LLM rewrite for refused prompts when an LLM is configured (else the word swap)."""
    if planner is None or planner.mode == "heuristic":
        return None
    from mvagent.planning.rewrite import llm_rewriter
    from mvagent.providers.generation import capabilities_for
    from tasks.plan import planner_llm

    llm = planner_llm(planner, decisions=DecisionLog(decisions_path), stage="generate")
    if llm is None:
        return None
    caps = capabilities_for(settings.provider, model=settings.model or None)
    return llm_rewriter(llm, max_chars=caps.max_prompt_chars)


# --------------------------------------------------------------------------- takes


MakeTake = Callable[[ClipRequest], Clip]
ReviseTake = Callable[[ClipRequest, Clip, str], Clip]


def clip_makers(
    *,
    settings: GenerationSettings,
    clips_dir: Path,
    decisions: DecisionLog,
    planner: PlannerSettings | None,
    budget: Budget | None = None,
) -> tuple[MakeTake, ReviseTake]:
    """(make, revise) for takes after the first: the engine's generate_clip / revise_clip
    with the same budget, cache, credentials and limits as the first takes."""
    common: dict[str, Any] = dict(
        settings=settings,
        clips_dir=clips_dir,
        decisions=decisions,
        budget=budget or run_budget(settings, decisions.path),
        credentials=credentials_for(settings),
        cache=clip_cache(settings),
        limiter=provider_limiter(
            concurrency=settings.concurrency, rate_per_minute=rate_per_minute(settings)
        ),
    )

    def make(request: ClipRequest) -> Clip:
        return generate_clip(
            request, rewriter=prompt_rewriter(planner, settings, decisions.path), **common
        )

    def revise(request: ClipRequest, previous: Clip, prompt: str) -> Clip:
        return revise_clip(request, previous=previous, prompt=prompt, **common)

    return make, revise
