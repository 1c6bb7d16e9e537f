from django import forms
from django.contrib import admin

from casework import hotlines
from casework.escalation.models import RoutingRule
from casework.models import AuditEvent, LegalHold, Queue, SupportResource


class ReadOnlyAdmin(admin.ModelAdmin):
    """Shown in the admin, never added, changed or deleted there."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    """The audit log, readable; the database refuses changes anyway."""

    list_display = ["id", "at", "actor", "action", "target"]
    list_filter = ["action"]
    search_fields = ["actor", "target", "action"]
    readonly_fields = ["at", "actor", "actor_user", "action", "target", "data", "seal"]


@admin.register(Queue)
class QueueAdmin(admin.ModelAdmin):
    """Queues are configuration: routing (reasons, sources, jurisdictions), roles, deadline."""

    list_display = ["name", "slug", "position", "deadline_hours", "reasons", "roles"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(SupportResource)
class SupportResourceAdmin(admin.ModelAdmin):
    """The resources page's contacts (every change is audited, as all admin changes are)."""

    list_display = ["name", "contact", "url", "position"]
    list_editable = ["position"]


# The index also shows the evidence packages' public signing key (casework.evidence_package).
admin.site.index_template = "casework/admin/index.html"


@admin.register(LegalHold)
class LegalHoldAdmin(ReadOnlyAdmin):
    """Legal holds, readable: they are placed and lifted on the case page, with a reason and
    an audit event, never edited here."""

    list_display = ["id", "case", "placed_at", "placed_by", "lifted_at", "lifted_by"]
    list_filter = ["lifted_at"]
    readonly_fields = [
        "case",
        "reason",
        "placed_by",
        "placed_at",
        "lifted_by",
        "lifted_at",
        "lift_reason",
    ]


class RoutingRuleForm(forms.ModelForm):
    """The target is one this installation knows (casework.hotlines.TARGETS)."""

    target = forms.ChoiceField(choices=[])

    class Meta:
        model = RoutingRule
        fields = [
            "position",
            "description",
            "jurisdictions",
            "service_countries",
            "publicly_reachable",
            "reasons",
            "target",
            "enabled",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["target"].choices = sorted(hotlines.TARGETS.items())

    def _strings(self, name: str, upper: bool) -> list[str]:
        value = self.cleaned_data.get(name) or []
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise forms.ValidationError('A list of strings, e.g. ["US", "CA"], or [] for any.')
        return [v.strip().upper() if upper else v.strip() for v in value if v.strip()]

    def clean_jurisdictions(self) -> list[str]:
        return self._strings("jurisdictions", upper=True)

    def clean_service_countries(self) -> list[str]:
        return self._strings("service_countries", upper=True)

    def clean_reasons(self) -> list[str]:
        return self._strings("reasons", upper=False)


@admin.register(RoutingRule)
class RoutingRuleAdmin(admin.ModelAdmin):
    """Which hotlines an approved case goes to (casework.escalation.routing)."""

    form = RoutingRuleForm
    list_display = ["position", "description", "target", "jurisdictions", "enabled"]
    list_display_links = ["description"]
    list_editable = ["position", "enabled"]
