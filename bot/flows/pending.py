"""What the citizen owes us, derived from the database (never from conversation memory).

A report in ``info_requested`` waits for information; one in ``answered`` waits for acceptance or
a response; a report the citizen accepted may be reopened while its window lasts. Deriving this
from report status means an officer's request made on another process, or while the bot was
down, is still answered correctly by the citizen's next message.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from bot import intents
from bot.channels import Button
from bot.flows.status import stage_text
from bot.inbound import refused_file_message
from bot.intents import Intent
from bot.states import State
from bot.turn import Turn
from reports import citizen_cases, citizen_reads, tracking
from reports.actor import Actor
from reports.enums import Status
from reports.lifecycle import DomainError
from reports.models import Report

WAITING = (Status.INFO_REQUESTED, Status.ANSWERED)
INDIRECT_MIN_WORDS = 3
#: What our last message expects when a reply to it is directly its answer.
DIRECT = ("answer_feedback", "info_reply")


def waiting(turn: Turn) -> list[Report]:
    if not turn.has_reports():
        return []
    return citizen_reads.in_status(turn.reads, turn.citizen_id, WAITING)


def own_report(turn: Turn, code: str) -> Report | None:
    canonical = tracking.normalize(code)
    if canonical is None or not turn.has_reports():
        return None
    return citizen_reads.own_report(turn.reads, turn.citizen_id, canonical)


def _back_with_agency(turn: Turn, key: str, report: Report) -> None:
    """The report is with its agency again (a response, a reopening): which one, and by when."""
    turn.say(
        key,
        code=report.tracking_code,
        agency=citizen_reads.agency_name(turn.reads, report.agency_id),
        due=turn.date(report.response_due_at),
        report_id=report.id,
    )


def try_answer(turn: Turn, text: str, *, direct: bool | None = None) -> bool:
    """Treat free text as the answer the database says we wait for; False if we wait for none.

    ``direct``: the last message to the citizen was the request itself, so a reply is for it.
    Otherwise the conversation moved on since, and the text may as well be a new report: we ask
    (this report, that report, or a new one) instead of sending a new complaint to an agency as
    a response to an old answer. None: decided from our last message, which is looked up only
    when something is pending (most messages wait for nothing).
    """
    pending = waiting(turn)
    if not pending:
        return False
    if direct is None:
        direct = turn.expects() in DIRECT
    answered = [r for r in pending if r.status is Status.ANSWERED]
    if answered and (intents.is_(text, Intent.ACCEPT) or text.strip() == "1"):
        if len(answered) == 1:
            accept(turn, answered[0])
        else:
            turn.say(
                "which_report",
                buttons=[Button(r.tracking_code, f"acc:{r.tracking_code}") for r in answered],
            )
        return True
    if not direct and intents.word_count(text) < INDIRECT_MIN_WORDS:
        return False  # "ok", "2"... long after the request: not an answer to it
    if direct and len(answered) == 1 and text.strip() == "2":
        # "2" is the second choice (respond) where buttons are a numbered list: ask for the text.
        ask_about(turn, State.PENDING_RESPOND, answered[0])
        return True
    if direct and len(pending) == 1:
        apply(turn, pending[0], text)
        return True
    turn.state = State.PENDING_CHOOSE
    turn.data["pending_text"] = text
    reprompt(turn)
    return True


def try_media(turn: Turn) -> bool:
    """Files sent while a report waits for information answer it; False to start a draft.

    An officer asking "kirim foto lokasinya" gets the photo on the report, not a second report
    holding the photo. With several reports waiting for information the citizen picks which one
    (or a new report); with none, the files start a new report.
    """
    info = [r for r in waiting(turn) if r.status is Status.INFO_REQUESTED]
    if not info:
        return False
    files = [[m.attachment_id, m.filename or m.kind] for m in turn.message.media]
    if len(info) == 1:
        _send_files(turn, info[0], files, turn.text)
        return True
    turn.reset()
    turn.state = State.PENDING_CHOOSE
    turn.data["pending_text"] = turn.text
    turn.data["pending_files"] = files
    reprompt(turn)
    return True


def _send_files(turn: Turn, report: Report, files: list[list[Any]], caption: str) -> None:
    """The files (and caption) as the information a report waits for; the clock resumes."""
    ids = [attachment_id for attachment_id, _ in files if attachment_id]
    if not _provide_info(turn, report, caption, ids):  # no usable file and no caption either
        for _, name in files:
            turn.say(refused_file_message(turn.message.media, name), filename=name)


def _as_citizen(turn: Turn, use_case: Callable[..., Report], report: Report, **values: Any) -> None:
    """Run a citizen's use case on their report with this turn's session, clock, identity and
    time (raises ``DomainError`` when the domain refuses)."""
    use_case(
        turn.db,
        clock=turn.runtime.clock,
        report=report,
        actor=Actor.citizen(turn.citizen_id),
        now=turn.now,
        **values,
    )


def _provide_info(turn: Turn, report: Report, text: str, attachment_ids: list[int]) -> bool:
    """The citizen's information (text, files) on the report, and "sent, clock resumed" said;
    False, with nothing said, when the domain refuses it (the caller knows the right reply)."""
    try:
        _as_citizen(
            turn, citizen_cases.provide_info, report, text=text, attachment_ids=attachment_ids
        )
    except DomainError:
        return False
    turn.say(
        "info_sent", code=report.tracking_code, stage=stage_text(turn, report), report_id=report.id
    )
    return True


def _ask_which(turn: Turn) -> None:
    candidates = waiting(turn)
    if turn.data.get("pending_files"):  # files can only be information asked for
        candidates = [r for r in candidates if r.status is Status.INFO_REQUESTED]
    buttons = [Button(r.tracking_code, f"pick:{r.tracking_code}") for r in candidates]
    buttons.append(turn.button("btn_new_report", "pick:new"))
    turn.say("which_report", buttons=buttons)


#: The question of each state of this flow.
PROMPTS: dict[str, Callable[[Turn], None]] = {
    State.PENDING_CHOOSE: _ask_which,
    State.PENDING_RESPOND: lambda turn: turn.say("ask_response", code=turn.data.get("target", "-")),
    State.PENDING_REOPEN: lambda turn: turn.say(
        "reopen_ask_reason", code=turn.data.get("target", "-")
    ),
}


def reprompt(turn: Turn) -> None:
    prompt = PROMPTS.get(turn.state)
    if prompt is not None:
        prompt(turn)


def ask_about(turn: Turn, state: State, report: Report) -> None:
    """Ask for the text ``state`` waits for about one report (a response, a reason to reopen)."""
    turn.state = state
    turn.data["target"] = report.tracking_code
    reprompt(turn)


def apply(turn: Turn, report: Report, text: str) -> None:
    """Free text as the answer to an information request, or as a response to an answer."""
    if report.status is Status.INFO_REQUESTED:
        if not _provide_info(turn, report, text, []):
            turn.say("action_failed", code=report.tracking_code)
        return
    try:
        if report.status is Status.ANSWERED:
            _as_citizen(turn, citizen_cases.citizen_respond, report, text=text)
            _back_with_agency(turn, "response_sent", report)
        else:
            turn.say("action_failed", code=report.tracking_code)
    except DomainError:
        turn.say("action_failed", code=report.tracking_code)


def accept(turn: Turn, report: Report) -> None:
    """The citizen is satisfied; the domain queues "finished" and the rating request."""
    try:
        _as_citizen(turn, citizen_cases.citizen_accept, report)
    except DomainError:
        turn.say("action_failed", code=report.tracking_code)


def reopenable(turn: Turn) -> list[Report]:
    if not turn.has_reports():
        return []
    return citizen_reads.reopenable(turn.reads, turn.citizen_id, turn.now)


def start_reopen(turn: Turn, text: str) -> None:
    """ "buka kembali [SW-...] [alasan]": reopen now if a reason is given, else ask for it."""
    candidates = reopenable(turn)
    code = tracking.normalize(text)
    if code:
        candidates = [r for r in candidates if r.tracking_code == code]
    if not candidates:
        turn.say("reopen_none")
        return
    if len(candidates) > 1:
        turn.say(
            "which_report",
            buttons=[Button(r.tracking_code, f"ro:{r.tracking_code}") for r in candidates],
        )
        return
    report = candidates[0]
    reason = _strip_command(text, report.tracking_code)
    if intents.word_count(reason) >= 3:
        reopen(turn, report, reason)
        return
    ask_about(turn, State.PENDING_REOPEN, report)


def _strip_command(text: str, code: str) -> str:
    lowered = text
    for phrase in ("buka kembali", "buka lagi", "buka ulang", "reopen"):
        index = lowered.lower().find(phrase)
        if index >= 0:
            lowered = lowered[:index] + lowered[index + len(phrase) :]
    found = tracking.normalize(lowered)
    if found:
        lowered = " ".join(w for w in lowered.split() if tracking.normalize(w) != found)
    return lowered.strip(" :,-")


def reopen(turn: Turn, report: Report, reason: str) -> None:
    try:
        _as_citizen(turn, citizen_cases.reopen, report, text=reason)
    except DomainError:
        turn.say("reopen_none")
        return
    _back_with_agency(turn, "reopened", report)


def on_text(turn: Turn) -> bool:
    """Free text in one of this flow's states; False hands it back to be treated afresh."""
    text = turn.text
    state = turn.state
    if state == State.PENDING_CHOOSE:
        turn.reset()  # a new message instead of a choice
        return False
    target = own_report(turn, turn.data.get("target", ""))
    turn.reset()
    if target is None:
        turn.say("action_failed", code="-")
    elif state == State.PENDING_RESPOND:
        apply(turn, target, text)
    elif state == State.PENDING_REOPEN:
        reopen(turn, target, text)
    return True


def _new_report(turn: Turn) -> None:
    """ "New report" instead of one waiting: the kept text or files start a draft."""
    from bot.flows import report

    text = turn.data.get("pending_text", "")
    files = turn.data.get("pending_files") or []
    turn.reset()
    if files:
        report.add_files(turn, [(i, name) for i, name in files], text)
    else:
        report.start(turn, text) if text else report.ask_new(turn)


def _accept(turn: Turn, target: Report) -> None:
    turn.reset()
    accept(turn, target)


def _ask(state: State) -> Callable[[Turn, Report], None]:
    def ask(turn: Turn, target: Report) -> None:
        turn.reset()
        ask_about(turn, state, target)

    return ask


def _pick(turn: Turn, target: Report) -> None:
    """The report the kept text or files were for."""
    text = turn.data.get("pending_text", "")
    files = turn.data.get("pending_files") or []
    turn.reset()
    if files and target.status is Status.INFO_REQUESTED:
        _send_files(turn, target, files, text)
    elif files:
        turn.say("action_failed", code=target.tracking_code)
    elif text:
        apply(turn, target, text)


#: This flow's buttons on one of the citizen's reports (``head:<tracking code>``).
ON_REPORT: dict[str, Callable[[Turn, Report], None]] = {
    "acc": _accept,
    "rsp": _ask(State.PENDING_RESPOND),
    "pick": _pick,
    "ro": _ask(State.PENDING_REOPEN),
}


def on_choice(turn: Turn, data: str) -> bool:
    head, _, value = data.partition(":")
    act = ON_REPORT.get(head)
    if act is None:
        return False
    if head == "pick" and value == "new":
        _new_report(turn)
        return True
    target = own_report(turn, value)
    if target is None:
        turn.reset()
        turn.say("status_unknown", code=tracking.normalize(value) or "-")
        return True
    act(turn, target)
    return True
