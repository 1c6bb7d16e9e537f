from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import path

from casework import auth_views as sign_in
from casework import views
from reports.intake_api import api

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("accounts/login/", sign_in.LoginView.as_view(), name="login"),
    path("accounts/otp/", sign_in.otp_step, name="otp"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("queues/", views.queue_list, name="queues"),
    path("queues/<slug:slug>/next", views.claim_next, name="claim-next"),
    path("cases/", views.case_search, name="case-search"),
    path("cases/<int:case_id>/", views.case_detail, name="case"),
    path("cases/<int:case_id>/decide", views.decide, name="case-decide"),
    path("cases/<int:case_id>/approve", views.approve, name="case-approve"),
    path("cases/<int:case_id>/return", views.return_case, name="case-return"),
    path("cases/<int:case_id>/release", views.release, name="case-release"),
    path("cases/<int:case_id>/lease", views.renew, name="case-lease"),
    path("cases/<int:case_id>/reassign", views.reassign, name="case-reassign"),
    path("cases/<int:case_id>/merge", views.merge, name="case-merge"),
    path("cases/<int:case_id>/split", views.split, name="case-split"),
    path("cases/<int:case_id>/media/<int:media_id>/reveal", views.reveal, name="media-reveal"),
    path(
        "cases/<int:case_id>/media/<int:media_id>/metadata", views.metadata, name="media-metadata"
    ),
    path("audit/", views.audit_log, name="audit"),
    path("media/<int:media_id>/preview", views.media_preview, name="media-preview"),
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
]
