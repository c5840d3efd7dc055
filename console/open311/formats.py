"""The two GeoReport v2 representations: ``.json`` and ``.xml`` of the same documents.

Every endpoint builds plain dicts once and :func:`render` writes them in the format the path
asked for, so the XML can never say more (or less) than the JSON.
"""

from __future__ import annotations

from typing import Any, Final, Literal, cast
from xml.etree import ElementTree

from fastapi.responses import JSONResponse, Response

Format = Literal["json", "xml"]
XML_MEDIA_TYPE: Final = "text/xml; charset=utf-8"
#: Said explicitly: some Open311 clients decode a body without a charset as Latin-1, and our
#: agency names and report texts are not ASCII.
JSON_MEDIA_TYPE: Final = "application/json; charset=utf-8"
#: OpenAPI: the XML variant of a 2xx answer (its structure mirrors the JSON schema).
XML_CONTENT: Final = {"text/xml": {"schema": {"type": "string"}}}

#: list element -> item element, as in the specification's examples
ITEM_TAGS: Final = {
    "services": "service",
    "service_requests": "request",
    "attributes": "attribute",
    "values": "value",
    "errors": "error",
    "endpoints": "endpoint",
    "formats": "format",
}


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _fill(element: ElementTree.Element, value: Any) -> None:
    if isinstance(value, dict):
        for key, item in value.items():
            _fill(ElementTree.SubElement(element, key), item)
    elif isinstance(value, list):
        tag = ITEM_TAGS.get(element.tag, "item")
        for item in value:
            _fill(ElementTree.SubElement(element, tag), item)
    else:
        element.text = _text(value)


def to_xml(root: str, document: Any) -> bytes:
    element = ElementTree.Element(root)
    _fill(element, document)
    return cast(bytes, ElementTree.tostring(element, encoding="utf-8", xml_declaration=True))


class Open311JSONResponse(JSONResponse):
    media_type = JSON_MEDIA_TYPE


def render(
    fmt: Format,
    root: str,
    document: Any,
    status_code: int = 200,
    headers: dict[str, str] | None = None,
) -> Response:
    """``document`` (lists and dicts of plain values) as JSON, or as XML under ``root``."""
    if fmt == "xml":
        return Response(to_xml(root, document), status_code, headers, media_type=XML_MEDIA_TYPE)
    return Open311JSONResponse(document, status_code, headers)
