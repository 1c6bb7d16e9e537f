"""The evidence package download: a zip built for this request only, never cached."""

from __future__ import annotations

from django.http import FileResponse, HttpRequest, HttpResponse

from casework import roles
from casework.evidence_package import build
from casework.views.decorators import case_action


@case_action(*roles.LEAD_ROLES)
def evidence_package(request: HttpRequest, case_id: int) -> HttpResponse:
    package = build.export(case_id=case_id, user=request.user)
    response = FileResponse(
        package.file, as_attachment=True, filename=package.filename, content_type="application/zip"
    )
    response["Content-Length"] = str(package.size)
    response["Cache-Control"] = "no-store"
    response["X-Manifest-SHA256"] = package.manifest_sha256
    return response
