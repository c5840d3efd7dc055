"""The two tasks the embedded-vs-Rasa comparison (``bench_nlu``) trains and tests every system on.

Why fixed here: the three systems must learn exactly the same examples and be tested on the same
messages, or the comparison compares the data. Report type: trained on the shipped data, tested
on the real LAPOR! messages of the dev file (never trained on); routing: a seeded, stratified
80/20 split of the shipped routing data.
"""

from __future__ import annotations

from dataclasses import dataclass

from benchmarks.nlu.data import DEV_CSV
from benchmarks.recording import say
from nlu.dataset import Example, read_csv
from nlu.rasa_export import AGENCY_PREFIX, TYPE_PREFIX, stratified_split
from nlu.training_examples import Task as TrainTask
from nlu.training_examples import base_examples


@dataclass
class BenchTask:
    """One task: its examples, and the Rasa intent prefix its labels carry in a Rasa project."""

    name: TrainTask
    prefix: str
    train: list[Example]
    test: list[Example]
    test_source: str


def load_tasks(*, seed: int) -> list[BenchTask]:
    """The two tasks; skips the report-type task with a message when the dev CSV is absent."""
    tasks: list[BenchTask] = []
    type_train = base_examples("report_type")
    if DEV_CSV.exists():
        tasks.append(
            BenchTask(
                "report_type", TYPE_PREFIX, type_train, read_csv(DEV_CSV), "report_type_dev.csv"
            )
        )
    else:
        say(f"SKIP report_type: {DEV_CSV} not found (shared data absent)")
    routing = base_examples("routing")
    by_intent: dict[str, list[str]] = {}
    for example in routing:
        by_intent.setdefault(example.label, []).append(example.text)
    train, test = stratified_split(by_intent, test_fraction=0.2, seed=seed)
    tasks.append(
        BenchTask(
            "routing",
            AGENCY_PREFIX,
            [Example(t, label) for label, texts in train.items() for t in texts],
            [Example(t, label) for label, texts in test.items() for t in texts],
            f"routing.yml + routing_lapor.csv stratified 80/20 split, seed {seed}",
        )
    )
    return tasks
