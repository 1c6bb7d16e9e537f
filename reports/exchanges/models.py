"""A configured hash exchange: where a hash list is fetched from, and how far it has got."""

from __future__ import annotations

from django.db import models


class Exchange(models.Model):
    """One exchange fetched into one hash list. Credentials are never stored here: they come
    from the environment by the exchange's name (reports.exchanges.credentials)."""

    class Kind(models.TextChoices):
        NCMEC = "ncmec", "NCMEC hash sharing"
        STOPNCII = "stopncii", "StopNCII"
        THREATEXCHANGE = "threatexchange", "ThreatExchange"

    class State(models.TextChoices):
        IDLE = "idle", "Idle"
        FETCHING = "fetching", "Fetching"
        FAILED = "failed", "Failed"

    name = models.CharField(
        max_length=60,
        unique=True,
        help_text="Also names its environment variables: EXCHANGE_{NAME}_USER and so on",
    )
    kind = models.CharField(max_length=20, choices=Kind.choices)
    environment = models.CharField(
        max_length=60,
        blank=True,
        help_text="NCMEC: which database (python-threatexchange's NCMECEnvironment name, e.g. "
        "Industry, NGO_Generative_AI, test_Industry; empty means Industry). ThreatExchange: "
        "the privacy group's id. StopNCII: none",
    )
    hash_list = models.ForeignKey(
        "reports.HashList", on_delete=models.PROTECT, related_name="exchanges"
    )
    enabled = models.BooleanField(default=True)
    checkpoint = models.JSONField(
        null=True, blank=True, help_text="Where the next fetch resumes (the client's checkpoint)"
    )
    state = models.CharField(max_length=10, choices=State.choices, default=State.IDLE)
    last_fetch_at = models.DateTimeField(null=True, blank=True)
    last_page_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    fetched_count = models.PositiveBigIntegerField(
        default=0, help_text="Records fetched since the exchange was made"
    )
    pages_count = models.PositiveBigIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        from reports.exchanges.environments import NCMEC_ENVIRONMENTS

        if self.kind == self.Kind.NCMEC and self.environment not in ("", *NCMEC_ENVIRONMENTS):
            raise ValidationError(
                {"environment": "must be one of " + ", ".join(NCMEC_ENVIRONMENTS)}
            )
        if self.kind == self.Kind.THREATEXCHANGE and not self.environment.isdigit():
            raise ValidationError({"environment": "must be the privacy group's id (digits)"})
        if self.kind == self.Kind.STOPNCII and self.environment:
            raise ValidationError({"environment": "a StopNCII exchange has none"})
