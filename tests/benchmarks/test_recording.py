"""What a recorded benchmark says about the machine follows the load it saw.

Why: the results are read later by someone who cannot see the machine; a run on quiet cores that
says "shared, times are pessimistic" (or the reverse) misleads the reader of every number in it.
"""

from __future__ import annotations

from benchmarks.recording import load_note


def test_quiet_and_shared_machines_are_told_apart_by_the_load_at_the_start() -> None:
    assert load_note([0.14, 1.05, 1.52], 2) == "the machine was quiet as the run started"
    assert "shared" in load_note([1.25, 1.74, 2.28], 2)
    assert "shared" in load_note([6.87, 5.39, 6.07], 2)
    assert load_note([1.25, 1.74, 2.28], 8) == "the machine was quiet as the run started"
