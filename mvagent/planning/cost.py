"""What a storyboard will cost before anything is generated (`mvagent make --dry-run`).

Per scene: the seconds the provider will be paid for (the clip length the model allows),
in USD at the model's price. A scene identical to an earlier one (a repeated chorus) is
free, and so is one already in the clip cache when a cache is given. The paid/final ratio
is paid seconds over the seconds of video the song needs; the planner aims for <= 1.15.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from mvagent.errors import BudgetExceededError
from mvagent.models import ClipRequest, GenerationSettings, RenderSettings, Storyboard
from mvagent.providers.cache import ClipCache, clip_key
from mvagent.providers.generation import cache_model, fit_prompt, inspect_provider


class SceneCost(BaseModel):
    model_config = ConfigDict(frozen=True)

    index: int
    screen_s: float = Field(description="seconds of the song this scene covers")
    paid_s: float = Field(description="seconds of video paid for (0 when shared or cached)")
    usd: float
    note: str = ""  # "", "same clip as scene N", "cached"


class CostEstimate(BaseModel):
    model_config = ConfigDict(frozen=True)

    provider: str
    model: str = ""
    price_per_second_usd: float
    scenes: list[SceneCost]
    total_paid_seconds: float
    final_seconds: float
    total_usd: float
    ratio: float = Field(description="paid seconds / final video seconds")

    def summary(self) -> str:
        """A few lines for the terminal."""
        lines = [
            f"{self.provider}{' ' + self.model if self.model else ''}: "
            f"{self.total_paid_seconds:g} s paid for {self.final_seconds:.1f} s of video "
            f"(ratio {self.ratio:.2f}), ${self.total_usd:.2f} at ${self.price_per_second_usd:.2f}/s"
        ]
        for s in self.scenes:
            extra = f"  ({s.note})" if s.note else ""
            lines.append(
                f"  scene {s.index:3d}: {s.screen_s:5.1f} s on screen, {s.paid_s:4g} s paid, ${s.usd:.2f}{extra}"
            )
        return "\n".join(lines)

    def require_within(self, max_usd: float | None) -> None:
        """Raise `BudgetExceededError` (before any spending) if the plan costs over `max_usd`."""
        if max_usd is not None and self.total_usd > max_usd + 1e-9:
            raise BudgetExceededError(
                f"the plan would cost ${self.total_usd:.2f} on {self.provider}, over --max-cost "
                f"${max_usd:.2f}; raise --max-cost, pick a cheaper model, or use --provider local"
            )


def estimate_cost(
    storyboard: Storyboard,
    *,
    settings: GenerationSettings,
    render: RenderSettings | None = None,
    cache: ClipCache | None = None,
    price_per_second_usd: float | None = None,
    refs_dir: Path | None = None,
    retake_share: float = 0.0,
    extra_usd: float = 0.0,
) -> CostEstimate:
    """Cost of generating `storyboard` with `settings.provider` (no network, no key needed).

    With `cache` (and `render` for the output size), scenes whose clip is already cached
    cost nothing, so the estimate for an unchanged rerun is $0; scenes that start from the
    previous clip's last frame are looked up with the frame a previous run left in
    `refs_dir`. `price_per_second_usd` is the Block's price (it wins over the table's).
    `retake_share` adds that share of the paid seconds for clips the review may regenerate;
    `extra_usd` is other spend of the run (LLM calls), so `--max-cost` covers all of it.
    """
    config = {"price_per_second_usd": price_per_second_usd}
    provider = inspect_provider(settings.provider, model=settings.model or None, config=config)
    caps = provider.capabilities
    render = render or RenderSettings()
    width, height = caps.pick_size(render.width, render.height)
    fields = getattr(provider, "cache_fields", None)
    seen: dict[tuple, int] = {}
    scenes: list[SceneCost] = []
    for scene in storyboard.scenes:
        paid_s = caps.pick_duration(scene.clip_duration) if caps.price_per_second_usd > 0 else 0.0
        note = ""
        same = (scene.prompt, scene.seed, scene.clip_duration, scene.reference)
        if same in seen:
            paid_s, note = 0.0, f"same clip as scene {seen[same]}"
        else:
            seen[same] = scene.index
            if (
                cache is not None
                and paid_s > 0
                and fields is not None
                and (ref := _reference(scene, refs_dir)) is not False
            ):
                request = ClipRequest(scene_index=scene.index, prompt=fit_prompt(scene.prompt, max_chars=caps.max_prompt_chars),
                                      duration_s=paid_s, width=width, height=height, fps=render.fps,
                                      seed=scene.seed, reference_image=ref)  # fmt: skip
                key = clip_key(provider=provider.name, model=cache_model(provider), request=request,
                               duration_s=paid_s, width=width, height=height, fields=fields)  # fmt: skip
                if cache.has(key):
                    paid_s, note = 0.0, "cached"
        scenes.append(
            SceneCost(
                index=scene.index,
                screen_s=round(scene.duration, 3),
                paid_s=paid_s,
                usd=caps.cost(paid_s),
                note=note,
            )  # fmt: skip
        )
    paid = round(sum(s.paid_s for s in scenes), 3)
    final = round(sum(s.screen_s for s in scenes), 3)
    retakes_usd = caps.cost(paid * max(retake_share, 0.0))
    return CostEstimate(
        provider=settings.provider,
        model=provider.model or "",
        price_per_second_usd=caps.price_per_second_usd,
        scenes=scenes,
        total_paid_seconds=paid,
        final_seconds=final,
        total_usd=round(sum(s.usd for s in scenes) + retakes_usd + max(extra_usd, 0.0), 2),
        ratio=round(paid / final, 3) if final > 0 else 0.0,
    )


def _reference(scene: object, refs_dir: Path | None) -> Path | None | bool:
    """The start frame a scene's request will carry: None (none), a file, or False (unknown
    until the previous clip exists, so the cache cannot be asked)."""
    if getattr(scene, "reference", "none") == "none":
        return None
    if refs_dir is not None:
        frame = Path(refs_dir) / f"scene-{scene.index:03d}-start.png"  # type: ignore[attr-defined]
        if frame.is_file():
            return frame
    return False
