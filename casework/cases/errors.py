class CaseActionRefused(Exception):
    """The action is not allowed now; the message says why, for the person who tried."""


class FieldRefused(Exception):
    """A form field's value cannot be used; answered 400 naming the field."""

    def __init__(self, field: str, message: str):
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


class EvidencePurged(Exception):
    """The media item's bytes were purged when its keeping ended: answered 410 with why."""
