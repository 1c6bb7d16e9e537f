"""Admin pages for platforms, tokens, reports and media: read-mostly; evidence only blurred."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html

from reports.models import HashEntry, HashImport, HashList, IntakeToken, Media, Platform, Report
from reports.sealed_fields import DigestField, matching
from reports.tokens import create_intake_token, revoke_token


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


class NewIntakeTokenForm(forms.Form):
    platform = forms.CharField(
        max_length=100,
        help_text="The integrating platform's name, e.g. photos-app: an existing platform, or "
        "a new one, which is created.",
    )

    def clean_platform(self) -> str:
        return self.cleaned_data["platform"].strip()


@admin.register(IntakeToken)
class IntakeTokenAdmin(ReadOnlyAdmin):
    list_display = ["platform", "prefix", "created_at", "last_used_at", "revoked_at"]
    list_filter = ["platform"]
    actions = ["revoke"]

    def has_add_permission(self, request, obj=None):
        return request.user.is_superuser

    def add_view(self, request, form_url="", extra_context=None):
        """A token is made, not edited: name the platform, see the token once."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = NewIntakeTokenForm(request.POST or None)
        context = {**self.admin_site.each_context(request), "opts": self.model._meta}
        if request.method == "POST" and form.is_valid():
            name = form.cleaned_data["platform"]
            row, token = create_intake_token(name, created_by=f"user:{request.user.get_username()}")
            self.log_addition(request, row, f"Created for platform {name!r}")
            response = TemplateResponse(
                request,
                "admin/reports/intaketoken/created.html",
                context | {"title": "Intake token created", "row": row, "token": token},
            )
            response["Cache-Control"] = "no-store"  # the token itself is on this page
            return response
        return TemplateResponse(
            request,
            "admin/reports/intaketoken/new.html",
            context | {"title": "New intake token", "form": form},
        )

    @admin.action(description="Revoke the selected tokens")
    def revoke(self, request, queryset):
        for token in queryset.filter(revoked_at__isnull=True):
            revoke_token(token)
            self.log_change(request, token, "Revoked")
        messages.success(request, "Tokens revoked.")

    def has_change_permission(self, request, obj=None):
        return request.user.is_superuser  # needed to run the revoke action


class MediaInline(admin.StackedInline):
    """Stacked, not a table: a row of two 64-digit hashes would not fit a laptop's window."""

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
        "preserved_until",
        "preserved_reason",
        "purged_at",
    ]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    @admin.display(description="Preview (blurred)")
    def blurred_preview(self, media: Media):
        if media.purged_at:
            return "purged"
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
    search_fields = ["media__sha256", "media__md5"]
    search_help_text = "External id, uploader id or email (exactly), or a media SHA-256 or MD5"
    inlines = [MediaInline]

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in Report._meta.fields if not isinstance(f, DigestField)]

    def get_search_results(self, request, queryset, search_term):
        """The sealed fields are found by their digests, exactly, not by substring."""
        found, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        term = search_term.strip()
        if not term:
            return found, may_have_duplicates
        by_digest = queryset.filter(
            matching(Report, "external_id_digest", term)
            | matching(Report, "uploader_id_digest", term)
            | matching(Report, "uploader_email_digest", term)
        )
        return found | by_digest, True


@admin.register(HashList)
class HashListAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "source",
        "purpose",
        "enabled",
        "pdq_distance",
        "entry_count",
        "default_category",
    ]
    list_filter = ["source", "purpose", "enabled"]

    @admin.display(description="Entries")
    def entry_count(self, hash_list: HashList) -> int:
        return hash_list.entries.count()

    def save_model(self, request, obj, form, change):
        """Switching a list or one of its kinds on or off, changing its PDQ distance or its
        purpose, changes what media match."""
        super().save_model(request, obj, form, change)
        from django.db import transaction

        from reports.tasks import rescan_media

        transaction.on_commit(lambda: rescan_media.delay())


@admin.register(HashImport)
class HashImportAdmin(admin.ModelAdmin):
    """Upload a file to import it in the background; the list shows each import's progress."""

    list_display = ["id", "hash_list", "format", "progress", "added", "error", "created_at"]
    fields = ["hash_list", "file", "format", "kind"]
    readonly_fields: list[str] = []

    def get_form(self, request, obj=None, **kwargs):
        from django import forms

        from reports.hashlists import FORMATS

        form = super().get_form(request, obj, **kwargs)
        form.base_fields["format"] = forms.ChoiceField(choices=[(f, f) for f in FORMATS])
        form.base_fields["kind"] = forms.ChoiceField(
            choices=[("", "—")] + list(HashEntry.Kind.choices), required=False
        )
        return form

    def has_change_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        from django.db import transaction

        from reports.tasks import run_hash_import

        job_id = obj.pk
        transaction.on_commit(lambda: run_hash_import.delay(job_id))


# Hash exchanges have their own admin module.
from reports.exchanges import admin as exchanges_admin  # noqa: E402, F401
