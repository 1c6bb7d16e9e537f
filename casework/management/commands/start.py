"""Run everything: migrate, load demo data, then the web server, worker and scheduler, and
(for the development run) a local NCMEC sandbox the demo escalates to, a webhook sandbox
its decisions are announced to, and an NCA sandbox."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def _sandbox_environment(port: int) -> dict[str, str]:
    """Point the run at the local NCMEC sandbox, with demo reporter details unless set."""
    values = {
        "NCMEC_BASE_URL": f"http://127.0.0.1:{port}/ispws",
        "NCMEC_USERNAME": os.environ.get("NCMEC_USERNAME") or "casework-demo",
        "NCMEC_PASSWORD": os.environ.get("NCMEC_PASSWORD") or "sandbox-demo",
        "NCMEC_ROUTING": os.environ.get("NCMEC_ROUTING") or "always",
    }
    demo_reporter = {
        "NCMEC_REPORTER_FIRST_NAME": "Demo",
        "NCMEC_REPORTER_LAST_NAME": "Lead",
        "NCMEC_REPORTER_EMAIL": "trust-safety@example.invalid",
        "NCMEC_COMPANY_TEMPLATE": "Casework demo. Legal process: legal@example.invalid.",
    }
    values |= {k: os.environ.get(k) or v for k, v in demo_reporter.items()}
    return values


def _nca_environment(port: int) -> dict[str, str]:
    """Point the run at the local NCA sandbox, with a demo authorised person unless set."""
    values = {
        "NCA_BASE_URL": f"http://127.0.0.1:{port}",
        "NCA_API_KEY": os.environ.get("NCA_API_KEY") or "sandbox-demo-key",
    }
    demo = {
        "NCA_AUTHORISED_PERSON_NAME": "Demo Lead",
        "NCA_AUTHORISED_PERSON_EMAIL": "trust-safety@example.invalid",
        "NCA_PROVIDER_NAME": "Casework demo",
    }
    return values | {k: os.environ.get(k) or v for k, v in demo.items()}


class Command(BaseCommand):
    help = (
        "Migrate, load demo data (unless --no-demo), then run the web server (gunicorn), a "
        "Celery worker and Celery beat until Ctrl-C, which stops all of them."
    )

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", 8000)))
        parser.add_argument("--no-demo", action="store_true", help="skip the demo data")
        parser.add_argument(
            "--sandbox-port",
            type=int,
            default=8650,
            help="port of the local NCMEC sandbox (the local run without NCMEC_BASE_URL only)",
        )
        parser.add_argument(
            "--webhook-port",
            type=int,
            default=8651,
            help="port of the local webhook sandbox (the local run without WEBHOOK_URL only)",
        )
        parser.add_argument(
            "--nca-port",
            type=int,
            default=8652,
            help="port of the local NCA sandbox (the local run without NCA_BASE_URL only)",
        )

    def handle(self, *args, host: str, port: int, no_demo: bool, sandbox_port: int, **options):
        call_command("migrate", interactive=False, verbosity=0)
        self.stdout.write("Database migrated.")
        call_command("collectstatic", interactive=False, verbosity=0)
        if not no_demo:
            call_command("load_demo")
        elif not get_user_model().objects.filter(is_superuser=True).exists():
            self.stdout.write(
                "No demo data, and no admin yet: make the first one with\n"
                f"  {sys.executable} manage.py add_user NAME --role admin"
            )

        env = dict(os.environ, GUNICORN_BIND=f"{host}:{port}", PYTHONUNBUFFERED="1")
        python = sys.executable
        commands = {}
        if settings.LOCAL_RUN and not os.environ.get("NCMEC_BASE_URL"):
            # The development run escalates end to end, to a sandbox rather than to NCMEC.
            env.update(_sandbox_environment(sandbox_port))
            commands["sandbox"] = [
                python,
                "manage.py",
                "hotline_sandbox",
                "ncmec",
                f"--port={sandbox_port}",
                f"--username={env['NCMEC_USERNAME']}",
                f"--password={env['NCMEC_PASSWORD']}",
            ]
        if settings.LOCAL_RUN and not os.environ.get("WEBHOOK_URL"):
            # Decisions are announced to a local receiver that checks their signatures (key
            # id and secret: the local run's own, from the settings).
            webhook_port = options["webhook_port"]
            env["WEBHOOK_URL"] = f"http://127.0.0.1:{webhook_port}/webhook"
            commands["webhook"] = [
                python,
                "manage.py",
                "hotline_sandbox",
                "webhook",
                f"--port={webhook_port}",
            ]
        if settings.LOCAL_RUN and not os.environ.get("NCA_BASE_URL"):
            # A lead who adds the NCA on approval reports to a local sandbox, not the NCA.
            env.update(_nca_environment(options["nca_port"]))
            commands["nca"] = [
                python,
                "manage.py",
                "hotline_sandbox",
                "nca",
                f"--port={options['nca_port']}",
                f"--api-key={env['NCA_API_KEY']}",
            ]
        commands |= {
            "web": [
                python,
                "-m",
                "gunicorn",
                "-c",
                "python:casework.gunicorn_conf",
                "casework.wsgi:application",
            ],
            "worker": [
                python,
                "-m",
                "celery",
                "-A",
                "casework",
                "worker",
                "--loglevel=INFO",
                f"--concurrency={os.environ.get('WORKER_CONCURRENCY', '2')}",
            ],
            "beat": [
                python,
                "-m",
                "celery",
                "-A",
                "casework",
                "beat",
                "--loglevel=INFO",
                f"--schedule={settings.CELERY_BEAT_SCHEDULE_FILENAME}",
            ],
        }
        children = {
            name: subprocess.Popen(cmd, env=env, cwd=settings.BASE_DIR)
            for name, cmd in commands.items()
        }
        # SIGTERM (from a service manager or `timeout`) stops everything as Ctrl-C does.
        signal.signal(signal.SIGTERM, _interrupt)
        self.stdout.write(self.style.SUCCESS(f"Casework is running at http://{host}:{port}/"))
        if "sandbox" in commands:
            self.stdout.write(f"Escalations go to the NCMEC sandbox at {env['NCMEC_BASE_URL']}.")
        if "webhook" in commands:
            self.stdout.write(f"Decisions go to the webhook sandbox at {env['WEBHOOK_URL']}.")
        if "nca" in commands:
            self.stdout.write(f"NCA reports go to the NCA sandbox at {env['NCA_BASE_URL']}.")
        self.stdout.write("Press Ctrl-C to stop the web server, the worker and the scheduler.")
        try:
            while True:
                for name, child in children.items():
                    if child.poll() is not None:
                        self.stderr.write(f"{name} exited with {child.returncode}; stopping.")
                        raise KeyboardInterrupt
                time.sleep(0.5)
        except KeyboardInterrupt:
            pass
        finally:
            self._stop(children)
        self.stdout.write("Stopped. Data is kept in " + str(settings.DATA_DIR))

    def _stop(self, children: dict[str, subprocess.Popen]) -> None:
        for child in children.values():
            if child.poll() is None:
                child.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + 30
        for name, child in children.items():
            try:
                child.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                self.stderr.write(f"{name} did not stop in time; killing it.")
                child.kill()
                child.wait()
