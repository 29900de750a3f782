# Worker image for the Railway work pool: the engine, its locked dependencies, and a warm
# numba cache so the first analysis in a new container is not a cold JIT compile.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    NUMBA_CACHE_DIR=/opt/numba-cache \
    PREFECT_SERVER_ANALYTICS_ENABLED=false

# chromium: the `web` provider drives browser-only generators through Playwright.
RUN apt-get update \
 && apt-get install -y --no-install-recommends chromium \
 && rm -rf /var/lib/apt/lists/*

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
 && python -c "from mvagent.demo import synthesize_demo_song as s; s('/tmp/w.wav', form='short')" \
 && mvagent analyze /tmp/w.wav --json > /dev/null \
 && rm /tmp/w.wav

# `mvagent doctor` first: a bad key stops the container at start (naming it), not at the
# first paid call. Then a process worker (each flow run a subprocess here) that stops within
# seconds on SIGTERM and puts its running flow runs back to AwaitingRetry.
CMD ["/bin/sh", "-c", "mvagent doctor && exec python -m flows.worker"]
