from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import path

from casework.views import audit, case, leads, media, queues, signin, site
from reports.intake_api import api

urlpatterns = [
    path("", site.home, name="home"),
    path("healthz", site.healthz, name="healthz"),
    path("accounts/login/", signin.LoginView.as_view(), name="login"),
    path("accounts/otp/", signin.otp_step, name="otp"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("queues/", queues.queue_list, name="queues"),
    path("queues/<slug:slug>/next", queues.claim_next, name="claim-next"),
    path("cases/", queues.case_search, name="case-search"),
    path("cases/<int:case_id>/", case.case_detail, name="case"),
    path("cases/<int:case_id>/decide", case.decide, name="case-decide"),
    path("cases/<int:case_id>/release", case.release, name="case-release"),
    path("cases/<int:case_id>/lease", case.renew, name="case-lease"),
    path("cases/<int:case_id>/approve", leads.approve, name="case-approve"),
    path("cases/<int:case_id>/return", leads.return_case, name="case-return"),
    path("cases/<int:case_id>/reassign", leads.reassign, name="case-reassign"),
    path("cases/<int:case_id>/merge", leads.merge, name="case-merge"),
    path("cases/<int:case_id>/split", leads.split, name="case-split"),
    path("cases/<int:case_id>/media/<int:media_id>/reveal", media.reveal, name="media-reveal"),
    path(
        "cases/<int:case_id>/media/<int:media_id>/metadata", media.metadata, name="media-metadata"
    ),
    path("audit/", audit.audit_log, name="audit"),
    path("media/<int:media_id>/preview", media.media_preview, name="media-preview"),
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
]
