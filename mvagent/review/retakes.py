"""The retake loop: judge a take, make another while the critic asks and the budget allows,
keep the best.

`review_scene` owns the loop for one scene; how a take is made is passed in (`make` for a
new seed, `revise` for a revised prompt or the provider's remix), so the loop runs the same
under Prefect, in `mvagent redo`, and in tests. Every take's file is kept under
`clips/takes/` so the best one can be put back in place; every verdict and every retake is
a `decisions.jsonl` record (a retake has "action": "regenerate").
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from mvagent.decisions import DecisionLog
from mvagent.errors import BudgetExceededError
from mvagent.models import Clip, ClipRequest
from mvagent.review.critic import Critic, Judgement, Shot

STAGE = "review"
MakeTake = Callable[[ClipRequest], Clip]
ReviseTake = Callable[[ClipRequest, Clip, str], Clip]
# Books a critic's spend against the run's budget; raises BudgetExceededError when over.
Charge = Callable[[float], None]


@dataclass(frozen=True)
class Take:
    number: int  # 0 = the first take
    how: str  # first | new_seed | revised_prompt
    clip: Clip
    judgement: Judgement
    kept_at: Path
    prompt: str
    seed: int

    @property
    def cost_usd(self) -> float:
        return round(self.clip.cost_usd + self.judgement.cost_usd, 6)

    def as_dict(self) -> dict:
        return {
            "take": self.number,
            "how": self.how,
            "seed": self.seed,
            "prompt": self.prompt,
            "file": str(self.kept_at),
            "cached": self.clip.cached,
            "clip_cost_usd": self.clip.cost_usd,
            "critic_cost_usd": self.judgement.cost_usd,
            "cost_usd": self.cost_usd,
            **{k: v for k, v in self.judgement.as_dict().items() if k != "cost_usd"},
        }


@dataclass
class SceneReview:
    scene_index: int
    takes: list[Take] = field(default_factory=list)
    kept: int = 0
    stopped: str = ""  # why the loop ended before the critic was satisfied

    @property
    def best(self) -> Take:
        return self.takes[self.kept]

    @property
    def cost_usd(self) -> float:
        return round(sum(t.cost_usd for t in self.takes), 6)

    def as_dict(self) -> dict:
        return {
            "scene": self.scene_index,
            "kept_take": self.kept,
            "retakes": len(self.takes) - 1,
            "stopped": self.stopped,
            "cost_usd": self.cost_usd,
            "takes": [t.as_dict() for t in self.takes],
        }


def take_path(takes_dir: Path, scene_index: int, number: int) -> Path:
    return Path(takes_dir) / f"scene-{scene_index:03d}-take-{number}.mp4"


def _keep(clip: Clip, *, takes_dir: Path, number: int) -> Path:
    """Copy the take out of `clips/scene-NNN.mp4`, which the next take overwrites."""
    dest = take_path(takes_dir, clip.scene_index, number)
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.with_name("." + dest.name)
    shutil.copyfile(clip.path, tmp)
    tmp.replace(dest)
    return dest


def review_scene(
    request: ClipRequest,
    first: Clip,
    *,
    shot: Shot,
    critic: Critic,
    make: MakeTake,
    revise: ReviseTake,
    max_retakes: int,
    decisions: DecisionLog,
    takes_dir: Path,
    charge: Charge | None = None,
) -> SceneReview:
    """Judge `first`; while the verdict is not accept, make up to `max_retakes` more takes
    (each judged again); put the best-scoring take back at `first.path`."""
    review = SceneReview(scene_index=request.scene_index)
    current, clip, how = request, first, "first"
    while True:
        number = len(review.takes)
        judgement = critic.judge(clip.path, shot=_shot_for(shot, current))
        take = Take(number=number, how=how, clip=clip, judgement=judgement, prompt=current.prompt,
                    seed=current.seed, kept_at=_keep(clip, takes_dir=takes_dir, number=number))  # fmt: skip
        review.takes.append(take)
        decisions.record(
            STAGE, "verdict",
            f"take {number}: {judgement.verdict} by {judgement.critic} (score {judgement.score:.2f})"
            + (f": {'; '.join(judgement.problems[:3])}" if judgement.problems else ""),
            scene_index=request.scene_index,
            data={"take": number, **judgement.as_dict(), "clip_cost_usd": clip.cost_usd},
        )  # fmt: skip
        if charge is not None and judgement.cost_usd:
            try:
                charge(judgement.cost_usd)
            except BudgetExceededError as exc:
                review.stopped = f"budget: {exc}"
                break
        if judgement.verdict == "accept":
            break
        if number >= max_retakes:
            review.stopped = f"max retakes ({max_retakes}) reached"
            break
        revising = judgement.verdict == "revise" and bool(judgement.revised_prompt)
        nxt = current.model_copy(
            update={"prompt": judgement.revised_prompt} if revising else {"seed": current.seed + 1}
        )
        how = "revised_prompt" if revising else "new_seed"
        decisions.record(
            STAGE, "regenerate",
            f"take {number + 1} ({how.replace('_', ' ')}): "
            + ("; ".join(judgement.problems[:3]) or judgement.verdict),
            scene_index=request.scene_index,
            data={"take": number + 1, "how": how, "seed": nxt.seed, "prompt": nxt.prompt},
        )  # fmt: skip
        try:
            clip = revise(nxt, clip, nxt.prompt) if revising else make(nxt)
        except BudgetExceededError as exc:
            review.stopped = f"budget: {exc}"
            decisions.record(STAGE, "budget_stop", str(exc), scene_index=request.scene_index)
            break
        current = nxt
    review.kept = max(range(len(review.takes)), key=lambda i: (review.takes[i].judgement.score,
                                                              review.takes[i].judgement.verdict == "accept", -i))  # fmt: skip
    best = review.best
    if best.number != len(review.takes) - 1:
        shutil.copyfile(best.kept_at, first.path)  # the last take overwrote the kept one
    decisions.record(
        STAGE, "keep_take",
        f"kept take {best.number} of {len(review.takes)} (score {best.judgement.score:.2f}); "
        f"the takes cost ${review.cost_usd:.2f}" + (f"; stopped: {review.stopped}" if review.stopped else ""),
        scene_index=request.scene_index,
        data={"take": best.number, "takes": len(review.takes), "cost_usd": review.cost_usd},
    )  # fmt: skip
    return review


def kept_clip(review: SceneReview, *, path: Path) -> Clip:
    """The clip the edit uses: the best take at `path`, carrying what ALL takes cost."""
    best = review.best.clip
    return best.model_copy(
        update={
            "path": path,
            "cost_usd": round(sum(t.clip.cost_usd for t in review.takes), 4),
            "paid_seconds": round(sum(t.clip.paid_seconds for t in review.takes), 3),
            "cached": all(t.clip.cached for t in review.takes),
        }
    )


def _shot_for(shot: Shot, request: ClipRequest) -> Shot:
    if request.prompt == shot.prompt:
        return shot
    return Shot(**{**shot.__dict__, "prompt": request.prompt})
