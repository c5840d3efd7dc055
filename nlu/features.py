"""What the embedded classifier reads of a text: word 1-2-grams and hashed character 2-5-grams.

Why its own module: the features are the one part both models (type and agency) share per
message, cached per text, and the part that must be identical at training and at serving; the
estimators (:mod:`nlu.estimators`) and the classifier (:mod:`nlu.classifier`) only consume them.
Model artifacts pickle :class:`Featurizer` (:mod:`nlu.artifact`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from functools import lru_cache
from itertools import pairwise, repeat
from typing import Any

import numpy as np
from scipy.sparse import csr_matrix

from nlu.cues import CUE_GROUPS, cue_counts
from nlu.normalize import normalize

__all__ = [
    "CLIP_HEAD_CHARS",
    "CLIP_TAIL_CHARS",
    "Featurizer",
    "TextParts",
    "char_ngram_buckets",
    "clear_text_caches",
    "clip_text",
    "word_gram_counts",
    "word_ngrams",
]


@lru_cache(maxsize=256)
def word_gram_counts(text: str) -> tuple[tuple[str, ...], np.ndarray]:
    """Distinct word 1-2-grams of ``text`` (first-seen order) and how often each occurs.

    Cached (as are :func:`normalize` and :func:`char_ngram_buckets`): the bot asks both models
    (type and agency) about the same message, and nothing here depends on a model.
    """
    counter = Counter(word_ngrams(text))
    counts = np.fromiter(counter.values(), dtype=np.float64, count=len(counter))
    counts.flags.writeable = False  # shared through the cache
    return tuple(counter), counts


def clear_text_caches() -> None:
    """Forget every cached per-text result (normalised text, word grams, char buckets).

    For measurements: the bot sees each message once, so a benchmark that cycles over a small
    test set must clear these caches to time what a new message costs.
    """
    normalize.cache_clear()
    word_gram_counts.cache_clear()
    char_ngram_buckets.cache_clear()
    cue_counts.cache_clear()


def word_ngrams(text: str) -> list[str]:
    """Word 1- and 2-grams of the normalised text (the ``?`` token included)."""
    toks = normalize(text).split()
    return toks + [f"{a} {b}" for a, b in pairwise(toks)]


_FNV_PRIME = np.uint64(1099511628211)
_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_SHIFT = np.uint64(29)

_NO_INDEX = np.empty(0, dtype=np.intp)
_NO_VALUES = np.empty(0, dtype=np.float64)
_NO_INDEX.flags.writeable = False
_NO_VALUES.flags.writeable = False
_NO_GRAMS: tuple[tuple[str, ...], np.ndarray] = ((), _NO_VALUES)
# (word grams, their counts, char bucket ids, their counts, cue counts) of one text, before any
# vocabulary (cue counts empty unless the featurizer has a cue block).
TextParts = tuple[tuple[str, ...], np.ndarray, np.ndarray, np.ndarray, np.ndarray]


@lru_cache(maxsize=256)
def char_ngram_buckets(text: str, bits: int) -> tuple[np.ndarray, np.ndarray]:
    """Hashed character 2-5-grams of the normalised text: (sorted bucket ids, counts).

    Why hashing instead of a vocabulary: building ~1,600 n-gram strings and looking each up in a
    dict cost 1-2 ms per message in Python; rolling hashes over the code points are a handful of
    numpy operations (about 0.1 ms) and deterministic across processes and platforms (unlike
    Python's ``hash``). With 2**20 buckets and ~10**5 distinct n-grams, collisions are rare and
    harmless. The n-grams span word boundaries (``"k ru"``), which adds a little phrase context.

    The hashes are written into one preallocated array and counted with a sort and a
    neighbour comparison (``np.unique``'s own dispatch cost ~40 us per call). Unsigned integer
    arithmetic on arrays wraps silently in numpy, which is what the hash wants.
    """
    padded = f" {normalize(text)} "
    codes = np.frombuffer(padded.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    size = len(codes)
    total = sum(max(0, size - n + 1) for n in (2, 3, 4, 5))
    if total == 0:
        return _NO_INDEX, _NO_VALUES
    # Buckets have ``bits`` <= 32 bits: sorting them as uint32 is twice as fast as uint64.
    hashes = np.empty(total, dtype=np.uint32 if bits <= 32 else np.uint64)
    shift_out = np.uint64(64 - bits)
    start = 0
    rolling = codes
    for n in (2, 3, 4, 5):
        if len(rolling) <= 1:
            break
        rolling = rolling[:-1] * _FNV_PRIME
        rolling += codes[n - 1 :]
        mixed = rolling + np.uint64(n)
        mixed *= _GOLDEN
        mixed ^= mixed >> _SHIFT
        mixed >>= shift_out
        hashes[start : start + len(rolling)] = mixed
        start += len(rolling)
    hashes.sort()
    first = np.empty(total, dtype=bool)
    first[0] = True
    np.not_equal(hashes[1:], hashes[:-1], out=first[1:])
    starts = np.flatnonzero(first)
    buckets = hashes[starts].astype(np.intp)
    counts = np.diff(starts, append=total).astype(np.float64)
    buckets.flags.writeable = False  # shared through the cache
    counts.flags.writeable = False
    return buckets, counts


# Longer texts are classified on their head and tail (see :func:`clip_text`).
CLIP_HEAD_CHARS = 1500
CLIP_TAIL_CHARS = 500


def clip_text(text: str) -> str:
    """The first 1,500 and the last 500 characters of a text longer than 2,000.

    Why: cost grows with length (a pasted 20,000-character chronology took ~15 ms), while what
    decides a report's type and agency sits at the ends: the title and the problem open a
    message, the request ("mohon diperbaiki", "bagaimana caranya?") closes it. None of the
    3,800 real messages we have is longer than 1,200 characters, so real reports are untouched;
    training texts are clipped the same way, so training and serving see the same thing.
    """
    if len(text) <= CLIP_HEAD_CHARS + CLIP_TAIL_CHARS:
        return text
    return f"{text[:CLIP_HEAD_CHARS]} {text[-CLIP_TAIL_CHARS:]}"


def _smooth_idf(df: np.ndarray, n_docs: int) -> np.ndarray:
    return np.log((1.0 + n_docs) / (1.0 + df)) + 1.0


class Featurizer:
    """TF-IDF features: word 1-2-grams (vocabulary) plus hashed character 2-5-grams.

    Each block is weighted like sklearn's ``TfidfVectorizer(sublinear_tf=True)`` (1 + log tf,
    smooth idf, l2 norm per block) and the blocks are concatenated. The same code path produces a
    training row and a live prediction, so training and serving cannot drift apart.
    """

    def __init__(
        self,
        *,
        char_bits: int = 20,
        char_min_df: int = 2,
        word: bool = True,
        char: bool = True,
        cue_weight: float = 0.0,
    ) -> None:
        self.char_bits = char_bits
        self.char_min_df = char_min_df
        self.word = word
        self.char = char
        # > 0: a third block, the cue counts of nlu.cues times this weight (not normalised:
        # a text without cues has zeros there, which is the information).
        self.cue_weight = cue_weight
        self.vocab: dict[str, int] = {}
        self.word_idf = np.empty(0)
        # Bucket -> compact column (-1: not seen often enough in training). Keeping only the
        # buckets that occur keeps the classifier small (~10**5 columns, not 2**20) and fast to fit.
        self.char_columns = np.empty(0, dtype=np.int32)
        self.char_idf = np.empty(0)

    @property
    def n_cues(self) -> int:
        return len(CUE_GROUPS) if self.cue_weight else 0

    @property
    def n_features(self) -> int:
        return len(self.vocab) + len(self.char_idf) + self.n_cues

    def __getstate__(self) -> dict[str, Any]:
        # Store the used bucket ids (~10**5) instead of the 2**20-entry lookup table.
        state = dict(self.__dict__)
        state["char_columns"] = np.flatnonzero(self.char_columns >= 0).astype(np.int32)
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        used = state.pop("char_columns")
        state.setdefault("cue_weight", 0.0)  # models written before the cue block had none
        self.__dict__.update(state)
        self.char_columns = np.full(1 << self.char_bits, -1, dtype=np.int32)
        if self.char:
            self.char_columns[used] = np.arange(len(used), dtype=np.int32)

    def parts_of(self, text: str) -> TextParts:
        """The model-independent counts of one text (cached, shared by both models)."""
        text = clip_text(text)
        grams, word_tf = word_gram_counts(text) if self.word else _NO_GRAMS
        if self.char:
            buckets, char_tf = char_ngram_buckets(text, self.char_bits)
        else:
            buckets, char_tf = _NO_INDEX, _NO_VALUES
        cues = cue_counts(normalize(text)) if self.cue_weight else _NO_VALUES
        return grams, word_tf, buckets, char_tf, cues

    def fit(self, texts: Sequence[str]) -> Featurizer:
        """Learn the word vocabulary, the used character buckets and both idf vectors."""
        self.fit_parts([self.parts_of(text) for text in texts])
        return self

    def fit_transform(self, texts: Sequence[str]) -> csr_matrix:
        """``fit`` then ``transform``, counting every text once (the n-gram caches are smaller
        than a training set, so the two separate calls counted each text twice)."""
        parts = [self.parts_of(text) for text in texts]
        self.fit_parts(parts)
        return self.matrix_of(parts)

    def fit_parts(self, parts: Sequence[TextParts]) -> None:
        word_df: Counter[str] = Counter()
        char_df = np.zeros(1 << self.char_bits, dtype=np.float64)
        for grams, _, buckets, _, _ in parts:
            word_df.update(grams)  # grams are distinct per text: this counts documents
            char_df[buckets] += 1.0
        grams_sorted = sorted(word_df)
        self.vocab = {gram: i for i, gram in enumerate(grams_sorted)}
        self.word_idf = _smooth_idf(
            np.array([word_df[g] for g in grams_sorted], dtype=np.float64), len(parts)
        )
        if self.char:
            used = np.flatnonzero(char_df >= self.char_min_df)
            self.char_columns = np.full(1 << self.char_bits, -1, dtype=np.int32)
            self.char_columns[used] = np.arange(len(used), dtype=np.int32)
            self.char_idf = _smooth_idf(char_df[used], len(parts))

    def word_block(self, grams: Sequence[str], tf: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Word columns and l2-normalised sublinear TF-IDF values of one text's grams."""
        if not grams:
            return _NO_INDEX, _NO_VALUES
        ids = np.fromiter(map(self.vocab.get, grams, repeat(-1)), dtype=np.intp, count=len(grams))
        known = ids >= 0
        if not known.any():
            return _NO_INDEX, _NO_VALUES
        idx = ids[known]
        values = (1.0 + np.log(tf[known])) * self.word_idf.take(idx)
        return idx, values / np.sqrt(values @ values)

    def char_block(self, buckets: np.ndarray, tf: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Char columns (0-based within the char block) and their normalised TF-IDF values."""
        if not len(buckets):
            return _NO_INDEX, _NO_VALUES
        cols = self.char_columns.take(buckets)
        seen = cols >= 0
        if not seen.any():
            return _NO_INDEX, _NO_VALUES
        idx = cols[seen].astype(np.intp)
        values = (1.0 + np.log(tf[seen])) * self.char_idf.take(idx)
        return idx, values / np.sqrt(values @ values)

    def vector(self, text: str) -> tuple[np.ndarray, np.ndarray]:
        """Sparse feature vector of one text as (indices, values)."""
        return self._vector(self.parts_of(text))

    def _vector(self, parts: TextParts) -> tuple[np.ndarray, np.ndarray]:
        grams, word_tf, buckets, char_tf, cues = parts
        word_idx, word_values = self.word_block(grams, word_tf)
        char_idx, char_values = self.char_block(buckets, char_tf)
        if self.cue_weight:
            hit = np.flatnonzero(cues)
            char_idx = np.concatenate([char_idx, hit + len(self.char_idf)])
            char_values = np.concatenate([char_values, self.cue_weight * cues[hit]])
        if not len(char_idx):
            return word_idx, word_values
        if not len(word_idx):
            return char_idx + len(self.vocab), char_values
        return (
            np.concatenate([word_idx, char_idx + len(self.vocab)]),
            np.concatenate([word_values, char_values]),
        )

    def transform(self, texts: Sequence[str]) -> csr_matrix:
        """Feature rows of ``texts`` as a CSR matrix (the sklearn reference path)."""
        return self.matrix_of([self.parts_of(text) for text in texts])

    def matrix_of(self, parts: Sequence[TextParts]) -> csr_matrix:
        indptr = [0]
        indices: list[np.ndarray] = []
        data: list[np.ndarray] = []
        for text_parts in parts:
            idx, values = self._vector(text_parts)
            indices.append(idx)
            data.append(values)
            indptr.append(indptr[-1] + len(idx))
        return csr_matrix(
            (
                np.concatenate(data) if data else np.empty(0),
                np.concatenate(indices) if indices else np.empty(0, dtype=np.intp),
                np.array(indptr),
            ),
            shape=(len(parts), self.n_features),
        )
