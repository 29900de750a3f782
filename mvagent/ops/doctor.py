"""`mvagent doctor`: every configured credential checked with one cheap, real, authenticated call.

A bad key should show at container start, not at the first paid generation. Each check is
the least expensive call the service offers that still proves the key works (a listing, an
account read, the credits left); none of them generates anything. Whatever is not configured
is reported as such and is not a failure. Messages go through `redact`, so a service that
quotes the key back (OpenAI does) cannot leak it into the table.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from mvagent import metrics
from mvagent.errors import MvagentError
from mvagent.providers.remote import redact, reveal

Status = Literal["ok", "failed", "not configured", "skipped"]

# Variables whose values are secrets: scrubbed from every message even if no client saw them.
_SECRET_NAME = re.compile(r"KEY|SECRET|TOKEN|PASSWORD|COOKIE|WEBHOOK", re.IGNORECASE)
_PROBE_ID = "mvagent-doctor-probe"  # a job id that cannot exist: a 404 proves the key is good


class DoctorFailedError(MvagentError):
    """At least one configured credential failed its check; the message names which."""

    exit_code = 1


@dataclass(frozen=True)
class CheckResult:
    name: str
    target: str
    status: Status
    detail: str
    seconds: float = 0.0


@dataclass(frozen=True)
class S3Target:
    """A bucket to check, with the boto3 client that would use it (None: boto3's default)."""

    bucket: str
    prefix: str = ""
    client: Any = None


@dataclass(frozen=True)
class _Planned:
    name: str
    target: str
    check: Callable[[], str] | None  # None: not configured


def parse_bucket_url(url: str) -> tuple[str, str]:
    """`s3://bucket/prefix` -> (bucket, prefix); a `ConfigError` for anything else."""
    from mvagent.errors import ConfigError

    url = url.strip()
    bucket, _, prefix = url.removeprefix("s3://").partition("/")
    if not url.startswith("s3://") or not bucket:
        raise ConfigError(f"STORAGE_BUCKET_URL must look like s3://bucket/prefix, not {url[:40]!r}")
    return bucket, prefix.strip("/")


# --------------------------------------------------------------------------- checks


def _llm(cfg: Any) -> Callable[[], str]:
    def check() -> str:
        import openai

        key = reveal(cfg.api_key) or "not-needed"
        client = openai.OpenAI(api_key=key, base_url=cfg.base_url, max_retries=0, timeout=15.0)
        ids = [m.id for m in client.models.list()]
        listed = "listed" if cfg.model in ids else "not in the list (gateways may alias it)"
        return f"{len(ids)} models; {cfg.model} {listed}"

    return check


def _provider(name: str, config: Mapping[str, Any]) -> Any:
    from mvagent.providers import get_provider

    return get_provider(name, **dict(config))


def _sora(config: Mapping[str, Any]) -> Callable[[], str]:
    def check() -> str:
        p = _provider("sora", config)
        p.client.videos.list(limit=1)
        return f"videos listed; model {p.model}"

    return check


def _veo(config: Mapping[str, Any]) -> Callable[[], str]:
    def check() -> str:
        p = _provider("veo", config)
        p.client.models.get(model=p.model)
        return f"{p.model} available"

    return check


def _fal(config: Mapping[str, Any]) -> Callable[[], str]:
    def check() -> str:
        p = _provider("fal", config)
        try:
            p.client.status(p.spec.name, _PROBE_ID)
        except Exception as exc:
            if _status_of(exc) == 404:  # authenticated, and the probe job does not exist
                return f"key accepted; {p.spec.name}"
            raise
        return f"key accepted; {p.spec.name}"

    return check


def _replicate(config: Mapping[str, Any]) -> Callable[[], str]:
    def check() -> str:
        account = _provider("replicate", config).client.accounts.current()
        return f"account {account.username}"

    return check


def _runway(config: Mapping[str, Any]) -> Callable[[], str]:
    def check() -> str:
        org = _provider("runway", config).client.organization.retrieve()
        return f"{org.credit_balance} credits left"

    return check


def _suno(config: Mapping[str, Any]) -> Callable[[], str]:
    def check() -> str:
        from mvagent.sources.suno import suno_client

        credits = suno_client(**dict(config), attempts=1, timeout_s=15.0).credits()
        metrics.credits_left("suno", credits)  # the gauge, on the worker that runs doctor
        return f"{credits} credits left"

    return check


def _s3(target: S3Target) -> Callable[[], str]:
    def check() -> str:
        client = target.client
        if client is None:
            import boto3

            client = boto3.client("s3")
        client.head_bucket(Bucket=target.bucket)
        return "bucket reachable"

    return check


def _prefect(api_url: str, api_key: str | None) -> Callable[[], str]:
    def check() -> str:
        import httpx

        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        resp = httpx.get(f"{api_url.rstrip('/')}/health", headers=headers, timeout=15.0)
        if resp.status_code != 200:
            raise RuntimeError(f"HTTP {resp.status_code} from /health")
        return "API healthy"

    return check


def _status_of(exc: BaseException) -> int | None:
    for attr in ("status_code", "status", "code"):
        value = getattr(exc, attr, None)
        if isinstance(value, int):
            return value
    response = getattr(exc, "response", None)
    value = getattr(response, "status_code", None)
    return value if isinstance(value, int) else None


# --------------------------------------------------------------------------- plan and run

_VIDEO_CHECKS: dict[str, Callable[[Mapping[str, Any]], Callable[[], str]]] = {
    "sora": _sora,
    "veo": _veo,
    "fal": _fal,
    "replicate": _replicate,
    "runway": _runway,
}


def plan_checks(
    *,
    environ: Mapping[str, str] | None = None,
    configs: Mapping[str, Mapping[str, Any]] | None = None,
    s3: S3Target | None = None,
) -> list[_Planned]:
    """What to check: every provider with a key in `environ` or a config (e.g. from a Block)."""
    from mvagent.llm.config import LLMConfig, config_from_env
    from mvagent.providers.catalog import providers_info

    env = os.environ if environ is None else environ
    configs = configs or {}
    planned: list[_Planned] = []

    llm = LLMConfig(**configs["llm"]) if "llm" in configs else config_from_env(env)
    planned.append(_Planned("llm", llm.describe(), _llm(llm) if llm.configured else None))

    info = providers_info()
    for name, make_check in _VIDEO_CHECKS.items():
        cfg = {**_env_config(name, env), **configs.get(name, {})}
        found = bool(cfg) or info[name].credentials_present(dict(env))
        target = str(cfg.get("base_url") or _default_host(name, env))
        planned.append(_Planned(name, target, make_check(cfg) if found else None))

    web = configs.get("web", {})
    web_cookie = web.get("session_cookie") or env.get("MVAGENT_WEB_SESSION_COOKIE")
    # A login (e-mail and password) works as well as a cookie: the recipe's form signs in.
    web_login = (web.get("login_email") or env.get("SORA_EMAIL")) and (
        web.get("login_password") or env.get("SORA_PASSWORD")
    )
    web_ready = web_cookie or web_login
    planned.append(_Planned("web", "browser recipe", (lambda: "") if web_ready else None))

    suno = {**_env_config("suno", env), **configs.get("suno", {})}
    suno_url = suno.get("base_url") or env.get("SUNO_API_BASE_URL", "")
    planned.append(_Planned("suno", str(suno_url or "-"), _suno(suno) if suno_url else None))

    if s3 is None and (url := env.get("STORAGE_BUCKET_URL", "").strip()):
        s3 = S3Target(*parse_bucket_url(url))
    target = f"s3://{s3.bucket}/{s3.prefix}".rstrip("/") if s3 else "-"
    planned.append(_Planned("s3", target, _s3(s3) if s3 else None))

    api_url = env.get("PREFECT_API_URL", "").strip()
    planned.append(
        _Planned(
            "prefect",
            api_url or "ephemeral (a temporary local server per run)",
            _prefect(api_url, env.get("PREFECT_API_KEY") or None) if api_url else None,
        )
    )
    return planned


# The variables each provider reads, so a check uses `environ` rather than the process's.
_ENV_FIELDS: dict[str, dict[str, tuple[str, ...]]] = {
    "sora": {"api_key": ("SORA_API_KEY", "OPENAI_API_KEY"), "base_url": ("OPENAI_BASE_URL",),
             "model": ("SORA_MODEL",)},
    "veo": {"api_key": ("GEMINI_API_KEY", "GOOGLE_API_KEY"), "project": ("GOOGLE_CLOUD_PROJECT",),
            "location": ("GOOGLE_CLOUD_LOCATION",)},
    "fal": {"api_key": ("FAL_KEY",)},
    "replicate": {"api_key": ("REPLICATE_API_TOKEN",)},
    "runway": {"api_key": ("RUNWAYML_API_SECRET",)},
    "suno": {"base_url": ("SUNO_API_BASE_URL",), "kind": ("SUNO_API_KIND",),
             "api_key": ("SUNO_API_KEY",)},
}  # fmt: skip


def _env_config(name: str, env: Mapping[str, str]) -> dict[str, Any]:
    out = {}
    for field, names in _ENV_FIELDS[name].items():
        if value := next((env[n].strip() for n in names if env.get(n, "").strip()), None):
            out[field] = value
    return out


def _default_host(name: str, env: Mapping[str, str]) -> str:
    if name == "sora":
        return env.get("OPENAI_BASE_URL") or "api.openai.com"
    return {"veo": "Vertex AI", "fal": "queue.fal.run", "replicate": "api.replicate.com",
            "runway": "api.dev.runwayml.com"}[name]  # fmt: skip


def secrets_in(
    environ: Mapping[str, str], configs: Mapping[str, Mapping[str, Any]] | None = None
) -> list[str]:
    """Every secret value in sight, so messages can be scrubbed of all of them."""
    out = [v for k, v in environ.items() if _SECRET_NAME.search(k) and v and len(v) >= 4]
    for cfg in (configs or {}).values():
        for k, v in cfg.items():
            text = reveal(v) if not isinstance(v, int | float | bool) else None
            if text and (_SECRET_NAME.search(k) or type(v).__name__ == "SecretStr"):
                out.append(text)
    return out


def run_checks(planned: list[_Planned], *, secrets: list[str] | None = None) -> list[CheckResult]:
    """Run each planned check; a failure is recorded (redacted, one line), never raised."""
    results = []
    for p in planned:
        target = redact(p.target, secrets or [])
        if p.check is None:
            results.append(CheckResult(p.name, target, "not configured", ""))
            continue
        if p.name == "web":
            results.append(CheckResult(p.name, target, "skipped",
                                       "session or login set; checked by the first run (needs Chromium)"))  # fmt: skip
            continue
        start = time.perf_counter()
        try:
            detail, status = p.check(), "ok"
        except Exception as exc:  # any failure is a row in the table, not a traceback
            detail, status = describe_error(exc), "failed"
        seconds = time.perf_counter() - start
        results.append(CheckResult(p.name, target, status, redact(detail, secrets or []), seconds))  # type: ignore[arg-type]
    return results


def describe_error(exc: BaseException) -> str:
    """One line: what the status means, the status, the exception type and its first line."""
    code = _status_of(exc)
    first = (str(exc).strip().splitlines() or [""])[0][:160]
    what = {401: "key rejected", 403: "access denied", 404: "not found"}.get(code or 0, "")
    parts = [p for p in (what, f"HTTP {code}" if code else "", type(exc).__name__, first) if p]
    return ": ".join(dict.fromkeys(parts))


def doctor(
    *,
    environ: Mapping[str, str] | None = None,
    configs: Mapping[str, Mapping[str, Any]] | None = None,
    s3: S3Target | None = None,
) -> list[CheckResult]:
    env = dict(os.environ if environ is None else environ)
    planned = plan_checks(environ=env, configs=configs, s3=s3)
    return run_checks(planned, secrets=secrets_in(env, configs))


def failed(results: list[CheckResult]) -> list[str]:
    return [r.name for r in results if r.status == "failed"]


def render_table(results: list[CheckResult]) -> Any:
    """A rich Table: check, target, status, detail, time."""
    from rich.table import Table
    from rich.text import Text

    style = {"ok": "green", "failed": "bold red", "not configured": "dim", "skipped": "yellow"}
    table = Table(title="mvagent doctor", title_justify="left")
    for col in ("check", "target", "status", "detail", "time"):
        table.add_column(col, overflow="fold")
    for r in results:
        # Text, not markup: a detail quoting "[...]" from a service must print as is.
        table.add_row(r.name, Text(r.target), Text(r.status, style=style[r.status]), Text(r.detail),
                      f"{r.seconds:.2f} s" if r.status in ("ok", "failed") else "")  # fmt: skip
    return table
