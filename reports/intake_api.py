"""The intake API, v1: POST /api/v1/reports, POST /api/v1/reports/batch,
GET /api/v1/reports/<id>."""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFilesSent
from django.http import Http404, HttpRequest, JsonResponse
from django.http.multipartparser import MultiPartParserError
from ninja import NinjaAPI, Path, Status
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.openapi.schema import OpenAPISchema
from ninja.security import HttpBearer

from reports import selectors
from reports.batch_intake import json_array_items, ndjson_items, receive_batch
from reports.intake import (
    IntakeRefused,
    Upload,
    field_path,
    raw_payload,
    read_json,
    receive_report,
    validate,
)
from reports.limits import too_large
from reports.schemas import (
    FORM_JSON_FIELDS,
    NDJSON,
    BatchOut,
    ErrorsOut,
    ReceivedOut,
    ReportOut,
    batch_body_openapi,
    request_body_openapi,
)
from reports.tokens import platform_for_token

log = logging.getLogger(__name__)

MAX_REPORT_ID = 2**63 - 1  # PostgreSQL's bigint

REQUEST_BODY, REQUEST_COMPONENTS = request_body_openapi()
RATE_LIMITED = {
    429: {
        "headers": {
            "Retry-After": {
                "description": "Seconds until the platform's pixel budget takes this report",
                "schema": {"type": "integer", "minimum": 1},
            }
        }
    }
}


class IntakeTokenAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str):
        return platform_for_token(token)


class IntakeAPI(NinjaAPI):
    """Ninja's API, its OpenAPI document also holding the request body's component schemas."""

    def get_openapi_schema(
        self, *, path_prefix: str | None = None, path_params: dict[str, Any] | None = None
    ) -> OpenAPISchema:
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        schema["components"]["schemas"].update(REQUEST_COMPONENTS)
        return schema


api = IntakeAPI(
    title="Casework intake API",
    version="1",
    urls_namespace="api-v1",
    openapi_url="/openapi.json",
    docs_url=None,
    auth=IntakeTokenAuth(),
)


def errors(status: int, items: list[dict[str, str]]) -> JsonResponse:
    return JsonResponse({"errors": items}, status=status)


@api.exception_handler(AuthenticationError)
def unauthorized(request: HttpRequest, exc: Exception) -> JsonResponse:
    response = errors(
        401, [{"field": "Authorization", "message": "missing, unknown or revoked bearer token"}]
    )
    response["WWW-Authenticate"] = "Bearer"
    return response


@api.exception_handler(ValidationError)
def invalid_parameters(request: HttpRequest, exc: ValidationError) -> JsonResponse:
    """A path or query parameter Ninja could not read, named as the body's fields are."""
    return errors(
        422, [{"field": field_path(tuple(e["loc"][1:])), "message": e["msg"]} for e in exc.errors]
    )


@api.exception_handler(HttpError)
def http_error(request: HttpRequest, exc: HttpError) -> JsonResponse:
    return errors(exc.status_code, [{"field": "request", "message": str(exc)}])


@api.exception_handler(Http404)
def not_found(request: HttpRequest, exc: Exception) -> JsonResponse:
    return errors(404, [{"field": "path", "message": "not found"}])


@api.exception_handler(Exception)
def unexpected(request: HttpRequest, exc: Exception) -> JsonResponse:
    """The last line: a bug answers a JSON 500 without detail, DEBUG or not; the log has it."""
    log.error("unexpected error answering %s %s", request.method, request.path, exc_info=exc)
    message = "Casework could not answer this request; the error is logged"
    return errors(500, [{"field": "request", "message": message}])


def _document_and_uploads(request: HttpRequest) -> tuple[Any, list[Upload]]:
    content_type = request.content_type or ""
    if content_type == "application/json":
        return read_json(request.body, "body", 400), []
    if content_type == "multipart/form-data":
        return _multipart(request)
    raise IntakeRefused(
        415,
        [
            {
                "field": "Content-Type",
                "message": "must be application/json or multipart/form-data",
            }
        ],
    )


def _multipart(request: HttpRequest) -> tuple[dict[str, Any], list[Upload]]:
    document: dict[str, Any] = {}
    problems: list[dict[str, str]] = []
    for name in request.POST:
        value = request.POST[name]
        if name in FORM_JSON_FIELDS:
            try:
                document[name] = read_json(value, name, 422, "must be a JSON object")
            except IntakeRefused as refused:
                problems += refused.errors
        elif name == "media":
            problems.append({"field": "media", "message": "must be sent as files"})
        else:
            document[name] = value
    for name in request.FILES:
        if name != "media":
            problems.append({"field": name, "message": "unknown file field (files go in 'media')"})
    if problems:
        raise IntakeRefused(422, problems)
    files = request.FILES.getlist("media")
    uploads = [Upload(f"media[{i}]", f.name or f"file{i}", f.read()) for i, f in enumerate(files)]
    return document, uploads


@api.post(
    "/reports",
    response={
        200: ReceivedOut,
        201: ReceivedOut,
        400: ErrorsOut,
        401: ErrorsOut,
        409: ErrorsOut,
        413: ErrorsOut,
        415: ErrorsOut,
        422: ErrorsOut,
        429: ErrorsOut,
        500: ErrorsOut,
    },
    openapi_extra={"requestBody": REQUEST_BODY, "responses": RATE_LIMITED},
    summary="Send a report",
)
def post_report(request: HttpRequest):
    try:
        document, uploads = _document_and_uploads(request)
        report_in, media = validate(document, uploads)
        report, created = receive_report(
            platform=request.auth,
            report=report_in,
            media=media,
            payload=raw_payload(document, uploads),
        )
    except RequestDataTooBig:
        return too_large("the request body is over the configured limit")
    except (MultiPartParserError, TooManyFilesSent) as exc:
        return errors(400, [{"field": "body", "message": f"malformed multipart body: {exc}"}])
    except IntakeRefused as refused:
        response = errors(refused.status, refused.errors)
        if refused.retry_after is not None:
            response["Retry-After"] = str(refused.retry_after)
        return response
    return Status(201 if created else 200, {"id": report.pk, "status": report.status})


@api.post(
    "/reports/batch",
    response={
        207: BatchOut,
        400: ErrorsOut,
        401: ErrorsOut,
        411: ErrorsOut,
        413: ErrorsOut,
        415: ErrorsOut,
        422: ErrorsOut,
        500: ErrorsOut,
    },
    openapi_extra={"requestBody": batch_body_openapi(settings.INTAKE_BATCH_MAX_ITEMS)},
    summary="Send many reports",
)
def post_batch(request: HttpRequest):
    """Each item is taken or refused on its own; the answer lists every item's result."""
    try:
        results = receive_batch(
            request.auth, _batch_items(request), settings.INTAKE_BATCH_MAX_ITEMS
        )
    except RequestDataTooBig:
        return too_large("the request body is over the configured limit")
    except IntakeRefused as refused:
        return errors(refused.status, refused.errors)
    statuses = [r.status for r in results]
    answer = {
        "results": [r.as_json() for r in results],
        "created": statuses.count(201),
        "repeated": statuses.count(200),
        "refused": len(statuses) - statuses.count(201) - statuses.count(200),
    }
    return JsonResponse(answer, status=207)


def _batch_items(request: HttpRequest):
    content_type = request.content_type or ""
    if content_type == "application/json":
        return json_array_items(request.body)
    if content_type == NDJSON:
        if not request.META.get("CONTENT_LENGTH"):  # a chunked body would read as empty
            raise IntakeRefused(411, [{"field": "Content-Length", "message": "is required"}])
        return ndjson_items(request)  # read line by line, never the whole body at once
    message = f"must be application/json (an array) or {NDJSON} (one report per line)"
    raise IntakeRefused(415, [{"field": "Content-Type", "message": message}])


@api.get(
    "/reports/{report_id}",
    response={200: ReportOut, 401: ErrorsOut, 404: ErrorsOut, 422: ErrorsOut, 500: ErrorsOut},
    summary="Read a report",
)
def get_report(request: HttpRequest, report_id: int = Path(..., ge=1, le=MAX_REPORT_ID)):
    report = selectors.report_for_platform(report_id, request.auth)
    if report is None:
        return Status(
            404, {"errors": [{"field": "report_id", "message": "no such report for this token"}]}
        )
    return Status(200, selectors.report_status(report))
