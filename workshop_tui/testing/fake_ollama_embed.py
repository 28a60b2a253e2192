"""Deterministic stand-in embeddings with just enough meaning for retrieval tests.

A vector is a small text-specific component plus one shared component per distinct word, then
L2-normalised. Texts that share words therefore have a clearly higher cosine similarity than texts
that do not, the same text always gives the same vector, and no model weights are needed.

The arithmetic is done with numpy (which qdrant-client already brings) so that embedding is close to
instant: benchmarks that use the fake measure the client side, not the fake's own CPU time on the
same cores.
"""

from __future__ import annotations

import functools
import hashlib
import re

import numpy as np

_WORD = re.compile(r"[0-9a-z]+")
TEXT_WEIGHT = 0.6  # the text's own component, relative to each shared word component
DIGITS = 8
"""Ollama's vectors are float32, which its JSON writes with at most 9 significant digits; rounding
keeps the fake's replies as long as the real ones, not the 17 digits of a Python float."""


@functools.lru_cache(maxsize=8192)
def _component(seed: str, dim: int) -> np.ndarray:
    """A pseudo-random unit vector derived from `seed` (same seed, same vector, on any machine)."""
    raw = hashlib.shake_256(seed.encode("utf-8")).digest(dim * 2)
    values = np.frombuffer(raw, dtype="<i2").astype(np.float64)
    norm = float(np.sqrt(values @ values)) or 1.0
    vector = values / norm
    vector.flags.writeable = False  # cached and shared: nobody may change it
    return vector


def _unit(vector: np.ndarray) -> np.ndarray:
    norm = float(np.sqrt(vector @ vector))
    return vector / norm if norm else vector


def words(text: str) -> list[str]:
    """Lower-cased alphanumeric words: what makes two texts "share words"."""
    return _WORD.findall(text.casefold())


def _embed(text: str, dim: int) -> np.ndarray:
    acc = TEXT_WEIGHT * _component(f"text:{text}", dim)
    for word in sorted(set(words(text))):
        acc = acc + _component(f"word:{word}", dim)
    return _unit(acc)


def embed_text(text: str, dim: int) -> list[float]:
    """The full-length, L2-normalised vector for `text`."""
    return embed_texts([text], dim)[0]


def embed_texts(texts: list[str], dim: int, dimensions: int | None = None) -> list[list[float]]:
    """Vectors in input order; `dimensions` keeps the first N values and normalises again."""
    out = [_embed(t, dim) for t in texts]
    if dimensions is not None and 0 < dimensions < dim:
        out = [_unit(v[:dimensions]) for v in out]
    return [np.round(v, DIGITS).tolist() for v in out]
