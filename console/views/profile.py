"""``/console/profile``: the signed-in staff member's chats (issue 15, officers in chat).

"Link a chat" makes a one-time code (``reports.officer_chat``) and shows it on the page it
answers, never in a redirect or the session: the code is as good as a password for 15 minutes.
Each linked chat has an "unlink" button. Every role may link a chat: officers act from it, heads
and managers receive their alerts and the digest there.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from console.deps import CsrfProtected, CurrentStaff, SessionDep
from console.views.common import NowDep
from console.views.templating import flash, render
from reports import officer_chat
from reports.enums import Channel
from reports.lifecycle import DomainError
from reports.models import StaffUser

router = APIRouter()
PAGE = "/console/profile"


def _page(request: Request, db: SessionDep, staff: StaffUser, **extra: object) -> HTMLResponse:
    chats = officer_chat.linked_chats(db, staff)
    return render(request, "profile.html", {"chats": chats, **extra}, staff=staff)


@router.get("/profile", response_class=HTMLResponse, include_in_schema=False)
def profile_page(request: Request, db: SessionDep, staff: CurrentStaff) -> Response:
    return _page(request, db, staff)


@router.post("/profile/link", include_in_schema=False, dependencies=[CsrfProtected])
def link_code(request: Request, db: SessionDep, now: NowDep, staff: CurrentStaff) -> Response:
    try:
        with db.begin_nested():
            issued = officer_chat.new_link_code(db, staff=staff, now=now)
    except DomainError as exc:
        return _page(request, db, staff, error=exc.text(staff.language))
    settings = request.app.state.settings
    return _page(
        request,
        db,
        staff,
        code=issued.code,
        expires_at=issued.expires_at,
        telegram_link=officer_chat.telegram_link(settings.telegram_bot_username, issued.code),
    )


@router.post("/profile/unlink", include_in_schema=False, dependencies=[CsrfProtected])
def unlink_chat(
    request: Request,
    db: SessionDep,
    staff: CurrentStaff,
    channel: Annotated[Channel, Form()],
) -> Response:
    with db.begin_nested():
        count = officer_chat.unlink(db, staff=staff, channel=channel)
    flash(request, "profile_unlinked", n=count)
    return RedirectResponse(PAGE, status_code=303)
