"""Moved to `mvagent.sources` (providers/ holds video models only); kept for old imports."""

from mvagent.sources.fetch import download_track, fetch_song, track_slug
from mvagent.sources.suno import (
    FAILED,
    READY,
    HostedSunoClient,
    SelfHostedSunoClient,
    SunoClient,
    SunoTrack,
    suno_client,
)

__all__ = [
    "FAILED",
    "READY",
    "HostedSunoClient",
    "SelfHostedSunoClient",
    "SunoClient",
    "SunoTrack",
    "download_track",
    "fetch_song",
    "suno_client",
    "track_slug",
]
