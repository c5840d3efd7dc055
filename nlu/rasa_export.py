"""Export our training data as a complete Rasa 3.6 project.

Why this exists: deployments that already run Rasa (or want its DIET classifier) can serve our
intents from a Rasa server instead of the embedded model, behind the same ``NLU`` protocol (see
:mod:`nlu.rasa_backend`). Intent names carry a prefix that says which question they answer:
``type__complaint`` (report type), ``agency__pupr`` (routing) and ``conv__greet`` (conversation
control). ``make rasa`` trains and serves two models (:data:`SPLIT_MODELS`: report type with the
conversation intents, and the agency alone) so each question gets a softmax of its own; the
combined project (every family in one model) is still written by :func:`export_rasa_project`
for deployments that serve one model. The backend keeps only the prefix it needs from Rasa's
ranking and renormalises it, so the other families cannot leak into an answer.

The project written here is plain files (no Rasa import): ``config.yml`` with Rasa's default NLU
pipeline, ``domain.yml``, ``data/nlu.yml`` and a one-rule ``data/rules.yml`` so that both
``rasa train nlu`` and a full ``rasa train`` succeed.
"""

from __future__ import annotations

import hashlib
import json
import random
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import yaml

__all__ = [
    "AGENCY_PREFIX",
    "CONVERSATION_PREFIX",
    "DATA_DIR",
    "DEFAULT_EPOCHS",
    "FAMILY_FILES",
    "SPLIT_MODELS",
    "TYPE_PREFIX",
    "RasaProject",
    "build_project",
    "build_split_projects",
    "export_rasa_project",
    "export_split_projects",
    "load_rasa_examples",
    "project_hash",
    "stratified_split",
    "write_project",
]

DATA_DIR = Path(__file__).resolve().parent / "data"
TYPE_PREFIX = "type__"
AGENCY_PREFIX = "agency__"
CONVERSATION_PREFIX = "conv__"
# Rasa's own default for DIETClassifier; benchmarks and tests pass fewer to fit a 2-core machine.
DEFAULT_EPOCHS = 100

_EXAMPLE_LINE = re.compile(r"^\s*-\s+(.*\S)\s*$")
# Rasa reads ``[text](entity)`` and ``{"entity": ...}`` inside examples as entity annotations.
# Citizens' texts carry no annotations, so brackets and braces are made harmless on export.
# Rasa's YAML reader refuses control characters (real messages carry some, e.g. U+0005), and
# brackets would read as entity annotations: both become harmless characters.
_ANNOTATION_CHARS = str.maketrans(
    {
        "[": "(",
        "]": ")",
        "{": "(",
        "}": ")",
        **{chr(c): " " for c in [*range(0x20), 0x7F, *range(0x80, 0xA0)]},
    }
)


def load_rasa_examples(path: Path) -> dict[str, list[str]]:
    """Read a Rasa NLU YAML file (``nlu: - intent: X examples: |``) into intent -> examples.

    Why our own reader: the app's Python 3.11 venv cannot import Rasa, and we only need the intent
    blocks (no entities, synonyms or lookup tables appear in our data). Duplicates are dropped,
    order is kept so seeded splits are reproducible.
    """
    document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    result: dict[str, list[str]] = {}
    for block in document.get("nlu") or []:
        intent = block.get("intent")
        if not intent:
            continue
        seen = result.setdefault(str(intent), [])
        for line in str(block.get("examples") or "").splitlines():
            match = _EXAMPLE_LINE.match(line)
            if match and match.group(1) not in seen:
                seen.append(match.group(1))
    return result


def stratified_split(
    examples: Mapping[str, list[str]], *, test_fraction: float = 0.2, seed: int = 13
) -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    """Split intent -> examples into train and test parts with the same share of every intent.

    Seeded and independent of dict order inside an intent's shuffle, so the benchmark and the
    integration test see the same split on every machine.
    """
    rng = random.Random(seed)
    train: dict[str, list[str]] = {}
    test: dict[str, list[str]] = {}
    for intent in sorted(examples):
        items = list(examples[intent])
        rng.shuffle(items)
        n_test = max(1, round(len(items) * test_fraction)) if len(items) > 1 else 0
        test[intent] = items[:n_test]
        train[intent] = items[n_test:]
    return train, test


@dataclass
class RasaProject:
    """An in-memory Rasa project: prefixed intents with their examples, plus training knobs."""

    intents: dict[str, list[str]] = field(default_factory=dict)
    epochs: int = DEFAULT_EPOCHS
    fallback_threshold: float = 0.3
    random_seed: int = 42

    def add(self, prefix: str, examples: Mapping[str, Iterable[str]]) -> None:
        """Add one family of intents under ``prefix`` (e.g. ``agency__``)."""
        for intent, texts in examples.items():
            bucket = self.intents.setdefault(f"{prefix}{intent}", [])
            for text in texts:
                clean = " ".join(str(text).translate(_ANNOTATION_CHARS).split())
                if clean and clean not in bucket:
                    bucket.append(clean)

    def config(self) -> dict[str, object]:
        """Rasa's default NLU pipeline (as ``rasa init`` writes it), ResponseSelector removed.

        ``ranking_length: 0`` makes DIET report every intent: with the default of 10, a message
        whose top ten are all agencies would come back without any ``type__`` intent at all.
        """
        return {
            "recipe": "default.v1",
            "language": "id",
            "assistant_id": "suarawarga",
            "pipeline": [
                {"name": "WhitespaceTokenizer"},
                {"name": "RegexFeaturizer"},
                {"name": "LexicalSyntacticFeaturizer"},
                {"name": "CountVectorsFeaturizer"},
                {
                    "name": "CountVectorsFeaturizer",
                    "analyzer": "char_wb",
                    "min_ngram": 1,
                    "max_ngram": 4,
                },
                {
                    "name": "DIETClassifier",
                    "epochs": self.epochs,
                    "constrain_similarities": True,
                    "ranking_length": 0,
                    "random_seed": self.random_seed,
                },
                {"name": "EntitySynonymMapper"},
                {
                    "name": "FallbackClassifier",
                    "threshold": self.fallback_threshold,
                    "ambiguity_threshold": 0.1,
                },
            ],
            "policies": [{"name": "RulePolicy"}],
        }

    def _rule_intent(self) -> str:
        greet = f"{CONVERSATION_PREFIX}greet"
        return greet if greet in self.intents else sorted(self.intents)[0]

    def domain(self) -> dict[str, object]:
        """A domain listing every intent and one response, enough for ``rasa train`` (full)."""
        return {
            "version": "3.1",
            "intents": sorted(self.intents),
            "responses": {"utter_ack": [{"text": "OK"}]},
            "session_config": {
                "session_expiration_time": 60,
                "carry_over_slots_to_new_session": True,
            },
        }

    def rules(self) -> dict[str, object]:
        """One rule so the core policies have something to learn; the bot never uses them."""
        return {
            "version": "3.1",
            "rules": [
                {
                    "rule": "acknowledge",
                    "steps": [{"intent": self._rule_intent()}, {"action": "utter_ack"}],
                }
            ],
        }

    def nlu_yaml(self) -> str:
        """``data/nlu.yml`` text, written by hand so examples stay one per line, unquoted."""
        lines = ['version: "3.1"', "nlu:"]
        for intent in sorted(self.intents):
            lines.append(f"- intent: {intent}")
            lines.append("  examples: |")
            lines.extend(f"    - {text}" for text in self.intents[intent])
        return "\n".join(lines) + "\n"


#: The training file of each intent family.
FAMILY_FILES: dict[str, str] = {
    TYPE_PREFIX: "report_type.yml",
    AGENCY_PREFIX: "routing.yml",
    CONVERSATION_PREFIX: "conversation.yml",
}
#: The models ``make rasa`` serves, one softmax each (see :mod:`nlu.rasa_backend` for why the
#: agency must not share one with the report type): name -> the families it holds.
SPLIT_MODELS: dict[str, tuple[str, ...]] = {
    "type": (TYPE_PREFIX, CONVERSATION_PREFIX),
    "agency": (AGENCY_PREFIX,),
}


def build_project(
    *,
    data_dir: Path = DATA_DIR,
    include_conversation: bool = True,
    epochs: int = DEFAULT_EPOCHS,
    families: tuple[str, ...] | None = None,
) -> RasaProject:
    """Collect our training files into one prefixed project.

    Report type comes from ``report_type.yml``, routing from ``routing.yml``, conversation turns
    from ``conversation.yml``; a file that does not exist yet is skipped so a partial checkout
    still exports what it has. ``families`` (prefixes) picks some of them; by default all
    three, the combined model.
    """
    project = RasaProject(epochs=epochs)
    if families is None:
        families = (TYPE_PREFIX, AGENCY_PREFIX)
        if include_conversation:
            families += (CONVERSATION_PREFIX,)
    sources = [(FAMILY_FILES[prefix], prefix) for prefix in families]
    for filename, prefix in sources:
        path = data_dir / filename
        if path.exists():
            project.add(prefix, load_rasa_examples(path))
    if not project.intents:
        raise FileNotFoundError(f"no training data found in {data_dir}")
    return project


def project_hash(project: RasaProject) -> str:
    """A short stable hash of everything that changes the trained model (data and config).

    Used as the cache key for trained models kept outside the clone.
    """
    payload = json.dumps(
        {"nlu": project.nlu_yaml(), "config": project.config(), "domain": project.domain()},
        sort_keys=True,
    )
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()[:16]


def write_project(project: RasaProject, directory: Path) -> Path:
    """Write the project's files into ``directory`` (created if needed) and return it."""
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "data").mkdir(exist_ok=True)

    def dump(obj: object) -> str:
        return yaml.safe_dump(obj, sort_keys=False, allow_unicode=True)

    (directory / "config.yml").write_text(dump(project.config()), encoding="utf-8")
    (directory / "domain.yml").write_text(dump(project.domain()), encoding="utf-8")
    (directory / "data" / "nlu.yml").write_text(project.nlu_yaml(), encoding="utf-8")
    (directory / "data" / "rules.yml").write_text(dump(project.rules()), encoding="utf-8")
    (directory / "endpoints.yml").write_text("{}\n", encoding="utf-8")
    (directory / "credentials.yml").write_text("rest: {}\n", encoding="utf-8")
    return directory


def build_split_projects(
    *, data_dir: Path = DATA_DIR, epochs: int = DEFAULT_EPOCHS
) -> dict[str, RasaProject]:
    """The projects of :data:`SPLIT_MODELS`: ``type`` (report type + conversation), ``agency``."""
    return {
        name: build_project(data_dir=data_dir, epochs=epochs, families=families)
        for name, families in SPLIT_MODELS.items()
    }


def export_rasa_project(
    directory: Path,
    *,
    data_dir: Path = DATA_DIR,
    epochs: int = DEFAULT_EPOCHS,
    include_conversation: bool = True,
) -> RasaProject:
    """Build the combined project from our data and write it to ``directory``."""
    project = build_project(
        data_dir=data_dir, include_conversation=include_conversation, epochs=epochs
    )
    write_project(project, directory)
    return project


def export_split_projects(
    directory: Path, *, data_dir: Path = DATA_DIR, epochs: int = DEFAULT_EPOCHS
) -> dict[str, RasaProject]:
    """Write one project per served model, ``directory/type`` and ``directory/agency``."""
    projects = build_split_projects(data_dir=data_dir, epochs=epochs)
    for name, project in projects.items():
        write_project(project, directory / name)
    return projects
