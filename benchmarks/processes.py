"""CPU time and memory of processes: this one, its children, a server's tree, the machine.

On a shared machine wall time says as much about the neighbours as about the code; CPU time of
the processes that did the work is the steadier figure, so the benches record both. Read from
``getrusage`` and Linux's /proc (other systems: the /proc figures are empty).
"""

from __future__ import annotations

import contextlib
import os
import resource
import sys
from pathlib import Path

_CLK_TCK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def own_cpu_s() -> float:
    """CPU seconds (user + system) this process has used so far."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def children_cpu_s() -> float:
    """CPU seconds (user + system) of the subprocesses that ended and were waited for so far."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def peak_rss_mb() -> float:
    """The most memory this process has held so far, in MiB."""
    # ru_maxrss is in kilobytes on Linux (bytes on macOS).
    scale = 1024 * 1024 if sys.platform == "darwin" else 1024
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 / scale / 1024, 1)


def _stat(pid: int | str) -> list[str]:
    """The fields of /proc/<pid>/stat after the command name (which may hold spaces)."""
    return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()


def process_cpu_s(pid: int) -> float | None:
    """CPU seconds used so far by process ``pid`` (None when /proc does not show it)."""
    try:
        fields = _stat(pid)
    except (OSError, IndexError):
        return None
    return (int(fields[11]) + int(fields[12])) / _CLK_TCK  # utime, stime


def process_tree_cpu_s(root: int) -> dict[int, float]:
    """CPU seconds so far of ``root`` and of every process below it (a server's workers)."""
    stats: dict[int, tuple[int, float]] = {}  # pid -> (parent, cpu seconds)
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, ValueError, IndexError):
            fields = _stat(stat.parent.name)
            # fields[1]: the parent's pid; [11], [12]: user and system time in ticks
            stats[int(stat.parent.name)] = (
                int(fields[1]),
                (int(fields[11]) + int(fields[12])) / _CLK_TCK,
            )
    tree, grew = {root}, True
    while grew:  # bounded: each pass adds at least one process or stops
        below = {pid for pid, (parent, _) in stats.items() if parent in tree} - tree
        tree |= below
        grew = bool(below)
    return {pid: stats[pid][1] for pid in tree if pid in stats}


def process_command(pid: int) -> str | None:
    """The command line of process ``pid``, arguments joined by spaces (None when gone)."""
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return None


def machine_cpu_ticks() -> list[int]:
    """The machine's CPU time counters (user, nice, system, idle, iowait, ...) from /proc/stat."""
    return [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]


def busy_share(before: list[int], after: list[int]) -> float:
    """Share of the machine's CPU time that was busy between two :func:`machine_cpu_ticks`."""
    spent = [b - a for a, b in zip(before, after, strict=True)]
    return round(1 - (spent[3] + spent[4]) / sum(spent), 3)  # idle + iowait
