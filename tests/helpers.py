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
