"""Run metrics through the OpenTelemetry SDK: durations, clip outcomes, money, latency, credits.

Instruments (Prometheus names in brackets):
- `mvagent.run.duration` (s) by flow and status [mvagent_run_duration_seconds]
- `mvagent.clips` by provider and status generated | cached | failed [mvagent_clips_total]:
  the clip failure rate is failed / (generated + failed)
- `mvagent.paid_seconds` (s) by provider [mvagent_paid_seconds_total]
- `mvagent.cost_usd` by kind (video, llm) and provider/model [mvagent_cost_usd_total]
- `mvagent.provider.latency` (s) by provider, operation (create, poll, download, clip) and
  status [mvagent_provider_latency_seconds]
- `mvagent.llm.latency` (s) by model and purpose [mvagent_llm_latency_seconds]
- `mvagent.credits` by service, when known [mvagent_credits]

Readers: OTLP/HTTP when `OTEL_EXPORTER_OTLP_ENDPOINT` (or `..._METRICS_ENDPOINT`) is set, and
a Prometheus scrape endpoint when `serve_prometheus` is called (the worker's --metrics-port).

Flow runs under a Prefect process worker are processes of their own, so a worker's endpoint
would never see their measurements. With `MVAGENT_METRICS_SPOOL` set (the worker sets it for
its children), every measurement is also appended to a file in that folder, one JSON line
each; the endpoint replays new lines into its own instruments before answering a scrape, so
histograms get the real values, not an approximation.
"""

from __future__ import annotations

import json
import os
import threading
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import MetricReader, PeriodicExportingMetricReader
from opentelemetry.sdk.resources import Resource

SPOOL_ENV = "MVAGENT_METRICS_SPOOL"
# Floats, so Prometheus labels read le="30.0" throughout; up to an hour (a slow video job).
SECONDS_BUCKETS: Sequence[float] = (0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0,
                                    300.0, 600.0, 1200.0, 1800.0, 3600.0)  # fmt: skip

# name -> (kind, unit, description)
INSTRUMENTS: dict[str, tuple[str, str, str]] = {
    "mvagent.run.duration": ("histogram", "s", "Wall time of one run, by flow and status"),
    "mvagent.clips": (
        "counter",
        "{clip}",
        "Clips by provider and status (generated, cached, failed)",
    ),
    "mvagent.paid_seconds": ("counter", "s", "Generated video seconds paid for, by provider"),
    "mvagent.cost_usd": ("counter", "", "US dollars spent, by kind (video, llm)"),
    "mvagent.provider.latency": ("histogram", "s", "One provider call, by provider and operation"),
    "mvagent.llm.latency": ("histogram", "s", "One LLM call, by model and purpose"),
    "mvagent.credits": ("gauge", "{credit}", "Credits left at a service (Suno), when known"),
}

_lock = threading.Lock()
_state: dict[str, Any] = {"provider": None, "instruments": {}, "prometheus": None, "otlp": None}
_spool: dict[str, Any] = {"dir": None, "file": None}


def _otlp_metrics_endpoint() -> str | None:
    url = os.environ.get("OTEL_EXPORTER_OTLP_METRICS_ENDPOINT")
    if url:
        return url
    base = os.environ.get("OTEL_EXPORTER_OTLP_ENDPOINT")
    return base.rstrip("/") + "/v1/metrics" if base else None


def _build_locked(*, prometheus: Any = None) -> None:
    """(Re)build the meter provider with the readers asked for; instruments follow it."""
    old = _state["provider"]
    readers: list[MetricReader] = []
    otlp = _otlp_metrics_endpoint()
    if otlp:
        from opentelemetry.exporter.otlp.proto.http.metric_exporter import OTLPMetricExporter

        readers.append(
            PeriodicExportingMetricReader(
                OTLPMetricExporter(endpoint=otlp), export_interval_millis=30_000
            )
        )
    if prometheus is not None:
        readers.append(prometheus)
    provider = MeterProvider(
        metric_readers=readers,
        resource=Resource.create({"service.name": "musicvideo-agent"}),
    )
    meter = provider.get_meter("mvagent")
    made: dict[str, Any] = {}
    for name, (kind, unit, description) in INSTRUMENTS.items():
        if kind == "counter":
            made[name] = meter.create_counter(name, unit=unit, description=description)
        elif kind == "histogram":
            made[name] = meter.create_histogram(
                name,
                unit=unit,
                description=description,
                explicit_bucket_boundaries_advisory=SECONDS_BUCKETS,
            )
        else:
            made[name] = meter.create_gauge(name, unit=unit, description=description)
    _state.update(provider=provider, instruments=made, prometheus=prometheus, otlp=otlp)
    if old is not None:
        old.shutdown()


def _instruments() -> dict[str, Any]:
    with _lock:
        # Rebuilt when the OTLP endpoint changed (set after import, or by a test).
        if _state["provider"] is None or _state["otlp"] != _otlp_metrics_endpoint():
            _build_locked(prometheus=_state["prometheus"])
        return _state["instruments"]


def reconfigure() -> None:
    """Rebuild the readers from the environment now (a changed OTLP endpoint); values restart."""
    with _lock:
        _build_locked(prometheus=_state["prometheus"])


def _apply(name: str, value: float, attributes: dict[str, Any]) -> None:
    instrument = _instruments().get(name)
    if instrument is None:
        return
    kind = INSTRUMENTS[name][0]
    attrs = {k: v for k, v in attributes.items() if isinstance(v, str | int | float | bool)}
    if kind == "counter":
        instrument.add(value, attrs)
    elif kind == "histogram":
        instrument.record(value, attrs)
    else:
        instrument.set(value, attrs)


def _to_spool(name: str, value: float, attributes: dict[str, Any]) -> None:
    folder = os.environ.get(SPOOL_ENV)
    if not folder:
        return
    line = json.dumps({"n": name, "v": value, "a": attributes}, separators=(",", ":")) + "\n"
    try:
        with _lock:
            if _spool["dir"] != folder or _spool["file"] is None:
                Path(folder).mkdir(parents=True, exist_ok=True)
                path = Path(folder) / f"metrics-{os.getpid()}-{uuid.uuid4().hex[:8]}.jsonl"
                _spool.update(dir=folder, file=path.open("a", encoding="utf-8"))
            _spool["file"].write(line)
            _spool["file"].flush()
    except OSError:  # metrics must never stop a video
        pass


def record(name: str, value: float, **attributes: Any) -> None:
    _apply(name, value, attributes)
    _to_spool(name, value, attributes)


# --------------------------------------------------------------------------- what is measured


def run_finished(flow: str, seconds: float, *, status: str) -> None:
    record("mvagent.run.duration", seconds, flow=flow, status=status)


def clip(provider: str, status: str, *, paid_seconds: float = 0.0, cost_usd: float = 0.0) -> None:
    """One clip's outcome at one provider: generated, cached or failed."""
    record("mvagent.clips", 1, provider=provider, status=status)
    if paid_seconds > 0:
        record("mvagent.paid_seconds", paid_seconds, provider=provider)
    if cost_usd > 0:
        record("mvagent.cost_usd", cost_usd, kind="video", provider=provider)


def llm_call(model: str, purpose: str, seconds: float, *, cost_usd: float | None, ok: bool) -> None:
    record("mvagent.llm.latency", seconds, model=model, purpose=purpose, ok=ok)
    if cost_usd:
        record("mvagent.cost_usd", cost_usd, kind="llm", provider=model)


def provider_latency(provider: str, operation: str, seconds: float, *, status: str) -> None:
    record("mvagent.provider.latency", seconds, provider=provider, operation=operation,
           status=status)  # fmt: skip


def credits_left(service: str, credits: float) -> None:
    record("mvagent.credits", credits, service=service)


def flush(timeout_s: float = 10.0) -> None:
    """Export what the OTLP reader holds (a flow-run process may exit right after)."""
    provider = _state["provider"]
    if provider is not None and _state["otlp"]:
        provider.force_flush(int(timeout_s * 1000))


# --------------------------------------------------------------------------- the scrape endpoint


class _Replayer:
    """Reads the new lines of the spool's files into this process's instruments."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.offsets: dict[Path, int] = {}
        self._lock = threading.Lock()

    def __call__(self) -> int:
        applied = 0
        with self._lock:
            for path in sorted(self.folder.glob("metrics-*.jsonl")):
                start = self.offsets.get(path, 0)
                try:
                    with path.open("rb") as f:
                        f.seek(start)
                        data = f.read()
                except OSError:
                    continue
                end = data.rfind(b"\n") + 1  # a line still being written waits for next time
                for raw in data[:end].splitlines():
                    try:
                        row = json.loads(raw)
                        _apply(str(row["n"]), float(row["v"]), dict(row.get("a") or {}))
                        applied += 1
                    except (ValueError, KeyError, TypeError):
                        continue
                self.offsets[path] = start + end
                self._forget_if_done(path)
        return applied

    def _forget_if_done(self, path: Path) -> None:
        """A finished process's file, read to its end, is removed (the spool stays small)."""
        pid = path.name.split("-")[1]
        if not pid.isdigit() or Path(f"/proc/{pid}").exists():
            return
        try:
            if path.stat().st_size == self.offsets.get(path):
                path.unlink()
                self.offsets.pop(path, None)
        except OSError:
            pass


def serve_prometheus(port: int, *, host: str = "0.0.0.0", spool: str | Path | None = None) -> Any:
    """Serve /metrics on `host:port` from a thread; returns the server (`.shutdown()` stops it).

    With `spool`, the measurements of other processes written there are included.
    """
    from wsgiref.simple_server import WSGIRequestHandler, make_server

    from opentelemetry.exporter.prometheus import PrometheusMetricReader
    from prometheus_client import CollectorRegistry, make_wsgi_app

    registry = CollectorRegistry(auto_describe=True)
    with _lock:
        _build_locked(prometheus=PrometheusMetricReader(registry=registry))
    replay = _Replayer(Path(spool)) if spool else None
    inner = make_wsgi_app(registry)

    def app(environ: dict, start_response: Any) -> Any:
        if replay is not None:
            replay()
        return inner(environ, start_response)

    class _Quiet(WSGIRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib name
            pass

    server = make_server(host, port, app, handler_class=_Quiet)
    threading.Thread(target=server.serve_forever, name="mvagent-metrics", daemon=True).start()
    return server
