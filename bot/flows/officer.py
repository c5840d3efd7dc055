"""A linked officer's chat (issue 15): link, act on reports, unlink.

The inbound pipeline hands a message here instead of to the citizen conversation when the chat's
conversation is in the officer state (it was linked) or the message is a link command
(``/start CODE`` from the Telegram deep link, ``LINK CODE`` on WhatsApp). No citizen is created
for such a chat: an officer is not a reporter there.

Every message re-reads the link and the account, so an unlinked chat, a deactivated account or a
changed agency take effect on the next message. Each action runs the console's use case
(``reports.staff_cases``) as that staff user, with the same permission checks, and the event log
records the channel (``Actor.via``). A draft (answer, question, reason) is never sent at once:
the officer confirms it ("ya" / "yes" or the button), so a message typed into the wrong chat or a
mis-tapped button sends nothing to a citizen.

This module holds the flow's steps (link, act, draft, confirm, list tasks). Reading what the
officer typed is :mod:`bot.flows.officer_words`; the turn being handled and its replies as outbox
rows are :mod:`bot.flows.officer_turn`.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import Row, update
from sqlalchemy.orm import Session

from bot.flows.officer_turn import OfficerTurn, outbox_rows
from bot.flows.officer_words import NO, WAITING, YES, choice, command, link_code, report_and_text
from bot.inbound import InboundKind, InboundMessage
from bot.messages.officer import text as officer_text
from bot.states import OFFICER_WAITING, Flow, State, in_flow
from reports import notify, officer_chat, staff_cases
from reports.actor import Actor
from reports.case_steps import check_staff
from reports.enums import Status
from reports.lifecycle import Action, DomainError, target_status
from reports.lookups import get_report
from reports.messages import format_date
from reports.models import Conversation, Report

if TYPE_CHECKING:
    from reports.runtime import Runtime

TASKS_SHOWN = 10


def claims(state: str | None, message: InboundMessage) -> bool:
    """Is this message for the officer flow rather than the citizen conversation?"""
    return in_flow(state or "", Flow.OFFICER) or link_code(message) is not None


def take(
    db: Session, runtime: Runtime, items: Sequence[tuple[Row[Any], InboundMessage, datetime]]
) -> dict[int, int]:
    """Handle the officers' messages among ``items`` (conversation row, message, arrival), in
    order; returns {position in ``items``: replies queued} for those taken. The rest are the
    citizens', for the conversation engine: a state check and a text match, no query for them.
    """
    taken: dict[int, int] = {}
    for position, (row, message, now) in enumerate(items):
        if claims(row.state, message):
            taken[position] = handle(
                db,
                runtime,
                conversation_id=row.id,
                state=row.state,
                data=row.data,
                message=message,
                now=now,
            )
    return taken


def handle(
    db: Session,
    runtime: Runtime,
    *,
    conversation_id: int,
    state: str | None,
    data: dict[str, Any] | None,
    message: InboundMessage,
    now: datetime,
) -> int:
    """Run one officer message in the caller's transaction; returns how many replies it queued."""
    turn = OfficerTurn(
        db,
        runtime,
        message,
        now,
        state or "idle",
        dict(data or {}),
        language=message.language or "id",
    )
    code = link_code(message)
    if code is not None:
        _link(turn, code)
    else:
        _act(turn)
    db.execute(
        update(Conversation)
        .where(Conversation.id == conversation_id)
        .values(state=turn.state, data=dict(turn.data))
    )
    notify.insert_rows(db, outbox_rows(turn))
    return len(turn.replies)


# -- linking --------------------------------------------------------------------------------------


def _link(turn: OfficerTurn, code: str) -> None:
    message = turn.message
    staff = officer_chat.redeem(
        turn.db,
        channel=message.channel,
        address=message.external_user_id,
        code=code,
        now=turn.now,
    )
    if staff is None:
        # Same words for a wrong, expired or used code and an inactive account. A chat that was
        # linked stays linked (and in its state); any other stays a citizen's.
        turn.say("link_refused")
        return
    turn.staff, turn.language = staff, staff.language
    turn.state, turn.data = State.OFFICER, {}
    turn.say(
        "linked",
        name=staff.full_name,
        username=staff.username,
        help=officer_text("help", staff.language),
    )


# -- acting ---------------------------------------------------------------------------------------


def _act(turn: OfficerTurn) -> None:
    message = turn.message
    chat = officer_chat.chat_of(turn.db, message.channel, message.external_user_id)
    if chat is None:  # unlinked elsewhere (console, CLI) since: the citizen conversation resumes
        turn.state, turn.data = State.IDLE, {}
        turn.say("not_linked")
        return
    chat.last_inbound_at = turn.now  # WhatsApp's 24-hour window for the officer's notices
    staff = chat.staff
    turn.staff, turn.language = staff, staff.language
    if not staff.active:
        turn.state, turn.data = State.OFFICER, {}
        turn.say("inactive")
        return
    if message.kind is InboundKind.CALLBACK:
        _choice(turn, message.callback_data or "")
    elif message.kind is InboundKind.TEXT and (message.text or "").strip():
        _text(turn, (message.text or "").strip())
    else:
        turn.say("text_only")


def _choice(turn: OfficerTurn, data: str) -> None:
    chosen = choice(data)
    if chosen is None:
        turn.say("help")
        return
    verb, code = chosen
    if verb == "yes":
        _confirm(turn)
    elif verb == "no":
        _cancel(turn)
    elif verb == "open":
        turn.say("open_link", code=code, url=_console(turn, f"/reports/{code}"))
    elif verb in WAITING:
        action = WAITING[verb]
        if _allowed(turn, action, code) is None:
            return
        turn.state, turn.data = OFFICER_WAITING[action], {"code": code}
        turn.say(f"ask_{action}", code=code)
    else:
        turn.say("help")


def _console(turn: OfficerTurn, path: str) -> str:
    return turn.runtime.settings.public_base_url.rstrip("/") + "/console" + path


def _last_buttons(turn: OfficerTurn) -> list[str]:
    """The choices of our last message to this chat: on WhatsApp, "1" answers its first."""
    return officer_chat.last_choices(turn.db, turn.message.channel, turn.message.external_user_id)


def _replied_report(turn: OfficerTurn) -> str | None:
    """The report of the notification this message replies to, if it replies to one."""
    reply_to = turn.message.reply_to
    if not reply_to:
        return None
    return officer_chat.replied_report_code(
        turn.db, turn.message.channel, turn.message.external_user_id, reply_to
    )


def _text(turn: OfficerTurn, text: str) -> None:
    lowered = text.lower()
    if lowered.isdigit():
        choices = _last_buttons(turn)
        number = int(lowered)
        if 1 <= number <= len(choices):
            _choice(turn, choices[number - 1])
            return
    slash = command(text)
    if slash is not None:
        _command(turn, *slash)
        return
    if lowered in NO:
        _cancel(turn)
        return
    if turn.state == State.OFFICER_CONFIRM:
        if lowered in YES:
            _confirm(turn)
        else:
            draft = turn.data.get("draft") or {}
            _ask_confirmation(
                turn, str(draft.get("action")), str(draft.get("code")), str(draft.get("text"))
            )
        return
    waiting = next((a for a, state in OFFICER_WAITING.items() if state == turn.state), "")
    if waiting:
        _draft(turn, waiting, str(turn.data.get("code") or ""), text)
        return
    replied = _replied_report(turn)
    if replied is not None:
        _draft(turn, "answer", replied, text)
        return
    turn.say("help")


def _command(turn: OfficerTurn, name: str, rest: str) -> None:
    if name == "unlink":
        assert turn.staff is not None
        officer_chat.unlink(turn.db, staff=turn.staff, channel=turn.message.channel)
        turn.state, turn.data = State.IDLE, {}
        turn.say("unlinked")
    elif name in ("tugas", "tasks"):
        _tasks(turn)
    elif name in ("jawab", "answer", "info"):
        action = "info" if name == "info" else "answer"
        drafted = report_and_text(rest)
        if drafted is None:
            turn.say(f"usage_{action}")
            return
        _draft(turn, action, *drafted)
    elif name in ("batal", "cancel"):
        _cancel(turn)
    else:  # /start, /help, /bantuan and anything unknown
        turn.say("help")


def _allowed(turn: OfficerTurn, action: str, code: str) -> Report | None:
    """The report, when this staff user may take ``action`` on it now; else say why not."""
    assert turn.staff is not None
    verb = {
        "answer": Action.ANSWER,
        "info": Action.REQUEST_INFO,
        "return": Action.RETURN_TO_VERIFIER,
    }[action]
    try:
        report = get_report(turn.db, code)
        check_staff(_actor(turn), verb, report)
        target_status(report.status, verb)  # refused now, not after the officer wrote a draft
    except DomainError as exc:
        turn.state, turn.data = State.OFFICER, {}
        turn.say("refused", reason=exc.text(turn.language))
        return None
    return report


def _actor(turn: OfficerTurn) -> Actor:
    assert turn.staff is not None
    return Actor.staff(turn.staff, via=turn.message.channel.value)


def _draft(turn: OfficerTurn, action: str, code: str, text: str) -> None:
    report = _allowed(turn, action, code)
    if report is None:
        return
    _ask_confirmation(turn, action, report.tracking_code, text)


def _ask_confirmation(turn: OfficerTurn, action: str, code: str, text: str) -> None:
    if action not in WAITING.values():
        turn.state, turn.data = State.OFFICER, {}
        turn.say("help")
        return
    turn.state = State.OFFICER_CONFIRM
    turn.data = {"draft": {"action": action, "code": code, "text": text[:4000]}}
    turn.say(
        f"confirm_{action}",
        code=code,
        text=text[:4000],
        buttons=[turn.button("btn_send", "of:yes"), turn.button("btn_cancel", "of:no")],
    )


def _cancel(turn: OfficerTurn) -> None:
    turn.state, turn.data = State.OFFICER, {}
    turn.say("cancelled")


def _confirm(turn: OfficerTurn) -> None:
    """Run the drafted action as the staff user: the console's use case, its checks, its log."""
    draft = turn.data.get("draft") if turn.state == State.OFFICER_CONFIRM else None
    if not isinstance(draft, dict):
        turn.state, turn.data = State.OFFICER, {}
        turn.say("help")
        return
    action, code, text = str(draft["action"]), str(draft["code"]), str(draft["text"])
    turn.state, turn.data = State.OFFICER, {}
    clock = turn.runtime.clock
    db = turn.db
    try:
        with db.begin_nested():  # a refusal part-way leaves nothing behind
            report = get_report(db, code, for_update=True)
            actor = _actor(turn)
            if action == "answer":
                staff_cases.answer(
                    db, clock=clock, report=report, actor=actor, text=text, now=turn.now
                )
            elif action == "info":
                staff_cases.request_info(
                    db, clock=clock, report=report, actor=actor, question=text, now=turn.now
                )
            else:
                staff_cases.return_to_verifier(
                    db, clock=clock, report=report, actor=actor, reason=text, now=turn.now
                )
    except DomainError as exc:
        turn.say("refused", reason=exc.text(turn.language))
        return
    turn.say(f"done_{action}", code=code)


def _tasks(turn: OfficerTurn) -> None:
    """The agency's open reports (with the agency), overdue first, then by deadline."""
    staff = turn.staff
    assert staff is not None
    if staff.agency_id is None:
        turn.say("tasks_none")
        return
    reports, total = officer_chat.open_tasks(turn.db, staff.agency_id, turn.now, TASKS_SHOWN)
    if not reports:
        turn.say("tasks_none")
        return
    tz = turn.runtime.clock.calendar.tz
    lines = []
    for report in reports:
        due = report.response_due_at
        late = due is not None and due < turn.now and report.status is Status.FORWARDED
        lines.append(
            officer_text(
                "tasks_line_overdue" if late else "tasks_line",
                turn.language,
                code=report.tracking_code,
                title=report.title,
                due=format_date(due, turn.language, tz) if due else "-",
            )
        )
    if total > TASKS_SHOWN:
        url = _console(turn, "/inbox")
        lines.append(officer_text("tasks_more", turn.language, count=total - TASKS_SHOWN, url=url))
    header = officer_text("tasks_header", turn.language, count=total)
    turn.replies.append(("tasks", header + "\n" + "\n".join(lines), []))
