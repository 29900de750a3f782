"""Which planner writes the storyboard: `--planner auto|llm|heuristic`, and why.

The heuristic storyboard is always made first: it fixes the scenes' timing, and it is what
`auto` falls back to when the LLM is missing or fails. Every choice is a `plan` line in
`decisions.jsonl`; `llm` never falls back, it stops with a one-line error.
"""

from __future__ import annotations

from typing import Literal

from mvagent.decisions import DecisionLog
from mvagent.errors import ConfigError, LLMError
from mvagent.llm.client import LLM
from mvagent.models import Analysis, Song, Storyboard
from mvagent.planning.dialects import dialect_for
from mvagent.planning.llm_planner import plan_with_llm
from mvagent.planning.storyboard import plan_storyboard
from mvagent.providers.base import Capabilities
from mvagent.providers.remote import redact

PlannerMode = Literal["auto", "llm", "heuristic"]

NO_LLM = (
    "no LLM is configured: set MVAGENT_LLM_BASE_URL (and MVAGENT_LLM_API_KEY, "
    "MVAGENT_LLM_MODEL) or pass --llm-credentials BLOCK"
)


def plan(
    analysis: Analysis,
    *,
    song: Song,
    mode: PlannerMode,
    provider: str,
    capabilities: Capabilities,
    decisions: DecisionLog,
    llm: LLM | None = None,
    style: str = "",
    brief: str = "",
    seed: int = 0,
) -> Storyboard:
    """The storyboard for `analysis`, by the planner `mode` asks for (see module docstring)."""
    style = style or song.style
    base = plan_storyboard(
        analysis,
        style=style,
        capabilities=capabilities,
        seed=seed,
        title=song.title,
        hex_colours=dialect_for(provider).hex_colours,
    )
    if song.image_path is not None:
        # The cover is the one picture the artist chose for the song: keep it with the plan.
        base = base.model_copy(update={"cover_image": song.image_path.name})
        decisions.record("plan", "cover", "the track's cover art is the planner's reference",
                         data={"cover_image": song.image_path.name})  # fmt: skip

    def heuristic(action: str, why: str) -> Storyboard:
        decisions.record("plan", action, redact(why), data={"planner": "heuristic", "mode": mode})
        return base.model_copy(update={"planner": "heuristic", "planner_note": redact(why)})

    if mode == "heuristic":
        return heuristic("planner", "--planner heuristic: no LLM asked")
    if llm is None:
        if mode == "llm":
            raise ConfigError(f"--planner llm: {NO_LLM}")
        return heuristic("planner", f"auto: {NO_LLM}; using the heuristic planner")
    try:
        storyboard = plan_with_llm(
            base, analysis, song=song, llm=llm, provider=provider,
            capabilities=capabilities, brief=brief, style=style,
        )  # fmt: skip
    except LLMError as exc:
        if mode == "llm":
            raise
        fallback = heuristic(
            "planner_fallback", f"auto: the LLM failed ({exc}); using the heuristic planner"
        )
        calls = llm.calls
        return fallback.model_copy(
            update={
                "llm_model": llm.model,
                "llm_calls": len(calls),
                "llm_tokens": sum(c.prompt_tokens + c.completion_tokens for c in calls),
                "llm_cost_usd": llm.total_cost_usd,
            }
        )
    why = f"{mode}: {llm.model} wrote the storyboard ({storyboard.llm_calls} call(s), ${storyboard.llm_cost_usd:.4f})"
    decisions.record(
        "plan", "planner", why, data={"planner": "llm", "mode": mode, "model": llm.model}
    )
    return storyboard.model_copy(update={"planner_note": why})
