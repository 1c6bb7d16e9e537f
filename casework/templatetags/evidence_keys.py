"""The evidence packages' public signing key, for the admin's index page."""

from __future__ import annotations

from django import template

from casework.evidence_package import keys

register = template.Library()


@register.simple_tag
def evidence_public_key() -> dict[str, str]:
    public = keys.public_key()
    return {"pem": keys.public_pem(public), "fingerprint": keys.fingerprint(public)}
