"""The receiver for hosted Suno callbacks: a small FastAPI app, no Prefect inside.

sunoapi-style services POST a task's progress to the `callBackUrl` given at generation:
`{code, msg, data: {callbackType: text|first|complete|error, task_id, data: [track...]}}`.
They cannot add headers, so the shared secret rides in the URL (`?token=`); an
`X-Mvagent-Token` header works too. Only "complete" tracks are announced; the provider may
send the same callback more than once, which the ledger behind `on_tracks` makes a no-op.
"""

from __future__ import annotations

import hmac
import json
import threading
from collections.abc import Callable
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from mvagent.errors import BadInputError, ConfigError
from mvagent.sources.suno import HostedSunoClient, SunoTrack

PATH = "/suno/callback"
MAX_BODY = 1_000_000  # a callback is a few kB; anything huge is not one
MIN_TOKEN = 16


def check_token(token: str | None) -> str:
    if not token or len(token) < MIN_TOKEN:
        raise ConfigError(
            f"callbacks need a shared secret of at least {MIN_TOKEN} characters: set "
            "MVAGENT_CALLBACK_TOKEN (or --token) and put ?token=... in the callBackUrl"
        )
    return token


def create_app(*, token: str, on_tracks: Callable[[list[SunoTrack]], Any]) -> FastAPI:
    """The ASGI app. `on_tracks(tracks)` announces finished tracks and returns a summary
    with `announced` (ids) or raises; it runs one call at a time, so two copies of one
    callback arriving together cannot both pass the ledger's read before either writes."""
    secret = check_token(token).encode()
    one_at_a_time = threading.Lock()
    app = FastAPI(title="mvagent Suno callbacks", docs_url=None, redoc_url=None, openapi_url=None)

    def refuse(status: int, message: str) -> JSONResponse:
        return JSONResponse({"ok": False, "error": message}, status_code=status)

    @app.get("/healthz")
    def healthz() -> dict[str, bool]:
        return {"ok": True}

    @app.post(PATH)
    async def callback(request: Request) -> JSONResponse:
        given = request.query_params.get("token") or request.headers.get("x-mvagent-token") or ""
        if not hmac.compare_digest(given.encode(), secret):
            return refuse(401, "missing or wrong token")
        body = await request.body()
        if len(body) > MAX_BODY:
            return refuse(413, "body too large for a Suno callback")
        try:
            payload = json.loads(body)
        except ValueError:
            return refuse(400, "body is not JSON")
        try:
            stage, tracks = HostedSunoClient.parse_callback(payload)
        except BadInputError as exc:
            return refuse(422, str(exc))
        if stage != "complete":
            return JSONResponse({"ok": True, "stage": stage, "announced": []})

        def announce() -> Any:
            with one_at_a_time:
                return on_tracks(tracks)

        try:
            result = await run_in_threadpool(announce)
        except Exception as exc:  # noqa: BLE001 - a 5xx makes the provider send it again
            from mvagent.providers.remote import redact

            return refuse(503, f"could not announce: {redact(type(exc).__name__)}")
        return JSONResponse({"ok": True, "stage": stage, "announced": list(result.announced)})

    return app
