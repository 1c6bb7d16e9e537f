from django.conf import settings
from django.core.management.base import BaseCommand

from casework.devrun import demo


class Command(BaseCommand):
    help = (
        "Load demo data: one user per role, a demo platform token and synthetic reports. "
        "Safe to run again; it adds nothing twice."
    )

    def handle(self, *args, **options):
        state = demo.load(settings.DATA_DIR / "demo.json")
        self.stdout.write(f"Demo reports added: {state['reports_created']}")
        self.stdout.write("Demo users (username / password / role):")
        for username, user in state["users"].items():
            self.stdout.write(f"  {username:10} {user['password']:20} {user['role']}")
            if user.get("totp"):
                self.stdout.write(f"  {'':10} second factor: {user['totp']}")
        self.stdout.write(
            "  (a code for a TOTP user: python manage.py totp_code USERNAME, demo data only)"
        )
        self.stdout.write(f"Demo platform intake token: {state['token']}")
