"""Rasa 3.6 DIET in the embedded-vs-Rasa comparison: trained on the same examples, timed over HTTP.

Why one model per task: it is Rasa's best case (the production export puts all intent families
in one model), so a comparison ours wins is not won by handicapping Rasa. Rasa runs in its own
Python 3.10 environment (``nlu.rasa.runtime``); its train time is the whole ``rasa train nlu``.
"""

from __future__ import annotations

import subprocess
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from benchmarks.nlu.comparison_runs import Run, time_http
from benchmarks.nlu.comparison_tasks import BenchTask
from benchmarks.nlu.embedded_runs import HTTP_PASSES
from benchmarks.nlu.scoring import macro_f1_accuracy
from benchmarks.recording import say
from nlu.rasa.runtime import RasaServer, TrainedModel, rasa_subprocess_env, train_nlu
from nlu.rasa_export import RasaProject


def rasa_project(task: BenchTask, epochs: int) -> RasaProject:
    """The task's training examples as a Rasa project (one intent family, default pipeline)."""
    project = RasaProject(epochs=epochs)
    examples: dict[str, list[str]] = {}
    for example in task.train:
        examples.setdefault(example.label, []).append(example.text)
    project.add(task.prefix, examples)
    return project


def train_rasa_models(
    tasks: Sequence[BenchTask], workdir: Path, *, epochs: int, rasa: Path, reuse: bool
) -> dict[str, TrainedModel]:
    """Every task's DIET model, trained side by side.

    One ``rasa train nlu`` keeps about 1.3 of this machine's 2 cores busy (TensorFlow's graph
    steps do not parallelise further), so running the tasks' trainings together finishes 100
    epochs of both in about two thirds of the time one after the other takes. Each model's train
    time is therefore its wall time while sharing the machine with the other (pessimistic; the
    results say so). No timeout: at 100 epochs a training takes over an hour.
    """

    def train(task: BenchTask) -> TrainedModel:
        log = workdir / f"rasa-train-{task.name}.log"
        say(f"  rasa train nlu ({task.name}, {epochs} epochs; log {log}) ...")
        return train_nlu(
            rasa_project(task, epochs), rasa=rasa, use_cache=reuse, log_file=log, timeout=None
        )

    with ThreadPoolExecutor(max_workers=len(tasks)) as pool:
        trained = list(pool.map(train, tasks))
    return {task.name: model for task, model in zip(tasks, trained, strict=True)}


def bench_rasa(
    task: BenchTask, workdir: Path, *, model: TrainedModel, epochs: int, rasa: Path
) -> Run:
    """A trained DIET model served by ``rasa run --enable-api``, scored and timed over HTTP."""
    texts = [e.text for e in task.test]
    gold = [e.label for e in task.test]
    with RasaServer(model.path, rasa=rasa, log_file=workdir / f"rasa-run-{task.name}.log") as srv:
        predicted, http = time_http(srv.url, texts, task.prefix, HTTP_PASSES)
        startup = srv.startup_seconds
    macro_f1, accuracy = macro_f1_accuracy(gold, predicted)
    empty = sum(1 for label in predicted if not label)
    run = Run(
        "rasa_diet", task.name, macro_f1, accuracy, model.seconds, len(task.train), len(texts)
    )
    run.latency_ms["http"] = http
    run.notes.append(f"DIET epochs={epochs}; server start-up {startup:.1f} s")
    if empty:
        run.notes.append(f"{empty} answers had no {task.prefix}* intent (counted as wrong)")
    if model.cached:
        run.notes.append("model reused from the cache; train time is the one recorded then")
    return run


def rasa_versions(rasa: Path) -> dict[str, str]:
    """Rasa's, TensorFlow's and Python's versions in the Rasa environment, for the record."""
    code = (
        "import importlib.metadata as m, platform;"
        "print(m.version('rasa'), m.version('tensorflow'), platform.python_version())"
    )
    out = subprocess.run(
        [str(rasa.parent / "python"), "-c", code],
        capture_output=True,
        text=True,
        env=rasa_subprocess_env(),
        check=True,
    ).stdout.split()
    return {"rasa": out[0], "tensorflow": out[1], "python": out[2]}
