from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import path

from casework.views import (
    audit,
    case,
    escalations,
    evidence,
    hash_review,
    holds,
    leads,
    manual_channels,
    media,
    oidc,
    queues,
    signin,
    site,
    stats,
    view_presets,
    view_settings,
    wellbeing,
    wellbeing_actions,
)
from reports.intake_api import api

# What is done to one case, under /cases/<id>/: (path after it, view, name).
CASE_ROUTES = [
    ("", case.case_detail, "case"),
    ("claim", case.claim, "case-claim"),
    ("decide", case.decide, "case-decide"),
    ("release", case.release, "case-release"),
    ("lease", case.renew, "case-lease"),
    ("approve", leads.approve, "case-approve"),
    ("return", leads.return_case, "case-return"),
    ("reassign", leads.reassign, "case-reassign"),
    ("merge", leads.merge, "case-merge"),
    ("split", leads.split, "case-split"),
    ("evidence-package", evidence.evidence_package, "case-evidence-package"),
    ("media/<int:media_id>/reveal", media.reveal, "media-reveal"),
    ("media/<int:media_id>/metadata", media.metadata, "media-metadata"),
    ("media/<int:media_id>/play", media.play, "media-play"),
    ("media/<int:media_id>/enlarged", media.enlarged, "media-enlarged"),
    ("media/<int:media_id>/reblurred", media.reblurred, "media-reblurred"),
    ("holds/place", holds.place_hold, "legal-hold-place"),
    ("holds/<int:hold_id>/lift", holds.lift_hold, "legal-hold-lift"),
]

urlpatterns = [
    path("api/v1/", api.urls),  # first: platforms call it most, and it is matched in order
    path("", site.home, name="home"),
    path("healthz", site.healthz, name="healthz"),
    path("metrics", site.metrics, name="metrics"),
    path("accounts/login/", signin.LoginView.as_view(), name="login"),
    path("accounts/otp/", signin.otp_step, name="otp"),
    path("accounts/oidc/login", oidc.oidc_login, name="oidc-login"),
    path("accounts/oidc/callback", oidc.oidc_callback, name="oidc-callback"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("queues/", queues.queue_list, name="queues"),
    path("queues/<slug:slug>/", queues.queue_cases, name="queue-cases"),
    path("queues/<slug:slug>/next", queues.claim_next, name="claim-next"),
    path("cases/", queues.case_search, name="case-search"),
    *(path(f"cases/<int:case_id>/{rest}", view, name=name) for rest, view, name in CASE_ROUTES),
    path("audit/", audit.audit_log, name="audit"),
    path("escalations/", escalations.dashboard, name="escalations"),
    path("escalations/<int:escalation_id>/", manual_channels.referral, name="escalation-manual"),
    path(
        "escalations/<int:escalation_id>/reference",
        manual_channels.record_reference,
        name="escalation-reference",
    ),
    path("escalations/<int:escalation_id>/retry", escalations.retry, name="escalation-retry"),
    path("escalations/<int:escalation_id>/retract", escalations.retract, name="escalation-retract"),
    path("webhooks/<int:delivery_id>/retry", escalations.webhook_retry, name="webhook-retry"),
    path(
        "escalations/documents/<int:document_id>",
        escalations.document,
        name="escalation-document",
    ),
    path("settings/view/", view_settings.own_settings, name="view-settings"),
    path("settings/team/", view_settings.team_settings, name="team-view-settings"),
    path("settings/view/<str:scope>/", view_presets.own_preset, name="view-preset"),
    path("settings/team/<str:scope>/", view_presets.team_preset, name="team-view-preset"),
    path("wellbeing/", wellbeing.own, name="wellbeing"),
    path("wellbeing/team/", wellbeing.team, name="wellbeing-team"),
    path("wellbeing/break", wellbeing_actions.take_break, name="wellbeing-break"),
    path(
        "wellbeing/break/dismiss", wellbeing_actions.dismiss_break, name="wellbeing-break-dismiss"
    ),
    path("wellbeing/opt-outs", wellbeing_actions.opt_outs, name="wellbeing-opt-outs"),
    path("wellbeing/team/cap", wellbeing_actions.daily_cap, name="wellbeing-cap"),
    path("resources/", wellbeing_actions.resources, name="resources"),
    path("hashlists/review/", hash_review.review_list, name="hash-review"),
    path(
        "hashlists/entries/<int:entry_id>/confirm", hash_review.confirm, name="hash-entry-confirm"
    ),
    path(
        "hashlists/entries/<int:entry_id>/disable", hash_review.disable, name="hash-entry-disable"
    ),
    path("stats/", stats.stats, name="stats"),
    path("stats/export.csv", stats.export, name="stats-export"),
    path("media/<int:media_id>/preview", media.media_preview, name="media-preview"),
    path("admin/", admin.site.urls),
]
