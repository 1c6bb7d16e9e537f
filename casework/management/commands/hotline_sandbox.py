"""Run a local hotline sandbox in the foreground."""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from casework.hotlines.ncmec.sandbox import CyberTiplineSandbox


class Command(BaseCommand):
    help = (
        "Run, in the foreground until Ctrl-C, a local server that speaks a hotline's protocol "
        "(ncmec: the CyberTipline Reporting API under /ispws, with Basic auth, schema "
        "validation, report state and NCMEC's deletion of unfinished reports; GET "
        "/_sandbox/reports lists them as JSON). --faults injects failures, e.g. "
        "'submit=503@once,upload=drop-after@10%,finish=timeout@once,*=401@always'. "
        "Point NCMEC_BASE_URL at it."
    )

    def add_arguments(self, parser):
        parser.add_argument("target", choices=["ncmec"])
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8650)
        parser.add_argument(
            "--faults",
            default="",
            help="step=fault[@when], comma-separated; faults 500, 503, 401, drop, drop-after, "
            "timeout, timeout-after, code:N; when always, once, N or P%%",
        )
        parser.add_argument(
            "--hang-seconds",
            type=float,
            default=120.0,
            help="how long a timeout fault holds a request before closing it (default 120)",
        )
        parser.add_argument("--username", default=settings.NCMEC_USERNAME or "casework")
        parser.add_argument("--password", default=settings.NCMEC_PASSWORD or "sandbox")

    def handle(self, *args, target, host, port, faults, username, password, **options):
        try:
            sandbox = CyberTiplineSandbox(
                host, port, username, password, faults, hang_seconds=options["hang_seconds"]
            )
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        except OSError as exc:
            raise CommandError(f"cannot listen on {host}:{port}: {exc}") from exc
        self.stdout.write(f"NCMEC CyberTipline sandbox at {sandbox.url} (user {username})")
        self.stdout.flush()
        try:
            sandbox.serve_forever()
        except KeyboardInterrupt:
            pass
        finally:
            sandbox.server.server_close()
