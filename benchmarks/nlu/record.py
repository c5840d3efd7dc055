"""What the NLU benches record about the machine, through the shared ``benchmarks.recording``.

Why not ``recording.machine()`` itself: the NLU results were recorded with these keys
(``nproc``, ``ram_gib``, ``load_average_1_5_15``) and their pages and the dated comparisons in
``METHODS.md`` read them; the values now come from the one implementation every bench uses.
"""

from __future__ import annotations

import os
import platform
from typing import Any

from benchmarks.recording import cpu_model, load_average, ram_gib


def machine() -> dict[str, Any]:
    """The machine, with its 1, 5 and 15 minute load averages as the run starts."""
    return {
        "load_average_1_5_15": load_average(),
        "nproc": os.cpu_count(),
        "cpu": cpu_model(),
        "ram_gib": ram_gib(),
        "os": platform.platform(),
    }
