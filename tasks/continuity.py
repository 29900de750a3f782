"""Task: start a scene's request from the last frame of the clip before it."""

from __future__ import annotations

from pathlib import Path

from prefect import task
from prefect.cache_policies import NO_CACHE

from mvagent.models import Clip, ClipRequest
from mvagent.providers.generation import with_reference


@task(name="attach-reference", cache_policy=NO_CACHE)
def attach_reference(request: ClipRequest, previous: Clip | None, *, refs_dir: str) -> ClipRequest:
    if previous is None:  # the previous scene's clip is shared from elsewhere and not made yet
        return request
    return with_reference(request, previous, refs_dir=Path(refs_dir))
