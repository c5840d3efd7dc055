"""Every ``make bench*`` target runs at toy size and writes its results file.

Why: ``make bench`` once stopped working (its index self-check compared PostgreSQL's printout of
a partial index) and nothing said so until someone ran it by hand. A benchmark that CI never runs
rots unseen. So each target runs here with tiny sizes (2,000 reports, a few requests, one second of
webhook load, Rasa skipped), all four at once (they mostly wait on start-ups and PostgreSQL), each
writing into its own temporary directory. Only completion and the results files are asserted: the
numbers of a toy run on a shared machine mean nothing, and timing targets stay in the full runs.

The recorded full-size results under ``benchmarks/`` must come out of this untouched.
"""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import PG_ADMIN_URL, REPO, _pg_available

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

#: Seconds all four toy runs together may take (they take 20-40 s on the shared 2-core machine).
TIMEOUT = 240


@dataclass(frozen=True)
class Toy:
    """One make target at toy size: environment, make variables, files it must write."""

    target: str
    env: dict[str, str]
    make_vars: dict[str, str]
    writes: tuple[str, ...]  # glob patterns in the output directory


def toys(out: Path) -> list[Toy]:
    return [
        Toy(
            "bench",
            {
                "SW_BENCH_SIZES": "2000",
                "SW_BENCH_DUE": "10",
                "SW_BENCH_SELECT_REPEATS": "3",
                "SW_BENCH_SWEEP_REPEATS": "1",
                "SW_BENCH_OUT": str(out / "bench"),
            },
            {},
            ("sweep-*.json", "sweep-*.md"),
        ),
        Toy(
            "bench-nlu",
            {},
            {"BENCH_NLU_ARGS": f"--skip-rasa --output {out / 'bench-nlu'}"},
            ("results.json", "results.md"),
        ),
        Toy(
            "bench-understanding",
            {},
            {"BENCH_UNDERSTANDING_ARGS": f"--quick --output {out / 'bench-understanding'}"},
            ("understanding.json", "understanding.md"),
        ),
        Toy(
            "bench-webhook",
            {},
            {
                "BENCH_WEBHOOK_ARGS": "--seconds 1 --warmup 0 --connections 2 --workers 1 "
                f"--skip-rasa --load-generator auto --output {out / 'bench-webhook'}"
            },
            ("results.json", "results.md"),
        ),
        Toy(
            "bench-import",
            {"SW_BENCH_IMPORT_ROWS": "100", "SW_BENCH_OUT": str(out / "bench-import")},
            {},
            ("results.json", "results.md"),
        ),
        Toy(
            "bench-console",
            {
                "SW_BENCH_REPORTS": "2000",
                "SW_BENCH_REQUESTS": "3",
                "SW_BENCH_OUT": str(out / "bench-console"),
            },
            {},
            ("results.json", "results.md"),
        ),
        Toy(
            "bench-duplicates",
            {"SW_BENCH_REPORTS": "2000", "SW_BENCH_OUT": str(out / "bench-duplicates")},
            {},
            ("quality.json", "pg.json"),
        ),
    ]


TARGETS = [t.target for t in toys(Path("/"))]


def recorded_results() -> dict[str, str]:
    """Digest of every recorded result file under benchmarks/ (a toy run must not touch one)."""
    return {
        str(path.relative_to(REPO)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted((REPO / "benchmarks").rglob("*"))
        if path.is_file() and path.suffix in {".md", ".json"}
    }


@dataclass
class Finished:
    toy: Toy
    out: Path
    returncode: int
    log: str

    @property
    def completed(self) -> bool:
        """Ran to its end: exit 0, or bench-console's exit 1 after a FAIL verdict (a toy run's
        timings on a shared machine may miss a target; only a crash is a failure here). Run
        through ``make``, that exit 1 arrives as make's own 2 with "Error 1" in the log."""
        if self.returncode == 0:
            return True
        verdict_fail = "Verdict: FAIL" in self.log
        via_make = self.returncode == 2 and "] Error 1" in self.log
        return verdict_fail and (self.returncode == 1 or via_make)


@dataclass
class ToyRuns:
    finished: dict[str, Finished]
    recorded_before: dict[str, str]
    recorded_after: dict[str, str]


@pytest.fixture(scope="module")
def toy_runs(tmp_path_factory: pytest.TempPathFactory) -> ToyRuns:
    """All four targets started at once through ``make``, waited for together."""
    if not _pg_available():
        if os.environ.get("CI"):
            pytest.fail(f"PostgreSQL is required on CI but {PG_ADMIN_URL} is not reachable")
        pytest.skip(f"PostgreSQL not reachable at {PG_ADMIN_URL}")
    out = tmp_path_factory.mktemp("bench-toy")
    before = recorded_results()
    base_env = {k: v for k, v in os.environ.items() if k not in {"MAKEFLAGS", "MFLAGS"}}
    base_env.update(
        SW_BENCH_ADMIN_URL=PG_ADMIN_URL,
        SUARAWARGA_BENCH_PG_ADMIN_URL=PG_ADMIN_URL,
        SUARAWARGA_DATA_DIR=str(out / "var"),
    )
    running: list[tuple[Toy, subprocess.Popen[bytes], Path]] = []
    try:
        for toy in toys(out):
            log = out / f"{toy.target}.log"
            command = ["make", "--no-print-directory", "-C", str(REPO), toy.target]
            # The interpreter running the tests is the one the benchmarks run with.
            command.append(f"VENV={sys.prefix}")
            command += [f"{k}={v}" for k, v in toy.make_vars.items()]
            with log.open("wb") as sink:
                process = subprocess.Popen(
                    command,
                    env={**base_env, **toy.env},
                    stdout=sink,
                    stderr=subprocess.STDOUT,
                    stdin=subprocess.DEVNULL,
                    start_new_session=True,  # its servers are stopped with it on a timeout
                )
            running.append((toy, process, log))
        finished: dict[str, Finished] = {}
        for toy, process, log in running:
            try:
                code = process.wait(timeout=TIMEOUT)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                code = process.wait(10)
            finished[toy.target] = Finished(
                toy, out / toy.target, code, log.read_text(errors="replace")
            )
    finally:
        for _, process, _ in running:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(10)
    return ToyRuns(finished, before, recorded_results())


@pytest.mark.parametrize("target", TARGETS)
def test_toy_run_completes_and_writes_results(toy_runs: ToyRuns, target: str) -> None:
    run = toy_runs.finished[target]
    tail = "\n".join(run.log.splitlines()[-40:])
    assert run.completed, f"make {target} at toy size exited {run.returncode}:\n{tail}"
    for pattern in run.toy.writes:
        found = sorted(run.out.glob(pattern))
        assert found, f"make {target} wrote no {pattern} in {run.out}:\n{tail}"
        for path in found:
            assert path.stat().st_size > 0
            if path.suffix == ".json":
                json.loads(path.read_text(encoding="utf-8"))


def test_toy_runs_leave_the_recorded_results_alone(toy_runs: ToyRuns) -> None:
    assert toy_runs.recorded_after == toy_runs.recorded_before
