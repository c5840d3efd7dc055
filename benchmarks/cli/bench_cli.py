"""Start-up time of the ``suarawarga`` command line (issue 12, point 14).

Targets on the project machine: ``suarawarga --help`` under 0.3 s and ``suarawarga sla due-date``
under 0.6 s. Each command runs as a user runs it (a fresh interpreter through the installed
``suarawarga`` script), ``--runs`` times, interleaved with the same commands through the CLI module
of a baseline git revision (``--baseline``, default: the commit before the lazy imports), so that
background load hits both alike. Reported per command: wall time (min and median) and CPU time
(user + system, median), which background load on a shared machine inflates far less than wall
time. Writes ``benchmarks/cli/results.{md,json}``.

    .venv/bin/python -m benchmarks.cli.bench_cli --runs 10
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from benchmarks.processes import children_cpu_s

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
BASELINE = "a4bfcf3"  # main before issue 12's lazy imports
COMMANDS = {
    "--help": ["--help"],
    "sla due-date": ["sla", "due-date", "--from", "2026-12-22T09:00", "--working-days", "3"],
}
TARGETS = {"--help": 0.3, "sla due-date": 0.6}


def _run(argv: list[str]) -> tuple[float, float]:
    before = children_cpu_s()
    started = time.perf_counter()
    subprocess.run(argv, stdout=subprocess.DEVNULL, check=True, cwd=ROOT)
    wall = time.perf_counter() - started
    return wall, children_cpu_s() - before


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--baseline", default=BASELINE, help="git revision to compare against")
    args = parser.parse_args()
    script = Path(sys.executable).with_name("suarawarga")
    with tempfile.TemporaryDirectory() as tmp:
        old_cli = Path(tmp) / "old_cli.py"
        old_cli.write_text(
            subprocess.run(
                ["git", "show", f"{args.baseline}:webhooks/cli.py"],
                cwd=ROOT, capture_output=True, text=True, check=True,
            ).stdout
        )  # fmt: skip
        variants = {"now": [str(script)], "baseline": [sys.executable, str(old_cli)]}
        samples: dict[str, dict[str, list[tuple[float, float]]]] = {
            v: {c: [] for c in COMMANDS} for v in variants
        }
        for _ in range(args.runs):
            for command, rest in COMMANDS.items():
                for variant, prefix in variants.items():
                    samples[variant][command].append(_run(prefix + rest))
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
    ).stdout.strip()
    results = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "commit": commit,
        "baseline": args.baseline,
        "runs": args.runs,
        "machine": {
            "nproc": os.cpu_count(),
            "python": platform.python_version(),
            "load_average_at_end": os.getloadavg(),
        },
        "commands": {
            variant: {
                command: {
                    "wall_min_s": round(min(w for w, _ in s), 3),
                    "wall_median_s": round(statistics.median(w for w, _ in s), 3),
                    "cpu_median_s": round(statistics.median(c for _, c in s), 3),
                }
                for command, s in per.items()
            }
            for variant, per in samples.items()
        },
    }
    lines = [
        "# CLI start-up (`python -m benchmarks.cli.bench_cli`)",
        "",
        f"{results['date']}, commit {commit} against {args.baseline}, {args.runs} runs each, "
        f"interleaved; {os.cpu_count()} cores, load average at the end "
        f"{', '.join(f'{x:.1f}' for x in os.getloadavg())}.",
        "",
        "| command | version | wall min | wall median | CPU median | target |",
        "| --- | --- | ---: | ---: | ---: | ---: |",
    ]
    for command in COMMANDS:
        for variant in variants:
            r = results["commands"][variant][command]
            lines.append(
                f"| `suarawarga {command}` | {variant} | {r['wall_min_s']:.3f} s | "
                f"{r['wall_median_s']:.3f} s | {r['cpu_median_s']:.3f} s | "
                f"< {TARGETS[command]} s |"
            )
    (HERE / "results.json").write_text(json.dumps(results, indent=2) + "\n")
    (HERE / "results.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
