"""`mvagent redo OUT_DIR --scene N [--prompt TEXT]`: make one scene again and re-render.

Only scene N is generated (a new seed, or the new prompt); every other clip stays what it
is in `clips/` (and in the clip cache), and `timeline.json` is rendered as it is on disk,
so hand edits are kept. The one change made to the timeline: shots of scene N that showed
a clip shared with another scene now show scene N's own new clip.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from mvagent.decisions import DecisionLog
from mvagent.errors import RedoError
from mvagent.fileio import write_json_atomic
from mvagent.models import Analysis, Clip, ClipRequest, RenderSettings, Storyboard, Timeline

STAGE = "redo"
MakeClip = Callable[[ClipRequest], Clip]


@dataclass(frozen=True)
class RedoResult:
    scene_index: int
    clip: Clip
    final: Path
    prompt: str
    seed: int


def _load(path: Path, model: type, what: str):
    if not path.is_file():
        raise RedoError(f"{path} is missing: point redo at a folder `mvagent make` wrote ({what})")
    try:
        return model.model_validate_json(path.read_text())
    except ValueError as exc:
        raise RedoError(f"{path} is not a valid {what}: {str(exc).splitlines()[0]}") from None


def scene_request(
    song_dir: Path, *, scene: int, capabilities
) -> tuple[ClipRequest, Storyboard, Timeline]:
    """Scene `scene`'s clip request, rebuilt from the folder's storyboard and analysis."""
    from mvagent.planning.requests import clip_requests

    storyboard: Storyboard = _load(song_dir / "storyboard.json", Storyboard, "storyboard")
    analysis: Analysis = _load(song_dir / "analysis.json", Analysis, "analysis")
    timeline: Timeline = _load(song_dir / "timeline.json", Timeline, "timeline")
    indexes = [s.index for s in storyboard.scenes]
    if scene not in indexes:
        raise RedoError(f"there is no scene {scene}: the storyboard has scenes "
                        f"{min(indexes)}-{max(indexes)}")  # fmt: skip
    render = RenderSettings(width=timeline.width, height=timeline.height, fps=timeline.fps,
                            preset=timeline.preset, subtitles=timeline.subtitles,
                            fit=timeline.fit)  # fmt: skip
    requests = clip_requests(storyboard, analysis, settings=render, capabilities=capabilities)
    request = next(r for r in requests if r.scene_index == scene)
    return request, storyboard, timeline


def previous_redos(decisions: DecisionLog, scene: int) -> int:
    return sum(1 for d in decisions.read()
               if d.get("action") == "redo" and d.get("scene_index") == scene)  # fmt: skip


def redo_scene(
    song_dir: str | Path,
    *,
    scene: int,
    prompt: str | None,
    make: MakeClip,
    capabilities,
    on_progress: Callable[[float], None] | None = None,
) -> RedoResult:
    """Regenerate scene `scene` with `make` and render `timeline.json` again."""
    from mvagent.editing import render_timeline

    base = Path(song_dir)
    decisions = DecisionLog(base / "decisions.jsonl")
    request, storyboard, timeline = scene_request(base, scene=scene, capabilities=capabilities)
    # A new seed per redo, far from the retake seeds (+1, +2...), so no cached take returns.
    seed = request.seed + 1000 + previous_redos(decisions, scene)
    update: dict = {"seed": seed}
    if prompt and prompt.strip():
        update["prompt"] = prompt.strip()
    request = request.model_copy(update=update)
    clip = make(request)
    own = f"clips/{clip.path.name}"
    changed = False
    shots = []
    for shot in timeline.shots:
        if shot.scene_index == scene and shot.source != own:
            shot = shot.model_copy(update={"source": own})
            changed = True
        shots.append(shot)
    if changed:
        timeline = timeline.model_copy(update={"shots": shots})
        write_json_atomic(base / "timeline.json", timeline)
    if "prompt" in update:
        scenes = [s.model_copy(update={"prompt": request.prompt}) if s.index == scene else s
                  for s in storyboard.scenes]  # fmt: skip
        write_json_atomic(
            base / "storyboard.json", storyboard.model_copy(update={"scenes": scenes})
        )
    final = base / "final.mp4"
    render_timeline(timeline, base_dir=base, out=final, on_progress=on_progress)
    decisions.record(
        STAGE, "redo",
        f"scene {scene} made again ({'new prompt' if 'prompt' in update else 'new seed'} "
        f"{seed}), ${clip.cost_usd:.2f}; final.mp4 rendered again",
        scene_index=scene,
        data={"seed": seed, "prompt": request.prompt, "cost_usd": clip.cost_usd,
              "provider": clip.provider, "timeline_changed": changed},
    )  # fmt: skip
    return RedoResult(scene_index=scene, clip=clip, final=final, prompt=request.prompt, seed=seed)


def scene_provider(song_dir: Path, scene: int) -> str:
    """The provider that made scene `scene` last time (from decisions.jsonl), else local."""
    path = Path(song_dir) / "decisions.jsonl"
    if not path.is_file():
        return "local"
    provider = "local"
    for line in path.read_text().splitlines():
        try:
            d = json.loads(line)
        except ValueError:
            continue
        if d.get("scene_index") == scene and d.get("action") in ("generated", "cache_hit"):
            provider = (d.get("data") or {}).get("provider") or provider
    return provider
