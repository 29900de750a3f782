"""Task: check each generated clip and say which ones to make again."""

from __future__ import annotations

from prefect import task
from prefect.cache_policies import NO_CACHE

from mvagent.models import Clip
from mvagent.review.clip_qa import ClipQA, assess_clip


@task(name="review-clip", cache_policy=NO_CACHE)
def review_clip(clip: Clip, *, expected_duration_s: float) -> ClipQA:
    return assess_clip(clip.path, expected_duration_s=expected_duration_s)
