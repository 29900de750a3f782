"""Task: plan the storyboard and the clip requests; write storyboard.json."""

from __future__ import annotations

from pathlib import Path

from prefect import task
from prefect.cache_policies import NO_CACHE

from mvagent.decisions import DecisionLog
from mvagent.fileio import write_json_atomic
from mvagent.llm import LLM, build_llm, call_recorder, config_from_env
from mvagent.models import (
    Analysis,
    ClipRequest,
    GenerationSettings,
    PlannerSettings,
    RenderSettings,
    Song,
    Storyboard,
)
from mvagent.planning.planner import plan
from mvagent.planning.requests import clip_requests
from mvagent.providers.generation import capabilities_for


def planner_llm(planner: PlannerSettings, *, decisions: DecisionLog, stage: str) -> LLM | None:
    """The configured LLM (a saved LLMCredentials Block, else MVAGENT_LLM_*), or None."""
    if planner.mode == "heuristic" and not planner.transcribe:
        return None
    return configured_llm(planner, decisions=decisions, stage=stage)


def configured_llm(planner: PlannerSettings, *, decisions: DecisionLog, stage: str) -> LLM | None:
    """The LLM the settings name (Block, else MVAGENT_LLM_*) whatever the planner mode, or None."""
    if planner.llm_credentials_block:
        from blocks.credentials import load_llm_config

        config = load_llm_config(planner.llm_credentials_block)
    else:
        config = config_from_env()
    if planner.llm_model:
        config = config.model_copy(update={"model": planner.llm_model})
    if not config.configured:
        return None
    return build_llm(config, on_call=call_recorder(decisions, stage=stage))


@task(name="plan-storyboard", cache_policy=NO_CACHE)
def plan_video(
    analysis: Analysis,
    *,
    style: str,
    seed: int,
    render: RenderSettings,
    generation: GenerationSettings,
    song_dir: str,
    song: Song | None = None,
    planner: PlannerSettings | None = None,
) -> tuple[Storyboard, list[ClipRequest]]:
    planner = planner or PlannerSettings(mode="heuristic")
    caps = capabilities_for(generation.provider, model=generation.model or None)
    log = DecisionLog(Path(song_dir) / "decisions.jsonl")
    song = song or Song(path=Path(song_dir), title="", slug=Path(song_dir).name)
    llm = None if planner.mode == "heuristic" else planner_llm(planner, decisions=log, stage="plan")
    storyboard = plan(
        analysis,
        song=song,
        mode=planner.mode,
        provider=generation.provider,
        capabilities=caps,
        decisions=log,
        llm=llm,
        style=style,
        brief=planner.brief,
        seed=seed,
    )
    requests = clip_requests(storyboard, analysis, settings=render, capabilities=caps)
    write_json_atomic(Path(song_dir) / "storyboard.json", storyboard)
    log.record(
        "plan",
        "storyboard",
        f"{len(storyboard.scenes)} scenes over {len(analysis.sections)} sections, "
        f"provider {generation.provider}, planner {storyboard.planner}",
        data={"scenes": len(storyboard.scenes), "planner": storyboard.planner},
    )
    return storyboard, requests


@task(name="estimate-cost", cache_policy=NO_CACHE)
def estimate_video_cost(
    storyboard: Storyboard,
    *,
    settings: GenerationSettings,
    song_dir: str,
    render: RenderSettings | None = None,
    retake_share: float = 0.0,
):
    """Log what generating this storyboard would cost; the budget itself is enforced per clip."""
    from mvagent.planning.cost import estimate_cost
    from mvagent.providers.cache import open_cache
    from tasks.provider_calls import credentials_for

    creds = credentials_for(settings) or {}
    price = creds.get("price_per_second_usd") if isinstance(creds, dict) else None
    # The clip cache and the frames a previous run left make an unchanged rerun cost $0,
    # so --max-cost never refuses a rerun that spends nothing.
    estimate = estimate_cost(
        storyboard,
        settings=settings,
        render=render,
        cache=open_cache(settings.cache_dir),
        price_per_second_usd=price,
        refs_dir=Path(song_dir) / "refs",
        retake_share=retake_share,
    )
    estimate.require_within(settings.max_cost_usd)
    DecisionLog(Path(song_dir) / "decisions.jsonl").record(
        "plan",
        "cost-estimate",
        f"{estimate.total_paid_seconds:.1f} paid s, ${estimate.total_usd:.2f} with {settings.provider}",
    )
    return estimate
