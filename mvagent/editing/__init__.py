"""The editing engine: plan a beat-synced timeline, then render it in one ffmpeg pass.

plan_timeline(analysis, storyboard, clips, settings=..., audio=..., base_dir=...) -> Timeline
save_timeline(timeline, path) / load_timeline(path) -> Timeline   (timeline.json)
render_timeline(timeline, base_dir=..., out=...) -> Path          (the video)
"""

from mvagent.editing.plan import plan_timeline
from mvagent.editing.render import build_render, render_timeline
from mvagent.editing.timeline import frame_layout, load_timeline, save_timeline

__all__ = [
    "build_render",
    "frame_layout",
    "load_timeline",
    "plan_timeline",
    "render_timeline",
    "save_timeline",
]
