"""The command line as a newcomer uses it, against a real SQLite database in a temp dir."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from config.settings import get_settings
from webhooks.cli import app

runner = CliRunner()


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv("SUARAWARGA_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("SUARAWARGA_DATABASE_URL", raising=False)
    get_settings.cache_clear()
    yield tmp_path
    get_settings.cache_clear()


def run(*args: str) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result.output


def test_due_date_prints_the_deadline_in_local_time(data_dir: Path) -> None:
    out = run("sla", "due-date", "--from", "2026-12-22T09:00+07:00", "--working-days", "3")
    assert out.strip() == "2026-12-29T23:59:59+07:00"
    # Without an offset the instant is read in the deployment's zone.
    assert run("sla", "due-date", "--from", "2026-11-27T15:00", "--working-days", "1").strip() == (
        "2026-11-30T23:59:59+07:00"
    )


def test_due_date_in_wita(data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SUARAWARGA_TIMEZONE", "Asia/Makassar")
    get_settings.cache_clear()
    out = run("sla", "due-date", "--from", "2026-11-23T16:30Z", "--working-days", "3")
    assert out.strip() == "2026-11-27T23:59:59+08:00"


def test_bad_instant_is_a_clear_usage_error(data_dir: Path) -> None:
    result = runner.invoke(app, ["sla", "due-date", "--from", "besok", "--working-days", "3"])
    assert result.exit_code == 2
    assert "ISO 8601" in result.output


def test_create_show_sweep_round_trip(data_dir: Path) -> None:
    run("db", "upgrade")
    out = run(
        "report", "create", "Lampu jalan di Jl. Kenanga mati sudah seminggu",
        "--type", "complaint", "--now", "2026-11-23T09:00+07:00",
    )  # fmt: skip
    code = out.split()[0]
    assert code.startswith("SW-") and "2026-11-26T23:59:59+07:00" in out
    shown = json.loads(run("report", "show", code.lower(), "--json"))
    assert shown["status"] == "submitted"
    assert shown["deadlines"]["verify_due_at"] == "2026-11-26T23:59:59+07:00"
    assert [e["action"] for e in shown["events"]] == ["submit"]
    # The type was given, so the NLU made no suggestion: every field is there, and null.
    assert shown["suggestion"] == dict.fromkeys(
        ("type", "type_confidence", "agency", "agency_confidence", "model_version")
    )
    lines = run("sweep", "--now", "2026-11-27T08:00+07:00").splitlines()
    actions = [json.loads(line) for line in lines]
    # The reminder's moment passed while nobody swept: it is recorded as skipped, not sent late.
    assert [(a["kind"], a["level"], a["outcome"]) for a in actions] == [
        ("reminder", 1, "skipped"),
        ("escalation", 1, "done"),
    ]
    assert run("sweep", "--now", "2026-11-27T08:00+07:00").strip() == ""
    assert code in run("report", "list")


def json_lines(output: str) -> list[dict[str, object]]:
    """The JSON action lines of a sweep's output (the dry run's summary goes to stderr)."""
    return [json.loads(line) for line in output.splitlines() if line.startswith("{")]


def test_sweep_dry_run_shows_the_actions_and_changes_nothing(data_dir: Path) -> None:
    run("db", "upgrade")
    code = run(
        "report", "create", "Sampah menumpuk di pasar", "--type", "complaint",
        "--now", "2026-11-23T09:00+07:00",
    ).split()[0]  # fmt: skip
    future = (datetime.now(UTC) + timedelta(days=200)).isoformat()
    rehearsed = json_lines(run("sweep", "--dry-run", "--now", future))
    assert rehearsed and {a["report"] for a in rehearsed} == {code}
    assert "auto_close" not in {a["kind"] for a in rehearsed}  # not verified: no citizen window
    # Nothing happened: the report's log holds only its submission, and a second rehearsal sees
    # the same work still due.
    shown = json.loads(run("report", "show", code, "--json"))
    assert [e["action"] for e in shown["events"]] == ["submit"]
    assert shown["escalation_level"] == 0
    again = json_lines(run("sweep", "--dry-run", "--now", future))
    assert again == rehearsed
    # ...and the real sweep at that instant would be refused, acting nowhere.
    refused = runner.invoke(app, ["sweep", "--now", future])
    assert refused.exit_code == 2 and "--dry-run" in refused.output
    assert json.loads(run("report", "show", code, "--json"))["escalation_level"] == 0
    # A real sweep now acts (the report was filed in the past) and rehearsal agrees with it.
    now = datetime.now(UTC).isoformat()
    preview = json_lines(run("sweep", "--dry-run", "--now", now))
    assert json_lines(run("sweep", "--now", now)) == preview != []


def test_sweep_a_few_seconds_ahead_is_allowed(data_dir: Path) -> None:
    run("db", "upgrade")
    soon = (datetime.now(UTC) + timedelta(seconds=30)).isoformat()
    assert runner.invoke(app, ["sweep", "--now", soon]).exit_code == 0


def test_show_json_carries_the_suggestion_and_the_models_that_made_it(data_dir: Path) -> None:
    run("db", "upgrade")
    out = run(
        "report", "create", "Jalan di depan SDN 3 Sukamaju rusak parah dan berlubang besar",
        "--now", "2026-11-23T09:00+07:00",
    )  # fmt: skip
    suggestion = json.loads(run("report", "show", out.split()[0], "--json"))["suggestion"]
    assert suggestion["type"] == "complaint" and suggestion["agency"] == "pupr"
    assert 0.0 < suggestion["type_confidence"] <= 1.0
    assert 0.0 < suggestion["agency_confidence"] <= 1.0
    # Both embedded models, each by creation time and training-data hash.
    type_model, routing_model = suggestion["model_version"].split(" + ")
    assert type_model.startswith("embedded report_type@20") and "#" in type_model
    assert routing_model.startswith("embedded routing@20") and "#" in routing_model


def test_unknown_code_is_a_clear_error(data_dir: Path) -> None:
    run("db", "upgrade")
    result = runner.invoke(app, ["report", "show", "SW-0000-0000"])
    assert result.exit_code == 1
    assert "No report with tracking code" in result.output


def test_user_create_and_demo_seed(data_dir: Path) -> None:
    run("db", "upgrade")
    out = run(
        "user", "create", "rina", "--role", "officer", "--agency", "pupr",
        "--password", "a-long-password", "--email", "rina@example.invalid",
    )  # fmt: skip
    assert "created rina (officer, pupr)" in out
    result = runner.invoke(
        app, ["user", "create", "budi", "--role", "officer", "--password", "a-long-password"]
    )
    assert result.exit_code == 1 and "--agency" in result.output
    seeded = run("demo", "seed", "--password", "demo-password-123")
    statuses = {line.split()[2] for line in seeded.splitlines() if line.startswith("report:")}
    assert statuses == {
        "submitted",
        "info_requested",
        "forwarded",
        "answered",
        "finished",
        "archived",
    }


def test_help_explains_the_commands(data_dir: Path) -> None:
    out = run("--help")
    for command in ("serve", "scheduler", "sweep", "db", "sla", "report", "user", "demo"):
        assert command in out


HEAVY = ("sklearn", "numpy", "fastapi", "sqlalchemy", "telegram", "twilio", "nlu.classifier", "bot")


def _imported_by(*args: str) -> tuple[str, set[str]]:
    """Run the real ``suarawarga`` entry point in a fresh interpreter; what it printed and which
    of the HEAVY top-level modules it imported."""
    import subprocess
    import sys

    probe = (
        "import sys\n"
        "from webhooks.cli import app\n"
        f"sys.argv = ['suarawarga', *{list(args)!r}]\n"
        "try:\n"
        "    app()\n"
        "except SystemExit:\n"
        "    pass\n"
        "print('MODULES', ' '.join(sorted(sys.modules)))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=120, check=True
    )
    output, _, modules = done.stdout.rpartition("MODULES ")
    loaded = set(modules.split())
    return output, {h for h in HEAVY if h in loaded}


def test_help_and_due_date_import_only_what_they_use(data_dir: Path) -> None:
    """``--help`` took 2.4-2.9 s because every command imported scikit-learn and the whole app
    (timings are in benchmarks/cli/; this checks the cause, not the clock)."""
    output, heavy = _imported_by("--help")
    assert "chat" in output and "nlu" in output and "worker" in output  # listed, not imported
    assert heavy == set()
    output, heavy = _imported_by(
        "sla", "due-date", "--from", "2026-12-22T09:00", "--working-days", "3"
    )
    assert output.strip() == "2026-12-29T23:59:59+07:00"
    assert heavy == set()


def test_lazy_commands_load_when_used(data_dir: Path) -> None:
    assert "export-rasa" in run("nlu", "--help")
    assert "set-webhook" in run("telegram", "--help")
    assert "--once" in run("worker", "--help")
    assert "--as" in run("chat", "--help")


def test_report_show_keeps_the_breach(data_dir: Path) -> None:
    run("db", "upgrade")
    code = run(
        "report", "create", "Sampah menumpuk di pasar", "--type", "complaint",
        "--now", "2026-11-23T09:00+07:00",
    ).split()[0]  # fmt: skip
    run("sweep")
    [breach] = json.loads(run("report", "show", code, "--json"))["sla_history"]
    assert breach["stage"] == "verify" and breach["ongoing"] is True
    assert breach["due"] == "2026-11-26T23:59:59+07:00"
    assert breach["working_days_late"] >= 6  # Fri 27 Nov to Mon 7 Dec at least


def test_report_show_includes_the_message_thread(data_dir: Path) -> None:
    run("db", "upgrade")
    code = run(
        "report", "create", "Lampu jalan di Jl. Kenanga mati sudah seminggu",
        "--type", "complaint", "--now", "2026-11-23T09:00+07:00",
    ).split()[0]  # fmt: skip
    [message] = json.loads(run("report", "show", code, "--json"))["messages"]
    assert message == {
        "at": "2026-11-23T09:00:00+07:00",
        "direction": "citizen_to_agency",
        "kind": "report",
        "body": "Lampu jalan di Jl. Kenanga mati sudah seminggu",
    }


def test_sla_recompute_after_a_decreed_holiday(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    run("db", "upgrade")
    code = run(
        "report", "create", "Sampah menumpuk di pasar", "--type", "complaint",
        "--now", "2026-11-23T09:00+07:00",
    ).split()[0]  # fmt: skip
    assert "changed 0 report(s)" in run("sla", "recompute")  # the calendar has not changed yet
    holidays = data_dir / "holidays.yml"
    holidays.write_text("closed:\n  - {date: 2026-11-25, name: Cuti bersama}\nworking: []\n")
    monkeypatch.setenv("SUARAWARGA_HOLIDAYS_FILE", str(holidays))
    get_settings.cache_clear()

    rehearsal = run("sla", "recompute", "--dry-run")
    assert json_lines(rehearsal) == [
        {
            "report": code,
            "stage": "verify",
            "old_due": "2026-11-26T23:59:59+07:00",
            "new_due": "2026-11-27T23:59:59+07:00",
            "outcome": "changed",
        }
    ]
    shown = json.loads(run("report", "show", code, "--json"))
    assert shown["deadlines"]["verify_due_at"] == "2026-11-26T23:59:59+07:00"  # dry run
    assert json_lines(run("sla", "recompute")) == json_lines(rehearsal)
    shown = json.loads(run("report", "show", code, "--json"))
    assert shown["deadlines"]["verify_due_at"] == "2026-11-27T23:59:59+07:00"
    assert [e["action"] for e in shown["events"]] == ["submit", "sla_recompute"]
    assert json_lines(run("sla", "recompute")) == []  # a second run changes nothing


def test_report_show_names_the_assignee(data_dir: Path) -> None:
    from sqlalchemy import select

    from reports import assignment, staff_cases
    from reports.actor import Actor
    from reports.enums import Role
    from reports.models import Report
    from tests import factories
    from webhooks.runtime import build_runtime

    run("db", "upgrade")
    code = run(
        "report", "create", "Jalan berlubang di Jl. Melati", "--type", "complaint",
        "--now", "2026-11-23T09:00+07:00",
    ).split()[0]  # fmt: skip
    assert json.loads(run("report", "show", code, "--json"))["assignee"] is None
    rt = build_runtime(get_settings())
    now = datetime.now(UTC)
    try:
        with rt.sessions() as db, db.begin():
            report = db.scalar(select(Report).where(Report.tracking_code == code))
            assert report is not None
            verifier = factories.staff(db, Role.VERIFIER, now)
            head = factories.staff(db, Role.AGENCY_HEAD, now, agency="pupr")
            officer = factories.staff(db, Role.OFFICER, now, agency="pupr", name="agus")
            staff_cases.verify_and_forward(
                db, clock=rt.clock, report=report, actor=Actor.staff(verifier),
                agency_code="pupr", now=now,
            )  # fmt: skip
            assignment.assign(
                db, clock=rt.clock, report=report, actor=Actor.staff(head),
                assignee_id=officer.id, now=now,
            )  # fmt: skip
            officer_id = officer.id
    finally:
        rt.engine.dispose()
    shown = json.loads(run("report", "show", code, "--json"))
    assert shown["assignee"] == {"id": officer_id, "name": "Agus"}


def test_user_link_prints_a_one_time_code_and_the_deep_link(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SUARAWARGA_TELEGRAM_BOT_USERNAME", "suarawarga_kota_bot")
    get_settings.cache_clear()
    run("db", "upgrade")
    run(
        "user", "create", "rina", "--role", "officer", "--agency", "pupr",
        "--password", "a-long-password",
    )  # fmt: skip
    before = datetime.now(UTC)
    issued = json.loads(run("user", "link", "rina", "--json"))
    assert set(issued) == {"code", "expires_at", "telegram_link"}
    assert issued["telegram_link"] == f"https://t.me/suarawarga_kota_bot?start={issued['code']}"
    expires = datetime.fromisoformat(issued["expires_at"])
    assert timedelta(minutes=14) < expires - before <= timedelta(minutes=15, seconds=5)
    again = json.loads(run("user", "link", "rina", "--json"))
    assert again["code"] != issued["code"]
    text = run("user", "link", "rina")
    assert "LINK " in text and "t.me/suarawarga_kota_bot" in text
    assert "unlinked 0 chat(s) of rina" in run("user", "unlink", "rina")
    missing = runner.invoke(app, ["user", "link", "nobody"])
    assert missing.exit_code == 1 and "no staff account" in missing.output
