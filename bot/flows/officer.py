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
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import Row, update
from sqlalchemy.orm import Session

from bot.inbound import InboundKind, InboundMessage
from bot.messages.officer import text as officer_text
from bot.states import OFFICER_WAITING, Flow, State, in_flow
from reports import notify, officer_chat, staff_cases, tracking
from reports.actor import Actor
from reports.case_steps import check_staff
from reports.enums import OutboxStatus, RecipientKind, Status
from reports.lifecycle import Action, DomainError, target_status
from reports.lookups import get_report
from reports.messages import format_date
from reports.models import Conversation, Report, StaffUser

if TYPE_CHECKING:
    from reports.runtime import Runtime

#: Waiting for the text of a draft (after a button), then for its confirmation.
WAITING = {"ans": "answer", "info": "info", "ret": "return"}
#: One token, as issued (dashes allowed): "link jalan rusak" is a citizen's text, not a code.
_LINK = re.compile(r"^\s*(?:/start|link)\s+([A-Za-z0-9-]{10,20})\s*$", re.IGNORECASE)
_COMMAND = re.compile(r"^\s*/([a-z_]+)(?:@\w+)?\s*(.*)$", re.IGNORECASE | re.DOTALL)
YES = frozenset({"ya", "y", "yes", "ok", "oke", "kirim", "send", "iya"})
NO = frozenset({"batal", "cancel", "tidak", "no", "/batal", "/cancel"})
TASKS_SHOWN = 10


def link_code(message: InboundMessage) -> str | None:
    """The code of a link command, or None (a pure text check: no query for citizens)."""
    if message.kind is not InboundKind.TEXT:
        return None
    match = _LINK.match(message.text or "")
    code = officer_chat.normalize_code(match.group(1)) if match else ""
    if match is None or len(code) != officer_chat.CODE_LENGTH:
        return None
    return match.group(1)


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


@dataclass
class _Turn:
    db: Session
    runtime: Runtime
    message: InboundMessage
    now: datetime
    state: str
    data: dict[str, Any]
    language: str = "id"
    staff: StaffUser | None = None
    replies: list[tuple[str, str, list[dict[str, str]]]] = field(default_factory=list)

    def say(self, key: str, *, buttons: list[dict[str, str]] | None = None, **values: Any) -> None:
        self.replies.append((key, officer_text(key, self.language, **values), buttons or []))

    def button(self, key: str, data: str) -> dict[str, str]:
        return {"label": officer_text(key, self.language), "data": data}


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
    turn = _Turn(
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
    notify.insert_rows(db, _rows(turn))
    return len(turn.replies)


def _rows(turn: _Turn) -> list[dict[str, Any]]:
    message = turn.message
    reply_to = message.external_message_id[:120]
    rows = []
    for index, (key, body, buttons) in enumerate(turn.replies):
        payload: dict[str, Any] = {"reply_to": reply_to, "template": f"officer:{key}"}
        if buttons:
            payload["buttons"] = buttons
        rows.append(
            {
                "idempotency_key": f"in:{message.channel.value}:{reply_to}:{index}",
                "recipient_kind": RecipientKind.STAFF,
                "citizen_id": None,
                "staff_id": turn.staff.id if turn.staff is not None else None,
                "report_id": None,
                "channel": message.channel,
                "address": message.external_user_id,
                "template": f"officer:{key}"[:80],
                "body": body,
                "payload": payload,
                "status": OutboxStatus.PENDING,
                "attempts": 0,
                "next_attempt_at": turn.now,
                "created_at": turn.now,
            }
        )
    return rows


# -- linking --------------------------------------------------------------------------------------


def _link(turn: _Turn, code: str) -> None:
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


def _act(turn: _Turn) -> None:
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


def _choice(turn: _Turn, data: str) -> None:
    parts = data.split(":", 2)
    if parts[:1] != ["of"] or len(parts) < 2:
        turn.say("help")
        return
    verb = parts[1]
    code = parts[2] if len(parts) > 2 else ""
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


def _console(turn: _Turn, path: str) -> str:
    return turn.runtime.settings.public_base_url.rstrip("/") + "/console" + path


def _last_buttons(turn: _Turn) -> list[str]:
    """The choices of our last message to this chat: on WhatsApp, "1" answers its first."""
    return officer_chat.last_choices(turn.db, turn.message.channel, turn.message.external_user_id)


def _replied_report(turn: _Turn) -> str | None:
    """The report of the notification this message replies to, if it replies to one."""
    reply_to = turn.message.reply_to
    if not reply_to:
        return None
    return officer_chat.replied_report_code(
        turn.db, turn.message.channel, turn.message.external_user_id, reply_to
    )


def _text(turn: _Turn, text: str) -> None:
    lowered = text.lower()
    if lowered.isdigit():
        choices = _last_buttons(turn)
        number = int(lowered)
        if 1 <= number <= len(choices):
            _choice(turn, choices[number - 1])
            return
    command = _COMMAND.match(text)
    if command is not None:
        _command(turn, command.group(1).lower(), command.group(2).strip())
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


def _command(turn: _Turn, name: str, rest: str) -> None:
    if name == "unlink":
        assert turn.staff is not None
        officer_chat.unlink(turn.db, staff=turn.staff, channel=turn.message.channel)
        turn.state, turn.data = State.IDLE, {}
        turn.say("unlinked")
    elif name in ("tugas", "tasks"):
        _tasks(turn)
    elif name in ("jawab", "answer", "info"):
        action = "info" if name == "info" else "answer"
        code, _, body = rest.partition(" ")
        canonical = tracking.normalize(code) if code else None
        if canonical is None or not body.strip():
            turn.say(f"usage_{action}")
            return
        _draft(turn, action, canonical, body.strip())
    elif name in ("batal", "cancel"):
        _cancel(turn)
    else:  # /start, /help, /bantuan and anything unknown
        turn.say("help")


def _allowed(turn: _Turn, action: str, code: str) -> Report | None:
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


def _actor(turn: _Turn) -> Actor:
    assert turn.staff is not None
    return Actor.staff(turn.staff, via=turn.message.channel.value)


def _draft(turn: _Turn, action: str, code: str, text: str) -> None:
    report = _allowed(turn, action, code)
    if report is None:
        return
    _ask_confirmation(turn, action, report.tracking_code, text)


def _ask_confirmation(turn: _Turn, action: str, code: str, text: str) -> None:
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


def _cancel(turn: _Turn) -> None:
    turn.state, turn.data = State.OFFICER, {}
    turn.say("cancelled")


def _confirm(turn: _Turn) -> None:
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


def _tasks(turn: _Turn) -> None:
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
