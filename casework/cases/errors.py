class CaseActionRefused(Exception):
    """The action is not allowed now; the message says why, for the person who tried."""
