"""``understanding.md``: the understanding bench's results as the tables a reader compares.

Why separate from the measurement: the JSON holds every number; this page picks the ones the
README and ``METHODS.md`` quote, in the same order and wording from run to run, so two dated
runs can be read side by side (and re-rendered from a JSON without re-measuring).
"""

from __future__ import annotations

from typing import Any

from benchmarks.recording import load_note
from nlu.dataset import REPORT_TYPE_LABELS


def per_class(row: dict[str, Any]) -> str:
    """Per-class F1 as ``complaint / aspiration / information_request``."""
    f = row["per_class_f1"]
    return " / ".join(
        f"{f.get(c, float('nan')):.2f}" for c in ("complaint", "aspiration", "information_request")
    )


def header_lines(result: dict[str, Any]) -> list[str]:
    m = result["machine"]
    return [
        "# Understanding real citizens: report type and agency",
        "",
        f"- Date: {result['date']}; command: `{result['command']}`",
        f"- Machine: {m['nproc']} cores ({m['cpu']}), load average at start "
        f"{m['load_average_1_5_15']} ({load_note(m['load_average_1_5_15'], m['nproc'])})",
        f"- Total wall time: {result['total_seconds']:.0f} s",
    ]


def report_type_lines(result: dict[str, Any]) -> list[str]:
    """The systems' table, then ours: spread, regions, style robustness, held-out styles."""
    section = result["report_type"]
    lines = [
        "",
        "## Report type",
        "",
        f"Real LAPOR! messages {section['n_real']}, written examples "
        f"{section['n_written']}. Grouped CV: {result['folds']} folds of the real "
        "messages held out in turn, written examples always in training. Per-class F1 is "
        "complaint / aspiration / information_request.",
        "",
        "| system | grouped CV macro-F1 (per class) | ECE | written -> real | dev | dev ECE "
        "| held-out written | train s |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for name, row in section["systems"].items():
        cv = row["grouped_cv_real"]
        dev = row.get("dev")
        lines.append(
            f"| {name} | {cv['macro_f1']:.3f} ({per_class(cv)}) | {cv.get('ece', 'n/a')} "
            f"| {row['written_to_real']['macro_f1']:.3f} "
            f"| {dev['macro_f1'] if dev else 'n/a'} ({per_class(dev) if dev else ''}) "
            f"| {dev.get('ece', 'n/a') if dev else 'n/a'} "
            f"| {row['heldout_written']['macro_f1']:.3f} | {row['train_seconds_full']} |"
        )
    ours = next(iter(section["systems"].values()))
    if ours.get("grouped_cv_folds"):
        lines += region_lines(ours)
    lines += style_lines(section["style_robustness"])
    lines += ["", "Ours on the held-out written messages by style:", ""]
    for source, row in ours["heldout_written_by_source"].items():
        lines.append(
            f"- {source}: macro-F1 {row['macro_f1']:.3f} ({per_class(row)}), n={row['n']}, "
            f"ECE {row.get('ece', 'n/a')}"
        )
    return lines


def region_lines(ours: dict[str, Any]) -> list[str]:
    """Ours: the spread across folds, and the table by region (grouped CV, leave-region-out)."""
    spread_row = ours["grouped_cv_folds"]
    lines = [
        "",
        "Ours, spread across the grouped-CV folds (mean +- sd): "
        + ", ".join(
            f"{key} {spread_row[key]['mean']:.3f} +- {spread_row[key]['sd']:.3f}"
            for key in ("macro_f1", *REPORT_TYPE_LABELS)
        )
        + ".",
        "",
        "Ours by region (markers in the text; `other`: ministries and many small regions): "
        "grouped-CV out-of-fold predictions sliced by region, and leave-region-out (the "
        "region's messages held out, the written and all other regions' messages train).",
        "",
        "| region | n | grouped CV macro-F1 (per class) | leave-region-out macro-F1 (per class) |",
        "| --- | --- | --- | --- |",
    ]
    lro = ours.get("leave_region_out_by_region", {})
    for region, row in ours["grouped_cv_by_region"].items():
        held = [lro[k] for k in lro if k.startswith(region)]
        held_text = (
            "; ".join(f"{h['macro_f1']:.3f} ({per_class(h)})" for h in held) if held else "n/a"
        )
        lines.append(
            f"| {region} | {row['n']} | {row['macro_f1']:.3f} ({per_class(row)}) | {held_text} |"
        )
    if "leave_region_out" in ours:
        whole = ours["leave_region_out"]
        lines.append(
            f"| all, leave-region-out | {whole['n']} | | {whole['macro_f1']:.3f} "
            f"({per_class(whole)}), ECE {whole.get('ece', 'n/a')} |"
        )
    return lines


def style_lines(robust: dict[str, Any]) -> list[str]:
    return [
        "",
        "Style robustness (ours, same grouped CV): each held-out real message also scored as "
        "typed into WhatsApp (lower case, no punctuation, slang, dropped letters, greeting and "
        f'thanks; e.g. "{robust["example"][:120]}..."): macro-F1 '
        f"{robust['as_written']['macro_f1']:.3f} as written, "
        f"{robust['chat_style']['macro_f1']:.3f} in chat style "
        f"({per_class(robust['as_written'])} -> {per_class(robust['chat_style'])}).",
    ]


def agency_lines(result: dict[str, Any]) -> list[str]:
    """The agency table (out of the box, leave-region-out, shipped, history), then ours'
    leave-region-out details and the city-sized training time."""
    r = result["routing"]
    lines = [
        "",
        "## Agency",
        "",
        f"Real LAPOR! routing messages {r['n_real']} (national and regional addressees), written "
        f"examples {r['n_written']} (a city's agencies).",
        "",
        "| measurement | system | macro-F1 | accuracy | train s |",
        "| --- | --- | --- | --- | --- |",
    ]
    for name, row in r["out_of_box_written_to_real"].items():
        lines.append(
            f"| out of the box: written only -> real | {name} | {row['macro_f1']:.3f} "
            f"| {row['accuracy']:.3f} | |"
        )
    lro = r.get("leave_region_out", {})
    for name, system in lro.items():
        for mode in ("served", "model_only") if name == "ours" else ("model_only",):
            label = name if name != "ours" else f"ours ({mode.replace('_', ' ')})"
            for part in ("city_messages", "semarang", "bandung", "all"):
                row = system[mode][part]
                lines.append(
                    f"| out of the box, a region we do not have (leave-region-out): "
                    f"{part.replace('_', ' ')} (n={row['n']}) | {label} | {row['macro_f1']:.3f} "
                    f"| {row['accuracy']:.3f} | |"
                )
    row = r["shipped_on_heldout_written"]
    lines.append(
        f"| shipped model -> held-out written city messages | ours | {row['macro_f1']:.3f} "
        f"| {row['accuracy']:.3f} | |"
    )
    history = dict(r["history_cv"])
    margins = history.pop("margins", [])
    for name, row in history.items():
        lines.append(
            f"| history ({result['folds']}-fold on the real messages) | {name} "
            f"| {row['macro_f1']:.3f} | {row['accuracy']:.3f} | {row['train_seconds_mean']} |"
        )
    if margins:
        lines += ["", *history_margin_lines(margins)]
    if "ours" in lro:
        lines += leave_region_out_lines(lro["ours"])
    if r.get("city_sized_training"):
        lines += city_training_lines(r["city_sized_training"])
    return lines


def history_margin_lines(margins: list[dict[str, Any]]) -> list[str]:
    """Each comparison of the history bench: system minus baseline on the same held-out
    messages, with its 95% interval."""

    def interval(values: list[float]) -> str:
        low, mid, high = values
        return f"{mid:+.3f} (95% interval {low:+.3f} to {high:+.3f})"

    lines = [
        "History, paired bootstrap over the held-out messages (2,000 resamples); an interval "
        "that holds zero is a tie on this data:",
        "",
    ]
    for m in margins:
        lines.append(
            f"- {m['system']} minus {m['baseline']}: macro-F1 {interval(m['macro_f1'])}, "
            f"accuracy {interval(m['accuracy'])}"
        )
    return lines


def leave_region_out_lines(ours: dict[str, Any]) -> list[str]:
    per_agency = ours["served"]["city_messages"]["per_class_f1"]
    return [
        "",
        "Leave-region-out: each region's real messages held out while the written examples and "
        "all other regions' messages train (folds: "
        + ", ".join(f"{k} {v}" for k, v in ours["folds"].items())
        + "; regions from LAPOR!'s addressee, the `region` column of `routing_lapor.csv`). "
        "City messages: those sent to a city's or regency's own office (not national or "
        "unnamed). As served = the model mixed with the `agencies.yml` keywords, as "
        "`route_agency` does. Ours, as served, per-agency F1 on the city messages: "
        + ", ".join(f"{k} {v:.2f}" for k, v in per_agency.items())
        + ". Most frequent confusions (true -> predicted, count): "
        + ", ".join(f"{g} -> {p} {n}" for g, p, n in ours["confusions_city_served"])
        + ".",
    ]


def city_training_lines(city: dict[str, Any]) -> list[str]:
    return [
        "",
        f"Training on a city-sized history ({city['n_history']} messages, timing only), "
        "as `nlu train --routing-csv` does it (compare with the serving model on the most "
        f"recent fifth, then train, calibrate and write): ours {city['ours_train_seconds']} s "
        f"wall, {city.get('ours_train_cpu_seconds', 'n/a')} s CPU (calibrated on: "
        f"{city['calibrated_on']}); the training alone calibrated on its own out-of-fold "
        f"scores instead: {city.get('oof_only_train_seconds', 'n/a')} s wall, "
        f"{city.get('oof_only_train_cpu_seconds', 'n/a')} s CPU; baseline "
        f"{city['baseline_train_seconds']} s; load average after "
        f"{city['load_average_after']}.",
    ]


def latency_lines(lat: dict[str, Any]) -> list[str]:
    lines = [
        "",
        "## Latency and bad input",
        "",
        f"{lat['n_calls']} calls through the service (type, then agency), real messages clipped "
        f"to 1,200 characters, per-text caches cleared before each: wall p50 "
        f"{lat['wall_ms']['p50']} ms, p99 {lat['wall_ms']['p99']} ms; CPU p50 "
        f"{lat['cpu_ms']['p50']} ms, p99 {lat['cpu_ms']['p99']} ms.",
        "",
        "| input | both calls ms | type | agency |",
        "| --- | --- | --- | --- |",
    ]
    for name, row in lat["bad_input"].items():
        lines.append(f"| {name} | {row['ms_both']} | {row['type']} | {row['agency']} |")
    return lines


def render(result: dict[str, Any]) -> str:
    """The whole page, from the result the bench writes to ``understanding.json``."""
    lines = [
        *header_lines(result),
        *report_type_lines(result),
        *agency_lines(result),
        *latency_lines(result["latency"]),
    ]
    return "\n".join(lines) + "\n"
