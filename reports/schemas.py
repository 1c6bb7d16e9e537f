"""The intake document (API v1), validated strictly: unknown fields are refused."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    IPvAnyAddress,
    StringConstraints,
)

ShortText = Annotated[str, StringConstraints(max_length=255)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ContentIn(Strict):
    id: ShortText | None = None
    url: Annotated[str, StringConstraints(max_length=2048)] | None = None
    posted_at: AwareDatetime | None = None


class IpEventIn(Strict):
    ip: IPvAnyAddress
    type: Literal["upload", "login", "unknown"] = "unknown"
    at: AwareDatetime | None = None


class UploaderIn(Strict):
    id: ShortText | None = None
    screen_name: ShortText | None = None
    email: ShortText | None = None
    ip_events: Annotated[list[IpEventIn], Field(max_length=1000)] = []


class VictimIn(Strict):
    """A child the report names, as the platform knows them (an account, an age)."""

    id: ShortText | None = None
    screen_name: ShortText | None = None
    email: ShortText | None = None
    age: Annotated[int, Field(ge=0, le=17)] | None = None


class ReporterIn(Strict):
    id: ShortText | None = None
    kind: Literal["user", "classifier", "staff", "trusted_flagger"] | None = None


class ClassifierIn(Strict):
    name: ShortText
    score: Annotated[float, Field(ge=0, le=1)] | None = None
    labels: Annotated[list[ShortText], Field(max_length=100)] = []


class MediaIn(Strict):
    filename: ShortText
    content_base64: str


class ReportIn(Strict):
    source: Literal["user_report", "classifier", "hash_match", "trusted_flagger", "api"]
    external_id: Annotated[str, StringConstraints(min_length=1, max_length=255)]
    reported_at: AwareDatetime
    reason: Literal["csam", "csam_ai_generated", "grooming", "sextortion", "other"]
    description: Annotated[str, StringConstraints(max_length=20000)] = ""
    child_in_imminent_danger: bool = False
    jurisdiction: Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}$")] | None = None
    content: ContentIn | None = None
    uploader: UploaderIn | None = None
    reporter: ReporterIn | None = None
    victim: VictimIn | None = None
    classifier: ClassifierIn | None = None
    media: list[MediaIn] = []


class MatchOut(BaseModel):
    list: str
    kind: str
    distance: int
    category: str | None


class MediaOut(BaseModel):
    id: int
    filename: str
    status: str
    sha256: str | None
    md5: str | None
    pdq: str | None
    pdq_quality: int | None
    content_type: str
    width: int
    height: int
    size: int
    preview_ready: bool
    error: str | None
    matches: list[MatchOut] = []


class EscalationOut(BaseModel):
    target: str
    state: str
    hotline_id: str | None


class ReportOut(BaseModel):
    id: int
    status: str
    source: str
    external_id: str
    received_at: AwareDatetime
    media: list[MediaOut]
    case_id: int | None = None
    case_status: str | None = None
    verdict: str | None = None
    escalations: list[EscalationOut] = []


class ReceivedOut(BaseModel):
    id: int
    status: str


class ErrorItem(BaseModel):
    field: str
    message: str


class ErrorsOut(BaseModel):
    errors: list[ErrorItem]
