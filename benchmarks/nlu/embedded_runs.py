"""Ours and the plain baseline in the embedded-vs-Rasa comparison: trained, scored, timed.

Why ours is timed in-process and over HTTP: in-process is what the bot pays; HTTP is the only
like-for-like figure against Rasa, which can only be called over HTTP (ours then runs behind
``serve_embedded.py`` in its own process, so the client's work does not share its GIL).
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

from benchmarks.nlu.comparison_runs import Run, latency_summary, time_http
from benchmarks.nlu.comparison_tasks import BenchTask
from benchmarks.nlu.data import REPO
from benchmarks.nlu.scoring import macro_f1_accuracy
from benchmarks.nlu.systems import Baseline
from benchmarks.servers import answers_get, server
from nlu.artifact import save_artifact
from nlu.classifier import TextClassifier
from nlu.features import clear_text_caches
from nlu.train import train_model

LATENCY_SAMPLES = 2000  # in-process calls per task for the latency percentiles
HTTP_PASSES = 2  # passes over the test set over HTTP (first pass also gives the predictions)


def in_process_latency(model: TextClassifier, texts: list[str]) -> dict[str, dict[str, float]]:
    """Wall time per call, plus this thread's CPU time per call, over at least
    :data:`LATENCY_SAMPLES` calls.

    On a machine shared with other work the wall-time tail measures the OS scheduler, the CPU
    time measures the model. The per-text caches (normalised text, n-grams) are cleared before
    every call, outside the timed region: the test set is smaller than the caches, so without
    this every pass after the first would time cache hits, while the bot pays the full cost for
    each new message (the routing call after the type call on the same message does hit them:
    this is the pessimistic figure for routing).
    """
    samples: list[float] = []
    cpu_samples: list[float] = []
    elapsed = 0.0
    cpu_elapsed = 0.0
    while len(samples) < LATENCY_SAMPLES:
        for text in texts:
            clear_text_caches()
            c0 = time.thread_time()
            t0 = time.perf_counter()
            model.rank(text)
            wall = time.perf_counter() - t0
            cpu = time.thread_time() - c0
            elapsed += wall
            cpu_elapsed += cpu
            samples.append(wall * 1000.0)
            cpu_samples.append(cpu * 1000.0)
    return {
        "in_process": latency_summary(samples, elapsed),
        "in_process_cpu": latency_summary(cpu_samples, cpu_elapsed),
    }


def http_latency(run: Run, task: BenchTask, model: TextClassifier, workdir: Path) -> list[str]:
    """Ours served by ``serve_embedded.py`` in its own process, timed over HTTP into ``run``;
    returns the predictions of the first pass."""
    artifact = save_artifact(model, workdir / f"{task.name}.joblib", task=task.name)
    argv = [sys.executable, "-m", "benchmarks.nlu.serve_embedded", str(artifact), task.prefix]
    with server(
        [*argv, "{port}"],
        env=dict(os.environ),
        cwd=REPO,
        name=f"serve-embedded-{task.name}",
        ready=answers_get("/", below=600),
        log_dir=workdir,
    ) as running:
        predicted, run.latency_ms["http"] = time_http(
            running.url, [e.text for e in task.test], task.prefix, HTTP_PASSES
        )
    return predicted


def bench_ours(task: BenchTask, workdir: Path) -> Run:
    """The embedded model trained exactly as ``nlu.train`` trains the shipped models."""
    started = time.perf_counter()
    model = train_model(task.name, task.train)
    train_seconds = time.perf_counter() - started
    texts = [e.text for e in task.test]
    predicted = [model.rank(t)[0][0] for t in texts]
    macro_f1, accuracy = macro_f1_accuracy([e.label for e in task.test], predicted)
    run = Run("embedded", task.name, macro_f1, accuracy, train_seconds, len(task.train), len(texts))
    run.latency_ms.update(in_process_latency(model, texts))
    if http_latency(run, task, model, workdir) != predicted:
        run.notes.append("HTTP predictions differ from in-process ones")
    return run


def bench_baseline(task: BenchTask) -> Run:
    """Plain TF-IDF + linear SVM (library defaults): the bar a trained model must clearly clear."""
    started = time.perf_counter()
    baseline = Baseline(task.train)
    train_seconds = time.perf_counter() - started
    texts = [e.text for e in task.test]
    macro_f1, accuracy = macro_f1_accuracy([e.label for e in task.test], baseline.predict(texts))
    samples: list[float] = []
    t_all = time.perf_counter()
    for text in texts:
        t0 = time.perf_counter()
        baseline.predict([text])
        samples.append((time.perf_counter() - t0) * 1000.0)
    run = Run(
        "tfidf_linear_svm_baseline",
        task.name,
        macro_f1,
        accuracy,
        train_seconds,
        len(task.train),
        len(texts),
    )
    run.latency_ms["in_process"] = latency_summary(samples, time.perf_counter() - t_all)
    return run
