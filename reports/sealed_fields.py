"""Model fields for personal data: sealed in the database, plain in Python (see sealing.py).

A sealed column cannot be searched: any lookup but isnull is refused, so a filter that would
silently match nothing fails loudly instead. Equality searches use a DigestField beside it.
"""

from __future__ import annotations

import json
from typing import Any

from django.db import models
from django.db.models import Q
from django.utils.functional import cached_property

from reports import sealing


class SealedField(models.BinaryField):
    """Base: subclasses say how their Python value becomes bytes and back."""

    def to_bytes(self, value: Any) -> bytes:
        raise NotImplementedError

    def from_bytes(self, data: bytes) -> Any:
        raise NotImplementedError

    @property
    def context(self) -> str:
        return f"{self.model._meta.db_table}.{self.column}"

    @cached_property
    def _context_bytes(self) -> bytes:
        return self.context.encode()

    def sealed(self, value: Any, seal: sealing.Sealer) -> bytes | None:
        """The value as stored: sealed by seal, bound to this column."""
        return None if value is None else seal(self.to_bytes(value), self._context_bytes)

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> Any:
        if value is None:
            return None
        return self.from_bytes(sealing.unseal(bytes(value), self.context))

    def get_db_prep_value(self, value: Any, connection: Any, prepared: bool = False) -> Any:
        sealed = self.sealed(value, sealing.Sealer())
        return None if sealed is None else connection.Database.Binary(sealed)

    def _check_str_default_value(self) -> list[Any]:
        return []  # the default is the plaintext's, not bytes

    def to_python(self, value: Any) -> Any:
        return value

    def value_to_string(self, obj: models.Model) -> Any:
        return self.value_from_object(obj)

    def get_lookup(self, lookup_name: str) -> Any:
        return super().get_lookup(lookup_name) if lookup_name == "isnull" else None


class SealedTextField(SealedField):
    def get_default(self) -> Any:
        return super().get_default() if self.has_default() else ""

    def to_bytes(self, value: Any) -> bytes:
        return str(value).encode()

    def from_bytes(self, data: bytes) -> str:
        return data.decode()


# One encoder for every value: json.dumps with options builds a new one each call.
_COMPACT_JSON = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False)


class SealedJSONField(SealedField):
    def to_bytes(self, value: Any) -> bytes:
        return _COMPACT_JSON.encode(value).encode()

    def from_bytes(self, data: bytes) -> Any:
        return json.loads(data)


def normal_text(value: Any, casefold: bool) -> str:
    """The text a digest is taken of (emails compare without case or surrounding space)."""
    text = "" if value is None else str(value)
    return text.strip().casefold() if casefold else text


def digest_purpose(table: str, of: str, key: str = "") -> str:
    """What a digest column's HMAC is keyed to, so equal values in two columns differ."""
    return f"{table}.{of}.{key}".rstrip(".")


class DigestField(models.CharField):
    """The keyed digest of a sealed field (or of one key of a sealed JSON object), kept up to
    date on every save, for equality lookups: `Report.objects.filter(matching(...))`."""

    def __init__(self, *args: Any, of: str = "", key: str = "", casefold: bool = False, **kw):
        self.of, self.key, self.casefold = of, key, casefold
        kw.setdefault("max_length", 64)
        kw.setdefault("blank", True)
        kw.setdefault("editable", False)
        super().__init__(*args, **kw)

    def deconstruct(self) -> Any:
        name, path, args, kwargs = super().deconstruct()
        kwargs.update(of=self.of, key=self.key, casefold=self.casefold)
        for default in ("max_length", "blank", "editable"):
            kwargs.pop(default, None)
        return name, path, args, kwargs

    @property
    def purpose(self) -> str:
        return digest_purpose(self.model._meta.db_table, self.of, self.key)

    def plaintext_of(self, instance: models.Model) -> str:
        value = getattr(instance, self.of)
        if self.key:
            value = value.get(self.key) if isinstance(value, dict) else None
        return normal_text(value, self.casefold)

    def pre_save(self, model_instance: models.Model, add: bool) -> str:
        return self.stamp(model_instance, sealing.Digester())

    def stamp(self, instance: models.Model, digest: sealing.Digester) -> str:
        """Set and return the instance's digest, taken by digest."""
        plain = self.plaintext_of(instance)
        value = digest(self.purpose, plain) if plain else ""
        setattr(instance, self.attname, value)
        return value

    def candidates(self, value: Any) -> list[str]:
        plain = normal_text(value, self.casefold)
        return sealing.candidate_digests(self.purpose, plain) if plain else []


def matching(model: type[models.Model], field_name: str, value: Any, prefix: str = "") -> Q:
    """A filter for rows whose digest field says their sealed value equals value."""
    field = model._meta.get_field(field_name)
    assert isinstance(field, DigestField)
    return Q(**{f"{prefix}{field_name}__in": field.candidates(value)})
