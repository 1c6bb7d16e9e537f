"""Escalation to NCMEC end to end: approved cases through the outbox and the real worker to
the CyberTipline sandbox, clean and with a share of the calls failing, and the protocol alone.

In a data folder of its own (embedded PostgreSQL and Redis) it makes 2 x N cases, one
synthetic picture each, decided csam_confirmed. Each run starts the sandbox (`manage.py
hotline_sandbox ncmec`), a Celery worker (prefork) and beat, and a lead approves its N cases
one after another with decisions.approve_decision (the outbox row is written in the
approval's transaction, queued on commit). Once every escalation is finished or needs
attention (retried once, as a lead would) the times come from the escalation and attempt rows.
- clean: no faults. faults: --fault-percent of all calls fail (503, 500, dropped or held past
  the client's timeout, before or after being processed: the last four leave a step in
  doubt), with ESCALATION_RETRY_BASE_SECONDS and NCMEC_TIMEOUT_SECONDS small. Fresh cases.
- ceiling: the clean run's cases again, to a fresh sandbox, from this process in a loop
  through the same CyberTipline adapter and HTTP client, facts and file bytes read first.
Both runs check at the sandbox (`GET /_sandbox/reports`) that each escalation has exactly one
finished report, with its one described file, and no other report was finished; if not, the
exit status is 1. Prints JSON on stdout (progress on stderr) and writes it to --out.

    .venv/bin/python bench/escalation.py [--cases 200] [--concurrency 2] [--fault-percent 20]
"""

from __future__ import annotations

import argparse
import atexit
import contextlib
import itertools
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # for bench.common and the project, run as a script

from bench import common  # noqa: E402

PYTHON = str(ROOT / ".venv" / "bin" / "python") if (ROOT / ".venv").exists() else sys.executable
USERNAME, PASSWORD = "casework-bench", "sandbox-bench"  # the local sandbox's account
# How the failing calls divide between the sandbox's faults; they are tried in this order,
# each only when the ones before it missed (fault_spec turns shares into chances).
FAULT_MIX = [("503", 0.5), ("500", 0.15), ("drop", 0.1), ("drop-after", 0.1)]
FAULT_MIX += [("timeout", 0.075), ("timeout-after", 0.075)]


def log(message: str) -> None:
    print(f"[escalation-bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def fault_spec(percent: float) -> str:
    """`*=fault@P%` items that fail `percent` of all calls in FAULT_MIX's proportions."""
    items, left = [], 1.0
    for kind, part in FAULT_MIX:
        share = percent / 100 * part
        items.append(f"*={kind}@{100 * share / left:.4f}%")
        left -= share
    return ",".join(items)


def spawn(name: str, cmd: list[str], logs: Path, says: str, **env: str) -> subprocess.Popen:
    """Start cmd, logging to logs/name.log, and return once the log says `says`."""
    path = logs / f"{name}.log"
    ready = lambda: path.exists() and says in path.read_text(errors="replace")  # noqa: E731
    return common.start_group(cmd, path, ready, cwd=ROOT, env=os.environ | env)


def sandbox_reports(port: int) -> list[dict]:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/_sandbox/reports", timeout=30) as r:
        return json.load(r)["reports"]


def start_sandbox(name: str, logs: Path, faults: str = "", hang: float = 120) -> tuple:
    port = common.free_port()
    cmd = [PYTHON, "manage.py", "hotline_sandbox", "ncmec", f"--port={port}", f"--faults={faults}"]
    cmd += [f"--hang-seconds={hang}", f"--username={USERNAME}", f"--password={PASSWORD}"]
    return spawn(f"sandbox-{name}", cmd, logs, "sandbox at http"), port


def start_worker(name: str, logs: Path, concurrency: int, **env: str) -> list[subprocess.Popen]:
    """The worker and beat, as `manage.py start` runs them."""
    from django.conf import settings

    celery = [PYTHON, "-m", "celery", "-A", "casework"]
    worker_cmd = [*celery, "worker", "--loglevel=INFO", f"--concurrency={concurrency}"]
    beat_cmd = [*celery, "beat", "--loglevel=INFO"]
    beat_cmd.append(f"--schedule={settings.CELERY_BEAT_SCHEDULE_FILENAME}")
    worker = spawn(f"worker-{name}", worker_cmd, logs, " ready.", **env)
    return [worker, spawn(f"beat-{name}", beat_cmd, logs, "beat: Starting", **env)]


def services() -> dict[str, int]:
    """The embedded PostgreSQL's postmaster and Redis server of this run."""
    import psutil
    from django.conf import settings

    from casework import env

    unix_socket = "unixsocket:" + os.environ[env.EMBEDDED_BROKER_URL].split("://", 1)[1]
    redis = [
        p.pid for p in psutil.process_iter(["cmdline"]) if unix_socket in (p.info["cmdline"] or [])
    ]
    pidfile = settings.DATA_DIR / "pgdata" / "postmaster.pid"
    return {"postgres": int(pidfile.read_text().split()[0]), "redis": redis[0]}


def cpu(pids: dict[str, int]) -> dict[str, float]:
    """CPU seconds of each process tree, and of this process alone as "bench" (the others
    are its children)."""
    return common.tree_cpu_seconds(pids) | {"bench": time.process_time()}


def seed_cases(first: int, n: int, reviewer) -> dict[int, str]:
    """n cases awaiting approval, one synthetic picture each: {case id: the picture's MD5}."""
    from casework.cases import claims, decisions, filing
    from tests.helpers import stored_image

    cases: dict[int, str] = {}
    for number in range(first, first + n):
        uploader = {"id": f"acct-{number}", "screen_name": "someone"}
        media, _ = stored_image(number, f"bench-{number}", jurisdiction="US", uploader=uploader)
        case = filing.file_report(media.report_id)
        claimed = claims.claim_next_case(user=reviewer, queue=case.queue)
        if claimed is None or claimed.pk != case.pk or case.pk in cases:
            raise RuntimeError(f"picture {number} did not make a case of its own to claim")
        labels = {str(media.pk): {"industry": "A1"}}
        decisions.record_decision(
            case_id=case.pk, user=reviewer, verdict="csam_confirmed", media_labels=labels
        )
        cases[case.pk] = media.md5
    return cases


def wait_settled(case_ids, timeout: float) -> bool:
    """Wait until every escalation of the cases is finished or needs attention."""
    from casework.escalation.models import Escalation

    deadline = time.monotonic() + timeout
    rows = Escalation.objects.filter(case_id__in=case_ids)
    while rows.exclude(state__in=("finished", "needs_attention")).exists():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.25)
    return True


def escalate(name: str, cases: dict[int, str], lead, logs: Path, args, faults: str = "") -> dict:
    from casework.cases import decisions
    from casework.escalation import actions
    from casework.escalation.models import Escalation

    timeout = args.timeout_seconds if faults else 60  # the product's default when clean
    sandbox, port = start_sandbox(name, logs, faults, hang=2 * timeout)
    procs, approved = [sandbox], {}
    escalations = Escalation.objects.filter(case_id__in=cases)
    try:
        url = f"http://127.0.0.1:{port}/ispws"
        procs += start_worker(
            name, logs, args.concurrency, NCMEC_BASE_URL=url, NCMEC_TIMEOUT_SECONDS=str(timeout)
        )
        pids = {"worker": procs[1].pid, "beat": procs[2].pid, "sandbox": sandbox.pid}
        pids |= services()
        cpu_before = cpu(pids)
        log(f"{name}: approving {len(cases)} cases (faults: {faults or 'none'})")
        started = time.time()
        for case_id in cases:
            decisions.approve_decision(case_id=case_id, lead=lead)
            approved[case_id] = time.time()  # the approval's transaction has committed
        approvals_seconds = time.time() - started
        settled = wait_settled(cases, args.wait)
        attention = list(escalations.filter(state="needs_attention").values_list("pk", flat=True))
        for escalation_id in attention:  # as a lead would, once
            actions.retry(escalation_id=escalation_id, lead=lead)
        if attention:
            log(f"{name}: {len(attention)} needed attention; retried once")
            settled = wait_settled(cases, args.wait)
        used = {k: round(v - cpu_before[k], 1) for k, v in cpu(pids).items()}
        reports = sandbox_reports(port)
    finally:
        for proc in reversed(procs):
            common.stop_group(proc)
    rows = list(escalations.prefetch_related("attempts"))
    return figures(rows, approved, approvals_seconds) | {
        "settled_within_wait": settled,
        "needed_attention": len(attention),
        "cpu_seconds": used,
        "sandbox_reports_by_state": dict(Counter(r["state"] for r in reports)),
        "guarantee": verify(rows, cases, reports),
    }


def figures(escalations, approved: dict[int, float], approvals_seconds: float) -> dict:
    finished = [e for e in escalations if e.state == "finished"]
    done_at = {e.case_id: e.finished_at.timestamp() for e in finished}
    attempts = {e.case_id: list(e.attempts.all()) for e in escalations}
    wall = max(done_at.values(), default=float("nan")) - min(approved.values())
    # "already_done" is a step repeated after its answer was lost, answered "already finished"
    # or "already retracted" (5102, 5101): recovery, not a failure.
    failed = {
        c: [a for a in r if a.outcome not in ("ok", "already_done")] for c, r in attempts.items()
    }
    why = Counter(
        f"{a.step.split(':')[0]} {a.outcome} {a.http_status or a.message}"
        for a in itertools.chain(*failed.values())
    )
    first = [min(a.at for a in r).timestamp() - approved[c] for c, r in attempts.items() if r]
    per = [len(rows) for rows in attempts.values()]
    calls, done = sum(per), [t - approved[c] for c, t in done_at.items()]
    outcomes = Counter(a.outcome for a in itertools.chain(*attempts.values()))
    return {
        "escalations": len(escalations),
        "finished": len(finished),
        "approvals_seconds": round(approvals_seconds, 2),
        "approvals_per_s": round(len(approved) / approvals_seconds, 1),
        "wall_seconds": round(wall, 2),  # first approval's commit to the last finished report
        "finished_per_s": round(len(finished) / wall, 2) if finished else 0,
        "seconds_approval_to_finished": common.spread(done),
        # Time waiting in the queue plus one request: what the worker's backlog adds.
        "seconds_approval_to_first_answer": common.spread(first),
        "calls_per_escalation": {"mean": round(calls / len(per), 2), "max": max(per)},
        "failed_calls": sum(why.values()),
        "failed_share_of_calls": round(sum(why.values()) / calls, 3) if calls else 0,
        "escalations_with_a_failed_call": sum(1 for rows in failed.values() if rows),
        "failed_calls_per_escalation_max": max(len(rows) for rows in failed.values()),
        "failed_calls_by_step_outcome_status": dict(why.most_common()),
        "calls_answered_already_done": outcomes["already_done"],
        "reports_abandoned": sum(len(e.abandoned) for e in escalations),
    }


def verify(escalations, cases: dict[int, str], reports: list[dict]) -> dict:
    """Exactly one finished report at the sandbox per escalation, with the case's one file,
    described; no finished report that no escalation claims."""
    finished = {r["id"]: r for r in reports if r["state"] == "finished"}
    by_md5: dict[str, list[int]] = {}
    for report in finished.values():
        for file in report["files"]:
            by_md5.setdefault(file["md5"], []).append(report["id"])
    problems, claimed = [], set()
    for e in escalations:
        found = by_md5.get(cases[e.case_id], [])
        claimed |= set(found)
        if e.state != "finished" or found != [int(e.hotline_id or 0)]:
            problems.append(f"case {e.case_id}: {e.state} as {e.hotline_id!r}, sandbox {found}")
    wrong_files = [r for r in finished.values() if [f["details"] for f in r["files"]] != [True]]
    unclaimed = set(finished) - claimed
    return {
        "escalations": len(escalations),
        "finished_reports_at_sandbox": len(finished),
        "duplicates": sum(len(ids) - 1 for ids in by_md5.values()),
        "not_finished": sum(1 for e in escalations if e.state != "finished"),
        "reports_without_exactly_their_one_file": len(wrong_files),
        "finished_reports_no_escalation_claims": len(unclaimed),
        "holds": not problems and not wrong_files and not unclaimed,
        "problems": problems[:10],
    }


def ceiling(case_ids, logs: Path) -> dict:
    from casework.escalation import facts as gathering
    from casework.hotlines.ncmec import CyberTipline
    from casework.hotlines.ncmec.client import CyberTiplineClient
    from casework.models import Case

    prepared = []
    for case in Case.objects.filter(pk__in=case_ids).order_by("pk"):
        facts = gathering.case_facts(case, target="ncmec")
        prepared.append((facts, [(f, *gathering.file_bytes(f.key)) for f in facts.files]))
    sandbox, port = start_sandbox("ceiling", logs)
    try:
        client = CyberTiplineClient(f"http://127.0.0.1:{port}/ispws", USERNAME, PASSWORD)
        hotline = CyberTipline(client)
        pids = {"sandbox": sandbox.pid}
        cpu_before = cpu(pids)
        log(f"ceiling: {len(prepared)} reports from one process, no outbox")
        times, failed, started = [], 0, time.monotonic()
        for facts, files in prepared:
            t0 = time.monotonic()
            _, opened = hotline.open_report(facts)
            answers = [opened]
            for file, data, content_type in files:
                answers.append(hotline.upload(opened.report_id, file, data, content_type))
                answers.append(hotline.describe(opened.report_id, answers[-1].file_id, file)[1])
            answers.append(hotline.finish(opened.report_id))
            failed += not all(answer.ok for answer in answers)
            times.append(time.monotonic() - t0)
        wall = time.monotonic() - started
        used = {k: round(v - cpu_before[k], 1) for k, v in cpu(pids).items()}
        hotline.close()
        reports = sandbox_reports(port)
    finally:
        common.stop_group(sandbox)
    return {
        "reports": len(prepared),
        "failed": failed,
        "finished_at_sandbox": sum(1 for r in reports if r["state"] == "finished"),
        "wall_seconds": round(wall, 2),
        "finished_per_s": round(len(prepared) / wall, 2),
        "seconds_per_report": common.spread(times),
        "cpu_seconds": used,
    }


def setup(data_dir: Path, retry_base: int) -> None:
    """This process's environment and Django, on embedded services in data_dir (the worker,
    beat and sandbox inherit the addresses ensure_started publishes)."""
    from casework import env

    for name in ("DATABASE_URL", "CELERY_BROKER_URL", env.EMBEDDED_DATABASE_URL):
        os.environ.pop(name, None)
    os.environ.pop(env.EMBEDDED_BROKER_URL, None)
    os.environ.update(CASEWORK_DATA_DIR=str(data_dir), DEBUG="true", PYTHONUNBUFFERED="1")
    os.environ.update(NCMEC_USERNAME=USERNAME, NCMEC_PASSWORD=PASSWORD, NCMEC_ROUTING="us")
    os.environ.update(NCMEC_REPORTER_EMAIL="trust-safety@example.invalid")
    os.environ.update(DJANGO_SETTINGS_MODULE="casework.settings")
    os.environ["ESCALATION_RETRY_BASE_SECONDS"] = str(retry_base)
    from casework.devrun.services import ensure_started

    ensure_started()
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", interactive=False, verbosity=0)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=200, help="approved cases per run")
    parser.add_argument("--concurrency", type=int, default=2, help="worker processes")
    parser.add_argument("--fault-percent", type=float, default=20.0, help="failing calls, %%")
    parser.add_argument("--retry-base", type=int, default=1, help="ESCALATION_RETRY_BASE_SECONDS")
    parser.add_argument("--timeout-seconds", type=int, default=2, help="NCMEC_TIMEOUT_SECONDS")
    parser.add_argument("--wait", type=float, default=900, help="most seconds to wait per run")
    parser.add_argument("--out", default=str(ROOT / "bench" / "results" / "escalation.json"))
    parser.add_argument("--keep", action="store_true", help="keep the data folder and logs")
    args = parser.parse_args()

    data_dir = Path(tempfile.mkdtemp(prefix="casework-bench-escalation-"))
    logs = data_dir / "logs"
    logs.mkdir()
    if not args.keep:  # registered first, so it runs after PostgreSQL and Redis have stopped
        atexit.register(shutil.rmtree, data_dir, ignore_errors=True)
    faults = fault_spec(args.fault_percent)
    result: dict = {
        "benchmark": "escalation: approved cases through the outbox and worker to the sandbox",
        "machine_start": common.machine(),
        "options": vars(args) | {"fault_spec": faults, "data_dir": str(data_dir)},
    }
    began = time.monotonic()
    try:
        setup(data_dir, args.retry_base)
        from casework import roles
        from reports.models import Media
        from tests.helpers import make_user

        reviewer = make_user("bench-reviewer", roles.REVIEWER)
        lead = make_user("bench-lead", roles.ESCALATION_LEAD)
        log(f"seeding {2 * args.cases} cases awaiting approval in {data_dir}")
        clean_cases = seed_cases(1, args.cases, reviewer)
        fault_cases = seed_cases(args.cases + 1, args.cases, reviewer)
        result["setup_and_seeding_seconds"] = round(time.monotonic() - began, 1)
        sizes = list(Media.objects.values_list("size", flat=True))
        result["file_bytes_mean"] = round(sum(sizes) / len(sizes))
        result["clean"] = escalate("clean", clean_cases, lead, logs, args)
        result["ceiling"] = ceiling(list(clean_cases), logs)
        result["faults"] = escalate("faults", fault_cases, lead, logs, args, faults)
        result["ceiling_over_outbox"] = {
            run: round(result["ceiling"]["finished_per_s"] / result[run]["finished_per_s"], 2)
            for run in ("clean", "faults")
            if result[run]["finished_per_s"]
        }
    except Exception as exc:
        result["error"] = f"{type(exc).__name__}: {exc}"
        log(f"failed: {result['error']} (logs in {logs}, kept with --keep)")
    result["seconds"] = round(time.monotonic() - began, 1)
    result["machine_end"] = common.machine()
    holds = [result[run]["guarantee"]["holds"] for run in ("clean", "faults") if run in result]
    result["guarantee_holds"] = holds == [True, True]
    text = json.dumps(result, indent=2)
    print(text)
    if args.out:
        Path(args.out).write_text(text + "\n")
    with contextlib.suppress(Exception):
        from django.db import connections

        connections.close_all()  # so the embedded PostgreSQL stops at exit
    return 0 if result["guarantee_holds"] and "error" not in result else 1


if __name__ == "__main__":
    sys.exit(main())
