"""Open311 GeoReport v2 under ``/open311/v2/`` (https://wiki.open311.org/GeoReport_v2).

Design choices (documented for integrators in the OpenAPI descriptions too):

- **Services are agency x report type**: ``service_code`` = ``<agency code>-<report type>``, e.g.
  ``pupr-complaint``; the catch-all agency ``lainnya`` is not a service. Codes carry no dot, so a
  tool that splits ``services/pupr-complaint.json`` on the first dot still finds the format; the
  first codes (``pupr.complaint``) are still accepted everywhere a code is read. A submitted
  request is *not* forwarded to that agency: the code is kept as the submitter's suggestion (shown
  to the verifier next to the NLU's) and the verifier decides, as for every other channel.
- **Submitting** follows the specification's optional fields: no ``description`` (the service
  names the problem), no contact at all (the citizen chose not to be reachable), or only a phone.
  ``api_key`` is read from the body or the query string (:mod:`console.open311.deps`).
- **Errors** are the specification's list of ``{code, description}`` in the URL's format, with
  its statuses: 400 invalid input, 403 api_key, 404 unknown (:mod:`console.open311.errors`).
- **Privacy**: a confidential report is never listed and never retrievable (404, as for an unknown
  id). Nothing identifying a reporter (name, e-mail, phone, device id, channel) is ever in a
  response, for any report. Until a report is verified, its text and location are withheld
  (``description``/``address``/``lat``/``long`` are null): nobody has checked yet whether it
  must be confidential. Lists contain verified reports only.
- ``status_notes`` carries our stage in words, ``expected_datetime`` the running stage's deadline.
- Times are ISO 8601 with the deployment's UTC offset; ``start_date``/``end_date`` must carry one.
- A list answers the specification's first 1000 requests unless the client pages (``page``,
  ``page_size``: the common extension): most clients never page.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from typing import Annotated, Final, cast
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Form, Path, Query, Request
from fastapi.responses import Response
from starlette.exceptions import HTTPException

from console.deps import SessionDep, get_runtime
from console.i18n import gettext
from console.i18n.public import language
from console.open311 import intake, service_codes
from console.open311.deps import IntakeKey
from console.open311.documents import request_doc
from console.open311.errors import documented
from console.open311.formats import XML_CONTENT, Format, render
from console.open311.schemas import (
    Attribute,
    AttributeValue,
    CreatedRequest,
    Service,
    ServiceDefinition,
    ServiceRequest,
)
from reports import access, agencies, citizen_cases, public_requests, tracking
from reports.enums import Channel, Privacy, ReportType
from reports.lifecycle import DomainError
from reports.messages import TYPE_NAMES
from reports.models import Report

log = logging.getLogger(__name__)

DEFAULT_WINDOW: Final = timedelta(days=90)  # the specification's default query window
MAX_RESULTS: Final = 1000  # and its maximum result count
#: Without ``page_size`` a client gets what the specification promises: the first 1000. Clients
#: that do not page (georeport, open311, three) would otherwise never see past the first page.
DEFAULT_PAGE_SIZE: Final = MAX_RESULTS
MAX_PAGE: Final = 100

router = APIRouter(
    prefix="/open311/v2", tags=["open311"], responses=documented(400, s400="invalid parameters")
)

FormatPath = Annotated[Format, Path(description="json or xml")]
Lang = Annotated[str | None, Query(description="id (default) or en", pattern="^(id|en)$")]
Jurisdiction = Annotated[
    str | None, Query(max_length=100, description="accepted and ignored: one jurisdiction")
]


# -- helpers ---------------------------------------------------------------------------------------


def _instant(value: str | None, name: str, tz: ZoneInfo) -> datetime | None:
    """ISO 8601 as the specification asks; a date or a time without offset is read as local."""
    if value is None or not value.strip():
        return None
    try:
        parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        raise _bad(f"{name}: use ISO 8601, e.g. 2026-11-23T00:00:00+07:00") from None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=tz)


def _bad(description: str) -> HTTPException:
    return HTTPException(400, description)


def _not_found(description: str) -> HTTPException:
    return HTTPException(404, description)


def _csv(value: str | None, limit: int = 100) -> list[str]:
    items = [v.strip() for v in (value or "").split(",") if v.strip()]
    if len(items) > limit:
        raise _bad(f"at most {limit} values")
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
    """Every agency x report type a request can be filed under (``<agency>-<type>``)."""
    lang = language(lang)
    docs = [
        Service(
            service_code=code,
            service_name=f"{agency.name}: {TYPE_NAMES.text(rtype.value, lang)}",
            description=agency.description or agency.name,
            metadata=True,
            keywords=", ".join(str(k) for k in (agency.keywords or [])[:20]),
            group=agency.name,
        ).model_dump()
        for code, (agency, rtype) in service_codes.catalogue(db).items()
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
    lang: Lang = None,
    jurisdiction_id: Jurisdiction = None,
) -> Response:
    """One optional attribute, ``privacy``: send it as ``attribute[privacy]`` when posting."""
    code = service_codes.canonical(service_code, service_codes.catalogue(db))
    if code is None:
        raise _not_found("no such service_code")
    lang = language(lang)
    definition = ServiceDefinition(
        service_code=code,
        attributes=[
            Attribute(
                code="privacy",
                datatype="singlevaluelist",
                required=False,
                order=1,
                description=gettext(lang, "open311_privacy_help"),
                values=[
                    AttributeValue(key=p.value, name=gettext(lang, f"open311_privacy_{p.value}"))
                    for p in Privacy
                ],
            )
        ],
    )
    return render(fmt, "service_definition", definition.model_dump())


# -- requests ------------------------------------------------------------------------------------


@router.get(
    "/requests.{fmt}",
    response_model=list[ServiceRequest],
    summary="Query service requests",
    responses={200: {"content": XML_CONTENT}},
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
    page: Annotated[int, Query(ge=1, le=MAX_PAGE, description="extension: page number")] = 1,
    page_size: Annotated[
        int, Query(ge=1, le=MAX_RESULTS, description="extension: results per page")
    ] = DEFAULT_PAGE_SIZE,
    lang: Lang = None,
    jurisdiction_id: Jurisdiction = None,
) -> Response:
    """Verified, non-confidential requests, newest first, from the last 90 days by default.

    The first 1000 (the specification's maximum) unless the client pages: ``page_size`` (at
    most 1000) and ``page=2`` and so on.

    With ``service_request_id`` the other filters are ignored, as the specification says.
    """
    runtime = get_runtime(request)
    lang = language(lang)
    ids = _csv(service_request_id)
    offset = (page - 1) * page_size
    if ids:
        codes = {c for c in (tracking.normalize(i) for i in ids) if c}
        rows = public_requests.listed(db, codes=codes, offset=offset, limit=page_size)
    else:
        tz = runtime.clock.calendar.tz
        start = _instant(start_date, "start_date", tz)
        end = _instant(end_date, "end_date", tz)
        end = end or (start + DEFAULT_WINDOW if start else datetime.now(UTC))
        start = start or end - DEFAULT_WINDOW
        if start > end:
            raise _bad("start_date is after end_date")
        wanted = _csv(service_code)
        pairs: list[tuple[int, ReportType]] = []
        if wanted:
            catalogue = service_codes.catalogue(db)
            known = [service_codes.canonical(c, catalogue) for c in wanted]
            if None in known:
                raise _bad("unknown service_code")
            pairs = [(a.id, t) for a, t in (catalogue[c] for c in known if c is not None)]
        states = set(_csv(status))
        if not states <= {"open", "closed"}:
            raise _bad("status is open, closed or both")
        rows = public_requests.listed(
            db,
            since=start,
            until=end,
            services=pairs,
            open_=True if states == {"open"} else False if states == {"closed"} else None,
            offset=offset,
            limit=page_size,
        )
    by_id = agencies.by_id(db)
    tz = runtime.clock.calendar.tz
    # Built as plain JSON (the model documents it): validating 1,000 models again costs more
    # than the query.
    docs = [
        request_doc(r, by_id, tz, lang)
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
    row = public_requests.by_code(db, code) if code is not None else None
    if row is None or not access.publicly_listed(cast(Report, row)):
        raise _not_found("no such service request")
    tz = get_runtime(request).clock.calendar.tz
    doc = request_doc(row, agencies.by_id(db), tz, language(lang))
    return render(fmt, "service_requests", [doc])


Text = Annotated[str | None, Form(max_length=200)]


@router.post(
    "/requests.{fmt}",
    response_model=list[CreatedRequest],
    status_code=201,
    summary="Create a service request",
    responses={
        201: {"content": XML_CONTENT},
        **documented(
            403,
            404,
            s403="missing or invalid api_key (checked first)",
            s404="unknown service_code",
        ),
    },
)
def create_request(
    request: Request,
    db: SessionDep,
    submitter: IntakeKey,
    fmt: FormatPath,
    service_code: Annotated[str, Form(max_length=100)],
    description: Annotated[str | None, Form(max_length=4000)] = None,
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
    lang: Lang = None,
    jurisdiction_id: Jurisdiction = None,
) -> Response:
    """File a report for a citizen through a partner app (e.g. a city's own mobile app).

    Only ``service_code`` and a location (``lat`` and ``long``, ``address_string`` or
    ``address_id``) are required. The citizen is known by ``email``, else ``device_id``, else
    ``phone``, so later submissions from the same person land on the same citizen; with none of
    them the report is filed for nobody who can be reached. The report enters verification like
    every other: ``service_code`` is a suggestion for the verifier.
    """
    runtime = get_runtime(request)
    catalogue = service_codes.catalogue(db)
    code = service_codes.canonical(service_code, catalogue)
    if code is None:
        raise _not_found("unknown service_code")
    if (lat is None) != (long is None):
        raise _bad("give both lat and long")
    location = (address_string or "").strip() or None
    if lat is None and location is None and not (address_id or "").strip():
        raise _bad("a location is required: lat and long, address_string or address_id")
    agency, report_type = catalogue[code]
    now = datetime.now(UTC)
    citizen = citizen_cases.get_or_create_citizen(
        db, channel=Channel.WEB, external_id=intake.reporter(email, device_id, phone), now=now
    )
    name = " ".join(p.strip() for p in (first_name, last_name) if p and p.strip())
    if name and not citizen.display_name:
        citizen.display_name = name[:200]
    text = (description or "").strip()
    if not text:  # the verifier reads this in the citizen's language, as the rest of the thread
        citizen_lang = language(citizen.language)
        service_name = f"{agency.name}: {TYPE_NAMES.text(report_type.value, citizen_lang)}"
        text = gettext(citizen_lang, "open311_no_description", service=service_name)
    try:
        report = citizen_cases.submit_report(
            db,
            clock=runtime.clock,
            citizen=citizen,
            channel=Channel.WEB,
            report_type=report_type,
            title=intake.title(text),
            body=text,
            now=now,
            privacy=privacy or intake.DEFAULT_PRIVACY,
            location_text=location or (address_id or "").strip() or None,
            latitude=lat,
            longitude=long,
            nlu=citizen_cases.NluSuggestion(
                type=report_type.value,
                agency_code=agency.code,
                ranking={"source": "open311", "service_code": code},
                model_version="open311 service_code",  # the submitter's choice, no model's
            ),
        )
    except DomainError as exc:  # the refusal in the request's language, by its code
        raise _bad(exc.text(language(lang or citizen.language))) from None
    log.info("open311: %s filed %s", submitter, report.tracking_code)
    notice = gettext(
        language(lang or citizen.language), "open311_received", code=report.tracking_code
    )
    created = CreatedRequest(service_request_id=report.tracking_code, service_notice=notice)
    return render(fmt, "service_requests", [created.model_dump()], status_code=201)
