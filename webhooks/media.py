"""``/media/{token}``: a report photo for a linked officer's WhatsApp chat.

Twilio sends a picture by fetching a URL, so the outbox gives it a signed, expiring link to one
stored attachment (``reports.officer_chat.photo_token``); the link names no report and no id
that could be walked. Anything else (bad signature, expired, gone, not an image) is the same 404.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, Response

from reports.attachments import open_path
from reports.lifecycle import DomainError
from reports.models import Attachment
from reports.officer_chat import photo_of_token
from reports.runtime import Runtime

router = APIRouter(tags=["webhooks"])
_HEADERS = {"Cache-Control": "private, no-store", "X-Content-Type-Options": "nosniff"}


@router.get("/media/{token}", include_in_schema=False)
def officer_photo(request: Request, token: str) -> Response:
    runtime: Runtime = request.app.state.runtime
    secret = runtime.settings.session_secret.get_secret_value()
    attachment_id = photo_of_token(secret, token) if len(token) <= 200 else None
    if attachment_id is None:
        return Response(status_code=404, headers=_HEADERS)
    with runtime.sessions() as db:
        item = db.get(Attachment, attachment_id)
        if item is None or item.report_id is None or not item.content_type.startswith("image/"):
            return Response(status_code=404, headers=_HEADERS)
        try:
            path = open_path(runtime.settings.attachments_dir, item)
        except DomainError:
            return Response(status_code=404, headers=_HEADERS)
        media_type = item.content_type
    if not path.is_file():
        return Response(status_code=404, headers=_HEADERS)
    return FileResponse(path, media_type=media_type, headers=_HEADERS)
