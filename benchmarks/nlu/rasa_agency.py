"""Does Rasa give an agency where the embedded NLU does? One combined model vs one per family.

Why: with every intent family in one DIET model, a text that reads like a complaint gives
``type__complaint`` nearly all of the softmax and the agency family is left with little: its
renormalised ranking is then weak and the agency suggestion goes missing (not confident). This
trains (or reuses, cached by data hash) the combined model ``nlu export-rasa --combined`` builds
and the agency model ``make rasa`` serves, and asks both about the reports of
``tests/nlu/test_rasa_integration.py`` for which the embedded NLU is sure of the agency.

    .venv/bin/python -m benchmarks.nlu.rasa_agency --combined-epochs 20 --agency-epochs 30

Prints one line per report and model: the agency family's share of the softmax, Rasa's agency
and confidence, the embedded NLU's. Needs the Rasa environment (``nlu/rasa/setup_env.sh``).
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from config.settings import Settings
from nlu.rasa.runtime import RasaServer, train_nlu
from nlu.rasa_backend import RasaNLU
from nlu.rasa_export import AGENCY_PREFIX, build_project
from nlu.service import EmbeddedNLU
from tests.nlu.test_rasa_integration import REPORTS


def _ask(name: str, url: str, embedded: EmbeddedNLU, texts: list[str]) -> None:
    settings = Settings(
        data_dir=Path(tempfile.mkdtemp()),
        nlu_backend="rasa",
        rasa_url=url,
        rasa_agency_url=url,
        rasa_timeout_seconds=10.0,
    )
    nlu = RasaNLU(settings, fallback=embedded)
    confident = agree = 0
    try:
        for text in texts:
            ours, theirs = embedded.route_agency(text), nlu.route_agency(text)
            ranking = nlu.parse(text, family=AGENCY_PREFIX)
            mass = sum(c for intent, c in ranking if intent.startswith(AGENCY_PREFIX))
            confident += theirs.confident
            agree += theirs.label == ours.label
            flag = "" if theirs.confident else "  NOT CONFIDENT"
            print(
                f"  {name:8} {text[:44]!r:47} agency mass {mass:7.1e}  rasa {theirs.label} "
                f"{theirs.confidence:.2f}{flag} | embedded {ours.label} {ours.confidence:.2f}"
            )
    finally:
        nlu.close()
    print(f"{name}: confident agency for {confident} of {len(texts)}; same label {agree}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.nlu.rasa_agency")
    parser.add_argument("--combined-epochs", type=int, default=20)
    parser.add_argument("--agency-epochs", type=int, default=30)
    args = parser.parse_args(argv)
    embedded = EmbeddedNLU(Settings(data_dir=Path(tempfile.mkdtemp())))
    sure = [text for text in REPORTS if embedded.route_agency(text).confident]
    print(f"embedded NLU: confident agency for {len(sure)} of {len(REPORTS)} reports")
    models = {
        "combined": train_nlu(build_project(epochs=args.combined_epochs)),
        "agency": train_nlu(build_project(epochs=args.agency_epochs, families=(AGENCY_PREFIX,))),
    }
    for name, model in models.items():
        print(f"{name}: {model.path.name} (DIET, trained in {model.seconds:.0f} s)")
        with RasaServer(model.path) as server:
            _ask(name, server.url, embedded, sure)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
