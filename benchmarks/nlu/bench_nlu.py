"""Embedded classifier vs Rasa 3.6 DIET, side by side on this machine in one run.

Why: the embedded model is the default because we claim it is at least as accurate as Rasa's
default pipeline on our data while being orders of magnitude cheaper to train and to call. This
benchmark checks that claim on two tasks and records the numbers in ``results.md``/``results.json``:

* report type: trained on the shipped data (``nlu/data/report_type.yml`` plus the real LAPOR!
  messages of ``report_type_lapor.csv``), tested on the real LAPOR! messages in
  ``../shared/data/report_type_dev.csv`` (never used for training);
* routing: a seeded, stratified 80/20 split of the shipped routing data (``routing.yml`` plus
  ``routing_lapor.csv``).

Three systems learn exactly the same examples: ours, the plain baseline any reviewer would try
first (scikit-learn's ``TfidfVectorizer`` + ``LinearSVC`` with their defaults), and Rasa.
Rasa gets one model per task (its best case; the production export puts all families in one
model). Measured: macro-F1, accuracy, training wall
time (Rasa: the whole ``rasa train nlu`` process), latency p50/p99 and messages/second, ours
in-process and both over HTTP ``POST /model/parse`` with one keep-alive client, sequentially.

DIET's epoch count is a flag; the default is Rasa's own 100. On 2 idle cores an epoch on ~900
examples takes 15-20 s, on the same cores shared with other work 70-140 s (seen here), so a full
run takes hours: start it in the background. The number used is recorded in the results.

Run: ``make bench-nlu`` (or ``python -m benchmarks.nlu.bench_nlu --rasa-epochs 40``).

This is the entry point; the parts: ``comparison_tasks`` (the two tasks), ``comparison_runs``
(one run, latency summaries, the HTTP client loop), ``embedded_runs`` (ours and the baseline),
``rasa_runs`` (DIET), ``comparison_results`` (the targets and the results files).
"""

from __future__ import annotations

import argparse
import platform
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sklearn

from benchmarks.nlu.comparison_results import beats_baseline, checks, write_results
from benchmarks.nlu.comparison_runs import Run
from benchmarks.nlu.comparison_tasks import BenchTask, load_tasks
from benchmarks.nlu.data import OUT_DIR, REPO
from benchmarks.nlu.embedded_runs import bench_baseline, bench_ours
from benchmarks.nlu.rasa_runs import bench_rasa, rasa_versions, train_rasa_models
from benchmarks.nlu.record import machine
from benchmarks.recording import command_line, load_average, say
from nlu.rasa.runtime import RasaEnvMissing, TrainedModel, ensure_rasa_env


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rasa-epochs", type=int, default=100)
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--skip-rasa", action="store_true", help="only the embedded model")
    parser.add_argument(
        "--results-name", default="results", help="file stem under benchmarks/nlu/ for md + json"
    )
    parser.add_argument(
        "--output",
        type=Path,
        default=OUT_DIR,
        help="directory for the results (a trial run, e.g. the tests' toy run, keeps the recorded "
        "ones); its work files then go under it too instead of var/bench-nlu",
    )
    parser.add_argument(
        "--rasa-tasks",
        default="report_type,routing",
        help="comma-separated tasks Rasa is trained and measured on (both by default; at 100 "
        "epochs one task takes an hour or more on 2 cores)",
    )
    parser.add_argument(
        "--reuse-rasa-models",
        action="store_true",
        help="use cached Rasa models of identical data/config (and their recorded train time)",
    )
    return parser.parse_args(argv)


def find_rasa(skip: bool) -> tuple[Path | None, str]:
    """Rasa's executable, or None and why it is not measured."""
    if skip:
        return None, "--skip-rasa"
    try:
        return ensure_rasa_env(), ""
    except RasaEnvMissing as exc:
        say(f"Rasa unavailable, benchmarking the embedded model only:\n{exc}")
        return None, str(exc)


@dataclass
class Session:
    """A run of the comparison so far: written after every step, so that a run cut short (Rasa
    at 100 epochs takes hours) still leaves the numbers it measured."""

    args: argparse.Namespace
    rasa: Path | None
    skip_reason: str
    versions: dict[str, str]
    machine_at_start: dict[str, Any]
    began: float
    runs: list[Run] = field(default_factory=list)
    task_rows: list[dict[str, Any]] = field(default_factory=list)

    def snapshot(self) -> dict[str, Any]:
        return {
            "date": datetime.now(UTC).isoformat(timespec="seconds"),
            "command": command_line("bench-nlu", "benchmarks.nlu.bench_nlu"),
            "machine": self.machine_at_start,
            "load_average_at_end": load_average(),
            "versions": self.versions,
            "rasa_epochs": self.args.rasa_epochs if self.rasa is not None else None,
            "rasa_skipped": None if self.rasa is not None else self.skip_reason,
            "total_seconds": round(time.perf_counter() - self.began, 1),
            "tasks": self.task_rows,
            "runs": [asdict(r) for r in self.runs],
            "results_name": self.args.results_name,
        }

    def write(self) -> None:
        write_results(self.snapshot(), self.args.output)


def embedded_step(session: Session, tasks: list[BenchTask], workdir: Path) -> dict[str, Run]:
    """Ours and the baseline on every task (a minute); ours by task."""
    ours_by_task: dict[str, Run] = {}
    for task in tasks:
        say(f"[{task.name}] embedded ...")
        ours = bench_ours(task, workdir)
        baseline = bench_baseline(task)
        session.runs += [ours, baseline]
        ours_by_task[task.name] = ours
        say(
            f"  embedded macro-F1 {ours.macro_f1:.3f} train {ours.train_seconds:.2f} s; "
            f"baseline {baseline.macro_f1:.3f}"
        )
        session.task_rows.append(
            {
                "name": task.name,
                "n_train": len(task.train),
                "n_test": len(task.test),
                "test_source": task.test_source,
                "checks": [*checks(ours, None), beats_baseline(ours, baseline)],
            }
        )
        session.write()
    return ours_by_task


def rasa_step(
    session: Session, rasa: Path, tasks: list[BenchTask], ours: dict[str, Run], workdir: Path
) -> None:
    """DIET on the tasks of ``--rasa-tasks``, trained side by side, then served task by task."""
    args = session.args
    rasa_tasks = [t for t in tasks if t.name in args.rasa_tasks.split(",")]
    say(f"rasa: training {len(rasa_tasks)} model(s) side by side ...")
    models: dict[str, TrainedModel] = train_rasa_models(
        rasa_tasks, workdir, epochs=args.rasa_epochs, rasa=rasa, reuse=args.reuse_rasa_models
    )
    for task, row in zip(tasks, session.task_rows, strict=True):
        if task.name not in models:
            row["checks"].append(f"Rasa not run on this task (--rasa-tasks {args.rasa_tasks})")
            continue
        say(f"[{task.name}] rasa ...")
        run = bench_rasa(task, workdir, model=models[task.name], epochs=args.rasa_epochs, rasa=rasa)
        if not models[task.name].cached and len(models) > 1:
            run.notes.append(
                f"trained side by side with the other {len(models) - 1} task(s)' Rasa model: "
                "train time is wall time on a shared machine"
            )
        session.runs.append(run)
        row["checks"] = checks(ours[task.name], run) + row["checks"][-1:]
        say(f"  rasa macro-F1 {run.macro_f1:.3f} train {run.train_seconds:.0f} s")
        session.write()


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    began = time.perf_counter()
    machine_at_start = machine()
    rasa, skip_reason = find_rasa(args.skip_rasa)
    versions: dict[str, str] = {"python": platform.python_version(), "sklearn": sklearn.__version__}
    if rasa is not None:
        rv = rasa_versions(rasa)
        versions.update(rasa=rv["rasa"], tensorflow=rv["tensorflow"], rasa_python=rv["python"])
    session = Session(args, rasa, skip_reason, versions, machine_at_start, began)
    # Logs and model files stay after the run (var/ is not versioned) for post-mortems.
    workdir = REPO / "var" / "bench-nlu" if args.output == OUT_DIR else args.output / "work"
    workdir.mkdir(parents=True, exist_ok=True)
    # All embedded runs first (a minute), then Rasa (the long part).
    tasks = load_tasks(seed=args.seed)
    ours = embedded_step(session, tasks, workdir)
    if rasa is not None:
        rasa_step(session, rasa, tasks, ours, workdir)
    session.write()
    print((args.output / f"{args.results_name}.md").read_text(encoding="utf-8"))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
