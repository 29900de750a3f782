"""Small vocabularies (motifs, camera moves): exact names, synonyms, and stable fallbacks."""

from __future__ import annotations

import hashlib
import re


def stable_hash(*parts: object) -> int:
    """A 64-bit hash that is the same in every process (Python's `hash` is salted)."""
    digest = hashlib.sha256("\x1f".join(str(p) for p in parts).encode()).digest()
    return int.from_bytes(digest[:8], "little")


def resolve(name: str, names: tuple[str, ...], aliases: dict[str, str], *, kind: str) -> str:
    """`name` itself, its synonym, or, for anything else, the same pick from `names` every time."""
    key = name.strip().lower().replace("-", "_").replace(" ", "_")
    if key in names:
        return key
    if key in aliases:
        return aliases[key]
    return names[stable_hash(kind, key) % len(names)]


def first_named(text: str, names: tuple[str, ...], aliases: dict[str, str]) -> str | None:
    """The entry whose name or synonym appears earliest in free `text`, if any."""
    words = " " + re.sub(r"[^a-z]+", " ", text.lower()) + " "
    found = []
    for term, target in [*((n, n) for n in names), *aliases.items()]:
        at = words.find(" " + term.replace("_", " ") + " ")
        if at >= 0:
            found.append((at, target))
    return min(found)[1] if found else None
