"""One turn of a conversation: what came in, who sent it, the state, and the replies going out.

A :class:`Turn` is built by the pipeline inside the caller's transaction; flows read and change
``state`` and ``data`` and append :class:`Reply` objects. Nothing here sends anything: the pipeline
turns replies into outbox rows after the flows ran.

Flows reach the database only through :attr:`Turn.db` (to change anything) and :attr:`Turn.reads`
(to query). The first use of ``db`` opens a savepoint, so that everything the engine wrote can be
undone if the engine fails (the pipeline then keeps the receipt and apologises); queries need no
undoing, so a turn that only reads (a status check, "what did we last ask?") or needs no database
at all (a new contact describing a problem) pays for no savepoint: two round trips less.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session, SessionTransaction

from bot.channels import Button
from bot.inbound import InboundMessage
from bot.messages import t
from bot.states import State
from reports import notify
from reports.messages import format_date
from reports.models import Citizen

if TYPE_CHECKING:
    from reports.runtime import Runtime


@dataclass(frozen=True)
class Reply:
    key: str  # catalogue key of the main text: recorded as the outbox template ("bot:<key>")
    text: str
    buttons: tuple[Button, ...] = ()
    report_id: int | None = None


@dataclass(frozen=True)
class LastOutbound:
    """Our latest outbox row to this contact: what it was and what answer it expects, if any."""

    template: str
    expects: str | None


@dataclass
class Turn:
    session: Session  # the pipeline's transaction; flows use ``db``
    runtime: Runtime
    citizen_id: int
    citizen_name: str | None  # display name, if the channel told us one
    message: InboundMessage
    text: str  # cleaned: no NUL bytes, length-capped
    now: datetime
    state: str
    data: dict[str, Any]
    language: str
    #: The citizen was created by this very message, so they have no reports and no domain
    #: notices yet: flows skip the queries that could only find nothing.
    new_citizen: bool = False
    replies: list[Reply] = field(default_factory=list)
    savepoint: SessionTransaction | None = field(default=None, init=False, repr=False)
    _last_outbound: LastOutbound | None = field(default=None, init=False, repr=False)
    _last_outbound_read: bool = field(default=False, init=False, repr=False)

    @property
    def db(self) -> Session:
        """The session, inside the engine's savepoint (opened on first use, see module doc)."""
        if self.savepoint is None:
            self.savepoint = self.session.begin_nested()
        return self.session

    @property
    def reads(self) -> Session:
        """The session for queries only: no savepoint is opened for them (see module doc)."""
        return self.session

    @property
    def citizen(self) -> Citizen:
        """The citizen as an ORM object, for the use cases that take one (loaded on demand: most
        turns only need the id)."""
        citizen = self.db.get(Citizen, self.citizen_id)
        assert citizen is not None  # the pipeline found or created this row in this transaction
        return citizen

    def has_reports(self) -> bool:
        """False when the citizen certainly has no report (so a query would find nothing)."""
        return not self.new_citizen

    def last_outbound(self) -> LastOutbound | None:
        """Our last message to this contact (read once per turn, and only when a flow asks).

        This turn's own replies are not in the outbox yet, so the answer cannot change during
        the turn.
        """
        if not self._last_outbound_read:
            row = notify.last_sent_to(
                self.reads, self.message.channel, self.message.external_user_id
            )
            if row is not None:
                expects = (row.payload or {}).get("expects")
                self._last_outbound = LastOutbound(
                    row.template, expects if isinstance(expects, str) else None
                )
            self._last_outbound_read = True
        return self._last_outbound

    def expects(self) -> str | None:
        """The answer our last message asked for ("info_reply", "rating"...), if any."""
        last = self.last_outbound()
        return last.expects if last is not None else None

    def say(
        self,
        key: str,
        *,
        buttons: tuple[Button, ...] | list[Button] = (),
        report_id: int | None = None,
        extra: str | None = None,
        **values: object,
    ) -> None:
        """Queue the catalogue text ``key`` (plus an optional already-rendered ``extra`` line)."""
        text = t(key, self.language, **values)
        if extra:
            text = f"{text}\n\n{extra}"
        self.replies.append(Reply(key, text, tuple(buttons), report_id))

    def lead_with(self, key: str, **values: object) -> None:
        """Put the catalogue text ``key`` in front of the last queued reply: an acknowledgement
        and the next question arrive as one message, not two."""
        last = self.replies[-1]
        self.replies[-1] = replace(last, text=f"{t(key, self.language, **values)}\n\n{last.text}")

    def tr(self, key: str, **values: object) -> str:
        return t(key, self.language, **values)

    def button(self, key: str, data: str) -> Button:
        return Button(t(key, self.language), data)

    def date(self, instant: datetime | None) -> str:
        if instant is None:
            return "-"
        return format_date(instant, self.language, self.runtime.settings.tz)

    def reset(self) -> None:
        """Back to idle, forgetting any draft or question in progress."""
        self.state = State.IDLE
        self.data = {k: v for k, v in self.data.items() if k in PERSISTENT_KEYS}


#: Conversation data that survives a reset (limits bookkeeping, not flow state).
PERSISTENT_KEYS = frozenset({"recent", "flood_warned_at"})
