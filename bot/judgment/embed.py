"""Sentence vectors from WordLlama's small static model (its files ship inside the PyPI wheel).

WordLlama's "l2_supercat" model is a table of 32,000 token vectors (256 numbers each, float16,
16 MB) distilled from a large language model's embeddings: a text's vector is the average of its
tokens' vectors, scaled to length 1, so the cosine of two texts is their dot product.

The files are read directly — the tokenizer's vocabulary by `Pieces` (the same ids as the
`tokenizers` library, in a tenth of its memory), the weights memory-mapped from the .safetensors
file (`map_tensor`: 16 MB on disk, a few MB of it resident) — and `wordllama` itself is never
imported: its 0.4
package calls `logging.basicConfig` at import and, as installed, looks for its tokenizer in a
folder where it is not and then tries to download it. The vectors are the same as
`WordLlamaInference.embed` gives (pinned by tests/unit/test_similar.py).
"""

from __future__ import annotations

import importlib.util
import json
import re
import struct
from functools import cache, lru_cache
from pathlib import Path

import numpy as np

PACKAGE = "wordllama"
WEIGHTS = "weights/l2_supercat_256.safetensors"
TOKENIZER = "tokenizers/l2_supercat_tokenizer_config.json"
MAX_TOKENS = 512  # a text's vector is read from its first tokens (an idea's title and problem fit)


def model_folder() -> Path:
    """Where the installed wordllama package keeps its files (found without importing it)."""
    spec = importlib.util.find_spec(PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("the wordllama package is not installed: pip install wordllama")
    return Path(next(iter(spec.submodule_search_locations)))


def map_tensor(path: Path, name: str) -> np.ndarray:
    """A tensor of a .safetensors file, memory-mapped read-only: only the rows read are brought in,
    and the pages are the file's, shared and given back under memory pressure (the format: an
    8-byte header length, a JSON header of dtype, shape and byte offsets, then the data)."""
    with path.open("rb") as file:
        (length,) = struct.unpack("<Q", file.read(8))
        header = json.loads(file.read(length))
    entry = header[name]
    dtype = {"F16": np.float16, "F32": np.float32}[entry["dtype"]]
    begin, end = entry["data_offsets"]
    table = np.memmap(path, dtype=dtype, mode="r", offset=8 + length + begin, shape=tuple(entry["shape"]))
    if table.nbytes != end - begin:
        raise ValueError(f"{path.name}: {name} has {end - begin} bytes, not {table.nbytes}")
    return table


class Pieces:
    """WordLlama's tokenizer (Llama 2's byte-fallback BPE), read from its tokenizer file.

    The text is read as Llama's normaliser does ("▁" for each space, one in front), cut before each
    run of "▁" (no piece of this vocabulary ends with one but runs of it, so no merge crosses the
    cut), and each chunk is merged pairwise in the order of the file's merge list. A character the
    vocabulary lacks becomes its UTF-8 bytes' pieces. The `tokenizers` library gives the same ids
    (tests/unit/test_similar.py checks it on every labelled text); this costs a fraction of its memory
    (two dicts of about 30,000 pieces, against ~22 MB for the library and its tokenizer object).
    """

    def __init__(self, path: Path, *, max_tokens: int = MAX_TOKENS) -> None:
        model = json.loads(path.read_text(encoding="utf-8"))["model"]
        if model.get("type") != "BPE" or not model.get("byte_fallback"):
            raise ValueError(f"{path.name} is not a byte-fallback BPE tokenizer")
        self.vocab: dict[str, int] = model["vocab"]
        # A piece's merge priority: the rank of the first merge in the file that makes it (nearly
        # always its id order; runs of "▁" are the exception).
        self.rank: dict[str, int] = {}
        for rank, merge in enumerate(model["merges"]):
            left, right = merge.split(" ") if isinstance(merge, str) else merge
            self.rank.setdefault(left + right, rank)
        self.byte_ids = [self.vocab[f"<0x{b:02X}>"] for b in range(256)]
        self.max_tokens = max_tokens
        # A chunk (a word, mostly) is merged once: bounded, so a long-running bot's memory is too.
        self._chunk = lru_cache(maxsize=_CACHED_CHUNKS)(self._merge)

    def ids(self, text: str) -> list[int]:
        """The token ids of a text (at most `max_tokens`)."""
        if not text:
            return []
        out: list[int] = []
        for chunk in _CHUNK_RE.findall("▁" + text[: self.max_tokens * _CHARS_A_TOKEN].replace(" ", "▁")):
            if len(chunk) <= _LONGEST_CHUNK:
                out.extend(self._chunk(chunk))
            else:  # a run with no space (a URL, a wall of "<"): merged in pieces, which bounds the cost
                for start in range(0, len(chunk), _LONGEST_CHUNK):
                    out.extend(self._merge(chunk[start : start + _LONGEST_CHUNK]))
            if len(out) >= self.max_tokens:
                return out[: self.max_tokens]
        return out

    def _merge(self, chunk: str) -> tuple[int, ...]:
        vocab, ranks = self.vocab, self.rank
        symbols = list(chunk)
        while len(symbols) > 1:
            best, best_rank = -1, 1 << 62
            for i in range(len(symbols) - 1):
                rank = ranks.get(symbols[i] + symbols[i + 1])
                if rank is not None and rank < best_rank:
                    best, best_rank = i, rank
            if best < 0:
                break
            symbols[best : best + 2] = [symbols[best] + symbols[best + 1]]
        ids: list[int] = []
        for symbol in symbols:
            piece_id = vocab.get(symbol)
            if piece_id is not None:
                ids.append(piece_id)
            else:
                ids.extend(self.byte_ids[b] for b in symbol.encode("utf-8"))
        return tuple(ids)


_CHUNK_RE = re.compile("▁+[^▁]*|[^▁]+")
# Merging a chunk costs its length squared: a longer run without a space is merged 48 characters
# at a time (the same pieces as the tokenizer's except at those cuts; no word is that long).
_LONGEST_CHUNK = 48
_CACHED_CHUNKS = 50_000  # merged chunks kept (a few MB; an idea's words are mostly among them)
_CHARS_A_TOKEN = 8  # only this much of a text can reach `max_tokens` tokens


class Embedder:
    """Text → unit vector (float32, `dims` numbers)."""

    def __init__(self, folder: Path | None = None) -> None:
        folder = folder or model_folder()
        self.pieces = Pieces(folder / TOKENIZER)
        self.table = map_tensor(folder / WEIGHTS, "embedding.weight")
        self.dims = int(self.table.shape[1])

    def vectors(self, texts: list[str]) -> np.ndarray:
        """One unit vector per text (an empty text gets zeros: similar to nothing)."""
        out = np.zeros((len(texts), self.dims), dtype=np.float32)
        if not texts:
            return out
        for i, text in enumerate(texts):
            ids = self.pieces.ids(text)
            if ids:
                out[i] = self.table[ids].mean(axis=0, dtype=np.float32)
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        np.divide(out, norms, out=out, where=norms > 0)
        return out

    def vector(self, text: str) -> np.ndarray:
        """One text's unit vector."""
        return self.vectors([text])[0]


@cache
def embedder() -> Embedder:
    """The model, loaded once per process."""
    return Embedder()
