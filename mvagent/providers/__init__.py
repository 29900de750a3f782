"""Video providers (text-to-video models), chosen by name; music sources live in mvagent.sources."""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal, get_args

from mvagent.errors import ConfigError
from mvagent.providers.base import Capabilities, VideoProvider

# The built-in video providers: the UI form's choices, and the modules loaded by name.
ProviderName = Literal["local", "sora", "veo", "fal", "replicate", "runway", "web"]

_REGISTRY: dict[str, Callable[..., VideoProvider]] = {}


def register(name: str) -> Callable[[type[VideoProvider]], type[VideoProvider]]:
    """Class decorator: make a provider available under `name`."""

    def deco(cls: type[VideoProvider]) -> type[VideoProvider]:
        cls.name = name
        _REGISTRY[name] = cls
        return cls

    return deco


def _load_builtins() -> None:
    # Imported for their @register side effect; lazily, so `local` needs no SDKs.
    import importlib

    for mod in get_args(ProviderName):
        try:
            importlib.import_module(f"mvagent.providers.{mod}")
        except ModuleNotFoundError as exc:  # a provider module not written yet
            if exc.name != f"mvagent.providers.{mod}":
                raise


def provider_names() -> list[str]:
    _load_builtins()
    return sorted(_REGISTRY)


def get_provider(name: str, **config: object) -> VideoProvider:
    """Build the provider registered as `name` with its config (keys, base URL, model...)."""
    _load_builtins()
    try:
        factory = _REGISTRY[name]
    except KeyError:
        raise ConfigError(
            f"unknown provider {name!r}; choose one of: {', '.join(sorted(_REGISTRY))}"
        ) from None
    return factory(**config)


__all__ = [
    "Capabilities",
    "ProviderName",
    "VideoProvider",
    "get_provider",
    "provider_names",
    "register",
]
