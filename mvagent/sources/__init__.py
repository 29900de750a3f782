"""Music sources: where the song comes from (a file, an http(s) URL, a Suno track).

`providers/` holds video models only; everything that reads a song lives here.
"""

from mvagent.sources.fetch import download_track, fetch_song, track_slug
from mvagent.sources.suno import (
    HostedSunoClient,
    SelfHostedSunoClient,
    SunoClient,
    SunoTrack,
    suno_client,
)

__all__ = [
    "HostedSunoClient",
    "SelfHostedSunoClient",
    "SunoClient",
    "SunoTrack",
    "download_track",
    "fetch_song",
    "suno_client",
    "track_slug",
]
