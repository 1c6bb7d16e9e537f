import getpass

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from casework import accounts


class Command(BaseCommand):
    help = (
        "Give an existing user a new TOTP device, replacing any they had (a lost phone, or a "
        "lead who signs in through the identity provider without MFA). Its otpauth:// URI is "
        "printed once; the enrolment is audited."
    )

    def add_arguments(self, parser):
        parser.add_argument("username")

    def handle(self, *args, username: str, **options):
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"no user {username!r}")
        uri = accounts.enrol_totp(user, created_by=f"system:cli:{getpass.getuser()}")
        self.stdout.write(f"Enrolled a new TOTP device for {username}; any earlier one is gone.")
        self.stdout.write("Add this to an authenticator app (shown once):")
        self.stdout.write(uri)
