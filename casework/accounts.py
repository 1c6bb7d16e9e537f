"""People: making users in a role, each creation audited."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction

from casework import audit, roles


def create_user(username: str, *, role: str, password: str, created_by: str):
    """Create an active user in one role; admins also get the Django admin."""
    if role not in roles.ROLES:
        raise ValueError(f"unknown role {role!r}; choose one of {', '.join(roles.ROLES)}")
    User = get_user_model()
    with transaction.atomic():
        user = User.objects.create_user(
            username=username,
            password=password,
            is_staff=role == roles.ADMIN,
            is_superuser=role == roles.ADMIN,
        )
        user.groups.add(Group.objects.get_or_create(name=role)[0])
        audit.record(
            "user.created", actor=created_by, target=f"user:{username}", data={"role": role}
        )
    return user
