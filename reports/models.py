"""What came in: platforms and their intake tokens, reports, and the media evidence they carry."""

from __future__ import annotations

from django.db import models

from reports.sealed_fields import DigestField, SealedJSONField, SealedTextField


class Platform(models.Model):
    """An integrating platform that sends reports; it sees only its own."""

    name = models.CharField(max_length=100, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.name


class IntakeToken(models.Model):
    """A bearer token for the intake API, stored as its SHA-256 only."""

    platform = models.ForeignKey(Platform, on_delete=models.PROTECT, related_name="tokens")
    prefix = models.CharField(
        max_length=12, help_text="The token's first characters, to tell tokens apart"
    )
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.platform.name} {self.prefix}…"


class Report(models.Model):
    class Source(models.TextChoices):
        USER_REPORT = "user_report"
        CLASSIFIER = "classifier"
        HASH_MATCH = "hash_match"
        TRUSTED_FLAGGER = "trusted_flagger"
        API = "api"

    class Reason(models.TextChoices):
        CSAM = "csam", "CSAM"
        CSAM_AI_GENERATED = "csam_ai_generated", "AI-generated CSAM"
        GROOMING = "grooming"
        SEXTORTION = "sextortion"
        OTHER = "other"

    class Status(models.TextChoices):
        RECEIVED = "received"  # stored; media still being processed
        PROCESSED = "processed"  # every media item hashed and previewed
        FAILED = "failed"  # a media item failed processing for good; see its error

    # Who and what a report names is personal data: sealed under the evidence keys (see
    # sealing.py), with keyed digests beside what is searched for by equality.
    platform = models.ForeignKey(Platform, on_delete=models.PROTECT, related_name="reports")
    source = models.CharField(max_length=20, choices=Source.choices)
    external_id = SealedTextField()
    external_id_digest = DigestField(of="external_id")
    reported_at = models.DateTimeField()
    reason = models.CharField(max_length=24, choices=Reason.choices)
    description = SealedTextField(blank=True, default="")
    child_in_imminent_danger = models.BooleanField(default=False)
    jurisdiction = models.CharField(max_length=2, blank=True)
    content = SealedJSONField(default=dict, blank=True)
    uploader = SealedJSONField(default=dict, blank=True)
    uploader_id_digest = DigestField(of="uploader", key="id")
    uploader_email_digest = DigestField(of="uploader", key="email", casefold=True)
    reporter = SealedJSONField(default=dict, blank=True)
    victim = SealedJSONField(default=dict, blank=True, help_text="A child the report names")
    classifier = models.JSONField(default=dict, blank=True)
    raw_payload = SealedJSONField(
        help_text="The document as received; media contents replaced by their vault reference"
    )
    received_at = models.DateTimeField(auto_now_add=True)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.RECEIVED)
    pixels = models.PositiveBigIntegerField(
        default=0, help_text="The pixels its media declare to decode (the platform's budget)"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["platform", "source", "external_id_digest"],
                name="report_unique_external_id",
            )
        ]
        indexes = [
            models.Index(fields=["received_at"]),
            models.Index(fields=["platform", "received_at"], name="report_platform_recent_idx"),
            # an uploader's other reports, newest first
            models.Index(
                fields=["uploader_id_digest", "id"],
                name="report_uploader_id_idx",
                condition=~models.Q(uploader_id_digest=""),
            ),
            models.Index(
                fields=["uploader_email_digest"],
                name="report_uploader_email_idx",
                condition=~models.Q(uploader_email_digest=""),
            ),
        ]

    def __str__(self) -> str:
        return f"Report {self.pk} ({self.source}:{self.external_id})"


class UnfiledReport(models.Model):
    """A report not yet in a case: the filer's work. PostgreSQL adds the row as the report
    is stored and marks it ready with the report (reports migration 0018); the filer deletes
    it in the transaction that files the report. Filing leaves the wide report row alone:
    no row lock on it, no second version of it, no index entries written again."""

    report = models.OneToOneField(
        Report, on_delete=models.CASCADE, primary_key=True, related_name="unfiled"
    )
    ready = models.BooleanField(help_text="Its media are processed (or failed for good)")

    class Meta:
        indexes = [
            # the filer's work: ready reports, oldest first
            models.Index(
                fields=["report"], name="unfiled_ready_idx", condition=models.Q(ready=True)
            )
        ]

    def __str__(self) -> str:
        return f"Report {self.report_id} waiting to be filed"


class Media(models.Model):
    """One file of evidence, encrypted at rest in the vault."""

    class Kind(models.TextChoices):
        IMAGE = "image"
        VIDEO = "video"

    class Status(models.TextChoices):
        PENDING = "pending"
        PROCESSED = "processed"
        FAILED = "failed"

    report = models.ForeignKey(Report, on_delete=models.PROTECT, related_name="media")
    position = models.PositiveSmallIntegerField()
    filename = SealedTextField(help_text="As the platform named it; not trusted")
    kind = models.CharField(max_length=8, choices=Kind.choices)
    content_type = models.CharField(max_length=64, help_text="Sniffed from the bytes")
    size = models.PositiveBigIntegerField()
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    vault_name = models.CharField(max_length=64, unique=True)
    key_id = models.CharField(max_length=32)
    sha256 = models.CharField(max_length=64, blank=True, db_index=True)
    md5 = models.CharField(max_length=32, blank=True, db_index=True)
    sha1 = models.CharField(max_length=40, blank=True)
    pdq = models.CharField(max_length=64, blank=True)
    pdq_quality = models.PositiveSmallIntegerField(null=True, blank=True)
    pdq_dihedral = models.TextField(
        blank=True, help_text="The PDQ hashes of the 8 rotations and flips, comma-separated"
    )
    provenance = models.JSONField(
        default=dict, blank=True, help_text="C2PA and XMP provenance signals; see provenance.py"
    )
    vpdq_frames = models.PositiveIntegerField(
        default=0, help_text="How many vPDQ frame hashes a video has (they are in MediaVpdq)"
    )
    keyframe_times = models.JSONField(
        default=list, blank=True, help_text="A video's keyframe grid: each tile's time (s)"
    )
    preview_vault_name = models.CharField(max_length=64, blank=True)
    preview_key_id = models.CharField(max_length=32, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    error = models.TextField(blank=True)
    lease_holder = models.CharField(
        max_length=32, blank=True, help_text="The processing attempt holding the item, or queued"
    )
    lease_until = models.DateTimeField(
        null=True, blank=True, help_text="When the holder's lease ends unless it is renewed"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    processed_at = models.DateTimeField(null=True, blank=True)
    # Preservation (casework.preservation decides; see README: Preservation): the bytes are
    # kept at least until preserved_until, and once purged only this row stays, hashes and all.
    preserved_until = models.DateTimeField(
        null=True, blank=True, help_text="Kept at least until then (a hotline report's year)"
    )
    preserved_reason = models.CharField(max_length=300, blank=True)
    purged_at = models.DateTimeField(
        null=True, blank=True, help_text="When the bytes and previews were deleted"
    )

    class Meta:
        verbose_name_plural = "media"
        constraints = [
            models.UniqueConstraint(fields=["report", "position"], name="media_unique_position")
        ]
        indexes = [
            models.Index(
                fields=["created_at"],
                name="media_pending_idx",
                condition=models.Q(status="pending"),
            )
        ]

    def __str__(self) -> str:
        return f"Media {self.pk} of report {self.report_id}"

    @property
    def preview_ready(self) -> bool:
        return bool(self.preview_vault_name) and self.purged_at is None


class MediaVpdq(models.Model):
    """A video's vPDQ, apart from Media so that loading media rows never loads it."""

    media = models.OneToOneField(
        Media, on_delete=models.CASCADE, primary_key=True, related_name="vpdq"
    )
    records = models.TextField(
        help_text="One frame a line as the reference writes it: frame,quality,pdq hex,timestamp"
    )

    class Meta:
        verbose_name = verbose_name_plural = "media vPDQ"

    def __str__(self) -> str:
        return f"vPDQ of media {self.media_id}"


class HashList(models.Model):
    """A list of known hashes (NCMEC, IWF, Tech Coalition, internal) media are checked against."""

    class Source(models.TextChoices):
        NCMEC = "ncmec", "NCMEC"
        IWF = "iwf", "IWF"
        TECH_COALITION = "tech_coalition", "Tech Coalition"
        INTERNAL = "internal", "Internal"
        OTHER = "other", "Other"

    class Purpose(models.TextChoices):
        MATCH = "match", "Match: known material"
        CONFIRMED = "confirmed", "Confirmed: grows from approved decisions"
        NEGATIVE = "negative", "Negative: known false positives, suppresses matches"

    name = models.CharField(max_length=100, unique=True)
    source = models.CharField(max_length=20, choices=Source.choices, default=Source.INTERNAL)
    purpose = models.CharField(max_length=10, choices=Purpose.choices, default=Purpose.MATCH)
    default_category = models.CharField(max_length=8, blank=True)
    enabled = models.BooleanField(default=True)
    # Hygiene (reports.list_switches): how close a PDQ match must be on this list, and which
    # signal kinds of it are matched at all.
    pdq_distance = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="PDQ match distance for this list; empty: the setting"
    )
    match_md5 = models.BooleanField("match MD5", default=True)
    match_sha1 = models.BooleanField("match SHA-1", default=True)
    match_sha256 = models.BooleanField("match SHA-256", default=True)
    match_pdq = models.BooleanField("match PDQ", default=True)
    match_vpdq = models.BooleanField("match vPDQ", default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.name


class HashEntry(models.Model):
    class Kind(models.TextChoices):
        MD5 = "md5"
        SHA1 = "sha1"
        SHA256 = "sha256"
        PDQ = "pdq"
        VPDQ = "vpdq"

    hash_list = models.ForeignKey(HashList, on_delete=models.CASCADE, related_name="entries")
    kind = models.CharField(max_length=6, choices=Kind.choices)
    value = models.CharField(
        max_length=64, help_text="Lower-case hex; for vpdq the SHA-256 of frames (one per video)"
    )
    frames = models.TextField(
        blank=True,
        help_text="vpdq only: the frames as python-threatexchange serializes them, "
        '["<pdq hex>,<quality>,<timestamp>", ...]',
    )

    class State(models.TextChoices):
        ACTIVE = "active"
        QUARANTINED = "quarantined"  # still matches, but weighs on nothing (reports.hygiene)
        CONFIRMED = "confirmed"  # a lead looked and kept it: never quarantined for a flood
        DISABLED = "disabled"  # a lead turned it off: matches nothing

    category = models.CharField(max_length=8, blank=True)
    source_id = models.CharField(max_length=200, blank=True)
    added_at = models.DateTimeField(auto_now_add=True)
    state = models.CharField(max_length=12, choices=State.choices, default=State.ACTIVE)
    quarantined_at = models.DateTimeField(null=True, blank=True)
    quarantine_reason = models.CharField(max_length=200, blank=True)
    reviewed_by = models.CharField(max_length=150, blank=True, help_text="The lead's username")
    reviewed_at = models.DateTimeField(null=True, blank=True)
    not_csam_count = models.PositiveIntegerField(
        default=0, help_text="Not-CSAM verdicts on media it matched, since it was last reviewed"
    )

    class Meta:
        verbose_name_plural = "hash entries"
        constraints = [
            models.UniqueConstraint(
                fields=["hash_list", "kind", "value"], name="hashentry_unique_value"
            )
        ]
        indexes = [
            models.Index(fields=["kind", "value"]),
            models.Index(
                fields=["quarantined_at"],
                name="hashentry_quarantined_idx",
                condition=models.Q(state="quarantined"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind}:{self.value[:12]}… in {self.hash_list_id}"


class MediaMatch(models.Model):
    """A media item matched a hash list entry (distance 0 for exact kinds)."""

    media = models.ForeignKey(Media, on_delete=models.CASCADE, related_name="matches")
    entry = models.ForeignKey(HashEntry, on_delete=models.CASCADE, related_name="matches")
    distance = models.PositiveSmallIntegerField(default=0)
    # A video against a vpdq entry: the shares of matched frames (reports.vpdq_matching).
    query_match_percent = models.FloatField(null=True, blank=True)
    compared_match_percent = models.FloatField(null=True, blank=True)
    timestamp = models.FloatField(
        null=True, blank=True, help_text="A video frame against a pdq entry: the frame's time (s)"
    )
    # A video against a vpdq entry: its matched frames from the first to the last (s).
    segment_start = models.FloatField(null=True, blank=True)
    segment_end = models.FloatField(null=True, blank=True)
    found_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name_plural = "media matches"
        constraints = [models.UniqueConstraint(fields=["media", "entry"], name="mediamatch_unique")]
        # an entry's recent matches, counted for flood quarantine
        indexes = [models.Index(fields=["entry", "found_at"], name="mediamatch_entry_found_idx")]

    def __str__(self) -> str:
        return f"Media {self.media_id} matched entry {self.entry_id} at {self.distance}"


class HashImport(models.Model):
    """A hash-list file being imported in the background, with its progress."""

    class Status(models.TextChoices):
        QUEUED = "queued"
        RUNNING = "running"
        DONE = "done"
        FAILED = "failed"

    hash_list = models.ForeignKey(HashList, on_delete=models.CASCADE, related_name="imports")
    file = models.FileField(upload_to="hash-imports/")
    format = models.CharField(max_length=16, default="csv")
    kind = models.CharField(max_length=6, blank=True, help_text="Kind of bare hashes, if any")
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.QUEUED)
    lines_total = models.PositiveIntegerField(default=0)
    lines_done = models.PositiveIntegerField(default=0)
    added = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"Import {self.pk} into {self.hash_list}"

    @property
    def progress(self) -> str:
        if not self.lines_total:
            return self.status
        return f"{self.status}: {100 * self.lines_done // self.lines_total}% of {self.lines_total}"


# Hash exchanges live in their own module; imported here so Django finds the model.
from reports.exchanges.models import Exchange  # noqa: E402, F401
