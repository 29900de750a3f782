"""From storyboard scenes to provider requests (what to generate, at which size)."""

from __future__ import annotations

from mvagent.models import Analysis, ClipRequest, RenderSettings, Storyboard
from mvagent.providers.base import Capabilities


def clip_requests(
    storyboard: Storyboard,
    analysis: Analysis,
    *,
    settings: RenderSettings,
    capabilities: Capabilities | None = None,
) -> list[ClipRequest]:
    """One request per scene, with the music cues relative to the clip's own start."""
    caps = capabilities or Capabilities()
    width, height = caps.pick_size(settings.width, settings.height)
    requests = []
    for scene in storyboard.scenes:
        span = scene.clip_duration

        def rel(times: list[float], start: float = scene.start, span: float = span) -> list[float]:
            return [round(t - start, 4) for t in times if start <= t < start + span]

        beat_energy = [
            e
            for b, e in zip(analysis.beats, analysis.energy, strict=False)
            if scene.start <= b < scene.start + span
        ]
        requests.append(
            ClipRequest(
                scene_index=scene.index,
                prompt=scene.prompt,
                duration_s=span,
                width=width,
                height=height,
                fps=settings.fps,
                seed=scene.seed,
                palette=scene.palette,
                motif=scene.motif,
                camera=scene.camera,
                energy=scene.energy,
                beat_times_s=rel(analysis.beats),
                downbeat_times_s=rel(analysis.downbeats),
                beat_energy=beat_energy,
                negative_prompt=scene.negative_prompt,
            )
        )
    return requests


def share_identical(requests: list[ClipRequest]) -> tuple[list[ClipRequest], dict[int, int]]:
    """Drop requests identical to an earlier one (a repeated chorus), so each is paid once.

    Returns the unique requests and, for every scene index, the scene whose clip it uses.
    """
    first: dict[tuple, int] = {}
    unique: list[ClipRequest] = []
    uses: dict[int, int] = {}
    for req in requests:
        key = (
            req.prompt,
            req.seed,
            req.duration_s,
            req.width,
            req.height,
            req.fps,
            req.reference_image,
        )
        if key not in first:
            first[key] = req.scene_index
            unique.append(req)
        uses[req.scene_index] = first[key]
    return unique, uses


def continuity_waves(
    requests: list[ClipRequest], storyboard: Storyboard
) -> list[list[ClipRequest]]:
    """Order generation for continuity: wave 0 needs nothing, wave k starts from the last
    frame of a clip made in wave k-1 (scenes planned with reference="previous_last_frame")."""
    follows = {s.index for s in storyboard.scenes if s.reference == "previous_last_frame"}
    depth: dict[int, int] = {}
    waves: list[list[ClipRequest]] = []
    for req in sorted(requests, key=lambda r: r.scene_index):
        i = req.scene_index
        depth[i] = depth.get(i - 1, 0) + 1 if i in follows else 0
        while len(waves) <= depth[i]:
            waves.append([])
        waves[depth[i]].append(req)
    return waves
