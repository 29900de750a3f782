"""musicvideo-agent: turn a song into a beat-synced music video.

The engine lives here and never imports Prefect; `tasks/` and `flows/` wrap it.
"""

__version__ = "0.1.0"
