"""Deterministic stand-in embeddings with just enough meaning for retrieval tests.

A vector is a small text-specific component plus one shared component per distinct word, then
L2-normalised. Texts that share words therefore have a clearly higher cosine similarity than texts
that do not, the same text always gives the same vector, and no model weights are needed.
"""

from __future__ import annotations

import functools
import hashlib
import math
import re
import struct

_WORD = re.compile(r"[0-9a-z]+")
TEXT_WEIGHT = 0.6  # the text's own component, relative to each shared word component


@functools.lru_cache(maxsize=8192)
def _component(seed: str, dim: int) -> tuple[float, ...]:
    """A pseudo-random unit vector derived from `seed` (same seed, same vector, on any machine)."""
    raw = hashlib.shake_256(seed.encode("utf-8")).digest(dim * 2)
    values = struct.unpack(f"<{dim}h", raw)
    norm = math.sqrt(sum(v * v for v in values)) or 1.0
    return tuple(v / norm for v in values)


def normalise(vector: list[float]) -> list[float]:
    norm = math.sqrt(sum(v * v for v in vector))
    return [v / norm for v in vector] if norm else vector


def words(text: str) -> list[str]:
    """Lower-cased alphanumeric words: what makes two texts "share words"."""
    return _WORD.findall(text.casefold())


def embed_text(text: str, dim: int) -> list[float]:
    """The full-length, L2-normalised vector for `text`."""
    acc = [TEXT_WEIGHT * v for v in _component(f"text:{text}", dim)]
    for word in sorted(set(words(text))):
        comp = _component(f"word:{word}", dim)
        acc = [a + c for a, c in zip(acc, comp, strict=True)]
    return normalise(acc)


def embed_texts(texts: list[str], dim: int, dimensions: int | None = None) -> list[list[float]]:
    """Vectors in input order; `dimensions` keeps the first N values and normalises again."""
    out = [embed_text(t, dim) for t in texts]
    if dimensions is not None and 0 < dimensions < dim:
        out = [normalise(v[:dimensions]) for v in out]
    return out
