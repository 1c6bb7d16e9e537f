"""The evidence vault: files at rest are ciphertext, bound to their name, keys can rotate."""

from __future__ import annotations

import base64
import os

import pytest
from django.conf import settings

from reports import synthetic, vault


def test_file_on_disk_is_not_the_plaintext():
    data = synthetic.image_bytes(11)
    name, key_id = vault.store(data)
    on_disk = vault._path(name).read_bytes()
    assert data not in on_disk
    assert data[:64] not in on_disk
    assert key_id == vault.current_key_id()
    assert vault.load(name) == data


def test_altered_file_fails_authentication():
    name, _ = vault.store(b"evidence")
    path = vault._path(name)
    blob = bytearray(path.read_bytes())
    blob[-1] ^= 1
    path.write_bytes(bytes(blob))
    with pytest.raises(vault.VaultError, match="failed authentication"):
        vault.load(name)


def test_file_moved_to_another_name_does_not_decrypt():
    name, _ = vault.store(b"evidence")
    other, _ = vault.store(b"other")
    vault._path(other).write_bytes(vault._path(name).read_bytes())
    with pytest.raises(vault.VaultError):
        vault.load(other)


def test_rotation_new_key_encrypts_old_key_still_decrypts(settings):
    old_name, old_id = vault.store(b"sealed with the old key")
    new_key = os.urandom(32)
    settings.EVIDENCE_KEYS = {"k2": new_key, **settings.EVIDENCE_KEYS}
    new_name, new_id = vault.store(b"sealed with the new key")
    assert (old_id, new_id) == (next(iter(settings.EVIDENCE_KEYS.keys() - {"k2"})), "k2")
    assert vault.load(old_name) == b"sealed with the old key"
    assert vault.load(new_name) == b"sealed with the new key"
    settings.EVIDENCE_KEYS = {"k2": new_key}
    with pytest.raises(vault.VaultError, match="not configured"):
        vault.load(old_name)


def test_evidence_keys_parsing():
    from django.core.exceptions import ImproperlyConfigured

    from casework.env import parse_evidence_keys

    key = base64.b64encode(b"k" * 32).decode()
    assert parse_evidence_keys(f"a:{key}, b:{key}") == {"a": b"k" * 32, "b": b"k" * 32}
    for bad in ("", "nokey", f"a:{base64.b64encode(b'short').decode()}", "a:!!!"):
        with pytest.raises(ImproperlyConfigured):
            parse_evidence_keys(bad)


def test_vault_lives_in_the_configured_folder():
    name, _ = vault.store(b"x")
    assert str(vault._path(name)).startswith(str(settings.EVIDENCE_DIR))
