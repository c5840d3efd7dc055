"""What every benchmark records beside its numbers, and how it summarises timings.

A result is comparable with another only when both say the same things about where and how they
were measured: the machine, its load, the commit, the exact command. Each bench once kept its own
copy of these helpers and they drifted (one percentile took a rank, another interpolated, one
load average was rounded and another not); this module is the one way for all of them.
"""

from __future__ import annotations

import os
import platform
import subprocess
import sys
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from benchmarks.environment import bench_settings

REPO = Path(__file__).resolve().parents[1]


def say(message: str) -> None:
    """A progress line with the time, on stderr: stdout stays for the results a bench prints."""
    print(f"[{datetime.now(UTC):%H:%M:%S}] {message}", file=sys.stderr, flush=True)


def percentile(values: Iterable[float], pct: float) -> float:
    """Nearest-rank percentile, ``pct`` in 0-100 (no interpolation: a reported p95 is a time
    that happened, and it exists for any number of samples)."""
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * pct // 100))  # ceil
    return ordered[int(rank) - 1]


def cpu_model() -> str:
    """The CPU's model name from /proc/cpuinfo (``unknown`` elsewhere)."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return "unknown"


def ram_gib() -> float | None:
    """Total memory in GiB, one decimal, from /proc/meminfo (None elsewhere)."""
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return round(int(line.split()[1]) / 2**20, 1)
    except (OSError, ValueError, IndexError):
        pass
    return None


def load_average() -> list[float]:
    """The 1, 5 and 15 minute load averages: on a shared machine, how busy it was."""
    return [round(x, 2) for x in os.getloadavg()]


def load_note(load_at_start: Sequence[float], cores: int) -> str:
    """How to read a run's times, from the 1-minute load average as it started.

    Why: a recorded result is read later by someone who cannot see the machine; it must not say
    the cores were shared when they were quiet, nor the reverse. Half the cores busy is the line.
    """
    if load_at_start and load_at_start[0] >= cores / 2:
        return "other work shared the cores: times are pessimistic"
    return "the machine was quiet as the run started"


def machine() -> dict[str, Any]:
    """The machine a run measured on, with its load as the run starts."""
    return {
        "cpu": cpu_model(),
        "cores": os.cpu_count(),
        "os": platform.platform(),
        "python": platform.python_version(),
        "load_average_at_start": load_average(),
    }


def _git(*args: str) -> str:
    try:
        return subprocess.run(
            ["git", *args], capture_output=True, text=True, cwd=REPO, check=False
        ).stdout
    except OSError:
        return ""


def git_info(*code_under_test: str) -> dict[str, Any]:
    """The commit, and the uncommitted changes in the folders the bench measures (by default
    the domain: escalation/, reports/, config/). Taken at the start: others may commit while a
    long bench runs."""
    paths = code_under_test or ("escalation", "reports", "config")
    commit = _git("rev-parse", "HEAD").strip()
    dirty = _git("status", "--porcelain", "--", *paths)
    return {"commit": commit, "uncommitted_changes_in_code_under_test": dirty.splitlines()}


def command_line(make_target: str, module: str) -> str:
    """The command that ran the bench, to repeat it: ``make <target>`` when make ran it, else
    the command typed; the ``SW_BENCH_*`` settings before it and any arguments after it."""
    env = " ".join(f"{k}={v}" for k, v in bench_settings().items())
    args = " ".join(sys.argv[1:])
    if os.environ.get("MAKELEVEL"):
        command = f"make {make_target}" + (f"  (python -m {module} {args})" if args else "")
    else:
        exe = os.path.relpath(sys.executable, Path.cwd()) if sys.executable else "python"
        command = f"{exe} -m {module} {args}"
    return f"{env} {command}".strip()
