"""OpenTelemetry spans for the pipeline's stages, written beside the video as trace.jsonl.

No collector is assumed: spans are kept in memory and `write_trace` saves them as JSON lines
(name, start, end, seconds, attributes), which any OTel tooling or pandas can read. A team with
a collector can add its own span processor to `provider()`.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor, SpanExporter, SpanExportResult

from mvagent.fileio import write_text_atomic


class _Collector(SpanExporter):
    def __init__(self) -> None:
        self.spans: list[ReadableSpan] = []
        self._lock = threading.Lock()

    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        with self._lock:
            self.spans.extend(spans)
        return SpanExportResult.SUCCESS

    def take(self) -> list[ReadableSpan]:
        with self._lock:
            spans, self.spans = self.spans, []
        return spans


_collector = _Collector()
_provider = TracerProvider()
_provider.add_span_processor(SimpleSpanProcessor(_collector))
_tracer = _provider.get_tracer("mvagent")


def provider() -> TracerProvider:
    return _provider


@contextmanager
def span(name: str, **attributes: str | int | float | bool) -> Iterator[None]:
    with _tracer.start_as_current_span(name, attributes=attributes):
        yield


def write_trace(path: str | Path) -> int:
    """Save (and forget) the spans finished so far; returns how many were written."""
    spans = _collector.take()
    lines = []
    for s in sorted(spans, key=lambda s: s.start_time or 0):
        start, end = (s.start_time or 0) / 1e9, (s.end_time or 0) / 1e9
        lines.append(
            json.dumps(
                {
                    "name": s.name,
                    "trace_id": f"{s.context.trace_id:032x}",
                    "span_id": f"{s.context.span_id:016x}",
                    "parent_id": f"{s.parent.span_id:016x}" if s.parent else None,
                    "start": round(start, 6),
                    "end": round(end, 6),
                    "seconds": round(end - start, 6),
                    "attributes": dict(s.attributes or {}),
                }
            )
        )
    write_text_atomic(path, "".join(line + "\n" for line in lines))
    return len(lines)
