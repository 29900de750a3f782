"""A tiny builder for one ffmpeg filtergraph: named pads, chains, and the escaping rules.

Every stage of the edit (conform, transitions, accents, titles, subtitles) appends
chains here and passes labels around, so the whole video is one `-filter_complex`.
"""

from __future__ import annotations

from dataclasses import dataclass, field


def quote_value(value: str) -> str:
    """Escape a filter option value (a path, a text) for use inside a filtergraph.

    Two levels, as ffmpeg parses them: first the option parser (`\\`, `'`, `:`), then
    the graph parser (`\\`, `'`, `[`, `]`, `,`, `;`).
    """
    level1 = value.replace("\\", "\\\\").replace("'", "\\'").replace(":", "\\:")
    out = []
    for ch in level1:
        if ch in "\\'[],;":
            out.append("\\")
        out.append(ch)
    return "".join(out)


def seconds(value: float) -> str:
    """A time for a filter option: plain decimal seconds, precise to the microsecond."""
    text = f"{value:.6f}".rstrip("0").rstrip(".")
    return text if text not in ("", "-0") else "0"


@dataclass
class FilterGraph:
    """Chains of filters joined by `;`, with unique pad labels."""

    chains: list[str] = field(default_factory=list)
    _count: int = 0

    def pad(self, prefix: str = "v") -> str:
        """A fresh pad label such as `[v12]`."""
        self._count += 1
        return f"[{prefix}{self._count}]"

    def chain(self, inputs: str | list[str], filters: str | list[str], *, prefix: str = "v") -> str:
        """Feed `inputs` through comma-joined `filters`; return the output pad."""
        out = self.pad(prefix)
        self.chain_to(inputs, filters, [out])
        return out

    def split(self, inputs: str, count: int, *, prefix: str = "s") -> list[str]:
        """`split` one pad into `count` pads (frames are shared by reference, not copied)."""
        outs = [self.pad(prefix) for _ in range(count)]
        self.chain_to(inputs, f"split={count}", outs)
        return outs

    def chain_to(
        self, inputs: str | list[str], filters: str | list[str], outputs: list[str]
    ) -> None:
        ins = inputs if isinstance(inputs, str) else "".join(inputs)
        body = filters if isinstance(filters, str) else ",".join(filters)
        self.chains.append(f"{ins}{body}{''.join(outputs)}")

    def render(self) -> str:
        return ";\n".join(self.chains)
