"""The messages the NLU benches learn from and score on, split the one way all of them split.

Why a module: the report-type benches, the routing benches and the embedding screen each picked
"the written examples" and "the real LAPOR! messages" out of the shipped data, and the held-out
and dev files, with their own copies of the same filters; a filter changed in one copy would
quietly make their numbers incomparable.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from nlu.dataset import REPORT_TYPE_LABELS, Example
from nlu.training_examples import base_examples

REPO = Path(__file__).resolve().parents[2]
#: Where the NLU benches write their results unless told otherwise (``--output``).
OUT_DIR = Path(__file__).resolve().parent
#: Messages written in other regions' styles, never trained on (``report_type_written.csv``,
#: ``routing_written.csv``: text, label, source).
HELDOUT = OUT_DIR / "heldout"
#: Real LAPOR! report-type messages kept outside the repository, never trained on.
DEV_CSV = REPO.parent / "shared" / "data" / "report_type_dev.csv"
#: The real routing messages, with the ``region`` column read off LAPOR!'s addressee.
ROUTING_CSV = REPO / "nlu" / "data" / "routing_lapor.csv"
AGENCIES_YML = REPO / "config" / "agencies.yml"


@dataclass(frozen=True)
class Examples:
    """A task's shipped training data, and the two parts the benches treat differently: the
    written examples (always train, never scored: they say nothing about real traffic) and the
    real LAPOR! messages (held out in turn)."""

    base: list[Example]
    written: list[Example]
    real: list[Example]


def report_type_examples() -> Examples:
    """Report types; real messages only with one of the three labels the model answers."""
    base = base_examples("report_type")
    return Examples(
        base=base,
        written=[e for e in base if e.source == "written"],
        real=[e for e in base if e.source == "lapor" and e.label in REPORT_TYPE_LABELS],
    )


def routing_examples() -> Examples:
    """Agencies (every real routing message: national and regional addressees)."""
    base = base_examples("routing")
    return Examples(
        base=base,
        written=[e for e in base if e.source == "written"],
        real=[e for e in base if e.source == "lapor"],
    )


def read_heldout(name: str) -> tuple[list[Example], list[str]]:
    """A held-out file's examples and, in the same order, the style (source) each was written in."""
    with (HELDOUT / name).open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    return [Example(r["text"], r["label"]) for r in rows], [r["source"] for r in rows]
