"""The NCA adapter's settings, read from the environment (casework/settings.py takes them
with ``globals().update(nca_settings())``, so settings.py stays under the module size limit).
Only ``os`` and casework.env are imported here: this runs while the settings load."""

from __future__ import annotations

import os
from typing import Any

from django.core.exceptions import ImproperlyConfigured

from casework.env import env_bool, env_int

MIN_DATA_KEEP_DAYS = 365  # the reported data for a year (SI 2025/368 Part 4, as the issue reads it)


def nca_settings() -> dict[str, Any]:
    found: dict[str, Any] = {
        # The NCA gives its API's address to registered services only: no default.
        "NCA_BASE_URL": os.environ.get("NCA_BASE_URL", "").rstrip("/"),
        "NCA_API_KEY": os.environ.get("NCA_API_KEY", ""),
        # Or mutual TLS: a client certificate and its key (PEM files).
        "NCA_CLIENT_CERT": os.environ.get("NCA_CLIENT_CERT", ""),
        "NCA_CLIENT_KEY": os.environ.get("NCA_CLIENT_KEY", ""),
        "NCA_TIMEOUT_SECONDS": env_int("NCA_TIMEOUT_SECONDS", 60),
        # Schedule 1 para 1: the authorised person registered with the NCA who reports.
        "NCA_AUTHORISED_PERSON_NAME": os.environ.get("NCA_AUTHORISED_PERSON_NAME", ""),
        "NCA_AUTHORISED_PERSON_ROLE": os.environ.get("NCA_AUTHORISED_PERSON_ROLE", ""),
        "NCA_AUTHORISED_PERSON_EMAIL": os.environ.get("NCA_AUTHORISED_PERSON_EMAIL", ""),
        "NCA_AUTHORISED_PERSON_PHONE": os.environ.get("NCA_AUTHORISED_PERSON_PHONE", ""),
        "NCA_PROVIDER_NAME": os.environ.get("NCA_PROVIDER_NAME", ""),
        # Also report to the NCA what goes to NCMEC (false for a service exempt because it
        # already reports to a comparable body).
        "NCA_ALSO_WHEN_NCMEC": env_bool("NCA_ALSO_WHEN_NCMEC", True),
        "NCA_REFERENCE_KEEP_DAYS": env_int("NCA_REFERENCE_KEEP_DAYS", 5 * 365),
        "NCA_DATA_KEEP_DAYS": env_int("NCA_DATA_KEEP_DAYS", MIN_DATA_KEEP_DAYS),
    }
    if found["NCA_DATA_KEEP_DAYS"] < MIN_DATA_KEEP_DAYS:
        raise ImproperlyConfigured(
            f"NCA_DATA_KEEP_DAYS must be at least {MIN_DATA_KEEP_DAYS}, not "
            f"{found['NCA_DATA_KEEP_DAYS']}"
        )
    if found["NCA_REFERENCE_KEEP_DAYS"] < found["NCA_DATA_KEEP_DAYS"]:
        raise ImproperlyConfigured("NCA_REFERENCE_KEEP_DAYS must be at least NCA_DATA_KEEP_DAYS")
    if bool(found["NCA_CLIENT_CERT"]) != bool(found["NCA_CLIENT_KEY"]):
        raise ImproperlyConfigured("NCA_CLIENT_CERT and NCA_CLIENT_KEY are set together")
    return found
