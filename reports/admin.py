"""Admin pages for platforms, tokens, reports and media: read-mostly; evidence only blurred."""

from __future__ import annotations

from django.contrib import admin, messages
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html

from reports.models import IntakeToken, Media, Platform, Report


class ReadOnlyAdmin(admin.ModelAdmin):
    """Received evidence is never edited through the admin."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Platform)
class PlatformAdmin(admin.ModelAdmin):
    list_display = ["name", "created_at"]
    search_fields = ["name"]


@admin.register(IntakeToken)
class IntakeTokenAdmin(ReadOnlyAdmin):
    list_display = ["platform", "prefix", "created_at", "last_used_at", "revoked_at"]
    list_filter = ["platform"]
    actions = ["revoke"]

    @admin.action(description="Revoke the selected tokens")
    def revoke(self, request, queryset):
        for token in queryset.filter(revoked_at__isnull=True):
            token.revoked_at = timezone.now()
            token.save(update_fields=["revoked_at"])
            self.log_change(request, token, "Revoked")
        messages.success(request, "Tokens revoked.")

    def has_change_permission(self, request, obj=None):
        return request.user.is_superuser  # needed to run the revoke action


class MediaInline(admin.TabularInline):
    model = Media
    fields = [
        "blurred_preview",
        "filename",
        "content_type",
        "width",
        "height",
        "sha256",
        "pdq",
        "pdq_quality",
        "status",
        "error",
    ]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    @admin.display(description="Preview (blurred)")
    def blurred_preview(self, media: Media):
        if not media.preview_ready:
            return "not ready"
        return format_html(
            '<img src="{}" alt="Blurred preview of media {}" width="160">',
            reverse("media-preview", args=[media.pk]),
            media.pk,
        )


@admin.register(Report)
class ReportAdmin(ReadOnlyAdmin):
    list_display = ["id", "platform", "source", "external_id", "reason", "status", "received_at"]
    list_filter = ["status", "source", "reason", "platform"]
    search_fields = ["external_id", "media__sha256", "media__md5"]
    inlines = [MediaInline]
