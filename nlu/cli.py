"""``suarawarga nlu ...``: train, evaluate and try the embedded classifier.

Mounted by the main CLI (``webhooks/cli.py``). Every command reads the same ``SUARAWARGA_*``
settings as the server, so ``nlu train`` writes where the running service looks for models.
"""

from __future__ import annotations

import json
import time
import warnings
from pathlib import Path
from typing import Annotated, Any

import numpy as np
import typer
from tqdm import tqdm

from nlu.dataset import REPORT_TYPE_LABELS, Example, read_csv
from nlu.train import train_and_save
from nlu.training_examples import TASKS, Task, agency_codes, examples_from_verified

app = typer.Typer(
    help="Embedded NLU: report type and agency routing.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)


def _settings() -> Any:
    from config.settings import get_settings

    return get_settings()


def _fail(message: str) -> None:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code=1)


@app.command("train")
def train(
    routing_csv: Annotated[
        Path | None,
        typer.Option(help="The deployment's routing history: CSV with a header, oldest first."),
    ] = None,
    text_col: Annotated[str, typer.Option(help="Text column of --routing-csv.")] = "text",
    label_col: Annotated[str, typer.Option(help="Agency-code column of --routing-csv.")] = "label",
    from_db: Annotated[
        bool, typer.Option("--from-db", help="Add reports whose type/agency a verifier confirmed.")
    ] = False,
    force: Annotated[
        bool,
        typer.Option(
            "--force", help="Install even a model that scores worse than the serving one."
        ),
    ] = False,
) -> None:
    """Train both models on the shipped data (plus the deployment's own) and write them under
    models_dir.

    With the deployment's own examples (--routing-csv, --from-db), a model is first trained
    without the most recent fifth of them and scored on it against the serving model; a model
    that scores worse is not installed (exit code 3) unless --force. With 400 or more examples in
    that fifth, the candidate's scores on it also calibrate the installed model (two fewer fits).
    The models shipped in the package are never modified; the service picks up the new files
    within seconds.
    """
    from nlu.recent_slice import compare_on_recent_slice
    from nlu.training_examples import base_examples

    settings = _settings()
    codes = agency_codes(settings.agencies_file)
    extra: dict[Task, list[Example]] = {"report_type": [], "routing": []}
    if routing_csv is not None:
        try:
            rows = read_csv(routing_csv, text_col, label_col, source="history")
        except (OSError, ValueError) as exc:
            _fail(str(exc))
        unknown = sorted({r.label for r in rows} - set(codes))
        if unknown:
            _fail(f"{routing_csv}: unknown agency codes {', '.join(unknown)}")
        extra["routing"].extend(rows)
        typer.echo(f"routing: +{len(rows)} examples from {routing_csv}")
    if from_db:
        from nlu.training_examples import verified_rows_from_db

        try:
            rows_db = list(tqdm(verified_rows_from_db(settings), desc="verified reports"))
        except RuntimeError as exc:
            _fail(str(exc))
        verified = examples_from_verified(rows_db, known_agencies=codes)
        for task in TASKS:
            extra[task].extend(verified[task])
            history = sum(e.source == "history" for e in verified[task])
            typer.echo(
                f"{task}: +{len(verified[task])} verified examples from the database "
                f"({history} of them imported history)"
            )
    serving = _serving_models()
    refused: list[str] = []
    out_dir = settings.models_dir
    # With the deployment's own data, only the tasks it adds to are retrained.
    tasks = [task for task in TASKS if extra[task]] or list(TASKS)
    for task in tasks:
        labels = REPORT_TYPE_LABELS if task == "report_type" else codes
        comparison = None
        if extra[task]:
            comparison = compare_on_recent_slice(
                task, base_examples(task), extra[task], serving=serving[task], labels=labels
            )
            if comparison is None:
                typer.echo(f"{task}: too few own examples to compare with the serving model")
            else:
                typer.echo(comparison.describe())
                if not comparison.candidate_is_not_worse and not force:
                    typer.echo(f"{task}: not installed (worse than the serving model)")
                    refused.append(task)
                    continue
        started = time.perf_counter()
        path = train_and_save(
            task,
            out_dir,
            extra=extra[task],
            labels=labels,
            slice_scores=comparison.slice_scores if comparison is not None else None,
        )
        typer.echo(f"{task}: wrote {path} in {time.perf_counter() - started:.1f} s")
    if refused:
        typer.echo(
            f"kept the serving {' and '.join(refused)} model: the new one scored worse on the "
            "most recent reports; use --force to install it anyway",
            err=True,
        )
        raise typer.Exit(code=3)


def _serving_models() -> dict[Task, Any]:
    from nlu.service import EmbeddedNLU

    nlu = EmbeddedNLU(_settings())
    return {"report_type": nlu.type_slot.get(), "routing": nlu.routing_slot.get()}


def _load_for_eval(task: Task) -> Any:
    from nlu.service import EmbeddedNLU

    nlu = EmbeddedNLU(_settings())
    return nlu.classify_type if task == "report_type" else nlu.route_agency


def evaluate(
    predict: Any, examples: list[Example], *, show_progress: bool = False
) -> dict[str, Any]:
    """Accuracy, macro-F1, per-class P/R/F1, confusion matrix and per-message latency."""
    from sklearn.metrics import accuracy_score, confusion_matrix, f1_score
    from sklearn.metrics import precision_recall_fscore_support as prfs

    gold = [e.label for e in examples]
    pred: list[str] = []
    latencies: list[float] = []
    for example in tqdm(examples, desc="classifying", disable=not show_progress):
        started = time.perf_counter()
        pred.append(predict(example.text).label)
        latencies.append((time.perf_counter() - started) * 1000.0)
    labels = sorted(set(gold) | set(pred))
    with warnings.catch_warnings():
        # sklearn warns about degenerate inputs (a single label); the numbers are still right.
        warnings.simplefilter("ignore", UserWarning)
        p, r, f, s = prfs(gold, pred, labels=labels, zero_division=0)
        macro = f1_score(gold, pred, labels=sorted(set(gold)), average="macro", zero_division=0)
        matrix = confusion_matrix(gold, pred, labels=labels).tolist()
    return {
        "n": len(examples),
        "accuracy": float(accuracy_score(gold, pred)),
        "macro_f1": float(macro),
        "per_class": {
            label: {
                "precision": float(p[i]),
                "recall": float(r[i]),
                "f1": float(f[i]),
                "support": int(s[i]),
            }
            for i, label in enumerate(labels)
        },
        "labels": labels,
        "confusion_matrix": matrix,
        "latency_ms_p50": float(np.percentile(latencies, 50)) if latencies else 0.0,
        "latency_ms_p99": float(np.percentile(latencies, 99)) if latencies else 0.0,
    }


def _print_report(result: dict[str, Any]) -> None:
    typer.echo(
        f"n={result['n']}  accuracy={result['accuracy']:.3f}  macro-F1={result['macro_f1']:.3f}"
    )
    width = max(len(label) for label in result["labels"]) + 2
    typer.echo(f"{'class':<{width}}{'prec':>7}{'recall':>8}{'f1':>7}{'n':>6}")
    for label, row in result["per_class"].items():
        typer.echo(
            f"{label:<{width}}{row['precision']:>7.3f}{row['recall']:>8.3f}{row['f1']:>7.3f}"
            f"{row['support']:>6}"
        )
    typer.echo("confusion matrix (rows: true, columns: predicted)")
    short = [label[:6] for label in result["labels"]]
    typer.echo(" " * width + "".join(f"{s:>8}" for s in short))
    for label, row in zip(result["labels"], result["confusion_matrix"], strict=True):
        typer.echo(f"{label:<{width}}" + "".join(f"{v:>8}" for v in row))
    typer.echo(
        f"latency per message: p50={result['latency_ms_p50']:.3f} ms  "
        f"p99={result['latency_ms_p99']:.3f} ms"
    )


@app.command("eval")
def eval_command(
    csv_file: Annotated[Path, typer.Option("--csv", help="Labelled CSV with a header.")],
    task: Annotated[str, typer.Option(help="report_type or routing.")] = "report_type",
    text_col: Annotated[str, typer.Option(help="Text column.")] = "text",
    label_col: Annotated[str, typer.Option(help="Label column.")] = "label",
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object on stdout.")] = False,
) -> None:
    """Evaluate the serving model (newest in models_dir, else shipped) on a labelled CSV."""
    if task not in TASKS:
        _fail(f"--task must be one of {', '.join(TASKS)}")
    try:
        examples = read_csv(csv_file, text_col, label_col)
    except (OSError, ValueError) as exc:
        _fail(str(exc))
    if not examples:
        _fail(f"{csv_file}: no labelled rows")
    predict = _load_for_eval(task)  # type: ignore[arg-type]
    predict(examples[0].text)  # load the model outside the latency measurement
    result = evaluate(predict, examples, show_progress=not as_json and len(examples) > 500)
    result["task"] = task
    if as_json:
        typer.echo(json.dumps(result, ensure_ascii=False))
    else:
        _print_report(result)


@app.command("classify")
def classify(
    text: Annotated[str, typer.Argument(help="A citizen message.")],
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object on stdout.")] = False,
) -> None:
    """Show report type, agency and language for one message."""
    from nlu.service import build_nlu

    nlu = build_nlu(_settings())
    kind, agency = nlu.classify_type(text), nlu.route_agency(text)
    language = nlu.detect_language(text)
    if as_json:
        payload = {
            "type": {
                "label": kind.label,
                "confidence": kind.confidence,
                "confident": kind.confident,
                "ranking": kind.ranking,
            },
            "agency": {
                "label": agency.label,
                "confidence": agency.confidence,
                "confident": agency.confident,
                "ranking": agency.ranking,
            },
            "language": language,
        }
        typer.echo(json.dumps(payload, ensure_ascii=False))
        return
    for name, pred in (("type", kind), ("agency", agency)):
        flag = "" if pred.confident else "  (not confident)"
        ranking = ", ".join(f"{label} {p:.2f}" for label, p in pred.ranking[:3])
        typer.echo(f"{name:<10}{pred.label}  {pred.confidence:.2f}{flag}   [{ranking}]")
    typer.echo(f"{'language':<10}{language}")


@app.command("info")
def info() -> None:
    """Which model files are serving, with training metadata."""
    from nlu.service import EmbeddedNLU

    typer.echo(json.dumps(EmbeddedNLU(_settings()).model_info(), indent=2, default=str))


@app.command("export-rasa")
def export_rasa(
    directory: Annotated[Path, typer.Argument(help="Where to write the Rasa project(s).")],
    epochs: Annotated[int, typer.Option(help="DIETClassifier epochs (Rasa's default: 100).")] = 100,
    combined: Annotated[
        bool, typer.Option(help="One project with every intent family (one model to serve).")
    ] = False,
) -> None:
    """Write Rasa 3.6 projects of our data (prefixed intents) for `rasa train nlu`.

    By default two projects, DIRECTORY/type and DIRECTORY/agency, one model each: served
    separately (SUARAWARGA_RASA_URL, SUARAWARGA_RASA_AGENCY_URL), the agency is not drowned by
    the report type in a shared softmax.
    """
    from nlu.rasa_export import export_rasa_project, export_split_projects

    if combined:
        project = export_rasa_project(directory, epochs=epochs)
        typer.echo(f"wrote {directory}: {len(project.intents)} intents; `rasa train nlu` there")
        return
    for name, project in export_split_projects(directory, epochs=epochs).items():
        typer.echo(f"wrote {directory / name}: {len(project.intents)} intents")
    typer.echo("train each with `rasa train nlu`; serve type and agency on their own ports")
