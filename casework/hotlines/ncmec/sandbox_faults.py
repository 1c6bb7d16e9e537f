"""The sandbox's injected failures: faults chosen by a spec, and gates a test holds a request
at (to kill the client at that exact point).

A spec is ``step=fault[@when]`` items, comma-separated. step is status, xsd, submit, upload,
fileinfo, finish, retract or ``*``. fault is 500, 503, 401, ``drop`` (close without
processing), ``drop-after`` (process, then close without answering), ``timeout`` (hold the
request unprocessed past the client's timeout, then close), ``timeout-after`` (process, then
hold without answering) or ``code:NNNN`` (an NCMEC answer with that responseCode). when is
``always`` (default), ``once``, a count N, or ``P%``.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

STEPS = {"status", "xsd", "submit", "upload", "fileinfo", "finish", "retract", "*"}
KINDS = {"500", "503", "401", "drop", "drop-after", "timeout", "timeout-after"}


@dataclass
class Fault:
    step: str
    kind: str
    remaining: int | None  # None: always, or by chance
    chance: float = 1.0


def parse_faults(spec: str) -> list[Fault]:
    """The faults a spec names; ValueError naming the item that is not understood."""
    faults = []
    for part in filter(None, (p.strip() for p in spec.split(","))):
        step, _, rest = part.partition("=")
        kind, _, when = rest.partition("@")
        valid_kind = kind in KINDS or (kind.startswith("code:") and kind[5:].isdigit())
        if step not in STEPS or not valid_kind:
            raise ValueError(
                f"bad fault {part!r}: use step=fault[@when], step one of "
                f"{', '.join(sorted(STEPS))}, fault one of {', '.join(sorted(KINDS))} or code:N"
            )
        when = when or "always"
        if when == "always":
            faults.append(Fault(step, kind, None))
        elif when == "once" or when.isdigit():
            faults.append(Fault(step, kind, 1 if when == "once" else int(when)))
        elif when.endswith("%") and when[:-1].replace(".", "", 1).isdigit():
            faults.append(Fault(step, kind, None, float(when[:-1]) / 100))
        else:
            raise ValueError(f"bad fault {part!r}: when is always, once, N or P%")
    return faults


class Gate:
    """Holds the next request of one step, before or after it is processed, until released."""

    def __init__(self, step: str, when: str) -> None:
        self.step, self.when = step, when
        self.reached = threading.Event()
        self._released = threading.Event()

    def release(self) -> None:
        self._released.set()

    def wait(self) -> None:
        self.reached.set()
        self._released.wait(timeout=60)
