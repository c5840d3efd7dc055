"""The methods the classifier can be trained with: each a featurizer and an estimator.

Why its own module: which estimator (and with which regularisation) is a choice made by
measurement (``benchmarks/nlu/METHODS.md``) and revisited there; the classifier
(:mod:`nlu.classifier`) fits and serves whichever it is given. The row-space fit of logistic
regression lives here too: it is how that estimator is fitted fast, not a classifier concern.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy.linalg import lapack, solve_triangular
from scipy.sparse import csr_matrix
from sklearn.base import BaseEstimator
from sklearn.calibration import CalibratedClassifierCV
from sklearn.linear_model import LogisticRegression
from sklearn.naive_bayes import ComplementNB
from sklearn.svm import LinearSVC
from threadpoolctl import threadpool_limits

from nlu.features import Featurizer

__all__ = [
    "CUES_METHOD",
    "CUE_WEIGHT",
    "DEFAULT_METHOD",
    "METHODS",
    "SEED",
    "build_estimator",
    "build_featurizer",
    "estimator_scores",
    "fit_logistic_in_row_space",
]


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


def estimator_scores(estimator: Any, matrix: csr_matrix) -> np.ndarray:
    """Scores whose softmax is the estimator's belief: margins, or log-probabilities."""
    if hasattr(estimator, "decision_function"):
        scores = np.asarray(estimator.decision_function(matrix), dtype=np.float64)
        if scores.ndim == 1:  # binary
            scores = np.column_stack([np.zeros_like(scores), scores])
        return scores
    probs = np.asarray(estimator.predict_proba(matrix), dtype=np.float64)
    return np.log(np.clip(probs, 1e-12, 1.0))
