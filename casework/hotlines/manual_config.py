"""Settings of the manual channels (hotlines without a public API), from the environment:
each hotline's report form, linked from the referral page (empty: the page says which
setting to set); the reminder interval while a referral awaits its reference; and
SERVICE_COUNTRY (ISO code), what the routing rules' "service country" condition tests."""

from __future__ import annotations

import os

from casework.env import env_int


def manual_settings() -> dict[str, object]:
    return {
        "IWF_REPORT_URL": os.environ.get("IWF_REPORT_URL", ""),
        "CYBERTIP_REPORT_URL": os.environ.get("CYBERTIP_REPORT_URL", ""),
        "INHOPE_REPORT_URL": os.environ.get("INHOPE_REPORT_URL", ""),
        "NCA_PORTAL_URL": os.environ.get("NCA_PORTAL_URL", ""),
        "ESCALATION_MANUAL_REMINDER_HOURS": env_int("ESCALATION_MANUAL_REMINDER_HOURS", 24),
        "SERVICE_COUNTRY": os.environ.get("SERVICE_COUNTRY", "").upper(),
    }
