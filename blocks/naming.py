"""One way to name a saved Block everywhere: `name` or `type-slug/name`.

The watcher, the music-video flow (Suno sources), backfill runs, providers and storage all load
their Blocks through `load_block`, so a name that works in one place works in every other.
"""

from __future__ import annotations

from typing import TypeVar

from prefect.blocks.core import Block

from mvagent.errors import ConfigError

B = TypeVar("B", bound=Block)


def split_block_name(ref: str) -> tuple[str | None, str]:
    """'mvagent-suno-credentials/suno' -> ('mvagent-suno-credentials', 'suno'); 'suno' -> (None, 'suno')."""
    ref = ref.strip()
    slug, sep, name = ref.rpartition("/")
    if not name or (sep and not slug):
        raise ConfigError(f"Block name {ref!r} is empty: give `name` or `type-slug/name`")
    return (slug or None), name


def load_block(ref: str, *, expected: type[B], hint: str = "") -> B:
    """The saved Block `ref` (`name` or `type-slug/name`) of type `expected`.

    A bare name is looked up among `expected`'s documents; a `type-slug/name` must name that
    type too, so a Sora key cannot be handed to the Suno client by mistake.
    """
    slug, name = split_block_name(ref)
    kind = expected.__name__
    want = expected.get_block_type_slug()
    if slug is not None and slug != want:
        raise ConfigError(
            f"Block {ref!r} is a {slug} Block; this setting needs a {kind} "
            f"(`{name}` or `{want}/{name}`)"
        )
    try:
        block = expected.load(name)
    except (ValueError, KeyError):
        how = hint or f"create it in the Prefect UI or with {kind}(...).save({name!r})"
        raise ConfigError(f"no saved {kind} Block named {name!r} ({want}/{name}): {how}") from None
    return block
