"""The intake document (API v1), validated strictly: unknown fields are refused."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    GetCoreSchemaHandler,
    GetJsonSchemaHandler,
    IPvAnyAddress,
    StringConstraints,
    WithJsonSchema,
)
from pydantic import Strict as StrictType
from pydantic_core import PydanticCustomError, core_schema

# Every string in a report ends up in PostgreSQL text or jsonb, which hold neither the NUL
# character nor a lone UTF-16 surrogate; both are refused here, by field, before anything is
# stored. The pattern tells clients the same.
NO_NUL_PATTERN = r"^[^\u0000]*$"
BASE64_PATTERN = r"^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$"
# Every time zone in use lies within ±14:00, as does XML Schema's dateTime (the hotlines'
# documents); PostgreSQL refuses offsets from ±16:00.
MAX_UTC_OFFSET = timedelta(hours=14)


def _storable_text(value: str) -> str:
    if "\x00" in value:
        raise PydanticCustomError("nul_character", "must not contain the NUL character (\\u0000)")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise PydanticCustomError(
            "unpaired_surrogate", "must be valid Unicode text (it has an unpaired surrogate)"
        ) from None
    return value


class StorableText:
    """Annotation: a string PostgreSQL can store, documented with NO_NUL_PATTERN."""

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        return core_schema.no_info_after_validator_function(_storable_text, handler(source))

    def __get_pydantic_json_schema__(
        self, schema: core_schema.CoreSchema, handler: GetJsonSchemaHandler
    ) -> dict[str, Any]:
        json_schema = handler(schema)
        json_schema.setdefault("pattern", NO_NUL_PATTERN)
        return json_schema


def _storable_moment(value: datetime) -> datetime:
    offset = value.utcoffset()
    if offset is None or abs(offset) > MAX_UTC_OFFSET:
        raise PydanticCustomError(
            "utc_offset_range", "the UTC offset must be between -14:00 and +14:00"
        )
    try:
        value.astimezone(UTC)
    except OverflowError:
        raise PydanticCustomError(
            "datetime_range", "must fall between the years 1 and 9999 in UTC"
        ) from None
    return value


def _string_only(value: Any) -> Any:
    if not isinstance(value, str):
        raise PydanticCustomError("ip_type", "must be an IPv4 or IPv6 address as a string")
    return value


ShortText = Annotated[str, StringConstraints(max_length=255), StorableText()]
Timestamp = Annotated[AwareDatetime, AfterValidator(_storable_moment)]
IpAddress = Annotated[
    IPvAnyAddress,
    BeforeValidator(_string_only),
    WithJsonSchema({"type": "string", "anyOf": [{"format": "ipv4"}, {"format": "ipv6"}]}),
]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ContentIn(Strict):
    id: ShortText | None = None
    url: Annotated[str, StringConstraints(max_length=2048), StorableText()] | None = None
    posted_at: Timestamp | None = None


class IpEventIn(Strict):
    ip: IpAddress
    type: Literal["upload", "login", "unknown"] = "unknown"
    at: Timestamp | None = None


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
    age: Annotated[int, StrictType(), Field(ge=0, le=17)] | None = None


class ReporterIn(Strict):
    id: ShortText | None = None
    kind: Literal["user", "classifier", "staff", "trusted_flagger"] | None = None


class ClassifierIn(Strict):
    name: ShortText
    # Strict: a JSON true or false is not a score (a whole number still is).
    score: Annotated[float, StrictType(), Field(ge=0, le=1, allow_inf_nan=False)] | None = None
    labels: Annotated[list[ShortText], Field(max_length=100)] = []


class MediaIn(Strict):
    filename: ShortText
    content_base64: Annotated[
        str, Field(json_schema_extra={"contentEncoding": "base64", "pattern": BASE64_PATTERN})
    ]


class ReportIn(Strict):
    source: Literal["user_report", "classifier", "hash_match", "trusted_flagger", "api"]
    external_id: Annotated[str, StringConstraints(min_length=1, max_length=255), StorableText()]
    reported_at: Timestamp
    reason: Literal["csam", "csam_ai_generated", "grooming", "sextortion", "other"]
    description: Annotated[str, StringConstraints(max_length=20000), StorableText()] = ""
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
    distance: int | None = None  # not for kind vpdq
    category: str | None
    query_match_percent: float | None = None  # kind vpdq: the video's frames that matched
    compared_match_percent: float | None = None  # kind vpdq: the entry's frames that matched
    timestamp: float | None = None  # a video frame against an image list: its time (s)
    segment_start: float | None = None  # kind vpdq: the first matched frame's time (s)
    segment_end: float | None = None  # kind vpdq: the last matched frame's time (s)


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
    vpdq_frames: int | None = None  # videos: how many vPDQ frame hashes


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
    verdict: str | None = Field(
        None, description="The case's verdict as soon as a reviewer records it; null before"
    )
    verdict_final: bool = Field(
        False, description="True once the verdict is approved or needed no approval"
    )
    escalations: list[EscalationOut] = []


class ReceivedOut(BaseModel):
    id: int
    status: str


class ErrorItem(BaseModel):
    field: str
    message: str


class ErrorsOut(BaseModel):
    errors: list[ErrorItem]


class BatchItemOut(BaseModel):
    """One item's answer, by its position in the request: 201 or 200 with the report, or the
    single endpoint's error status with its errors (fields named from the request: [3].reason)."""

    index: int
    status: int
    report: ReceivedOut | None = None
    errors: list[ErrorItem] | None = None
    retry_after: int | None = None


class BatchOut(BaseModel):
    results: list[BatchItemOut]
    created: int
    repeated: int
    refused: int


# --- The request body as OpenAPI documents it ---------------------------------------------

COMPONENT_REF = "#/components/schemas/{model}"
# In a multipart request these fields are form fields holding the object as JSON text.
FORM_JSON_FIELDS = ("content", "uploader", "reporter", "victim", "classifier")


def _ref(name: str) -> dict[str, str]:
    return {"$ref": COMPONENT_REF.format(model=name)}


def _not_null(schema: dict[str, Any]) -> dict[str, Any]:
    """A property schema without its null branch: a form field is absent, never null."""
    branches = [b for b in schema.get("anyOf", ()) if b.get("type") != "null"]
    if len(branches) != 1:
        return schema
    rest = {k: v for k, v in schema.items() if k not in ("anyOf", "default")}
    return {**rest, **branches[0]}


def _form_schema(document: dict[str, Any]) -> dict[str, Any]:
    properties: dict[str, Any] = {}
    for name, schema in document["properties"].items():
        field = _not_null(schema)
        if name in FORM_JSON_FIELDS:
            field = {
                "title": field.get("title", name),
                "description": "the object as JSON text",
                "type": "string",
                "contentMediaType": "application/json",
                "contentSchema": {"$ref": field["$ref"]},
            }
        elif name == "child_in_imminent_danger":
            field = {**field, "type": "string", "enum": ["true", "false"], "default": "false"}
        elif name == "media":
            field = {
                "title": "Media",
                "description": "the files, one part each",
                "type": "array",
                "items": {"type": "string", "format": "binary"},
            }
        properties[name] = field
    return {
        "title": "ReportForm",
        "description": "The report as multipart/form-data: the same fields as form fields, "
        "the files in parts named media.",
        "type": "object",
        "properties": properties,
        "required": document["required"],
        "additionalProperties": False,
    }


def request_body_openapi() -> tuple[dict[str, Any], dict[str, Any]]:
    """POST /reports' requestBody for OpenAPI, and the component schemas it refers to (every
    reference points into #/components/schemas, where client generators look)."""
    document = ReportIn.model_json_schema(ref_template=COMPONENT_REF)
    components = document.pop("$defs")
    components["ReportIn"] = document
    components["ReportForm"] = _form_schema(document)
    body = {
        "required": True,
        "content": {
            "application/json": {"schema": _ref("ReportIn")},
            "multipart/form-data": {"schema": _ref("ReportForm")},
        },
    }
    return body, components


NDJSON = "application/x-ndjson"


def batch_body_openapi(max_items: int) -> dict[str, Any]:
    """POST /reports/batch's requestBody: a JSON array of reports, or one report per line."""
    return {
        "required": True,
        "content": {
            "application/json": {
                "schema": {"type": "array", "items": _ref("ReportIn"), "maxItems": max_items}
            },
            NDJSON: {
                "schema": {
                    "type": "string",
                    "description": "One ReportIn object as JSON per line (NDJSON).",
                }
            },
        },
    }
