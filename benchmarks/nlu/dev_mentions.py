"""Routing measured on the real dev messages that explicitly name an agency.

Why: routing has no real test set (``report_type_dev.csv`` is labelled with report type only), so
its numbers come from cross-validation on our own ``nlu/data/routing.yml``. Some dev messages name
the institution they are about ("... ke Dinas Kesehatan", "petugas Dishub ..."); that name is a
weak but honest agency label that nobody chose by looking at the model. This script:

1. finds dev messages matching the institution names in :data:`AGENCY_MENTIONS`, labels each with
   the agency named, and skips messages naming two or more different agencies;
2. routes each message through the public NLU API the bot uses (``build_nlu(...).route_agency``)
   twice: (a) the raw text, (b) the text with every matched name replaced by the neutral word
   :data:`NEUTRAL` so the model has to route on what the message is about.

(a) is an easy case (several names are also ``agencies.yml`` keywords); (b) is the interesting one,
and is itself approximate: the label is "the agency the citizen named", which is not always the
agency a verifier would pick. Only counts and metrics are printed or written, never the dev texts.
The dev file is only read here; nothing of it goes into training data.

Run: ``.venv/bin/python -m benchmarks.nlu.dev_mentions [--md benchmarks/nlu/dev_mentions.md]``
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import sys
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
DEV_CSV = ROOT.parent / "shared" / "data" / "report_type_dev.csv"
NEUTRAL = "instansi"  # not in nlu/data/routing.yml and not an agencies.yml keyword

# Explicit institution names and their usual abbreviations, per agency code. Written from the
# `name` fields of config/agencies.yml (plus the standard Indonesian abbreviations of those names),
# NOT from reading the dev texts. Generic facilities or topics ("puskesmas", "sekolah", "jalan")
# and officials ("lurah", "camat") are deliberately absent: only names of institutions count.
# National ministries are not listed; a full name shared with a national body (e.g. "Badan
# Kepegawaian ...") still matches. Matched case-insensitively on whole words, any whitespace.
AGENCY_MENTIONS: dict[str, list[str]] = {
    "pupr": ["dinas pekerjaan umum", "dinas pu", "dpu", "pupr", "dpupr"],
    "lingkungan": ["dinas lingkungan hidup", "dlh"],
    "sosial": ["dinas sosial", "dinsos"],
    "perhubungan": ["dinas perhubungan", "dishub"],
    "kependudukan": [
        "dinas kependudukan",
        "pencatatan sipil",
        "disdukcapil",
        "dukcapil",
        "dispendukcapil",
    ],
    "pendidikan": ["dinas pendidikan", "disdik", "diknas"],
    "kesehatan": ["dinas kesehatan", "dinkes"],
    "ketertiban": ["satuan polisi pamong praja", "polisi pamong praja", "satpol pp"],
    "perumahan": ["dinas perumahan", "disperkim"],
    "tenaga_kerja": ["dinas tenaga kerja", "disnaker", "disnakertrans", "disnakerin"],
    "perizinan": [
        "dinas penanaman modal",
        "pelayanan terpadu satu pintu",
        "dpmptsp",
        "ptsp",
    ],
    "kominfo": ["dinas komunikasi dan informatika", "diskominfo", "kominfo"],
    "perdagangan": ["dinas perdagangan", "disperindag", "dinas koperasi"],
    "pendapatan": ["badan pendapatan daerah", "bapenda", "dispenda", "dinas pendapatan"],
    "kebencanaan": ["badan penanggulangan bencana", "bpbd"],
    "kewilayahan": [
        "kantor kecamatan",
        "kantor kelurahan",
        "kantor desa",
        "pihak kecamatan",
        "pihak kelurahan",
        "pemerintah desa",
    ],
    "kepegawaian": ["badan kepegawaian", "bkd", "bkpsdm"],
    "air_minum": ["perusahaan daerah air minum", "perumda air minum", "pdam"],
    "perempuan_anak": ["dinas pemberdayaan perempuan", "dp3a", "dp3akb"],
    "pariwisata": [
        "dinas pariwisata",
        "dinas kebudayaan",
        "dinas pemuda",
        "dinas kepemudaan",
        "disparbud",
        "disbudpar",
        "dispora",
    ],
}


def _pattern(phrase: str) -> re.Pattern[str]:
    words = [re.escape(w) for w in phrase.split()]
    return re.compile(r"(?<![0-9a-z])" + r"\s+".join(words) + r"(?![0-9a-z])", re.IGNORECASE)


PATTERNS: list[tuple[str, str, re.Pattern[str]]] = [
    (code, phrase, _pattern(phrase))
    for code, phrases in AGENCY_MENTIONS.items()
    for phrase in phrases
]


def find_mentions(text: str) -> tuple[set[str], Counter[str]]:
    """Agency codes named in ``text`` and how often each of our phrases matched."""
    codes: set[str] = set()
    phrases: Counter[str] = Counter()
    for code, phrase, pattern in PATTERNS:
        n = len(pattern.findall(text))
        if n:
            codes.add(code)
            phrases[phrase] += n
    return codes, phrases


def mask_mentions(text: str) -> str:
    # Longest phrases first, so "dinas pu" is not left behind as "dinas instansi".
    for _code, _phrase, pattern in sorted(PATTERNS, key=lambda p: -len(p[1])):
        text = pattern.sub(NEUTRAL, text)
    return text


def collect(dev_csv: Path) -> tuple[list[tuple[str, str, str]], dict[str, Any]]:
    """(raw, masked, label) for single-agency mentions, plus aggregate counts for the report."""
    from nlu.dataset import read_csv

    rows = read_csv(dev_csv)
    kept: list[tuple[str, str, str]] = []
    multi = 0
    phrase_hits: Counter[str] = Counter()
    for row in rows:
        codes, phrases = find_mentions(row.text)
        if not codes:
            continue
        if len(codes) > 1:
            multi += 1
            continue
        phrase_hits.update(phrases)
        kept.append((row.text, mask_mentions(row.text), next(iter(codes))))
    stats = {
        "dev_messages": len(rows),
        "with_mention": len(kept) + multi,
        "skipped_multi_agency": multi,
        "phrase_hits": dict(sorted(phrase_hits.items(), key=lambda kv: (-kv[1], kv[0]))),
    }
    return kept, stats


def run(dev_csv: Path) -> dict[str, Any]:
    from config.settings import get_settings
    from nlu.cli import evaluate
    from nlu.dataset import Example
    from nlu.service import build_nlu

    kept, stats = collect(dev_csv)
    settings = get_settings()
    nlu = build_nlu(settings)
    results: dict[str, Any] = {**stats, "n": len(kept)}
    results["per_agency"] = dict(sorted(Counter(label for _, _, label in kept).items()))
    for name, index in (("raw", 0), ("masked", 1)):
        examples = [Example(text=item[index], label=item[2]) for item in kept]
        r = evaluate(nlu.route_agency, examples) if examples else {}
        results[name] = {
            "accuracy": r.get("accuracy"),
            "macro_f1": r.get("macro_f1"),
            "recall_per_agency": {
                label: {"correct": round(row["recall"] * row["support"]), "n": row["support"]}
                for label, row in r.get("per_class", {}).items()
                if row["support"]
            },
            "predicted": {
                lab: sum(col)
                for lab, col in zip(
                    r["labels"], zip(*r["confusion_matrix"], strict=True), strict=True
                )
                if sum(col)
            }
            if r
            else {},
        }
    info = nlu.model_info() if hasattr(nlu, "model_info") else {}
    results["backend"] = settings.nlu_backend
    results["routing_model"] = str(info.get("routing", {}).get("path", "?"))
    return results


def wilson(correct: int, n: int, z: float = 1.96) -> tuple[float, float]:
    """95% Wilson interval of a proportion (n is tiny here, so the interval matters)."""
    if n == 0:
        return (0.0, 1.0)
    p = correct / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * ((p * (1 - p) / n + z * z / (4 * n * n)) ** 0.5) / (1 + z * z / n)
    return (max(0.0, centre - half), min(1.0, centre + half))


def _ci(r: dict[str, Any], n: int) -> str:
    if r["accuracy"] is None:
        return "-"
    lo, hi = wilson(round(r["accuracy"] * n), n)
    return f"{lo:.2f}-{hi:.2f}"


def _fmt(x: float | None) -> str:
    return "-" if x is None else f"{x:.3f}"


def write_md(results: dict[str, Any], path: Path, command: str) -> None:
    raw, masked = results["raw"], results["masked"]
    lines = [
        "# Routing on agency mentions in the real dev messages",
        "",
        f"- Date: {datetime.now(UTC).strftime('%Y-%m-%d %H:%M UTC')}",
        f"- Machine: {platform.node()} ({platform.machine()}, {os.cpu_count()} vCPU, "
        f"Python {platform.python_version()})",
        f"- Command: `{command}`",
        f"- NLU backend: {results['backend']}; routing model: `{results['routing_model']}` "
        "(keyword weight 0.25 from agencies.yml, as served to the bot)",
        "- Data: ../shared/data/report_type_dev.csv (read only; no texts stored here).",
        "",
        f"Of {results['dev_messages']} dev messages, {results['with_mention']} name an agency with "
        f"one of the institution names in `dev_mentions.py`; {results['skipped_multi_agency']} "
        f"name two or more different agencies and are skipped, leaving **n = {results['n']}**, "
        "labelled with the agency named.",
        "",
        "| condition | n | accuracy | 95% Wilson CI | macro-F1 (classes present) |",
        "|---|---|---|---|---|",
        f"| (a) raw text | {results['n']} | {_fmt(raw['accuracy'])} | {_ci(raw, results['n'])} "
        f"| {_fmt(raw['macro_f1'])} |",
        f"| (b) name replaced by `{NEUTRAL}` | {results['n']} | {_fmt(masked['accuracy'])} | "
        f"{_ci(masked, results['n'])} | {_fmt(masked['macro_f1'])} |",
        "",
        "Per agency (correct / n):",
        "",
        "| agency | n | (a) raw | (b) masked |",
        "|---|---|---|---|",
    ]
    for code, n in results["per_agency"].items():
        a = raw["recall_per_agency"].get(code, {}).get("correct", 0)
        b = masked["recall_per_agency"].get(code, {}).get("correct", 0)
        lines.append(f"| {code} | {n} | {a} | {b} |")
    lines += [
        "",
        "Predicted labels, (b) masked: "
        + ", ".join(f"{k} {v}" for k, v in masked["predicted"].items()),
        "",
        "Which of our phrases matched in kept messages (overlapping phrases such as "
        "'satuan polisi pamong praja' / 'polisi pamong praja' each count): "
        + ", ".join(f"{k} {v}" for k, v in results["phrase_hits"].items()),
        "",
    ]
    path.write_text("\n".join(lines), encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dev-csv", type=Path, default=DEV_CSV)
    parser.add_argument("--md", type=Path, help="write the numbers to this Markdown file")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args(argv)
    if not args.dev_csv.exists():
        print(f"skipped: dev file {args.dev_csv} not found", file=sys.stderr)
        return 0
    results = run(args.dev_csv)
    if args.json:
        print(json.dumps(results, ensure_ascii=False))
    else:
        print(
            f"dev={results['dev_messages']}  with mention={results['with_mention']}  "
            f"skipped multi-agency={results['skipped_multi_agency']}  n={results['n']}"
        )
        for name in ("raw", "masked"):
            r = results[name]
            print(
                f"({name}) accuracy={_fmt(r['accuracy'])} (95% CI {_ci(r, results['n'])})  "
                f"macro-F1={_fmt(r['macro_f1'])}"
            )
        print("per agency (n, correct raw, correct masked):")
        for code, n in results["per_agency"].items():
            a = results["raw"]["recall_per_agency"].get(code, {}).get("correct", 0)
            b = results["masked"]["recall_per_agency"].get(code, {}).get("correct", 0)
            print(f"  {code:<16}{n:>4}{a:>5}{b:>5}")
    if args.md:
        command = ".venv/bin/python -m benchmarks.nlu.dev_mentions --md " + str(args.md)
        write_md(results, args.md, command)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
