"""Run a local hotline sandbox in the foreground."""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from casework.hotlines.nca.sandbox import FAULTS as NCA_FAULTS
from casework.hotlines.nca.sandbox import NcaSandbox
from casework.hotlines.ncmec.sandbox import CyberTiplineSandbox
from casework.hotlines.webhook.sandbox import FAILURES, WebhookSandbox

DEFAULT_PORTS = {"ncmec": 8650, "webhook": 8651, "nca": 8652}


class Command(BaseCommand):
    help = (
        "Run, in the foreground until Ctrl-C, a local server that speaks a hotline's protocol "
        "(ncmec: the CyberTipline Reporting API under /ispws, with Basic auth, schema "
        "validation, report state and NCMEC's deletion of unfinished reports; GET "
        "/_sandbox/reports lists them as JSON). --faults injects failures, e.g. "
        "'submit=503@once,upload=drop-after@10%,finish=timeout@once,*=401@always'. "
        "Point NCMEC_BASE_URL at it. (webhook: a receiver at /webhook that verifies the "
        "signature, refuses stale timestamps and replays; --fail-first N answers the first N "
        'deliveries --fail-status, and POST /_sandbox/fail {"count": N} does so on demand; '
        "GET /_sandbox/events lists what it received. Point WEBHOOK_URL at it.) (nca: POST "
        "/reports with Authorization: Bearer --api-key; 422 names each missing required "
        "field; answers a reference, the same one for a repeated report_id; --fail-first N "
        "meets the first N reports with --fail-status (500, 502, 503, 429, drop, "
        "drop-after); GET /_sandbox/reports lists them. Point NCA_BASE_URL at it.)"
    )

    def add_arguments(self, parser):
        parser.add_argument("target", choices=sorted(DEFAULT_PORTS))
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument(
            "--port", type=int, help="default 8650 (ncmec), 8651 (webhook), 8652 (nca)"
        )
        parser.add_argument(
            "--faults",
            default="",
            help="ncmec: step=fault[@when], comma-separated; faults 500, 503, 401, drop, "
            "drop-after, timeout, timeout-after, code:N; when always, once, N or P%%",
        )
        parser.add_argument(
            "--hang-seconds",
            type=float,
            default=120.0,
            help="ncmec: how long a timeout fault holds a request before closing it",
        )
        parser.add_argument("--username", default=settings.NCMEC_USERNAME or "casework")
        parser.add_argument("--password", default=settings.NCMEC_PASSWORD or "sandbox")
        parser.add_argument("--key-id", default=settings.WEBHOOK_KEY_ID or "sandbox")
        parser.add_argument(
            "--secret",
            default=settings.WEBHOOK_SECRET or "sandbox-secret",
            help="webhook: the shared secret (default WEBHOOK_SECRET)",
        )
        parser.add_argument(
            "--api-key",
            default=settings.NCA_API_KEY or "sandbox-key",
            help="nca: the bearer key it accepts (default NCA_API_KEY)",
        )
        parser.add_argument("--fail-first", type=int, default=0, help="webhook, nca: fail N first")
        parser.add_argument(
            "--fail-status",
            default="503",
            help=f"webhook: one of {', '.join(sorted(FAILURES))}; "
            f"nca: one of {', '.join(sorted(NCA_FAULTS))}",
        )

    def handle(self, *args, target, host, port, **options):
        port = port if port is not None else DEFAULT_PORTS[target]
        try:
            sandbox, banner = self._sandbox(target, host, port, options)
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        except OSError as exc:
            raise CommandError(f"cannot listen on {host}:{port}: {exc}") from exc
        self.stdout.write(banner)
        self.stdout.flush()
        try:
            sandbox.serve_forever()
        except KeyboardInterrupt:
            pass
        finally:
            sandbox.server.server_close()

    def _sandbox(self, target: str, host: str, port: int, options: dict):
        if target == "nca":
            sandbox = NcaSandbox(
                host,
                port,
                options["api_key"],
                fail_first=options["fail_first"],
                fault=options["fail_status"],
            )
            return sandbox, f"NCA sandbox at {sandbox.url} (POST /reports, bearer key set)"
        if target == "webhook":
            sandbox = WebhookSandbox(
                host,
                port,
                options["key_id"],
                options["secret"],
                fail_first=options["fail_first"],
                fail_status=options["fail_status"],
            )
            return sandbox, f"Webhook sandbox at {sandbox.url} (key id {options['key_id']})"
        username = options["username"]
        sandbox = CyberTiplineSandbox(
            host,
            port,
            username,
            options["password"],
            options["faults"],
            hang_seconds=options["hang_seconds"],
        )
        return sandbox, f"NCMEC CyberTipline sandbox at {sandbox.url} (user {username})"
