"""Reading labelled examples: Rasa NLU YAML (our shipped training data) and CSV files.

Why Rasa YAML: the same files train the optional Rasa backend, so the embedded model and Rasa
always learn from identical examples and a fix to the data helps both.
"""

from __future__ import annotations

import csv
import hashlib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import yaml

__all__ = [
    "DATA_DIR",
    "DEPLOYMENT_SOURCES",
    "REPORT_TYPE_LABELS",
    "STREAM_SOURCES",
    "Example",
    "data_hash",
    "read_csv",
    "read_rasa_yaml",
]

DATA_DIR = Path(__file__).resolve().parent / "data"
REPORT_TYPE_LABELS: tuple[str, ...] = ("complaint", "aspiration", "information_request")

# Rasa entity annotation: [text](entity) or [text]{"entity": ...}; only the surface text is kept.
_ENTITY_RE = re.compile(r"\[([^\]]+)\](?:\([^)]*\)|\{[^}]*\})")


@dataclass(frozen=True, slots=True)
class Example:
    """One labelled text. ``source`` says where it came from (see :data:`STREAM_SOURCES`)."""

    text: str
    label: str
    source: str = "written"


# Sources that are real messages of a stream (not written for training): only these calibrate a
# model, since its confidence must be honest on what citizens send, not on what we wrote.
# "lapor": the shipped real LAPOR! files; "history": a deployment's past reports from a CSV;
# "verified": reports a verifier confirmed in this deployment's database.
STREAM_SOURCES: frozenset[str] = frozenset({"lapor", "history", "verified"})
# The deployment's own stream: when it has enough of these, they alone calibrate and set the prior.
DEPLOYMENT_SOURCES: frozenset[str] = frozenset({"history", "verified"})


def _strip_entities(text: str) -> str:
    return _ENTITY_RE.sub(r"\1", text)


def read_rasa_yaml(path: Path, intents: Iterable[str] | None = None) -> list[Example]:
    """Examples of a Rasa 3.x NLU file, optionally only for ``intents`` (in file order).

    Fails loudly on a malformed file: silently training on half the data would ship a worse model.
    """
    raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    wanted = set(intents) if intents is not None else None
    examples: list[Example] = []
    for block in raw.get("nlu") or []:
        intent = block.get("intent")
        if intent is None:
            continue  # synonyms, regexes and lookups are Rasa-only
        if wanted is not None and intent not in wanted:
            continue
        text_block = block.get("examples")
        if not isinstance(text_block, str):
            raise ValueError(f"{path}: intent {intent!r} has no 'examples: |' block")
        for line in text_block.splitlines():
            line = line.strip()
            if not line:
                continue
            if not line.startswith("- "):
                raise ValueError(f"{path}: intent {intent!r}: example line must start with '- '")
            text = _strip_entities(line[2:].strip())
            if text:
                examples.append(Example(text=text, label=str(intent)))
    return examples


def read_csv(
    path: Path, text_col: str = "text", label_col: str = "label", *, source: str = "written"
) -> list[Example]:
    """Examples from a CSV with a header; rows with an empty text or label are skipped."""
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        fields = reader.fieldnames or []
        for col in (text_col, label_col):
            if col not in fields:
                raise ValueError(f"{path}: no column {col!r} (columns: {', '.join(fields)})")
        rows = [
            Example(
                text=(row[text_col] or "").strip(),
                label=(row[label_col] or "").strip(),
                source=source,
            )
            for row in reader
        ]
    return [row for row in rows if row.text and row.label]


def data_hash(examples: Sequence[Example]) -> str:
    """SHA-256 over the labelled texts, recorded in each model so a model names its data."""
    digest = hashlib.sha256()
    for example in examples:
        digest.update(example.label.encode("utf-8"))
        digest.update(b"\x1f")
        digest.update(example.text.encode("utf-8"))
        digest.update(b"\x1e")
    return digest.hexdigest()
