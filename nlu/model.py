"""The embedded text classifier and its versioned on-disk artifact.

Design (chosen by measurement, see ``benchmarks/nlu/METHODS.md``): normalised text -> TF-IDF
over word 1-2-grams plus hashed character 2-5-grams -> multinomial logistic regression.
Character n-grams absorb the spelling variation that normalisation cannot enumerate
(``diperbaikin``, ``perbaikanya``); logistic regression gives well calibrated probabilities
(regularisation chosen by cross-validated log loss), trains in seconds and is deterministic.

Artifacts are joblib files holding a plain dict with a metadata header (format version, task,
labels, training-data hash, library versions, creation time) next to the fitted featurizer and
estimator, so a model file says what it is without being trusted blindly: :func:`load_artifact`
refuses a different format version and logs a sklearn version mismatch.

Security note: joblib files are pickles. Only load files the deployment itself wrote
(``settings.models_dir``) or that ship in the package.
"""

from __future__ import annotations

import logging
import platform
import time
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from itertools import pairwise, repeat
from pathlib import Path
from typing import Any

import joblib
import numpy as np
import sklearn
from scipy.linalg import lapack, solve_triangular
from scipy.sparse import csr_matrix
from sklearn.base import BaseEstimator
from sklearn.calibration import CalibratedClassifierCV
from sklearn.linear_model import LogisticRegression
from sklearn.naive_bayes import ComplementNB
from sklearn.svm import LinearSVC
from threadpoolctl import threadpool_limits

from nlu.calibration import Calibration, fit_calibration
from nlu.cues import CUE_GROUPS, cue_counts
from nlu.normalize import normalize

__all__ = [
    "ARTIFACT_FORMAT",
    "ARTIFACT_VERSION",
    "CUES_METHOD",
    "DEFAULT_METHOD",
    "METHODS",
    "ArtifactError",
    "Featurizer",
    "TextClassifier",
    "build_estimator",
    "build_featurizer",
    "char_ngram_buckets",
    "clear_text_caches",
    "clip_text",
    "fit_logistic_in_row_space",
    "load_artifact",
    "save_artifact",
    "word_gram_counts",
    "word_ngrams",
]

logger = logging.getLogger(__name__)

ARTIFACT_FORMAT = "suarawarga-nlu"
ARTIFACT_VERSION = 2  # 2: calibration (temperature, deployment prior) stored with the model
DEFAULT_METHOD = "tfidf_svm"
# The report-type model: the same SVM with the cue block of nlu.cues (benchmarks/nlu/METHODS.md).
CUES_METHOD = "tfidf_svm_cues"
# Weight of the cue block beside the two l2-normalised n-gram blocks, chosen by grouped CV.
CUE_WEIGHT = 0.5
METHODS: tuple[str, ...] = (
    "tfidf_svm",
    CUES_METHOD,
    "tfidf_lr",
    "tfidf_svc_calibrated",
    "tfidf_cnb_calibrated",
    "word_lr",
)
SEED = 13
LR_C = 1000.0
SVM_C = 1.0
# Folds of the out-of-fold scores that fit the calibration (see :func:`TextClassifier.fit`);
# two folds once this many examples are held out: each half then still has thousands of
# examples to fit one temperature and one prior strength, and a city's year of history trains
# in three fits instead of six.
CALIBRATION_FOLDS = 5
LARGE_HELD_OUT = 2000


class ArtifactError(RuntimeError):
    """A model file that cannot be used (wrong format, version or content)."""


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
_TextParts = tuple[tuple[str, ...], np.ndarray, np.ndarray, np.ndarray, np.ndarray]


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

    def _parts(self, text: str) -> _TextParts:
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
        self._fit_parts([self._parts(text) for text in texts])
        return self

    def fit_transform(self, texts: Sequence[str]) -> csr_matrix:
        """``fit`` then ``transform``, counting every text once (the n-gram caches are smaller
        than a training set, so the two separate calls counted each text twice)."""
        parts = [self._parts(text) for text in texts]
        self._fit_parts(parts)
        return self._matrix(parts)

    def _fit_parts(self, parts: Sequence[_TextParts]) -> None:
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
        return self._vector(self._parts(text))

    def _vector(self, parts: _TextParts) -> tuple[np.ndarray, np.ndarray]:
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
        return self._matrix([self._parts(text) for text in texts])

    def _matrix(self, parts: Sequence[_TextParts]) -> csr_matrix:
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


def build_estimator(method: str = DEFAULT_METHOD, *, seed: int = SEED) -> BaseEstimator:
    """A fresh, unfitted classifier for ``method`` (one of :data:`METHODS`).

    ``class_weight="balanced"`` because the training files are not a sample of real traffic; the
    classes are weighted equally so no label wins just by having more examples written for it.
    """
    if method in ("tfidf_svm", CUES_METHOD):
        # Chosen by cross-validation on real messages (benchmarks/nlu/METHODS.md): as accurate as
        # logistic regression on report types and clearly better on agencies (many classes, few
        # examples each, where the hinge loss ignores the easy examples), and with a temperature
        # fitted on out-of-fold margins its probabilities are better calibrated too.
        return LinearSVC(C=SVM_C, class_weight="balanced", random_state=seed)
    if method in ("tfidf_lr", "word_lr"):
        # C chosen by 5-fold cross-validated log loss on the training data (not on the dev set):
        # weaker regularisation made the probabilities *better* calibrated (CV ECE 0.07 at C=20,
        # 0.016 at C=1000), because TF-IDF rows are l2-normalised and scores stay small.
        return LogisticRegression(C=LR_C, class_weight="balanced", max_iter=5000)
    if method == "tfidf_svc_calibrated":
        svc = LinearSVC(C=0.5, class_weight="balanced", random_state=seed)
        return CalibratedClassifierCV(svc, method="sigmoid", cv=5)
    if method == "tfidf_cnb_calibrated":
        return CalibratedClassifierCV(ComplementNB(alpha=0.3), method="sigmoid", cv=5)
    raise ValueError(f"unknown method {method!r}; choose one of {', '.join(METHODS)}")


def fit_logistic_in_row_space(
    estimator: LogisticRegression, matrix: csr_matrix, y: np.ndarray
) -> LogisticRegression:
    """Fit an L2 logistic regression on ``matrix`` through an orthonormal basis of its row space.

    Why: with ~10**3 examples and 2-5 * 10**4 TF-IDF columns, lbfgs spent its time on vectors of
    n_features x n_classes parameters (0.5 M for routing: 50 ms per step in the optimiser alone,
    ~5 s per fit). Yet the L2-penalised optimum lies in the span of the training rows (the data
    term only sees ``X @ W.T``; any component orthogonal to the rows only adds penalty). With
    ``V`` an orthonormal basis of that span, ``W = Z @ V.T`` gives ``X @ W.T == (X @ V) @ Z.T``
    and ``||W|| == ||Z||``, so fitting the *same* estimator on the n x rank matrix ``X @ V`` is
    the same problem with ~n parameters per class. L-BFGS is invariant under this change of
    variables (it only uses inner products of gradients, which all lie in the span), so even
    the iterates match the direct fit: coefficients agree to ~1e-13 (tested), not only the optimum.

    The basis comes from a pivoted Cholesky factorisation of the Gram matrix ``G = X @ X.T``:
    ``G[p][:, p] == L @ L.T`` with ``L`` n x rank, so ``X[p] @ V == L`` for
    ``V = X[p[:rank]].T @ inv(L1).T`` (``L1``: the leading rank x rank block). Pivoting drops
    rows that are (numerically) combinations of others, e.g. texts identical after
    normalisation. BLAS runs single-threaded here: on two shared cores, threads made the dense
    steps 3-7x slower, and a fixed thread count keeps the summation order, hence the artifact,
    identical from run to run.
    """
    with threadpool_limits(limits=1):
        gram = (matrix @ matrix.T).toarray()
        factor, piv, rank, info = lapack.dpstrf(gram, lower=1)
        if info < 0 or rank == 0:
            raise ValueError(f"pivoted Cholesky failed (info {info}, rank {rank})")
        order = piv[:rank] - 1  # LAPACK pivots are 1-based
        lower = np.tril(factor)[:, :rank]  # entries past ``rank`` columns are workspace
        reduced = np.empty((matrix.shape[0], rank))
        reduced[piv - 1] = lower
        estimator.fit(reduced, y)
        # W.T = X[p[:rank]].T @ inv(L1).T @ Z.T
        weights = solve_triangular(lower[:rank], estimator.coef_.T, lower=True, trans="T")
        coef = np.asarray((matrix[order].T @ weights).T)
    estimator.coef_ = np.ascontiguousarray(coef)
    estimator.n_features_in_ = matrix.shape[1]
    return estimator


def build_featurizer(method: str = DEFAULT_METHOD) -> Featurizer:
    return Featurizer(
        char=method != "word_lr", cue_weight=CUE_WEIGHT if method == CUES_METHOD else 0.0
    )


@dataclass
class TextClassifier:
    """A fitted featurizer and linear classifier, its calibration, and the metadata that travels
    with them."""

    featurizer: Featurizer
    estimator: Any
    labels: tuple[str, ...]
    meta: dict[str, Any] = field(default_factory=dict)
    calibration: Calibration = field(default_factory=Calibration)
    # Fast-path weights (linear models), split by feature block: float64 rows of coef_.T, so a
    # text's score is one row gather and one dot per block.
    _word_w: np.ndarray | None = field(default=None, init=False, repr=False, compare=False)
    _char_w: np.ndarray | None = field(default=None, init=False, repr=False, compare=False)
    _cue_w: np.ndarray | None = field(default=None, init=False, repr=False, compare=False)
    _intercept: np.ndarray | None = field(default=None, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # Why a fast path: for one message, sklearn's predict_proba spends ~5 ms in input
        # validation, CSR construction and dispatch; the arithmetic is a gather-and-dot over the
        # few thousand non-zero columns. The fast path does exactly that arithmetic in float64
        # (scores equal to sklearn's decision_function within 1e-12, tested), using the
        # featurizer's own block functions, so it cannot drift from the training rows.
        if isinstance(self.estimator, LogisticRegression | LinearSVC):
            coef_t = np.asarray(self.estimator.coef_, dtype=np.float64).T
            n_vocab = len(self.featurizer.vocab)
            n_char = len(self.featurizer.char_idf)
            self._word_w = np.ascontiguousarray(coef_t[:n_vocab])
            self._char_w = np.ascontiguousarray(coef_t[n_vocab : n_vocab + n_char])
            self._cue_w = np.ascontiguousarray(coef_t[n_vocab + n_char :])
            self._intercept = np.atleast_1d(np.asarray(self.estimator.intercept_, dtype=np.float64))

    @classmethod
    def fit(
        cls,
        texts: Sequence[str],
        labels: Sequence[str],
        *,
        method: str = DEFAULT_METHOD,
        meta: dict[str, Any] | None = None,
        held_out: Sequence[bool] | None = None,
        prior: Mapping[str, float] | None = None,
        folds: int = CALIBRATION_FOLDS,
        tune_offsets: bool = False,
    ) -> TextClassifier:
        """Fit on all examples, calibrated on out-of-fold scores of the ``held_out`` ones.

        ``held_out`` marks the examples that look like the deployment's own stream (real
        messages, its history); only they are ever scored out of fold, by models trained on
        everything else, so the temperature and the prior strength are fitted on the traffic the
        model will see and not on written examples. All examples are held out when it is None.
        ``prior`` overrides the deployment's label frequencies (default: those of the held-out
        examples). Calibration is skipped (identity) when fewer than 20 examples are held out.
        ``tune_offsets`` also chooses per-label decision offsets on those out-of-fold scores
        (see :mod:`nlu.calibration`).
        """
        if len(texts) != len(labels):
            raise ValueError("texts and labels differ in length")
        if len(set(labels)) < 2:
            raise ValueError("need at least two distinct labels to train a classifier")
        started = time.perf_counter()
        template = build_featurizer(method)
        parts = [template._parts(text) for text in texts]
        y = np.asarray(labels)
        featurizer, estimator = _fit_linear(method, parts, y)
        classes = tuple(str(c) for c in estimator.classes_)
        mask = np.ones(len(y), dtype=bool) if held_out is None else np.asarray(held_out, bool)
        calibration = Calibration()
        if mask.sum() >= 20 and folds >= 2:
            if mask.sum() > LARGE_HELD_OUT:
                folds = 2
            oof, y_ids = _out_of_fold_scores(method, parts, y, mask, classes, folds)
            calibration = fit_calibration(
                oof, y_ids, classes, prior=prior, tune_offsets=tune_offsets
            )
        info = {
            "method": method,
            "n_examples": len(texts),
            "train_seconds": round(time.perf_counter() - started, 3),
            "calibration": calibration.as_dict(),
            **(meta or {}),
        }
        return cls(
            featurizer=featurizer,
            estimator=estimator,
            labels=classes,
            meta=info,
            calibration=calibration,
        )

    def predict_proba_many(self, texts: Sequence[str]) -> np.ndarray:
        """Calibrated probabilities, one row per text, columns in :attr:`labels` order."""
        if self._intercept is not None:
            return np.vstack([self.proba(t) for t in texts]) if texts else np.empty((0, 0))
        return self.reference_proba(texts)

    def reference_scores(self, texts: Sequence[str]) -> np.ndarray:
        """sklearn's own scores on the featurizer's CSR rows (the slow reference path)."""
        with sklearn.config_context(assume_finite=True, skip_parameter_validation=True):
            return _estimator_scores(self.estimator, self.featurizer.transform(texts))

    def reference_proba(self, texts: Sequence[str]) -> np.ndarray:
        return self.calibration.apply(self.reference_scores(texts))

    def scores(self, text: str) -> np.ndarray:
        """Raw (uncalibrated) scores of one text in :attr:`labels` order."""
        word_w, char_w, intercept = self._word_w, self._char_w, self._intercept
        if word_w is None or char_w is None or intercept is None:
            first: np.ndarray = self.reference_scores([text])[0]
            return first
        featurizer = self.featurizer
        grams, word_tf, buckets, char_tf, cues = featurizer._parts(text)
        scores = intercept.copy()
        idx, values = featurizer.word_block(grams, word_tf)
        if len(idx):
            scores += values @ word_w.take(idx, axis=0)
        idx, values = featurizer.char_block(buckets, char_tf)
        if len(idx):
            scores += values @ char_w.take(idx, axis=0)
        if featurizer.cue_weight and self._cue_w is not None:
            scores += (featurizer.cue_weight * cues) @ self._cue_w
        if scores.shape[0] == 1:  # binary: one score for labels[1]
            return np.array([0.0, scores[0]])
        return scores

    def proba(self, text: str) -> np.ndarray:
        """Calibrated probabilities for one text in :attr:`labels` order."""
        return self.calibration.apply(self.scores(text))

    def rank(self, text: str) -> list[tuple[str, float]]:
        """All labels with probabilities, best first (ties broken by label order, deterministic)."""
        probs = self.proba(text)
        order = np.argsort(-probs, kind="stable").tolist()
        values = probs.tolist()
        labels = self.labels
        return [(labels[i], values[i]) for i in order]

    def predict(self, texts: Sequence[str]) -> list[str]:
        probs = self.predict_proba_many(texts)
        return [self.labels[int(i)] for i in probs.argmax(axis=1)]


def _estimator_scores(estimator: Any, matrix: csr_matrix) -> np.ndarray:
    """Scores whose softmax is the estimator's belief: margins, or log-probabilities."""
    if hasattr(estimator, "decision_function"):
        scores = np.asarray(estimator.decision_function(matrix), dtype=np.float64)
        if scores.ndim == 1:  # binary
            scores = np.column_stack([np.zeros_like(scores), scores])
        return scores
    probs = np.asarray(estimator.predict_proba(matrix), dtype=np.float64)
    return np.log(np.clip(probs, 1e-12, 1.0))


def _fit_linear(method: str, parts: Sequence[_TextParts], y: np.ndarray) -> tuple[Featurizer, Any]:
    featurizer = build_featurizer(method)
    featurizer._fit_parts(parts)
    matrix = featurizer._matrix(parts)
    estimator = build_estimator(method)
    if isinstance(estimator, LogisticRegression):
        fit_logistic_in_row_space(estimator, matrix, y)
    else:
        with threadpool_limits(limits=1):
            estimator.fit(matrix, y)
    return featurizer, estimator


def _out_of_fold_scores(
    method: str,
    parts: Sequence[_TextParts],
    y: np.ndarray,
    held_out: np.ndarray,
    classes: tuple[str, ...],
    folds: int,
) -> tuple[np.ndarray, np.ndarray]:
    """Scores of each held-out example from a model that never saw it (all else trained it).

    Folds are stratified by label; a label rarer than the fold count still lands in some folds
    (sklearn's warning about it is expected and silenced). A label a fold's model never saw gets
    a score below every other, i.e. probability ~0.
    """
    import warnings

    from sklearn.model_selection import StratifiedKFold

    index = np.flatnonzero(held_out)
    class_ids = {label: i for i, label in enumerate(classes)}
    y_ids = np.array([class_ids[str(label)] for label in y[index]])
    scores = np.zeros((len(index), len(classes)))
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=SEED)
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="The least populated class", category=UserWarning)
        splits = list(splitter.split(np.zeros(len(index)), y_ids))
    everyone = np.ones(len(y), dtype=bool)
    for _, test in splits:
        train_mask = everyone.copy()
        train_mask[index[test]] = False
        train = np.flatnonzero(train_mask)
        featurizer, estimator = _fit_linear(method, [parts[int(i)] for i in train], y[train])
        held = featurizer._matrix([parts[int(i)] for i in index[test]])
        fold_scores = _estimator_scores(estimator, held)
        full = np.full((len(test), len(classes)), fold_scores.min() - 10.0)
        for column, label in enumerate(estimator.classes_):
            full[:, class_ids[str(label)]] = fold_scores[:, column]
        scores[test] = full
    return scores, y_ids


def _versions() -> dict[str, str]:
    return {
        "sklearn": sklearn.__version__,
        "numpy": np.__version__,
        "python": platform.python_version(),
    }


def save_artifact(model: TextClassifier, path: Path, *, task: str) -> Path:
    """Write ``model`` atomically (temp file, then rename): readers never see a half file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    payload = {
        "format": ARTIFACT_FORMAT,
        "format_version": ARTIFACT_VERSION,
        "task": task,
        "labels": list(model.labels),
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "versions": _versions(),
        "meta": model.meta,
        "featurizer": model.featurizer,
        "estimator": model.estimator,
        "calibration": {
            "temperature": model.calibration.temperature,
            "prior": list(model.calibration.prior),
            "strength": model.calibration.strength,
            "offsets": list(model.calibration.offsets),
            "scale": model.calibration.scale,
            "report": model.calibration.report,
        },
    }
    tmp = path.with_name(f".{path.name}.tmp")
    joblib.dump(payload, tmp, compress=3)
    tmp.replace(path)
    return path


def load_artifact(path: Path, *, task: str | None = None) -> TextClassifier:
    """Load a model written by :func:`save_artifact`, checking the header before trusting it."""
    try:
        payload = joblib.load(path)
    except Exception as exc:  # a truncated or foreign file: report which one
        raise ArtifactError(f"{path}: not a readable model file ({exc})") from exc
    if not isinstance(payload, dict) or payload.get("format") != ARTIFACT_FORMAT:
        raise ArtifactError(f"{path}: not a SuaraWarga NLU model")
    if payload.get("format_version") != ARTIFACT_VERSION:
        raise ArtifactError(
            f"{path}: model format {payload.get('format_version')}, this code reads "
            f"{ARTIFACT_VERSION}; retrain with `suarawarga nlu train`"
        )
    if task is not None and payload.get("task") != task:
        raise ArtifactError(f"{path}: model is for task {payload.get('task')!r}, not {task!r}")
    trained_with = payload.get("versions", {}).get("sklearn")
    if trained_with != sklearn.__version__:
        logger.warning(
            "NLU model %s was trained with scikit-learn %s, running %s; retrain if it misbehaves",
            path.name,
            trained_with,
            sklearn.__version__,
        )
    calibration = payload.get("calibration") or {}
    meta = dict(payload.get("meta") or {})
    meta.update(
        {
            "task": payload.get("task"),
            "created_at": payload.get("created_at"),
            "versions": payload.get("versions"),
            "path": str(path),
        }
    )
    return TextClassifier(
        featurizer=payload["featurizer"],
        estimator=payload["estimator"],
        labels=tuple(payload["labels"]),
        meta=meta,
        calibration=Calibration(
            temperature=float(calibration.get("temperature", 1.0)),
            prior=tuple(float(p) for p in calibration.get("prior", ())),
            strength=float(calibration.get("strength", 0.0)),
            offsets=tuple(float(o) for o in calibration.get("offsets", ())),
            scale=float(calibration.get("scale", 1.0)),
            report=dict(calibration.get("report") or {}),
        ),
    )
