"""Open311 GeoReport v2 under ``/open311/v2/`` (https://wiki.open311.org/GeoReport_v2).

Design choices (documented for integrators in the OpenAPI descriptions too):

- **Services are agency x report type**: ``service_code`` = ``<agency code>.<report type>``, e.g.
  ``pupr.complaint``; the catch-all agency ``lainnya`` is not a service. A submitted request is
  *not* forwarded to that agency: the code is kept as the submitter's suggestion (shown to the
  verifier next to the NLU's) and the verifier decides, as for every other channel.
- **Privacy**: a confidential report is never listed and never retrievable (404, as for an unknown
  id). Nothing identifying a reporter (name, e-mail, phone, device id, channel) is ever in a
  response, for any report. Until a report is verified, its text and location are withheld
  (``description``/``address``/``lat``/``long`` are null): nobody has checked yet whether it
  must be confidential. Lists contain verified reports only.
- ``status_notes`` carries our stage in words, ``expected_datetime`` the running stage's deadline.
- Times are ISO 8601 with the deployment's UTC offset; ``start_date``/``end_date`` must carry one.
"""

from __future__ import annotations

import hmac
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any, Final, cast
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Form, Path, Query, Request
from fastapi.responses import Response
from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from console import tokens
from console.deps import SessionDep, get_runtime
from console.open311.formats import XML_CONTENT, Format, render
from console.open311.schemas import (
    Attribute,
    AttributeValue,
    CreatedRequest,
    Service,
    ServiceDefinition,
    ServiceRequest,
)
from console.problems import Problem, documented
from console.public import content_public, language, stage_label
from reports import access, service, tracking
from reports.enums import OPEN_STATUSES, Channel, Privacy, ReportType, Role, Status
from reports.lifecycle import DomainError
from reports.messages import en as en_messages
from reports.messages import id as id_messages
from reports.models import Agency, Report
from webhooks.runtime import Runtime

DEFAULT_WINDOW: Final = timedelta(days=90)  # the specification's default query window
MAX_RESULTS: Final = 1000  # and its maximum result count
DEFAULT_PAGE_SIZE: Final = 100  # the common page/page_size extension; 1000 documents cost ~0.3 s
CATCH_ALL_AGENCY: Final = "lainnya"
TYPE_NAMES: Final = {"id": id_messages.TYPE_NAMES, "en": en_messages.TYPE_NAMES}
PRIVACY_NAMES: Final = {
    Privacy.PUBLIC: "Biasa / public",
    Privacy.ANONYMOUS: "Anonim: identitas disembunyikan / anonymous",
    Privacy.CONFIDENTIAL: "Rahasia: seluruh laporan disembunyikan / confidential",
}
#: Open311 clients rarely ask their users about privacy; default to protecting the reporter.
DEFAULT_PRIVACY: Final = Privacy.ANONYMOUS
INTAKE_ROLES: Final = frozenset({Role.ADMIN, Role.VERIFIER})

router = APIRouter(
    prefix="/open311/v2", tags=["open311"], responses=documented(422, s422="invalid parameters")
)

FormatPath = Annotated[Format, Path(description="json or xml")]
Lang = Annotated[str | None, Query(description="id (default) or en", pattern="^(id|en)$")]
Jurisdiction = Annotated[
    str | None, Query(max_length=100, description="accepted and ignored: one jurisdiction")
]


# -- helpers -------------------------------------------------------------------------------------


def _services(db: Session) -> dict[str, tuple[Agency, ReportType]]:
    agencies = db.scalars(
        select(Agency).where(Agency.active.is_(True), Agency.code != CATCH_ALL_AGENCY)
    ).all()
    return {
        f"{agency.code}.{rtype.value}": (agency, rtype)
        for agency in sorted(agencies, key=lambda a: a.code)
        for rtype in ReportType
    }


#: The columns a public document is made of: reading only these (no ORM objects) keeps a
#: 1,000-request answer cheap.
PUBLIC_COLUMNS: Final = (
    Report.tracking_code,
    Report.status,
    Report.type,
    Report.privacy,
    Report.verified_at,
    Report.agency_id,
    Report.body,
    Report.location_text,
    Report.latitude,
    Report.longitude,
    Report.created_at,
    Report.updated_at,
    Report.verify_due_at,
    Report.response_due_at,
    Report.feedback_due_at,
)
DUE_COLUMN: Final = {
    Status.SUBMITTED: "verify_due_at",
    Status.FORWARDED: "response_due_at",
    Status.ANSWERED: "feedback_due_at",
}


def _request_doc(row: Any, agencies: dict[int, Agency], tz: ZoneInfo, lang: str) -> dict[str, Any]:
    """The public document of one report row (``PUBLIC_COLUMNS``), as :class:`ServiceRequest`."""
    agency = agencies.get(row.agency_id) if row.agency_id else None
    # The row has the attributes the access rules read (privacy, verified_at).
    show = content_public(cast(Report, row))
    due_column = DUE_COLUMN.get(row.status)

    def iso(instant: datetime | None) -> str | None:
        return instant.astimezone(tz).isoformat(timespec="seconds") if instant else None

    return {
        "service_request_id": row.tracking_code,
        "status": "open" if row.status in OPEN_STATUSES else "closed",
        "status_notes": stage_label(row.status, lang),
        "service_name": (
            f"{agency.name}: {TYPE_NAMES[lang][row.type.value]}" if agency and show else None
        ),
        "service_code": f"{agency.code}.{row.type.value}" if agency and show else None,
        "description": row.body if show else None,
        "agency_responsible": agency.name if agency and show else None,
        "service_notice": None,
        "requested_datetime": iso(row.created_at),
        "updated_datetime": iso(row.updated_at),
        "expected_datetime": iso(getattr(row, due_column)) if due_column else None,
        "address": row.location_text if show else None,
        "address_id": None,
        "zipcode": None,
        "lat": row.latitude if show else None,
        "long": row.longitude if show else None,
        "media_url": None,
    }


def _agencies(db: Session) -> dict[int, Agency]:
    return {a.id: a for a in db.scalars(select(Agency))}


def _instant(value: str | None, name: str, tz: ZoneInfo) -> datetime | None:
    """ISO 8601 as the specification asks; a date or a time without offset is read as local."""
    if value is None or not value.strip():
        return None
    try:
        parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        raise Problem(
            400, "bad-date", "Bad date", f"{name}: use ISO 8601, e.g. 2026-11-23T00:00:00+07:00"
        ) from None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=tz)


def _csv(value: str | None, limit: int = 100) -> list[str]:
    items = [v.strip() for v in (value or "").split(",") if v.strip()]
    if len(items) > limit:
        raise Problem(400, "too-many-values", "Too many values", f"at most {limit} values")
    return items


# -- services ------------------------------------------------------------------------------------


@router.get(
    "/services.{fmt}",
    response_model=list[Service],
    summary="List services",
    responses={200: {"content": XML_CONTENT}},
)
def services(
    db: SessionDep, fmt: FormatPath, lang: Lang = None, jurisdiction_id: Jurisdiction = None
) -> Response:
    """Every agency x report type a request can be filed under (``<agency>.<type>``)."""
    lang = language(lang)
    docs = [
        Service(
            service_code=code,
            service_name=f"{agency.name}: {TYPE_NAMES[lang][rtype.value]}",
            description=agency.description or agency.name,
            metadata=True,
            keywords=", ".join(str(k) for k in (agency.keywords or [])[:20]),
            group=agency.name,
        ).model_dump()
        for code, (agency, rtype) in _services(db).items()
    ]
    return render(fmt, "services", docs)


@router.get(
    "/services/{service_code}.{fmt}",
    response_model=ServiceDefinition,
    summary="Service definition (attributes)",
    responses={
        200: {"content": XML_CONTENT},
        **documented(404, s404="unknown service code"),
    },
)
def service_definition(
    db: SessionDep,
    service_code: Annotated[str, Path(max_length=100)],
    fmt: FormatPath,
    jurisdiction_id: Jurisdiction = None,
) -> Response:
    """One optional attribute, ``privacy``: send it as ``attribute[privacy]`` when posting."""
    if service_code not in _services(db):
        raise Problem(404, "unknown-service", "Unknown service", "no such service_code")
    definition = ServiceDefinition(
        service_code=service_code,
        attributes=[
            Attribute(
                code="privacy",
                datatype="singlevaluelist",
                required=False,
                order=1,
                description=(
                    "Who may see the report. Default: anonymous (the reporter's identity is "
                    "hidden from the agency and the public)."
                ),
                values=[AttributeValue(key=p.value, name=PRIVACY_NAMES[p]) for p in Privacy],
            )
        ],
    )
    return render(fmt, "service_definition", definition.model_dump())


# -- requests ------------------------------------------------------------------------------------


@router.get(
    "/requests.{fmt}",
    response_model=list[ServiceRequest],
    summary="Query service requests",
    responses={200: {"content": XML_CONTENT}, **documented(400, s400="bad filter value")},
)
def list_requests(
    request: Request,
    db: SessionDep,
    fmt: FormatPath,
    service_request_id: Annotated[
        str | None, Query(max_length=2000, description="comma-separated tracking codes")
    ] = None,
    service_code: Annotated[
        str | None, Query(max_length=2000, description="comma-separated service codes")
    ] = None,
    start_date: Annotated[
        str | None, Query(max_length=40, description="requested on or after (ISO 8601)")
    ] = None,
    end_date: Annotated[
        str | None, Query(max_length=40, description="requested before (ISO 8601)")
    ] = None,
    status: Annotated[
        str | None, Query(max_length=20, description="open, closed or open,closed")
    ] = None,
    page: Annotated[int, Query(ge=1, le=100, description="extension: page number")] = 1,
    page_size: Annotated[
        int, Query(ge=1, le=MAX_RESULTS, description="extension: results per page")
    ] = DEFAULT_PAGE_SIZE,
    lang: Lang = None,
    jurisdiction_id: Jurisdiction = None,
) -> Response:
    """Verified, non-confidential requests, newest first, from the last 90 days by default.

    Pages of ``page_size`` (default 100, at most 1000, the specification's maximum); ask for
    ``page=2`` and so on for more.

    With ``service_request_id`` the other filters are ignored, as the specification says.
    """
    runtime = get_runtime(request)
    lang = language(lang)
    query = select(*PUBLIC_COLUMNS).where(
        Report.privacy != Privacy.CONFIDENTIAL, Report.verified_at.is_not(None)
    )
    ids = _csv(service_request_id)
    if ids:
        codes = {c for c in (tracking.normalize(i) for i in ids) if c}
        query = query.where(Report.tracking_code.in_(codes or {""}))
    else:
        tz = runtime.clock.calendar.tz
        start = _instant(start_date, "start_date", tz)
        end = _instant(end_date, "end_date", tz)
        end = end or (start + DEFAULT_WINDOW if start else datetime.now(UTC))
        start = start or end - DEFAULT_WINDOW
        if start > end:
            raise Problem(400, "bad-date-range", "Bad date range", "start_date is after end_date")
        query = query.where(Report.created_at >= start, Report.created_at < end)
        wanted = _csv(service_code)
        if wanted:
            catalogue = _services(db)
            unknown = [c for c in wanted if c not in catalogue]
            if unknown:
                raise Problem(400, "unknown-service", "Unknown service", "unknown service_code")
            pairs = [catalogue[c] for c in wanted]
            query = query.where(
                or_(*(and_(Report.agency_id == a.id, Report.type == t) for a, t in pairs))
            )
        states = set(_csv(status))
        if not states <= {"open", "closed"}:
            raise Problem(400, "bad-status", "Bad status", "status is open, closed or both")
        if states == {"open"}:
            query = query.where(Report.status.in_(OPEN_STATUSES))
        elif states == {"closed"}:
            query = query.where(Report.status.not_in(OPEN_STATUSES))
    # Newest first by primary key: an index scan that stops at the limit, even over millions.
    offset = (page - 1) * page_size
    rows = db.execute(query.order_by(Report.id.desc()).offset(offset).limit(page_size)).all()
    agencies = _agencies(db)
    tz = runtime.clock.calendar.tz
    # Built as plain JSON (the model documents it): validating 1,000 models again costs more
    # than the query.
    docs = [
        _request_doc(r, agencies, tz, lang)
        for r in rows
        if access.publicly_listed(cast(Report, r))  # already in the WHERE; never rely on one
    ]
    return render(fmt, "service_requests", docs)


@router.get(
    "/requests/{service_request_id}.{fmt}",
    response_model=list[ServiceRequest],
    summary="One service request",
    responses={
        200: {"content": XML_CONTENT},
        **documented(404, s404="unknown id (or a confidential report: indistinguishable)"),
    },
)
def get_request(
    request: Request,
    db: SessionDep,
    service_request_id: Annotated[str, Path(max_length=40, description="the tracking code")],
    fmt: FormatPath,
    lang: Lang = None,
    jurisdiction_id: Jurisdiction = None,
) -> Response:
    """A one-element list, as the specification has it. Unverified reports come without content."""
    code = tracking.normalize(service_request_id)
    row = (
        db.execute(select(*PUBLIC_COLUMNS).where(Report.tracking_code == code)).first()
        if code is not None
        else None
    )
    if row is None or not access.publicly_listed(cast(Report, row)):
        raise Problem(404, "not-found", "Not found", "no such service request")
    tz = get_runtime(request).clock.calendar.tz
    return render(fmt, "service_requests", [_request_doc(row, _agencies(db), tz, language(lang))])


def _authorised(db: Session, runtime: Runtime, api_key: str) -> bool:
    """An active API token of the intake office (admin, verifier), or a configured Open311 key.

    Submitting on a citizen's behalf is intake work: managers are read-only and agency staff
    receive reports only through verification, so their tokens are refused here.
    """
    user = tokens.user_for_token(db, api_key, now=datetime.now(UTC))
    if user is not None:
        return user.role in INTAKE_ROLES
    configured = runtime.settings.open311_api_keys
    keys = [k.strip() for k in (configured.get_secret_value() if configured else "").split(",")]
    presented = api_key.encode()
    return any(k and hmac.compare_digest(k.encode(), presented) for k in keys)


def _title(description: str) -> str:
    first = description.strip().splitlines()[0] if description.strip() else ""
    return first[:80].rstrip() + ("..." if len(first) > 80 else "")


Text = Annotated[str | None, Form(max_length=200)]


@router.post(
    "/requests.{fmt}",
    response_model=list[CreatedRequest],
    status_code=201,
    summary="Create a service request",
    responses={
        201: {"content": XML_CONTENT},
        **documented(
            400,
            403,
            s400="missing location or reporter contact, unknown service",
            s403="missing or invalid api_key",
        ),
    },
)
def create_request(
    request: Request,
    db: SessionDep,
    fmt: FormatPath,
    api_key: Annotated[
        str, Form(max_length=200, description="an admin/verifier API token or an Open311 key")
    ],
    service_code: Annotated[str, Form(max_length=100)],
    description: Annotated[str, Form(min_length=1, max_length=4000)],
    lat: Annotated[float | None, Form(ge=-90, le=90)] = None,
    long: Annotated[float | None, Form(ge=-180, le=180)] = None,
    address_string: Annotated[str | None, Form(max_length=500)] = None,
    address_id: Text = None,
    email: Annotated[str | None, Form(max_length=100, pattern=r"^[^@\s]+@[^@\s]+$")] = None,
    device_id: Annotated[str | None, Form(max_length=100)] = None,
    account_id: Text = None,
    first_name: Text = None,
    last_name: Text = None,
    phone: Annotated[str | None, Form(max_length=40)] = None,
    media_url: Annotated[str | None, Form(max_length=1000)] = None,
    privacy: Annotated[
        Privacy | None, Form(alias="attribute[privacy]", description="see the service definition")
    ] = None,
) -> Response:
    """File a report for a citizen through a partner app (e.g. a city's own mobile app).

    The citizen is identified by ``email`` or else ``device_id`` (one is required) so later
    submissions from the same person land on the same citizen. The report enters verification
    like every other: ``service_code`` is a suggestion for the verifier.
    """
    runtime = get_runtime(request)
    if not _authorised(db, runtime, api_key):
        raise Problem(403, "invalid-api-key", "Invalid api_key", "missing or invalid api_key")
    catalogue = _services(db)
    if service_code not in catalogue:
        raise Problem(400, "unknown-service", "Unknown service", "unknown service_code")
    if (lat is None) != (long is None):
        raise Problem(400, "bad-location", "Bad location", "give both lat and long")
    location = (address_string or "").strip() or None
    if lat is None and location is None and not (address_id or "").strip():
        raise Problem(
            400, "missing-location", "Missing location", "give lat/long or address_string"
        )
    if email and email.strip():
        external_id = f"open311:email:{email.strip().lower()}"
    elif device_id and device_id.strip():
        external_id = f"open311:device:{device_id.strip()}"
    else:
        raise Problem(
            400, "missing-contact", "Missing contact", "give email or device_id of the reporter"
        )
    agency, report_type = catalogue[service_code]
    now = datetime.now(UTC)
    citizen = service.get_or_create_citizen(
        db, channel=Channel.WEB, external_id=external_id, now=now
    )
    name = " ".join(p.strip() for p in (first_name, last_name) if p and p.strip())
    if name and not citizen.display_name:
        citizen.display_name = name[:200]
    try:
        report = service.submit_report(
            db,
            clock=runtime.clock,
            citizen=citizen,
            channel=Channel.WEB,
            report_type=report_type,
            title=_title(description),
            body=description,
            now=now,
            privacy=privacy or DEFAULT_PRIVACY,
            location_text=location or (address_id or "").strip() or None,
            latitude=lat,
            longitude=long,
            nlu=service.NluSuggestion(
                type=report_type.value,
                agency_code=agency.code,
                ranking={"source": "open311", "service_code": service_code},
                model_version="open311 service_code",  # the submitter's choice, no model's
            ),
        )
    except DomainError as exc:
        raise Problem(400, "refused", "Request refused", str(exc)) from None
    lang = "id" if citizen.language != "en" else "en"
    notice = (
        "Laporan diterima dan menunggu verifikasi."
        if lang == "id"
        else "Report received; it is waiting for verification."
    )
    created = CreatedRequest(service_request_id=report.tracking_code, service_notice=notice)
    return render(fmt, "service_requests", [created.model_dump()], status_code=201)
