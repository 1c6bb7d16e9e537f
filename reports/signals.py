"""Signals other apps listen to; the reports app knows nothing of who listens.

Each is sent inside the transaction that made the change, where there is one, so a
listener's writes (the audit log) commit or roll back with it. A report without media is
stored by one statement outside any transaction (its `report.received` audit event is written
by the database with it): report_ready for it is sent after that statement.
"""

from django.dispatch import Signal

# sender=IntakeToken, token=IntakeToken, created_by=str
intake_token_created = Signal()
# sender=Report, report=Report: the report's media are all processed (or failed for good), or
# it had none; it is ready to be filed into a case.
report_ready = Signal()
# sender=HashList, hash_list=HashList, action=str ("imported"), data=dict, actor=str
hash_list_changed = Signal()
# sender=Media, media=Media, report_id=int: the media item matched hash-list entries it did
# not match before (on processing, or on a rescan after a list changed).
media_matched = Signal()
# sender=None, key_id=str, counts=dict[str, int]: stored personal data was sealed again under
# the current evidence key (reseal_personal_data).
personal_data_resealed = Signal()
# sender=HashEntry, entry_ids=list[int], reason=str: entries were quarantined (reports.hygiene);
# their matches weigh on nothing until a lead reviews them.
hash_entries_quarantined = Signal()

# sender=Exchange, exchange=Exchange, actor=str, data=dict (records, added, removed, pages,
# error): one run of a hash exchange's fetch (reports/exchanges/fetching.py).
exchange_fetched = Signal()
