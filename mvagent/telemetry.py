"""OpenTelemetry traces of a run: one trace per run, written beside the video as trace.jsonl.

`run(name)` opens the root span of a run; stages (`span`), provider calls (`provider_call`)
and LLM calls (`record_span`, after the fact from the call's measured latency) are its
children. Spans always go to an in-memory collector, from which `write_trace` saves the
current run's spans as JSON lines (name, ids, start, end, seconds, attributes): the laptop
trace, no collector needed. When `OTEL_EXPORTER_OTLP_ENDPOINT` (or `..._TRACES_ENDPOINT`) is
set, they are also sent over OTLP/HTTP (protobuf) to that collector.

Threads: OpenTelemetry's current span is a contextvar. Prefect's thread pool copies the
context into mapped tasks, but other runners (or a thread started by a provider SDK) may
not, so the root span is also registered under a run key (the Prefect flow run id, found
by the resolver that `tasks/` installs with `set_run_key_resolver`): a span started with no
parent in reach is parented on its run's root explicitly instead of starting a stray trace.

Attributes are chosen by the callers and never hold prompts, keys or URLs with tokens.
"""

from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from opentelemetry import trace
from opentelemetry.context import Context
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import ReadableSpan, SpanProcessor, TracerProvider
from opentelemetry.sdk.trace.export import (
    BatchSpanProcessor,
    SimpleSpanProcessor,
    SpanExporter,
    SpanExportResult,
)
from opentelemetry.trace import Span, Status, StatusCode

from mvagent.fileio import write_text_atomic

SERVICE_NAME = "musicvideo-agent"
Attr = str | int | float | bool


class _Collector(SpanExporter):
    def __init__(self) -> None:
        self.spans: list[ReadableSpan] = []
        self._lock = threading.Lock()

    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        with self._lock:
            self.spans.extend(spans)
        return SpanExportResult.SUCCESS

    def take(self, trace_id: int | None = None) -> list[ReadableSpan]:
        """Remove and return the spans of `trace_id` (all of them when None)."""
        with self._lock:
            if trace_id is None:
                spans, self.spans = self.spans, []
                return spans
            spans = [s for s in self.spans if s.context.trace_id == trace_id]
            self.spans = [s for s in self.spans if s.context.trace_id != trace_id]
            return spans


_collector = _Collector()
_provider = TracerProvider(resource=Resource.create({"service.name": SERVICE_NAME}))
_provider.add_span_processor(SimpleSpanProcessor(_collector))
_tracer = _provider.get_tracer("mvagent")

_lock = threading.Lock()
_runs: dict[str, Context] = {}
_run_key: Callable[[], str | None] = lambda: None  # noqa: E731 - replaced by tasks/


def provider() -> TracerProvider:
    return _provider


def otlp_traces_endpoint() -> str | None:
    """Where OTLP/HTTP spans go, from the standard variables (None: nowhere)."""
    url = os.environ.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")
    if url:
        return url
    base = os.environ.get("OTEL_EXPORTER_OTLP_ENDPOINT")
    return base.rstrip("/") + "/v1/traces" if base else None


class _OTLPSwitch(SpanProcessor):
    """Sends spans to the OTLP exporter of the endpoint configured now, if any.

    TracerProvider cannot remove a processor, so this one stays and swaps what it holds
    when the environment points somewhere else (or nowhere) at the start of a run.
    """

    def __init__(self) -> None:
        self.endpoint: str | None = None
        self.inner: SpanProcessor | None = None

    def on_start(self, span: Any, parent_context: Context | None = None) -> None:
        inner = self.inner
        if inner is not None:
            inner.on_start(span, parent_context=parent_context)

    def on_end(self, span: ReadableSpan) -> None:
        inner = self.inner
        if inner is not None:
            inner.on_end(span)

    def switch(self, endpoint: str | None) -> None:
        if endpoint == self.endpoint:
            return
        old, self.inner = self.inner, None
        if endpoint:
            from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

            # The exporter reads OTEL_EXPORTER_OTLP_HEADERS itself (a collector's token
            # stays in the environment, never in a span).
            self.inner = BatchSpanProcessor(OTLPSpanExporter(endpoint=endpoint))
        self.endpoint = endpoint
        if old is not None:
            old.shutdown()  # sends what it still holds

    def shutdown(self) -> None:
        if self.inner is not None:
            self.inner.shutdown()

    def force_flush(self, timeout_millis: int = 30000) -> bool:
        return self.inner.force_flush(timeout_millis) if self.inner is not None else True


_otlp = _OTLPSwitch()
_provider.add_span_processor(_otlp)


def ensure_otlp_export() -> str | None:
    """Export over OTLP/HTTP to the endpoint configured now (none: stop exporting).

    Checked at the start of every run rather than at import, so a worker whose environment
    is set after import (or a test) exports, and one that no longer has it stops.
    """
    url = otlp_traces_endpoint()
    with _lock:
        _otlp.switch(url)
    return url


def flush(timeout_s: float = 10.0) -> bool:
    """Send what the OTLP exporter still holds (a flow-run process may exit right after)."""
    return _provider.force_flush(int(timeout_s * 1000))


def set_run_key_resolver(resolver: Callable[[], str | None]) -> None:
    """How to tell which run the calling thread works for (installed by `tasks/`)."""
    global _run_key
    _run_key = resolver


def _parent_context() -> Context | None:
    """None when a span is current (the normal case); else the root of this thread's run."""
    if trace.get_current_span().get_span_context().is_valid:
        return None
    try:
        key = _run_key()
    except Exception:  # a resolver outside its runtime: no run, a trace of its own
        return None
    if not key:
        return None
    with _lock:
        return _runs.get(key)


def _clean(attributes: dict[str, Any]) -> dict[str, Attr]:
    return {k: v for k, v in attributes.items() if isinstance(v, Attr) and v is not None}


@contextmanager
def _errors_marked(s: Span) -> Iterator[None]:
    """An exception leaving the block marks the span failed (type only: messages may hold
    secrets), then propagates."""
    try:
        yield
    except BaseException as exc:
        s.set_status(Status(StatusCode.ERROR, type(exc).__name__))
        s.set_attribute("error.type", type(exc).__name__)
        raise


@contextmanager
def run(name: str, *, key: str | None = None, **attributes: Any) -> Iterator[Span]:
    """The root span of one run; `key` (a flow run id) lets other threads find it."""
    ensure_otlp_export()
    with _tracer.start_as_current_span(
        name,
        context=Context(),
        attributes=_clean(attributes),
        record_exception=False,
        set_status_on_exception=False,
    ) as root:
        if key:
            with _lock:
                _runs[key] = trace.set_span_in_context(root, Context())
        try:
            with _errors_marked(root):
                yield root
        finally:
            if key:
                with _lock:
                    _runs.pop(key, None)
    # Written to trace.jsonl (or not) by now: drop the rest, a worker lives for many runs.
    _collector.take(root.get_span_context().trace_id)
    flush()


@contextmanager
def span(name: str, **attributes: Any) -> Iterator[Span]:
    with (
        _tracer.start_as_current_span(
            name,
            context=_parent_context(),
            attributes=_clean(attributes),
            record_exception=False,
            set_status_on_exception=False,
        ) as s,
        _errors_marked(s),
    ):
        yield s


def record_span(name: str, *, seconds: float, ok: bool = True, **attributes: Any) -> None:
    """A span for something already done (an LLM call measured by its client)."""
    end = time.time_ns()
    s = _tracer.start_span(
        name,
        context=_parent_context(),
        attributes=_clean(attributes),
        start_time=end - int(max(seconds, 0.0) * 1e9),
    )
    if not ok:
        s.set_status(Status(StatusCode.ERROR))
    s.end(end_time=end)


# What a provider SDK call does, from the `what` its error messages already name.
_OPERATIONS = (
    ("creat", "create"), ("queue", "create"), ("start", "create"), ("remix", "create"),
    ("poll", "poll"), ("resum", "poll"), ("download", "download"), ("fetch", "download"),
)  # fmt: skip


def operation_of(what: str) -> str:
    low = what.lower()
    return next((op for hint, op in _OPERATIONS if hint in low), low.split(" ")[0] or "call")


@contextmanager
def provider_call(
    provider: str, operation: str, *, model: str = "", **attributes: Any
) -> Iterator[Span]:
    """A span and a latency measurement around one call to a video provider."""
    from mvagent import metrics

    status = "ok"
    t0 = time.perf_counter()
    try:
        with span(
            f"provider.{provider}.{operation}",
            provider=provider,
            model=model,
            operation=operation,
            **attributes,
        ) as s:
            try:
                yield s
            except BaseException as exc:
                status = "error"
                code = getattr(exc, "http_status", None)
                if isinstance(code, int):
                    s.set_attribute("http.status_code", code)
                raise
            finally:
                s.set_attribute("seconds", round(time.perf_counter() - t0, 3))
                s.set_attribute("status", status)
    finally:
        metrics.provider_latency(provider, operation, time.perf_counter() - t0, status=status)


def _row(s: ReadableSpan, *, end_ns: int | None = None) -> dict[str, Any]:
    start = (s.start_time or 0) / 1e9
    end = (end_ns if end_ns is not None else (s.end_time or 0)) / 1e9
    return {
        "name": s.name,
        "trace_id": f"{s.context.trace_id:032x}",
        "span_id": f"{s.context.span_id:016x}",
        "parent_id": f"{s.parent.span_id:016x}" if s.parent else None,
        "start": round(start, 6),
        "end": round(end, 6),
        "seconds": round(end - start, 6),
        "attributes": dict(s.attributes or {}),
    }


def write_trace(path: str | Path) -> int:
    """Save (and forget) the current run's spans finished so far; returns how many.

    Inside a run, the spans still open (the root, the stage around this call) are written
    too, ending now, so the file holds the whole tree. Outside one, every finished span.
    """
    current = trace.get_current_span()
    ctx = current.get_span_context()
    trace_id = ctx.trace_id if ctx.is_valid else None
    spans = _collector.take(trace_id)
    rows = [_row(s) for s in spans]
    if trace_id is not None:
        now = time.time_ns()
        done = {s.context.span_id for s in spans}
        opened: Any = current
        # The chain of open spans up to the root (SDK spans know their parent's context).
        while isinstance(opened, ReadableSpan) and opened.context.span_id not in done:
            rows.append(_row(opened, end_ns=now))
            parent = opened.parent
            opened = _open_spans.get(parent.span_id) if parent else None
    rows.sort(key=lambda r: r["start"])
    write_text_atomic(path, "".join(json.dumps(r) + "\n" for r in rows))
    return len(rows)


class _OpenSpans(SpanProcessor):
    """Spans started and not yet ended, by span id (so `write_trace` can walk up to the root)."""

    def __init__(self) -> None:
        self._spans: dict[int, ReadableSpan] = {}
        self._lock = threading.Lock()

    def on_start(self, span: Any, parent_context: Context | None = None) -> None:
        with self._lock:
            self._spans[span.context.span_id] = span

    def on_end(self, span: ReadableSpan) -> None:
        with self._lock:
            self._spans.pop(span.context.span_id, None)

    def get(self, span_id: int) -> ReadableSpan | None:
        with self._lock:
            return self._spans.get(span_id)


_open_spans = _OpenSpans()
_provider.add_span_processor(_open_spans)
