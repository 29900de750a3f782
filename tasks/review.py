"""Tasks: judge every clip and retake weak ones (the engine's retake loop), and review the
finished video (contact sheet, audio-visual fit, rubric)."""

from __future__ import annotations

from pathlib import Path

from prefect import task
from prefect.cache_policies import NO_CACHE

from mvagent.decisions import DecisionLog
from mvagent.fileio import write_json_atomic
from mvagent.llm import LLM
from mvagent.models import (
    Analysis,
    Clip,
    ClipRequest,
    GenerationSettings,
    PlannerSettings,
    Storyboard,
)
from mvagent.providers.generation import capabilities_for
from mvagent.review.critic import Critic, Shot, build_critic
from mvagent.review.retakes import SceneReview, kept_clip, review_scene
from mvagent.review.settings import ReviewSettings
from tasks.plan import configured_llm
from tasks.provider_calls import clip_cache, clip_makers, run_budget

STAGE = "review"


def critic_llm(planner: PlannerSettings | None, *, decisions: DecisionLog) -> LLM | None:
    """The configured LLM (Block, else MVAGENT_LLM_*) whatever the planner mode, or None."""
    return configured_llm(planner or PlannerSettings(), decisions=decisions, stage=STAGE)


def make_critic(
    review: ReviewSettings,
    planner: PlannerSettings | None,
    *,
    decisions: DecisionLog,
    settings: GenerationSettings,
) -> Critic | None:
    """The run's critic; a vision model's verdicts are kept in the clip cache, so a rerun of
    an unchanged song pays no critic."""
    llm = None if review.critic in ("off", "rules") else critic_llm(planner, decisions=decisions)
    cache = clip_cache(settings) if llm is not None else None
    return build_critic(review.critic, llm=llm, keyframes=review.keyframes, cache=cache)


def shot_for(request: ClipRequest, storyboard: Storyboard, *, settings: GenerationSettings) -> Shot:
    scene = next((s for s in storyboard.scenes if s.index == request.scene_index), None)
    caps = capabilities_for(settings.provider, model=settings.model or None)
    return Shot(
        scene_index=request.scene_index,
        prompt=request.prompt,
        duration_s=caps.pick_duration(request.duration_s),  # what the model can make
        energy=request.energy,
        visual_bible=storyboard.visual_bible,
        section=scene.section if scene else "",
        lyric=scene.lyric if scene else "",
    )


@task(name="review-clips", cache_policy=NO_CACHE)
def review_clips(
    requests: list[ClipRequest],
    clips: dict[int, Clip],
    storyboard: Storyboard,
    *,
    settings: GenerationSettings,
    review: ReviewSettings,
    planner: PlannerSettings | None,
    song_dir: str,
) -> dict[int, Clip]:
    """Judge each scene's clip, retake what the critic rejects, keep the best take.

    Writes `review.json` (every take: verdict, scores, problems, cost) and returns the clips
    the edit should use, each carrying what all its takes cost.
    """
    base = Path(song_dir)
    decisions = DecisionLog(base / "decisions.jsonl")
    critic = make_critic(review, planner, decisions=decisions, settings=settings)
    if critic is None:
        (base / "review.json").unlink(missing_ok=True)  # not a stale review of another run
        return clips
    budget = run_budget(settings, decisions.path)
    make, revise = clip_makers(settings=settings, clips_dir=base / "clips",
                               decisions=decisions, budget=budget, planner=planner)  # fmt: skip

    def charge(usd: float) -> None:
        budget.charge(usd, what="the clip critic")

    out = dict(clips)
    reviews: list[SceneReview] = []
    for request in requests:
        first = clips[request.scene_index]
        r = review_scene(
            request, first, shot=shot_for(request, storyboard, settings=settings),
            critic=critic, make=make, revise=revise, max_retakes=review.max_retakes,
            decisions=decisions, takes_dir=base / "clips" / "takes", charge=charge,
        )  # fmt: skip
        reviews.append(r)
        out[request.scene_index] = kept_clip(r, path=first.path)
    write_review(base, clips=[r.as_dict() for r in reviews], critic=critic.name)
    return out


def write_review(base: Path, **parts: object) -> Path:
    """Merge `parts` into `review.json` (clip reviews first, the video review later)."""
    import json

    path = base / "review.json"
    data = json.loads(path.read_text()) if path.is_file() else {}
    data.update(parts)
    return write_json_atomic(path, data)


@task(name="review-video", cache_policy=NO_CACHE)
def review_video(
    analysis: Analysis,
    storyboard: Storyboard,
    *,
    review: ReviewSettings,
    planner: PlannerSettings | None,
    song_dir: str,
    judge: bool = True,
    settings: GenerationSettings | None = None,
    rescued: list[int] | None = None,
) -> list[int]:
    """Contact sheet, audio-visual fit and (with a vision model) the rubric; writes them to
    `review.json` and returns the scenes to regenerate (those below `rescue_below`).

    With `judge=False` (the look after `rescued` scenes were remade) the video is measured
    again and the rubric already given is kept, said to predate the rescue."""
    import json

    from mvagent.models import Timeline
    from mvagent.review.video_review import review_final

    base = Path(song_dir)
    decisions = DecisionLog(base / "decisions.jsonl")
    llm = None
    if judge and review.critic not in ("off", "rules"):
        llm = critic_llm(planner, decisions=decisions)
    earlier = None
    if not judge and (base / "review.json").is_file():
        earlier = (json.loads((base / "review.json").read_text()).get("video") or {}).get("rubric")
    timeline = Timeline.model_validate_json((base / "timeline.json").read_text())
    result = review_final(
        base / "final.mp4",
        timeline=timeline,
        analysis=analysis,
        storyboard=storyboard,
        sheet=base / "contact_sheet.png",
        llm=llm,
        cache=clip_cache(settings or GenerationSettings()) if llm is not None else None,
    )
    result.rescued = sorted(rescued or [])
    if earlier:
        from mvagent.review.rubric import VideoRubric

        result.rubric = VideoRubric.model_validate(earlier)
        result.note = (
            f"rubric scored before scene(s) {', '.join(map(str, result.rescued))} were remade"
        )
    weak = result.weak_scenes(below=review.rescue_below) if judge else []
    decisions.record(STAGE, "video_review", result.summary(), data=result.as_dict())
    write_review(base, video=result.as_dict())
    return weak


@task(name="rescue-scenes", cache_policy=NO_CACHE)
def rescue_scenes(
    scenes: list[int],
    requests: list[ClipRequest],
    uses: dict[int, int],
    clips: dict[int, Clip],
    storyboard: Storyboard,
    *,
    settings: GenerationSettings,
    review: ReviewSettings,
    planner: PlannerSettings | None,
    song_dir: str,
) -> dict[int, Clip]:
    """Regenerate, once, the clips of the scenes the video rubric found weak (budget
    allowing); a new take replaces the old one unless it is technically broken."""
    import shutil

    from mvagent.errors import BudgetExceededError

    base = Path(song_dir)
    decisions = DecisionLog(base / "decisions.jsonl")
    make, _ = clip_makers(settings=settings, clips_dir=base / "clips", decisions=decisions,
                          planner=planner)  # fmt: skip
    critic = make_critic(review, planner, decisions=decisions, settings=settings)
    sources = {uses.get(s, s) for s in scenes}
    out: dict[int, Clip] = {}
    for request in requests:
        if request.scene_index not in sources or request.scene_index not in clips:
            continue
        old = clips[request.scene_index]
        backup = base / "clips" / "takes" / f"scene-{request.scene_index:03d}-before-rescue.mp4"
        backup.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(old.path, backup)
        new_request = request.model_copy(update={"seed": request.seed + 100})
        decisions.record(STAGE, "regenerate", "the video rubric scored this scene low",
                         scene_index=request.scene_index,
                         data={"take": "rescue", "how": "new_seed", "seed": new_request.seed,
                               "prompt": new_request.prompt})  # fmt: skip
        try:
            clip = make(new_request)
        except BudgetExceededError as exc:
            decisions.record(STAGE, "budget_stop", str(exc), scene_index=request.scene_index)
            shutil.copyfile(backup, old.path)
            break
        ok = True
        if critic is not None:
            j = critic.judge(clip.path, shot=shot_for(new_request, storyboard, settings=settings))
            decisions.record(STAGE, "verdict", f"rescue take: {j.verdict} by {j.critic}",
                             scene_index=request.scene_index,
                             data={"take": "rescue", **j.as_dict()})  # fmt: skip
            ok = j.technical_ok
        if not ok:
            shutil.copyfile(backup, old.path)
            continue
        out[request.scene_index] = clip.model_copy(
            update={"cost_usd": round(old.cost_usd + clip.cost_usd, 4),
                    "paid_seconds": round(old.paid_seconds + clip.paid_seconds, 3)}
        )  # fmt: skip
    return out


@task(name="redo-scene", cache_policy=NO_CACHE)
def redo_scene_task(
    song_dir: str,
    *,
    scene: int,
    prompt: str,
    settings: GenerationSettings,
    planner: PlannerSettings | None,
) -> str:
    """`mvagent redo` inside a flow run: one scene made again, the rest from the cache."""
    from mvagent.review.redo import redo_scene

    base = Path(song_dir)
    decisions = DecisionLog(base / "decisions.jsonl")
    make, _ = clip_makers(settings=settings, clips_dir=base / "clips", decisions=decisions,
                          planner=planner)  # fmt: skip
    caps = capabilities_for(settings.provider, model=settings.model or None)
    result = redo_scene(base, scene=scene, prompt=prompt or None, make=make, capabilities=caps)
    return str(result.final)
