"""Signing test users in the way people do: password, then TOTP where they have a device."""

from __future__ import annotations

from django.test import Client
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from casework import accounts

PASSWORD = "pw-long-enough-1"


def current_code(user) -> str:
    device = TOTPDevice.objects.get(user=user)
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


def make_user(name: str, role: str):
    user = accounts.create_user(name, role=role, password=PASSWORD, created_by="system:test")
    if role in accounts.TOTP_ROLES:
        accounts.enrol_totp(user, created_by="system:test")
    return user


def signed_in(user) -> Client:
    client = Client()
    response = client.post(
        "/accounts/login/", {"username": user.get_username(), "password": PASSWORD}
    )
    assert response.status_code == 302, response.content
    if TOTPDevice.objects.filter(user=user).exists():
        response = client.post("/accounts/otp/", {"otp_token": current_code(user)})
        assert response.status_code == 302, response.content
    return client


def stored_image(seed: int, external_id: str, **report_fields):
    """A report carrying one synthetic image, stored and processed as the worker would
    (sealed original, blurred preview, hashes); returns (media, original bytes)."""
    from reports import synthetic

    return stored_media(synthetic.image_bytes(seed), "image", external_id, **report_fields)


def stored_video(seed: int, external_id: str, data: bytes | None = None, **report_fields):
    """As stored_image, a synthetic 640×480 video (or these bytes)."""
    from reports import synthetic

    data = data or synthetic.video_bytes(seed, size=(640, 480))
    return stored_media(data, "video", external_id, **report_fields)


def stored_media(data: bytes, kind: str, external_id: str, **report_fields):
    from reports import vault
    from reports.models import Media, Platform, Report
    from reports.processing import process_bytes

    processed = process_bytes(data, kind)
    name, key_id = vault.store(data)
    preview_name, preview_key = vault.store(processed.preview)
    platform, _ = Platform.objects.get_or_create(name="p")
    report = Report.objects.create(
        platform=platform,
        source="api",
        external_id=external_id,
        reported_at="2026-11-01T00:00:00Z",
        reason="csam",
        raw_payload={},
        status="processed",
        **report_fields,
    )
    media = Media.objects.create(
        report=report,
        position=0,
        filename="a.jpg" if kind == "image" else "a.mp4",
        kind=kind,
        content_type="image/jpeg" if kind == "image" else "video/mp4",
        size=len(data),
        width=640,
        height=480,
        vault_name=name,
        key_id=key_id,
        sha256=processed.sha256,
        md5=processed.md5,
        sha1=processed.sha1,
        pdq=processed.pdq,
        pdq_quality=processed.pdq_quality,
        pdq_dihedral=",".join(processed.pdq_dihedral),
        preview_vault_name=preview_name,
        preview_key_id=preview_key,
        status="processed",
    )
    return media, data


def as_owner(*statements: str | tuple[str, list]) -> None:
    """Run SQL as the tables' owner with the audit triggers switched off, committed: how an
    insider who owns the database would rewrite the audit log."""
    from django.db import connections

    with connections["owner"].cursor() as cursor:
        cursor.execute("ALTER TABLE casework_auditevent DISABLE TRIGGER USER")
        cursor.execute("ALTER TABLE casework_auditseal DISABLE TRIGGER USER")
        try:
            for statement in statements:
                sql, params = statement if isinstance(statement, tuple) else (statement, [])
                cursor.execute(sql, params)
        finally:
            cursor.execute("ALTER TABLE casework_auditevent ENABLE TRIGGER USER")
            cursor.execute("ALTER TABLE casework_auditseal ENABLE TRIGGER USER")
