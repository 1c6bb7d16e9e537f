"""Run a local hash exchange sandbox in the foreground."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from reports.exchanges.sandbox_ncmec import NCMECHashSandbox
from reports.exchanges.sandbox_stopncii import StopNCIISandbox
from reports.exchanges.sandbox_threatexchange import APP_ID, ThreatExchangeSandbox

DEFAULT_PORTS = {"ncmec": 8660, "stopncii": 8661, "threatexchange": 8662}


class Command(BaseCommand):
    help = (
        "Run, in the foreground until Ctrl-C, a local server that speaks a hash exchange's API "
        "well enough for python-threatexchange's client, serving synthetic hashes (random hex, "
        "never real ones) in --pages pages of --page-size. ncmec: NCMEC's hash sharing API v2 "
        "at /hashsharing (Basic auth --username/--password); stopncii: StopNCII's FetchHashes "
        "at /v1 (--subscription-key and --function-key headers); threatexchange: the Graph "
        "API's /<privacy group>/threat_updates at /v26.0 (--token as access_token, "
        "--privacy-group). Point EXCHANGE_<NAME>_URL at the address it prints."
    )

    def add_arguments(self, parser):
        parser.add_argument("target", choices=sorted(DEFAULT_PORTS))
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument(
            "--port", type=int, help="default 8660 (ncmec), 8661 (stopncii), 8662 (threatexchange)"
        )
        parser.add_argument("--pages", type=int, default=3)
        parser.add_argument("--page-size", type=int, default=10)
        parser.add_argument("--seed", type=int, default=0, help="another seed, other hashes")
        parser.add_argument("--username", default="casework", help="ncmec")
        parser.add_argument("--password", default="sandbox", help="ncmec")
        parser.add_argument("--subscription-key", default="sandbox-subscription", help="stopncii")
        parser.add_argument("--function-key", default="sandbox-fetch", help="stopncii")
        parser.add_argument(
            "--token", default=f"{APP_ID}|casework-sandbox-secret-0000", help="threatexchange"
        )
        parser.add_argument("--privacy-group", type=int, default=303, help="threatexchange")

    def handle(self, *args, target, host, port, pages, page_size, seed, **options):
        if pages < 0 or page_size < 1:
            raise CommandError("--pages must be 0 or more and --page-size 1 or more")
        port = port if port is not None else DEFAULT_PORTS[target]
        try:
            if target == "ncmec":
                sandbox = NCMECHashSandbox(
                    host,
                    port,
                    pages=pages,
                    page_size=page_size,
                    seed=seed,
                    username=options["username"],
                    password=options["password"],
                )
            elif target == "threatexchange":
                sandbox = ThreatExchangeSandbox(
                    host,
                    port,
                    pages=pages,
                    page_size=page_size,
                    seed=seed,
                    token=options["token"],
                    privacy_group=options["privacy_group"],
                )
            else:
                sandbox = StopNCIISandbox(
                    host,
                    port,
                    pages=pages,
                    page_size=page_size,
                    seed=seed,
                    subscription_key=options["subscription_key"],
                    function_key=options["function_key"],
                )
        except OSError as exc:
            raise CommandError(f"cannot listen on {host}:{port}: {exc}") from exc
        self.stdout.write(
            f"{target} exchange sandbox at {sandbox.url} ({pages} pages of {page_size})"
        )
        self.stdout.flush()
        try:
            sandbox.serve_forever()
        except KeyboardInterrupt:
            pass
        finally:
            sandbox.server.server_close()
