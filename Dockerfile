# Worker image for the Railway work pools: the engine, its locked runtime dependencies (no test
# tools), Chromium for the `web` provider, and a warm numba cache so the first analysis in a
# new container is not a cold JIT compile. It runs as an unprivileged user.
# tests/test_image.py builds this Python layer the same way in a clean venv and runs the demo.
FROM python:3.11-slim-bookworm

# MVAGENT_METRICS_SPOOL: processes before and under the worker (doctor's credits reading, flow
# runs) leave their measurements where the worker's Prometheus endpoint reads them.
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    NUMBA_CACHE_DIR=/opt/numba-cache \
    PREFECT_SERVER_ANALYTICS_ENABLED=false \
    PREFECT_WORKER_WEBSERVER_PORT=8080 \
    MVAGENT_METRICS_SPOOL=/tmp/mvagent-metrics

# chromium: the `web` provider drives browser-only generators through Playwright.
RUN apt-get update \
 && apt-get install -y --no-install-recommends chromium \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --create-home --uid 10001 --shell /usr/sbin/nologin mvagent

WORKDIR /app
# The runtime lock: the same versions as requirements.lock, without the test tools.
COPY requirements-runtime.lock pyproject.toml README.md ./
RUN pip install --no-cache-dir "uv==0.13.8" \
 && uv pip sync --system --no-cache requirements-runtime.lock

COPY mvagent ./mvagent
COPY tasks ./tasks
COPY flows ./flows
COPY blocks ./blocks
COPY prefect.yaml ./
RUN uv pip install --system --no-cache --no-deps -e . \
 && mkdir -p /opt/numba-cache /app/out \
 && chown -R mvagent:mvagent /opt/numba-cache /app

USER mvagent
# Warm numba's cache as the user that will read it (tests/test_image.py: the demo then
# compiles nothing).
RUN python -m mvagent.warmup

# The worker's /health (prefect worker --with-healthcheck); a per-run container made by the
# `railway` worker type (PREFECT__FLOW_RUN_ID set) runs no server and is judged by its run.
HEALTHCHECK --interval=30s --timeout=5s --start-period=120s --retries=3 \
  CMD ["python", "-m", "flows.healthcheck"]

# `mvagent doctor` first: a bad key stops the container at start (naming it), not at the
# first paid call. Then a process worker (each flow run a subprocess here) that stops within
# seconds on SIGTERM and puts its running flow runs back to AwaitingRetry. Railway injects
# PORT and health-checks it, so the worker's health server listens there.
# The `railway` worker type and the cron schedule replace this command (see README).
CMD ["/bin/sh", "-c", "export PREFECT_WORKER_WEBSERVER_PORT=\"${PORT:-8080}\"; mvagent doctor && exec python -m flows.worker --with-healthcheck"]
