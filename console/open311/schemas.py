"""GeoReport v2 documents as pydantic models, so the OpenAPI schema documents (and schemathesis
checks) exactly what Open311 clients receive. Field names are the specification's."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field


class Service(BaseModel):
    """One service: an agency and a report type (``service_code`` = ``<agency>-<type>``)."""

    service_code: str = Field(
        examples=["pupr-complaint"],
        description="no dot; the first published form (pupr.complaint) is still accepted",
    )
    service_name: str = Field(examples=["Dinas Pekerjaan Umum dan Penataan Ruang: pengaduan"])
    description: str
    metadata: bool = Field(description="true: see services/{service_code}.json for attributes")
    type: Literal["realtime", "batch", "blackbox"] = "realtime"
    keywords: str = Field(description="comma-separated")
    group: str = Field(description="the responsible agency's name")


class AttributeValue(BaseModel):
    key: str
    name: str


class Attribute(BaseModel):
    variable: bool = True
    code: str
    datatype: Literal["string", "number", "datetime", "text", "singlevaluelist", "multivaluelist"]
    required: bool
    datatype_description: str | None = None
    order: int
    description: str
    values: list[AttributeValue] = Field(default_factory=list)


class ServiceDefinition(BaseModel):
    service_code: str
    attributes: list[Attribute]


class ServiceRequest(BaseModel):
    """A report as the public may see it: never anything that identifies the reporter."""

    service_request_id: str = Field(description="our tracking code", examples=["SW-7KQ4-M2XD"])
    status: Literal["open", "closed"]
    status_notes: str = Field(
        description="our stage, in words (Indonesian by default, ?lang=en for English)"
    )
    service_name: str | None
    service_code: str | None = Field(description="null until verified or after a return")
    description: str | None = Field(
        description="the report text; null for reports not yet verified"
    )
    agency_responsible: str | None
    service_notice: str | None = None
    requested_datetime: str = Field(examples=["2026-11-23T09:15:00+07:00"])
    updated_datetime: str
    expected_datetime: str | None = Field(
        description="the current deadline of the running stage; null when closed or paused"
    )
    address: str | None
    address_id: str | None = None
    zipcode: str | None = None
    lat: float | None
    long: float | None
    media_url: str | None = None


class CreatedRequest(BaseModel):
    service_request_id: str = Field(examples=["SW-7KQ4-M2XD"])
    service_notice: str
    account_id: str | None = None
