import getpass
import os

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from casework import accounts, roles


class Command(BaseCommand):
    help = (
        "Create a user in one role. The password comes from a prompt or --password-env VAR. "
        "Escalation leads and admins get a TOTP device; its otpauth:// URI is printed once."
    )

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--role", required=True, choices=roles.ROLES)
        parser.add_argument(
            "--password-env", metavar="VAR", help="read the password from this variable"
        )
        parser.add_argument(
            "--totp",
            action="store_true",
            help="enrol a TOTP device even if the role does not need one",
        )

    def handle(
        self, *args, username: str, role: str, password_env: str | None, totp: bool, **options
    ):
        if get_user_model().objects.filter(username=username).exists():
            raise CommandError(f"user {username!r} exists already")
        if password_env:
            password = os.environ.get(password_env)
            if not password:
                raise CommandError(f"environment variable {password_env} is not set or empty")
        else:
            password = getpass.getpass(f"Password for {username}: ")
            if password != getpass.getpass("Again: "):
                raise CommandError("the passwords differ")
        try:
            validate_password(password)
        except ValidationError as exc:
            raise CommandError("password refused: " + " ".join(exc.messages)) from exc
        actor = f"system:cli:{getpass.getuser()}"
        user = accounts.create_user(username, role=role, password=password, created_by=actor)
        self.stdout.write(f"Created {username} ({role}).")
        if totp or role in accounts.TOTP_ROLES:
            uri = accounts.enrol_totp(user, created_by=actor)
            self.stdout.write("Add this to an authenticator app (shown once):")
            self.stdout.write(uri)
