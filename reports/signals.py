"""Signals other apps listen to; the reports app knows nothing of who listens.

Each is sent inside the transaction that made the change, so a listener's writes (the audit
log) commit or roll back with it.
"""

from django.dispatch import Signal

# sender=Report, report=Report, platform=Platform
report_received = Signal()
# sender=IntakeToken, token=IntakeToken, created_by=str
intake_token_created = Signal()
# sender=Media, media=Media
media_processed = Signal()
