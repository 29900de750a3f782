"""The model table (`models.toml`, shipped with the package) as typed records.

One place says what each model accepts and costs; providers build their `Capabilities`
from it, `mvagent providers` prints it, and the cost estimate prices with it.
"""

from __future__ import annotations

import functools
import os
import tomllib
from dataclasses import dataclass, field, replace
from importlib import resources
from typing import Any

from mvagent.errors import ConfigError
from mvagent.providers.base import Capabilities

# Retired models: a clear error beats a 404 from the vendor.
RETIRED: dict[str, str] = {
    "veo-2.0-generate-001": "Veo 2.0 was shut down on 2026-06-30",
    "veo-3.0-generate-001": "Veo 3.0 was shut down on 2026-06-30",
    "veo-3.0-fast-generate-001": "Veo 3.0 was shut down on 2026-06-30",
    "veo-3.0-generate-preview": "Veo 3.0 was shut down on 2026-06-30",
    "veo-3.0-fast-generate-preview": "Veo 3.0 was shut down on 2026-06-30",
}


def _size(text: str) -> tuple[int, int]:
    w, _, h = text.lower().partition("x")
    return int(w), int(h)


@dataclass(frozen=True)
class ModelSpec:
    """One row of the table."""

    provider: str
    name: str
    durations_s: tuple[float, ...]
    sizes: tuple[tuple[int, int], ...]
    price_per_second_usd: float
    price_source: str
    price_date: str
    max_prompt_chars: int = 4000
    image_input: bool = False
    image_required: bool = False
    reference_images: int = 0
    default: bool = False
    endpoint_image: str = ""
    image_arg: str = "image"
    duration_format: str = "int"
    extra_args: dict[str, Any] = field(default_factory=dict)

    def capabilities(self, *, price_per_second_usd: float | None = None) -> Capabilities:
        price = self.price_per_second_usd if price_per_second_usd is None else price_per_second_usd
        return Capabilities(
            durations_s=self.durations_s,
            max_duration_s=max(self.durations_s),
            sizes=self.sizes,
            max_prompt_chars=self.max_prompt_chars,
            image_reference=self.image_input,
            price_per_second_usd=float(price),
            extra={
                "image_required": self.image_required,
                "reference_images": self.reference_images,
            },
        )

    def duration_arg(self, seconds: float) -> int | str | None:
        """The length as this model's API wants it (5, "5" or "5s"; None: not sent)."""
        n = int(round(seconds))
        return {"int": n, "str": str(n), "str_s": f"{n}s", "none": None}[self.duration_format]


@dataclass(frozen=True)
class ProviderInfo:
    name: str
    what: str
    sdk: str = ""
    block: str = ""
    env: tuple[str, ...] = ()
    also: tuple[str, ...] = ()

    def credentials_present(self, environ: dict[str, str] | None = None) -> bool:
        """Whether one of its key variables is set (a Block may hold the key instead)."""
        env = os.environ if environ is None else environ
        return not self.env or any(env.get(n, "").strip() for n in (*self.env, *self.also))


@functools.cache
def _table() -> dict[str, Any]:
    text = resources.files("mvagent.providers").joinpath("models.toml").read_text()
    return tomllib.loads(text)


@functools.cache
def all_models() -> tuple[ModelSpec, ...]:
    rows = []
    for row in _table().get("model", []):
        row = dict(row)
        rows.append(
            ModelSpec(
                provider=row.pop("provider"),
                name=row.pop("name"),
                durations_s=tuple(float(d) for d in row.pop("durations_s")),
                sizes=tuple(_size(s) for s in row.pop("sizes")),
                **row,
            )
        )
    return tuple(rows)


def providers_info() -> dict[str, ProviderInfo]:
    out = {}
    for name, row in _table().get("provider", {}).items():
        out[name] = ProviderInfo(
            name=name,
            what=row.get("what", ""),
            sdk=row.get("sdk", ""),
            block=row.get("block", ""),
            env=tuple(row.get("env", ())),
            also=tuple(row.get("also", ())),
        )
    return out


def models_for(provider: str) -> list[ModelSpec]:
    return [m for m in all_models() if m.provider == provider]


def default_model(provider: str) -> str:
    models = models_for(provider)
    return next((m.name for m in models if m.default), models[0].name if models else "")


def find_model(provider: str, name: str) -> ModelSpec | None:
    return next((m for m in models_for(provider) if m.name == name), None)


def model_spec(provider: str, name: str | None) -> ModelSpec:
    """The row for `name` (the provider's default when empty); a `ConfigError` if unknown."""
    name = name or default_model(provider)
    if name in RETIRED:
        raise ConfigError(
            f"{provider} model {name!r} is gone: {RETIRED[name]}; use --model "
            f"{default_model(provider)} (see `mvagent providers`)"
        )
    spec = find_model(provider, name)
    if spec is None:
        known = ", ".join(m.name for m in models_for(provider))
        raise ConfigError(
            f"{provider} has no model {name!r} in the model table; choose one of: {known} "
            "(or add a row to mvagent/providers/models.toml)"
        )
    return spec


def with_price(spec: ModelSpec, price: float | None) -> ModelSpec:
    return spec if price is None else replace(spec, price_per_second_usd=float(price))
