"""The console benchmark's verdict and results: ``results.json`` and ``results.md``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from benchmarks.console.measure import TARGET_MS, WARM_UP
from benchmarks.recording import load_note

HERE = Path(__file__).resolve().parent


def verdict(routes: list[dict[str, Any]]) -> tuple[bool, str]:
    """Whether every targeted route met its p95, and the sentence that says so."""
    targets = [r for r in routes if r["target"]]
    ok = all(r["pass"] for r in targets)
    note = (
        f"Verdict: {'PASS' if ok else 'FAIL'}: "
        + ", ".join(f"{r['route']} p95 {r['p95_ms']} ms" for r in targets)
        + f" (target < {TARGET_MS:.0f} ms)."
    )
    return ok, note


def write_results(result: dict[str, Any], out_dir: Path = HERE) -> None:
    """``results.json`` as measured and ``results.md``: the run, the table, the verdict, then the
    hand-written diagnosis (``diagnosis.md``) of the recorded run."""
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "results.json").write_text(json.dumps(result, indent=2, default=str) + "\n")
    m = result["machine"]
    lines = [
        f"# Console benchmark: dashboard and agency inbox over {result['reports']:,} reports",
        "",
        f"- date: {result['date']}",
        f"- command: `{result['command']}`",
        f"- machine: {m['cpu']}, {m['cores']} cores, {m['memory']} RAM; {m['os']}; "
        f"Python {m['python']}; {result['postgres']}",
        f"- load average (1, 5, 15 min) before measuring: {m['load_average_before_measuring']}, "
        f"after: {m['load_average_after_measuring']} "
        f"({load_note(m['load_average_before_measuring'], m['cores'])}; see the note below)",
        f"- data: {result['reports']:,} reports, bulk-loaded in {result['load_seconds']} s "
        "(`INSERT ... SELECT generate_series`, see benchmarks/console/seed.py for the spread)",
        f"- counts: {result['counts']}",
        f"- server: uvicorn, 1 process, 127.0.0.1; requests sequential, "
        f"{result['requests_per_route']} timed per route after {WARM_UP} warm-up; "
        "bearer-token auth",
        f"- target: p95 < {TARGET_MS:.0f} ms for the dashboard and the agency inbox",
        "",
        "| route | path | as | p50 ms | p95 ms | p99 ms | max ms | body bytes | target |",
        "| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for r in result["routes"]:
        verdict = "PASS" if r["pass"] else ("FAIL" if r["pass"] is False else "-")
        lines.append(
            f"| {r['route']} | `{r['path']}` | {r['as']} | {r['p50_ms']} | {r['p95_ms']} | "
            f"{r['p99_ms']} | {r['max_ms']} | {r['bytes']:,} | {verdict} |"
        )
    lines += ["", result.get("note", ""), ""]
    diagnosis = HERE / "diagnosis.md"  # hand-written analysis of the run, kept with the table
    if diagnosis.exists():
        lines += [diagnosis.read_text(encoding="utf-8").strip(), ""]
    (out_dir / "results.md").write_text("\n".join(lines))
