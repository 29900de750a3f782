"""`python -m flows.healthcheck`: the image's HEALTHCHECK (exit 0 healthy, 1 not).

A long-running worker (`python -m flows.worker --with-healthcheck`) answers on
PREFECT_WORKER_WEBSERVER_PORT with 200 while it still polls its pool. A per-run container
started by the `railway` worker type (PREFECT__FLOW_RUN_ID is set) runs no server: its flow
run reports its own state to Prefect, so it is healthy while it runs.
"""

from __future__ import annotations

import os
import sys
import urllib.error
import urllib.request


def healthy(env: dict[str, str] | None = None, *, timeout_s: float = 4.0) -> bool:
    env = dict(os.environ) if env is None else env
    if env.get("PREFECT__FLOW_RUN_ID"):
        return True
    port = env.get("PREFECT_WORKER_WEBSERVER_PORT") or "8080"
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=timeout_s) as r:
            return r.status == 200
    except (urllib.error.URLError, OSError):
        return False


if __name__ == "__main__":
    sys.exit(0 if healthy() else 1)
