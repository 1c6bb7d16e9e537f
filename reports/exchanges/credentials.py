"""An exchange's credentials, from the environment by its name (never stored in the database):

    ncmec:    EXCHANGE_<NAME>_USER, EXCHANGE_<NAME>_PASSWORD
    stopncii: EXCHANGE_<NAME>_KEY (subscription key), EXCHANGE_<NAME>_TOKEN (fetch function key)
    threatexchange: EXCHANGE_<NAME>_TOKEN (the app's access token, "<app id>|<secret>")
    any:      EXCHANGE_<NAME>_URL, optional: another base URL (a sandbox, NCMEC's test hosts)

<NAME> is the exchange's name upper-cased, anything not a letter or digit an underscore.
"""

from __future__ import annotations

import os
import re
from typing import Any

REQUIRED = {
    "ncmec": ("USER", "PASSWORD"),
    "stopncii": ("KEY", "TOKEN"),
    "threatexchange": ("TOKEN",),
}


class CredentialsMissing(Exception):
    pass


def env_prefix(exchange: Any) -> str:
    return "EXCHANGE_" + re.sub(r"[^A-Z0-9]", "_", exchange.name.upper()) + "_"


def variable_names(exchange: Any) -> list[str]:
    return [env_prefix(exchange) + s for s in (*REQUIRED.get(exchange.kind, ()), "URL")]


def credential(exchange: Any, suffix: str, *, required: bool = True) -> str:
    name = env_prefix(exchange) + suffix
    value = os.environ.get(name, "")
    if required and not value:
        raise CredentialsMissing(f"{name} is not set")
    return value
