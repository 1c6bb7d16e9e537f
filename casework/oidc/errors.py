"""What can go wrong in a single sign-on, each failure with its audit reason, its status
and what the person is told. None is a 500: the provider's faults and the person's are
answered, audited, with a page that says what happened."""

from __future__ import annotations


class SignOnFailed(Exception):
    """A sign-in through the provider that did not complete. `reason` goes in the audit
    event; `message` is shown on the page."""

    status = 400
    reason = "failed"

    def __init__(self, message: str, *, detail: str = ""):
        super().__init__(message)
        self.message = message
        self.detail = detail  # for the audit log, never shown
        self.target = ""  # the user, once known ("user:NAME")


class BadCallback(SignOnFailed):
    """The provider's redirect back is not the answer to our request (state, code)."""

    reason = "bad_callback"


class ProviderRefused(SignOnFailed):
    """The provider said no: the person cancelled, or the provider refused the request."""

    status = 403
    reason = "provider_refused"


class BadIdToken(SignOnFailed):
    """The ID token failed a check: signature, issuer, audience, expiry or nonce."""

    reason = "bad_id_token"


class ProviderUnreachable(SignOnFailed):
    """The provider did not answer, or answered with something that is not OIDC. 503: the
    person did nothing wrong, and monitoring should see it."""

    status = 503
    reason = "provider_unreachable"


class NotAllowed(SignOnFailed):
    """A valid identity that Casework does not let in (no mapped group, no second factor)."""

    status = 403
    reason = "refused"

    def __init__(self, message: str, *, reason: str, detail: str = ""):
        super().__init__(message, detail=detail)
        self.reason = reason
