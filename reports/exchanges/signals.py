"""The exchanges' signal (reports knows nothing of who listens; casework audits it)."""

from django.dispatch import Signal

# sender=Exchange, exchange=Exchange, data=dict (records, added, removed, pages, error)
exchange_fetched = Signal()
