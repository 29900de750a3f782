"""Make one scene's clip: cache, retries, moderation rewrite, fallback chain, budget.

`generate_clip` walks the provider chain (`settings.provider`, then the `settings.fallback`
providers the user named; nothing else, so no silent downgrade to the `local` animatic). For each provider it fits the request to what the
model allows, serves the clip from the cache when it can, else checks the budget, calls
the provider and retries transient faults (429, 5xx, timeouts) with exponential backoff
and jitter, honouring Retry-After. A prompt refused for content is softened and tried
once more; a second refusal, a validation error or exhausted retries moves on to the next
provider. Every such choice, with its reason, goes to `decisions.jsonl`.
"""

from __future__ import annotations

import contextvars
import functools
import inspect
import logging
import os
import random
import re
import threading
import time
from collections.abc import Callable, Mapping
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mvagent import metrics, telemetry
from mvagent.decisions import DecisionLog
from mvagent.errors import (
    BudgetExceededError,
    ConfigError,
    FFmpegError,
    ModerationError,
    ProviderError,
    QuotaExceededError,
    RetryableProviderError,
)
from mvagent.models import Clip, ClipRequest, GenerationSettings
from mvagent.providers import get_provider
from mvagent.providers.base import Capabilities, VideoProvider
from mvagent.providers.cache import ClipCache, clip_key, open_cache
from mvagent.providers.remote import JobJournal, fingerprint, redact, remember_secret, reveal

log = logging.getLogger("mvagent.generation")

Limiter = Callable[[str], AbstractContextManager[Any]]
# (refused prompt, provider's reason) -> a rewrite keeping the intent, or None (LLM rewriter).
PromptRewriter = Callable[[str, str], "str | None"]
# (provider name, one-line reason) -> None: told when a provider's account is out of quota.
QuotaHook = Callable[[str, str], None]
STAGE = "generate"


# --------------------------------------------------------------------------- policy objects


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how patiently one provider is retried on transient faults.

    Delays double from `backoff_s` (seconds) with up to `jitter` x extra random spread, capped at
    `max_backoff_s`. A Retry-After from the server replaces the computed delay (plus a
    little jitter, never less); one longer than `max_retry_after_s` ends the retries.
    """

    max_attempts: int = 4
    backoff_s: float = 2.0
    max_backoff_s: float = 60.0
    jitter: float = 0.5
    max_retry_after_s: float = 300.0
    sleep: Callable[[float], None] = field(default=time.sleep, compare=False)

    def delay_s(self, attempt: int, *, retry_after_s: float | None, rng: random.Random) -> float:
        """Seconds to wait after failed attempt number `attempt` (1 = the first try)."""
        if retry_after_s is not None:
            return retry_after_s + rng.uniform(
                0.0, self.jitter * min(self.backoff_s, retry_after_s or 1.0)
            )
        base = self.backoff_s * 2 ** (attempt - 1)
        return min(base * (1.0 + rng.uniform(0.0, self.jitter)), self.max_backoff_s)


class Budget:
    """A spending cap in USD, shared by the clips of one run (thread-safe).

    `reserve` happens BEFORE a paid call and raises `BudgetExceededError` if the call
    could take the spend past `max_usd`; `settle` books it once the call is over (a clip
    that failed is assumed not billed).
    """

    def __init__(self, max_usd: float | None = None) -> None:
        self.max_usd = max_usd
        self.spent_usd = 0.0
        self._held_usd = 0.0
        self._lock = threading.Lock()

    @property
    def remaining_usd(self) -> float | None:
        if self.max_usd is None:
            return None
        with self._lock:
            return round(self.max_usd - self.spent_usd - self._held_usd, 6)

    def reserve(self, usd: float, *, what: str) -> None:
        with self._lock:
            committed = self.spent_usd + self._held_usd
            if self.max_usd is not None and committed + usd > self.max_usd + 1e-9:
                raise BudgetExceededError(
                    f"{what} would cost ${usd:.2f} and bring the spend to ${committed + usd:.2f}, "
                    f"over the --max-cost of ${self.max_usd:.2f}; raise --max-cost or use "
                    "--provider local"
                )
            self._held_usd += usd

    def charge(self, usd: float, *, what: str) -> None:
        """Book spend made outside the clips (an LLM call) against the same cap."""
        self.reserve(usd, what=what)
        self.settle(usd, paid=True)

    def settle(self, usd: float, *, paid: bool) -> None:
        with self._lock:
            self._held_usd = max(self._held_usd - usd, 0.0)
            if paid:
                self.spent_usd = round(self.spent_usd + usd, 6)


# --------------------------------------------------------------------------- prompt rewrite

_SOFTER = {
    "blood": "red paint",
    "bloody": "crimson",
    "gore": "colour",
    "gun": "prop",
    "guns": "props",
    "weapon": "prop",
    "weapons": "props",
    "knife": "ribbon",
    "kill": "outshine",
    "killing": "outshining",
    "dead": "still",
    "death": "stillness",
    "corpse": "statue",
    "naked": "silhouetted",
    "nude": "silhouetted",
    "violent": "energetic",
    "violence": "energy",
    "explosion": "burst of light",
    "explosions": "bursts of light",
    "fight": "dance",
    "war": "storm",
    "drugs": "lights",
}
_SAFE_SUFFIX = "tasteful, non-violent, stylised, suitable for all audiences"


def soften_prompt(prompt: str) -> str:
    """A gentler version of a refused prompt: risky words swapped, a safety note appended."""

    def swap(m: re.Match[str]) -> str:
        word = m.group(0)
        soft = _SOFTER[word.lower()]
        return soft.capitalize() if word[0].isupper() else soft

    pattern = r"\b(" + "|".join(map(re.escape, _SOFTER)) + r")\b"
    softened = re.sub(pattern, swap, prompt, flags=re.IGNORECASE)
    # Names of real people are a common refusal cause; quoted strings often hold them.
    softened = re.sub(r"\"[^\"]*\"", "a figure", softened)
    return f"{softened.rstrip(' .,')}, {_SAFE_SUFFIX}"


def rewrite_refused(prompt: str, reason: str, rewriter: PromptRewriter | None) -> tuple[str, str]:
    """(new prompt, "llm" | "word_swap"): the rewriter's version, else the word swap."""
    if rewriter is not None:
        try:
            new = rewriter(prompt, reason)
        except Exception:  # an LLM outage must not cost the clip its second chance
            new = None
        if new and new.strip() and new.strip() != prompt.strip():
            return new.strip(), "llm"
    return soften_prompt(prompt), "word_swap"


# --------------------------------------------------------------------------- helpers


def provider_chain(settings: GenerationSettings) -> list[str]:
    """`settings.provider`, then the fallbacks the user asked for, de-duplicated.

    Nothing is added: a paying user who did not ask for the free animatic must not get it
    in the middle of the video. A scene no provider in the chain can make stops the run.
    """
    chain: list[str] = []
    for name in [settings.provider, *settings.fallback]:
        if name and name not in chain:
            chain.append(name)
    return chain


def clip_path(clips_dir: Path, scene_index: int) -> Path:
    return Path(clips_dir) / f"scene-{scene_index:03d}.mp4"


def last_frame(video: Path, *, dest: Path) -> Path:
    """The last frame of `video` as an image (a continuity reference for the next scene)."""
    from mvagent.ffmpeg import run_ffmpeg
    from mvagent.providers.remote import atomic_path

    dest = Path(dest)
    with atomic_path(dest) as tmp:
        run_ffmpeg(
            ["-y", "-sseof", "-0.25", "-i", str(video), "-update", "1", "-frames:v", "1",
             "-f", "image2", "-c:v", "png", str(tmp)],
            what="grabbing the last frame",
        )  # fmt: skip
    return dest


def with_reference(request: ClipRequest, previous: Clip, *, refs_dir: Path) -> ClipRequest:
    """`request` set to start from the last frame of `previous` (scene-to-scene continuity,
    for scenes planned with `reference="previous_last_frame"`; generate them in order)."""
    frame = last_frame(
        previous.path, dest=Path(refs_dir) / f"scene-{request.scene_index:03d}-start.png"
    )
    return request.model_copy(update={"reference_image": frame})


def _remember_credentials(credentials: Mapping[str, Any] | None) -> None:
    for name, value in (credentials or {}).items():
        if isinstance(value, Mapping):
            _remember_credentials(value)
        elif reveal(value) and (
            type(value).__name__ == "SecretStr"
            or any(w in name.lower() for w in ("key", "token", "secret", "cookie", "password"))
        ):
            remember_secret(reveal(value))


def _config_for(
    name: str,
    *,
    settings: GenerationSettings,
    credentials: Mapping[str, Any] | None,
    primary: bool,
) -> dict[str, Any]:
    """Provider config: `credentials[name]` if nested by provider, else the flat mapping
    for the primary provider; `settings.model` overrides the model of the primary."""
    creds = dict(credentials or {})
    nested = creds.get(name)
    if isinstance(nested, Mapping):
        config = dict(nested)
    elif primary:
        config = {k: v for k, v in creds.items() if not isinstance(v, Mapping)}
    else:
        config = {}
    if primary and settings.model:
        config["model"] = settings.model
    return {k: v for k, v in config.items() if v is not None}


def _build(name: str, config: dict[str, Any], cache: ClipCache | None) -> VideoProvider:
    from mvagent.providers import _REGISTRY, _load_builtins

    _load_builtins()
    factory = _REGISTRY.get(name)
    if factory is not None:
        params = inspect.signature(factory).parameters.values()
        if not any(p.kind is p.VAR_KEYWORD for p in params):
            accepted = {p.name for p in params}
            config = {k: v for k, v in config.items() if k in accepted}
    provider = get_provider(name, **config)
    if cache is not None and isinstance(getattr(provider, "journal", None), JobJournal):
        provider.journal = JobJournal(cache.jobs_dir() / name)
    return provider


_PLACEHOLDER_SECRET = "placeholder-for-inspection"


def inspect_provider(
    name: str, *, model: str | None = None, config: Mapping[str, Any] | None = None
) -> VideoProvider:
    """A provider instance to read `capabilities`, `model` and `cache_fields` from.

    It needs no real key (a placeholder stands in), so `--dry-run` and the planner work
    before any credentials exist; it must not be asked to generate.
    """
    cfg: dict[str, Any] = {"api_key": _PLACEHOLDER_SECRET, "session_cookie": _PLACEHOLDER_SECRET}
    cfg.update({k: v for k, v in (config or {}).items() if v is not None})
    if model:
        cfg["model"] = model
    return _build(name, cfg, None)


def capabilities_for(name: str, *, model: str | None = None) -> Capabilities:
    """What provider `name` (and `model`) can make and what it costs; no key needed."""
    return inspect_provider(name, model=model).capabilities


class _Recorder:
    """Writes decisions for one scene, with every secret scrubbed."""

    def __init__(self, decisions: DecisionLog, scene_index: int) -> None:
        self.decisions = decisions
        self.scene_index = scene_index

    def __call__(self, action: str, reason: str, **data: Any) -> None:
        reason = redact(reason)
        clean = {k: redact(v) if isinstance(v, str) else v for k, v in data.items()}
        log.info("scene %d: %s: %s", self.scene_index, action, reason)
        self.decisions.record(STAGE, action, reason, scene_index=self.scene_index, data=clean)


class _GiveUp(Exception):
    """This provider cannot make this clip; `permanent` if retrying later would not help."""

    def __init__(self, reason: str, *, permanent: bool) -> None:
        super().__init__(reason)
        self.permanent = permanent


def fit_prompt(prompt: str, *, max_chars: int) -> str:
    """`prompt` cut to at most `max_chars` characters, at a word boundary."""
    if len(prompt) <= max_chars:
        return prompt
    return prompt[:max_chars].rsplit(" ", 1)[0].rstrip(" ,;")


def _fit(provider: VideoProvider, request: ClipRequest, record: _Recorder) -> ClipRequest:
    """The request adjusted to what the provider/model accepts (each change recorded)."""
    caps = provider.capabilities
    name = provider.name
    update: dict[str, Any] = {}
    duration = caps.pick_duration(request.duration_s)
    if abs(duration - request.duration_s) > 1e-6:
        update["duration_s"] = duration
        record("fit_duration", f"{name} makes {duration:g} s clips, not {request.duration_s:g} s",
               provider=name, requested_s=request.duration_s, chosen_s=duration)  # fmt: skip
    width, height = caps.pick_size(request.width, request.height)
    if (width, height) != (request.width, request.height):
        update.update(width=width, height=height)
        record("fit_size", f"{name} makes {width}x{height}, closest to {request.width}x{request.height}",
               provider=name, size=[width, height])  # fmt: skip
    if len(request.prompt) > caps.max_prompt_chars:
        cut = fit_prompt(request.prompt, max_chars=caps.max_prompt_chars)
        update["prompt"] = cut
        record("truncate_prompt", f"{name} takes at most {caps.max_prompt_chars} prompt characters",
               provider=name, chars=len(cut))  # fmt: skip
    if request.reference_image is not None and not caps.image_reference:
        update["reference_image"] = None
        record("drop_reference", f"{name} cannot start from a reference image", provider=name)
    return request.model_copy(update=update) if update else request


def cache_model(provider: VideoProvider) -> str:
    """The model part of a clip's cache key: the model, plus provider-wide inputs (Veo's
    character reference images) that change every clip it makes."""
    extra = getattr(provider, "cache_extra", None)
    return (provider.model or "") + (f"+{fingerprint(extra=extra)}" if extra else "")


def _key(provider: VideoProvider, request: ClipRequest) -> str:
    return clip_key(
        provider=provider.name,
        model=cache_model(provider),
        request=request,
        duration_s=request.duration_s,
        width=request.width,
        height=request.height,
        fields=getattr(provider, "cache_fields", None),
    )


def is_remote(provider: VideoProvider) -> bool:
    """Paid, or spending a remote quota (a web generator): gated, never run in a dry run."""
    return bool(getattr(provider, "remote", False)) or provider.is_paid


def _valid_duration_s(path: Path) -> float:
    from mvagent.ffmpeg import probe

    try:
        info = probe(path)
    except FFmpegError:
        info = None
    if info is None or not info.has_video or info.duration_s <= 0:
        raise ProviderError("the provider returned a file that is not a playable video")
    return info.duration_s


# --------------------------------------------------------------------------- the work


@dataclass
class _Run:
    """Everything one `generate_clip` call shares between providers."""

    request: ClipRequest
    dest: Path
    cache: ClipCache
    budget: Budget
    retry: RetryPolicy
    limiter: Limiter | None
    record: _Recorder
    rng: random.Random
    rewriter: PromptRewriter | None = None
    on_quota: QuotaHook | None = None

    def staging(self, key: str) -> Path:
        return self.dest.with_name(f".{self.dest.stem}.{key[:12]}.mp4")

    def make(
        self,
        provider: VideoProvider,
        request: ClipRequest,
        key: str,
        call: Callable[[ClipRequest, Path], Path] | None = None,
    ) -> Clip:
        """One provider's attempts at the clip: retries, one moderation rewrite, budget."""
        name = provider.name
        caps = provider.capabilities
        call = call or (lambda req, out: provider.generate(req, dest=out))
        cost = caps.cost(request.duration_s)
        staging = self.staging(key)
        attempt = 0
        rewritten = False
        while True:
            attempt += 1
            if cost > 0:
                try:
                    self.budget.reserve(cost, what=f"scene {request.scene_index} on {name}")
                except BudgetExceededError as exc:
                    self.record("budget_stop", str(exc), provider=name, cost_usd=cost)
                    raise
            paid = False
            try:
                gate = (
                    self.limiter(name) if (self.limiter and is_remote(provider)) else nullcontext()
                )
                # Inside the gate: the span measures the provider, not the queue for a slot.
                with gate, telemetry.provider_call(name, "clip", model=provider.model or "",
                                                   scene=request.scene_index, attempt=attempt,
                                                   seconds=request.duration_s, cost_usd=cost):  # fmt: skip
                    call(request, staging)
                duration_s = _valid_duration_s(staging)
                paid = True
            except RetryableProviderError as exc:
                wait = exc.retry_after_s
                if attempt >= self.retry.max_attempts:
                    raise _GiveUp(f"{name} still failing after {attempt} attempts: {exc}",
                                  permanent=False) from None  # fmt: skip
                if wait is not None and wait > self.retry.max_retry_after_s:
                    raise _GiveUp(f"{name} asks to wait {wait:.0f} s (over "
                                  f"{self.retry.max_retry_after_s:.0f} s): {exc}", permanent=False) from None  # fmt: skip
                delay = self.retry.delay_s(attempt, retry_after_s=wait, rng=self.rng)
                self.record("retry", f"{exc}; retrying in {delay:.2f} s", provider=name,
                            attempt=attempt, delay_s=round(delay, 3), retry_after_s=wait)  # fmt: skip
                self.retry.sleep(delay)
                continue
            except ModerationError as exc:
                if rewritten:
                    raise _GiveUp(
                        f"{name} refused the softened prompt too: {exc}", permanent=True
                    ) from None
                rewritten = True
                new_prompt, how = rewrite_refused(request.prompt, str(exc), self.rewriter)
                self.record("rewrite_prompt", f"{exc}; trying once more with a softened prompt ({how})",
                            provider=name, prompt=new_prompt, original=request.prompt, method=how)  # fmt: skip
                request = request.model_copy(update={"prompt": new_prompt})
                attempt = 0
                continue
            except ConfigError:
                raise
            except QuotaExceededError as exc:
                self.record("quota_exceeded", str(exc), provider=name)
                if self.on_quota is not None:
                    try:
                        self.on_quota(name, str(exc))
                    except Exception as hook_exc:  # noqa: BLE001 - an alert must not cost the clip
                        log.warning("quota alert for %s failed: %s", name, hook_exc)
                # Not permanent: the account is refilled, unlike a refused prompt.
                raise _GiveUp(f"{name}: {exc}", permanent=False) from None
            except ProviderError as exc:
                raise _GiveUp(f"{name}: {exc}", permanent=True) from None
            finally:
                if cost > 0:
                    self.budget.settle(cost, paid=paid)
                if not paid:
                    staging.unlink(missing_ok=True)
            break
        meta = {
            "provider": name,
            "model": provider.model or "",
            "prompt": request.prompt,
            "duration_s": request.duration_s,
            "size": [request.width, request.height],
            "job_id": getattr(provider, "last_job_id", None),
            "created": round(time.time(), 3),
        }
        try:
            self.cache.store(key, staging, meta=meta)
        except Exception as exc:  # a cache outage must not lose a clip we paid for
            self.record("cache_store_failed", f"could not store in {self.cache.location}: {exc}")
        os.replace(staging, self.dest)
        self.record("generated", f"{name} made the clip ({request.duration_s:g} s, ${cost:.2f})",
                    provider=name, model=provider.model or "", cache_key=key,
                    paid_seconds=request.duration_s if cost > 0 else 0.0, cost_usd=cost)  # fmt: skip
        return Clip(
            scene_index=request.scene_index,
            path=self.dest,
            duration_s=round(duration_s, 3),
            provider=name,
            model=provider.model or "",
            cost_usd=cost,
            paid_seconds=request.duration_s if cost > 0 else 0.0,
            cached=False,
            cache_key=key,
        )

    def from_cache(self, key: str, *, provider: str, model: str, why: str) -> Clip | None:
        if not self.cache.fetch(key, self.dest):
            return None
        try:
            duration_s = _valid_duration_s(self.dest)
        except ProviderError:
            self.dest.unlink(missing_ok=True)
            self.record("cache_corrupt", f"cached clip {key[:12]} is unreadable; regenerating")
            return None
        self.record("cache_hit", why, provider=provider, model=model, cache_key=key)
        return Clip(
            scene_index=self.request.scene_index,
            path=self.dest,
            duration_s=round(duration_s, 3),
            provider=provider,
            model=model,
            cached=True,
            cache_key=key,
        )


_IN_CLIP: contextvars.ContextVar[bool] = contextvars.ContextVar("mvagent_in_clip", default=False)


def _traced(fn: Callable[..., Clip]) -> Callable[..., Clip]:
    """A span per scene's clip and its outcome in the metrics (generated or cached)."""

    @functools.wraps(fn)
    def wrapper(request: ClipRequest, *args: Any, **kwargs: Any) -> Clip:
        if _IN_CLIP.get():  # revise_clip falling back to generate_clip: one scene, one count
            return fn(request, *args, **kwargs)
        token = _IN_CLIP.set(True)
        try:
            return traced(request, *args, **kwargs)
        finally:
            _IN_CLIP.reset(token)

    def traced(request: ClipRequest, *args: Any, **kwargs: Any) -> Clip:
        with telemetry.span(
            f"clip.scene-{request.scene_index}",
            scene=request.scene_index,
            seconds=request.duration_s,
            seed=request.seed,
        ) as span:
            clip = fn(request, *args, **kwargs)
            status = "cached" if clip.cached else "generated"
            span.set_attributes({"provider": clip.provider, "model": clip.model,
                                 "status": status, "cost_usd": clip.cost_usd,
                                 "paid_seconds": clip.paid_seconds})  # fmt: skip
            metrics.clip(clip.provider, status, paid_seconds=clip.paid_seconds,
                         cost_usd=clip.cost_usd)  # fmt: skip
            return clip

    return wrapper


@_traced
def generate_clip(
    request: ClipRequest,
    *,
    settings: GenerationSettings,
    clips_dir: Path,
    decisions: DecisionLog,
    budget: Budget | None = None,
    credentials: Mapping[str, Any] | None = None,
    cache: ClipCache | None = None,
    retry: RetryPolicy | None = None,
    limiter: Limiter | None = None,
    rewriter: PromptRewriter | None = None,
    on_quota: QuotaHook | None = None,
) -> Clip:
    """Make (or fetch) the clip for one scene as `clips_dir/scene-NNN.mp4`.

    `credentials` holds the primary provider's config (api_key, base_url, model...) or,
    nested by provider name, config for each one in the chain. `limiter(name)` is a context
    manager entered around every paid provider call (Prefect's global concurrency limits
    in `tasks/generate.py`); `on_quota(name, reason)` is told when a provider's account is
    out of quota (the clip then falls back, or fails). The returned Clip's
    `cost_usd`/`paid_seconds` are what this call paid: zero on a cache hit.
    """
    _remember_credentials(credentials)
    run = _Run(
        request=request,
        dest=clip_path(clips_dir, request.scene_index),
        cache=cache or open_cache(settings.cache_dir),
        budget=budget or Budget(settings.max_cost_usd),
        retry=retry or RetryPolicy(),
        limiter=limiter,
        record=_Recorder(decisions, request.scene_index),
        rng=random.Random(),
        rewriter=rewriter,
        on_quota=on_quota,
    )
    run.dest.parent.mkdir(parents=True, exist_ok=True)
    for stale in run.dest.parent.glob(f".{run.dest.stem}.*"):
        stale.unlink(missing_ok=True)  # half-written leftovers of a killed run
    chain = provider_chain(settings)
    primary_key: str | None = None
    failures: list[str] = []
    permanent_failure = False
    for position, name in enumerate(chain):
        primary = position == 0
        try:
            provider = _build(
                name,
                _config_for(name, settings=settings, credentials=credentials, primary=primary),
                run.cache,
            )
        except ConfigError as exc:
            if primary:
                raise
            run.record("skip_provider", f"{name} is not configured: {exc}", provider=name)
            failures.append(f"{name}: not configured")
            continue
        fitted = _fit(provider, request, run.record)
        key = _key(provider, fitted)
        if primary:
            primary_key = key
            alias = run.cache.get_record(f"alias/{key}")
            if alias and (
                clip := run.from_cache(
                    alias["target"],
                    provider=alias["provider"],
                    model=alias.get("model", ""),
                    why=f"{name} could not make this clip before ({alias.get('reason', '')}); "
                    f"reusing the {alias['provider']} clip",
                )
            ):
                return clip
        if clip := run.from_cache(
            key, provider=name, model=provider.model or "", why=f"{name} clip already in the cache"
        ):
            return clip
        if settings.dry_run and is_remote(provider):
            run.record(
                "skip_provider", f"dry run: {name} would spend money or quota", provider=name
            )
            continue
        try:
            clip = run.make(provider, fitted, key)
        except _GiveUp as exc:
            metrics.clip(name, "failed")
            failures.append(str(exc))
            permanent_failure = permanent_failure or (primary and exc.permanent)
            nxt = chain[position + 1] if position + 1 < len(chain) else None
            run.record(
                "fallback" if nxt else "give_up",
                f"{exc}; {'falling back to ' + nxt if nxt else 'no provider left'}",
                provider=name,
                next_provider=nxt,
                permanent=exc.permanent,
            )
            continue
        except ConfigError:
            if primary:
                raise
            failures.append(f"{name}: credentials rejected")
            run.record("skip_provider", f"{name} rejected its credentials", provider=name)
            continue
        if not primary and primary_key and permanent_failure:
            # Remember the substitution so a rerun does not ask the primary again.
            run.cache.put_record(
                f"alias/{primary_key}",
                {"target": key, "provider": clip.provider, "model": clip.model,
                 "reason": redact(failures[0])[:200]},
            )  # fmt: skip
        return clip
    raise ProviderError(
        redact(f"no provider could make scene {request.scene_index}: " + "; ".join(failures))
    )


@_traced
def revise_clip(
    request: ClipRequest,
    *,
    previous: Clip,
    prompt: str,
    settings: GenerationSettings,
    clips_dir: Path,
    decisions: DecisionLog,
    budget: Budget | None = None,
    credentials: Mapping[str, Any] | None = None,
    cache: ClipCache | None = None,
    retry: RetryPolicy | None = None,
    limiter: Limiter | None = None,
) -> Clip:
    """A revision of `previous` with `prompt`: a remix when its provider supports one
    (Sora), else a fresh generation with the new prompt."""
    cache = cache or open_cache(settings.cache_dir)
    meta = cache.meta(previous.cache_key) if previous.cache_key else None
    job_id = (meta or {}).get("job_id")
    revised = request.model_copy(update={"prompt": prompt})
    kwargs = dict(settings=settings, clips_dir=clips_dir, decisions=decisions, budget=budget,
                  credentials=credentials, cache=cache, retry=retry, limiter=limiter)  # fmt: skip
    if not job_id:
        return generate_clip(revised, **kwargs)
    primary = previous.provider == settings.provider
    try:
        provider = _build(
            previous.provider,
            _config_for(
                previous.provider, settings=settings, credentials=credentials, primary=primary
            ),
            cache,
        )
    except ConfigError:
        return generate_clip(revised, **kwargs)
    if not (job_id and provider.capabilities.remix and hasattr(provider, "remix")):
        return generate_clip(revised, **kwargs)
    _remember_credentials(credentials)
    run = _Run(
        request=revised,
        dest=clip_path(clips_dir, request.scene_index),
        cache=cache,
        budget=budget or Budget(settings.max_cost_usd),
        retry=retry or RetryPolicy(),
        limiter=limiter,
        record=_Recorder(decisions, request.scene_index),
        rng=random.Random(),
    )
    fitted = revised.model_copy(
        update={"duration_s": (meta or {}).get("duration_s", previous.duration_s)}
    )
    key = clip_key(provider=provider.name, model=f"{provider.model}+remix:{previous.cache_key}",
                   request=fitted, duration_s=fitted.duration_s, width=fitted.width,
                   height=fitted.height, fields=("prompt",))  # fmt: skip
    if clip := run.from_cache(
        key, provider=provider.name, model=provider.model or "", why="remix cached"
    ):
        return clip
    run.record(
        "remix", f"revising the {provider.name} clip with a new prompt", provider=provider.name
    )
    try:
        return run.make(
            provider,
            fitted,
            key,
            call=lambda req, out: provider.remix(job_id, prompt=req.prompt, dest=out),
        )
    except _GiveUp as exc:
        metrics.clip(provider.name, "failed")
        run.record("fallback", f"{exc}; generating afresh instead", provider=provider.name)
        return generate_clip(revised, **kwargs)
