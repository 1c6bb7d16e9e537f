import sys

from django.conf import settings
from django.core.management.base import BaseCommand

from casework.devrun import demo


class Command(BaseCommand):
    help = (
        "Load demo data: one user per role, a demo platform token and synthetic reports. "
        "Safe to run again; it adds nothing twice. Credentials are printed when they are "
        "made (the first start); later runs say which file keeps them."
    )

    def handle(self, *args, **options):
        state_file = settings.DATA_DIR / "demo.json"
        state = demo.load(state_file)
        self.stdout.write(f"Demo reports added: {state['reports_created']}")
        new = state["new"]
        if not new["users"] and not new["token"]:
            self.stdout.write(
                f"Demo users, passwords, second factors and the platform token: {state_file} "
                "(printed at the first start only)"
            )
            return
        self.stdout.write(f"Demo credentials, printed this once and kept in {state_file}:")
        if new["users"]:
            self.stdout.write("Demo users (username / password / role):")
        for username in new["users"]:
            user = state["users"][username]
            self.stdout.write(f"  {username:10} {user.get('password', '?'):20} {user['role']}")
            if user.get("totp"):
                self.stdout.write(f"  {'':10} second factor: {user['totp']}")
        if any(state["users"][name].get("totp") for name in new["users"]):
            self.stdout.write(
                f"  (a code for a TOTP user: {sys.executable} manage.py totp_code USERNAME, "
                "demo data only)"
            )
        if new["token"]:
            self.stdout.write(f"Demo platform intake token: {state['token']}")
