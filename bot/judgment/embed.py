"""Sentence vectors from WordLlama's small static model (its files ship inside the PyPI wheel).

WordLlama's "l2_supercat" model is a table of 32,000 token vectors (256 numbers each, float16,
16 MB) distilled from a large language model's embeddings: a text's vector is the average of its
tokens' vectors, scaled to length 1, so the cosine of two texts is their dot product.

The files are read directly — the tokenizer with `tokenizers`, the library that defines its format;
the weights memory-mapped from the .safetensors file (`map_tensor`: 16 MB on disk, a few MB of it
resident) — and `wordllama` itself is never imported: its 0.4
package calls `logging.basicConfig` at import and, as installed, looks for its tokenizer in a
folder where it is not and then tries to download it. The vectors are the same as
`WordLlamaInference.embed` gives (pinned by tests/test_meaning.py).
"""

from __future__ import annotations

import importlib.util
import json
import struct
from functools import cache
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


class Embedder:
    """Text → unit vector (float32, `dims` numbers)."""

    def __init__(self, folder: Path | None = None) -> None:
        from tokenizers import Tokenizer

        folder = folder or model_folder()
        self.tokenizer = Tokenizer.from_file(str(folder / TOKENIZER))
        self.tokenizer.no_padding()
        self.tokenizer.enable_truncation(MAX_TOKENS)
        self.table = map_tensor(folder / WEIGHTS, "embedding.weight")
        self.dims = int(self.table.shape[1])

    def vectors(self, texts: list[str]) -> np.ndarray:
        """One unit vector per text (an empty text gets zeros: similar to nothing)."""
        out = np.zeros((len(texts), self.dims), dtype=np.float32)
        if not texts:
            return out
        # A plain loop of numpy means: faster here than one segmented sum over the batch.
        for i, encoding in enumerate(self.tokenizer.encode_batch(texts, add_special_tokens=False)):
            if encoding.ids:
                out[i] = self.table[encoding.ids].mean(axis=0, dtype=np.float32)
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
