"""Deployment steps of our own, named in prefect.yaml's `pull:` section.

Prefect runs pull steps on the worker before it loads a flow. The stock
`set_working_directory` step needs a fixed path, which is right only inside the Docker image
(/app); a process worker started from a clone keeps the project elsewhere.
"""

from __future__ import annotations

import os
from pathlib import Path

from mvagent.errors import ConfigError

PROJECT_DIR_ENV = "MVAGENT_PROJECT_DIR"


def project_dir() -> Path:
    """Where the flows' entrypoints live: `$MVAGENT_PROJECT_DIR`, else this installed project."""
    configured = os.environ.get(PROJECT_DIR_ENV, "").strip()
    if configured:
        path = Path(configured).expanduser()
        if not (path / "flows").is_dir():
            raise ConfigError(
                f"{PROJECT_DIR_ENV}={configured} has no flows/ folder: point it at the "
                "musicvideo-agent checkout, or unset it to use the installed one"
            )
        return path.resolve()
    # flows/ is installed in place (editable, in a clone and in the image alike).
    return Path(__file__).resolve().parents[1]


def enter_project() -> dict[str, str]:
    """Pull step: change into the project folder so `flows/...:flow` entrypoints resolve."""
    path = project_dir()
    os.chdir(path)
    return {"directory": str(path)}
