"""How a benchmark reads its ``SW_BENCH_*`` settings from the environment.

Why one module: every bench is resized the same way (``SW_BENCH_REPORTS=2000 make bench-...``),
and a result records the settings it ran with; one reader means ``1_000_000`` parses alike
everywhere and the recorded settings are exactly the ones read.
"""

from __future__ import annotations

import os
from pathlib import Path

PREFIX = "SW_BENCH_"


def env_int(name: str, default: int) -> int:
    """An integer setting; ``_`` separators allowed (``SW_BENCH_REPORTS=1_000_000``)."""
    raw = os.environ.get(name, "").strip().replace("_", "")
    return int(raw) if raw else default


def env_ints(name: str, default: list[int]) -> list[int]:
    """A comma-separated list of integers (``SW_BENCH_SIZES=100000,1000000``)."""
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    return [int(part.strip().replace("_", "")) for part in raw.split(",") if part.strip()]


def output_dir(default: Path) -> Path:
    """``SW_BENCH_OUT`` or the bench's own folder: a trial run writes elsewhere and keeps the
    recorded results."""
    return Path(os.environ.get("SW_BENCH_OUT") or default)


def bench_settings() -> dict[str, str]:
    """Every ``SW_BENCH_*`` variable set for this run, sorted: what the result records."""
    return {k: v for k, v in sorted(os.environ.items()) if k.startswith(PREFIX)}
