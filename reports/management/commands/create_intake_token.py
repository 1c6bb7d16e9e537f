import getpass

from django.core.management.base import BaseCommand, CommandError

from reports.tokens import create_intake_token


class Command(BaseCommand):
    help = (
        "Make an intake API token for a platform (created if new). The token is printed once "
        "and stored only as a hash: keep it safe."
    )

    def add_arguments(self, parser):
        parser.add_argument("name", help="the integrating platform's name, e.g. 'photos-app'")

    def handle(self, *args, name: str, **options):
        name = name.strip()
        if not name or len(name) > 100:
            raise CommandError("NAME must be 1 to 100 characters")
        row, token = create_intake_token(name, created_by=f"system:cli:{getpass.getuser()}")
        self.stderr.write(f"Intake token {row.prefix}… created for platform {name!r}.")
        self.stderr.write("It is shown once; send it as 'Authorization: Bearer <token>'.")
        self.stdout.write(token)
