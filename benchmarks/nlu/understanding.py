"""Understanding real citizens: report type and agency, measured the ways that predict a new region.

Why this benchmark exists: the dev file is 150 messages from one channel; a model tuned on it
scored 0.87 there and 0.63 on three other regions. So every number here is taken on messages
the model did not train on, grouped by where they came from:

* report type, cross-validation grouped by source: the real LAPOR! messages are cut into folds,
  each fold is held out in turn while the written examples always train (the written data is
  never scored: it says nothing about real traffic), with the spread across folds and the
  out-of-fold scores sliced by the region a message came from; leave-region-out (ours only:
  each region's real messages held out while the written and all other regions' messages
  train, the closest we have to "a region we do not have"); leave-source-out (trained on
  written data only, tested on all real messages: what the old model was), the dev file, and
  the held-out messages written in other regions' styles (``heldout/``);
* agency out of the box: trained without any real routing message, tested on the real LAPOR!
  routing messages; leave-region-out (each region's real routing messages held out while the
  written and all other regions' messages train: the shipped model as a city we do not have
  gets it), scored as served (with the ``agencies.yml`` keywords) and by the model alone; the
  shipped model on the written city messages;
* agency from a deployment's history: the real routing messages as that history, 5-fold; ours
  (``nlu train --routing-csv``) against the plain TF-IDF + linear SVM baseline trained on the
  same history; and the training time for a city-sized history;
* calibration: expected calibration error (ECE) of the probabilities on the held-out rows;
* latency per message (caches cleared) and bad input.

Run: ``make bench-understanding`` (``--quick`` for a toy run: 2 folds, no city-sized timing, no
leave-region-out).
Writes ``understanding.md`` and ``understanding.json`` next to this file (or under --output).

This is the entry point; the parts: ``data`` and ``folds`` (what is held out), ``systems`` and
``scoring`` (what is trained and how it is scored, shared with ``bench_nlu`` and the embedding
screen), ``report_type``, ``style_robustness``, ``routing``, ``city_training``, ``latency``, and
``understanding_markdown`` (the page).
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from benchmarks.nlu.data import OUT_DIR
from benchmarks.nlu.latency import latency_section
from benchmarks.nlu.record import machine
from benchmarks.nlu.report_type import report_type_section
from benchmarks.nlu.routing import routing_section
from benchmarks.nlu.style_robustness import style_robustness
from benchmarks.nlu.understanding_markdown import render
from benchmarks.recording import command_line


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="toy run: 2 folds, no city timing")
    parser.add_argument("--city-size", type=int, default=8500)
    parser.add_argument("--output", type=Path, default=OUT_DIR)
    args = parser.parse_args(argv)
    began = time.perf_counter()
    folds = 2 if args.quick else 5
    result: dict[str, Any] = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": command_line("bench-understanding", "benchmarks.nlu.understanding"),
        "machine": machine(),
        "folds": folds,
    }
    result["report_type"] = report_type_section(folds, args.quick)
    result["report_type"]["style_robustness"] = style_robustness(folds)
    result["routing"] = routing_section(
        folds, None if args.quick else args.city_size, quick=args.quick
    )
    result["latency"] = latency_section()
    result["total_seconds"] = round(time.perf_counter() - began, 1)
    args.output.mkdir(parents=True, exist_ok=True)
    (args.output / "understanding.json").write_text(
        json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    text = render(result)
    (args.output / "understanding.md").write_text(text, encoding="utf-8")
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
