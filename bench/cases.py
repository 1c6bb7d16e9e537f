"""Case review at scale: claim-next latency under concurrent reviewers, and page server time.

Seeds a realistic data set with PostgreSQL COPY (platforms, reports with 1-3 processed media
each, cases across the default queues, their report links and content hashes, decisions for
the decided cases, and the audit log a real run would have written, as a valid hash chain),
then measures (columns the schema has gained since this was written are filled with their
model defaults, and pending migrations are applied to the benchmark database first):

* claim-next: reviewers (each a thread with its own database connection, optionally spread
  over several processes the way gunicorn runs them) call casework.cases.claims.claim_next_case
  and then record_decision(verdict="not_csam") in a loop; the latency of claim_next_case
  alone is reported, with how much of it was spent in SQL calls, and what the database
  backends were doing meanwhile (sampled from pg_stat_activity). In a tight loop this is
  the saturation point; a paced run (--think-ms) shows the latency below it. Also
  single-threaded.
* the claim query's plan: EXPLAIN (ANALYZE, BUFFERS) of the SQL claim_next_case really sent,
  captured with CaptureQueriesContext, before and after the concurrent runs.
* pages: GET /queues/ and GET /cases/<id>/ through django.test.Client signed in as a
  reviewer; server time with DEBUG off, SQL queries per page, and whether the case page's
  query count grows with the number of reports (N+1); the slowest query of each page is
  EXPLAINed.

It refuses to run against the project's own var/ folder or a DATABASE_URL: seeding empties
the case, report, audit and user tables. Run it in its own data folder:

    CASEWORK_DATA_DIR=/tmp/bench-cases .venv/bin/python manage.py migrate
    CASEWORK_DATA_DIR=/tmp/bench-cases .venv/bin/python bench/cases.py --cases 1000000

Prints one JSON document on stdout; progress goes to stderr. The machine's load average is
recorded with every figure, since other work on a small machine moves latencies a lot.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import multiprocessing
import os
import random
import re
import shutil
import statistics
import sys
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "casework.settings")

import django  # noqa: E402

from bench import common  # noqa: E402

CLAIM_P95_TARGET_MS = 20
CLAIM_P95_GOAL_MS = 10
PAGE_P95_TARGET_MS = 100
PAGE_QUERIES_TARGET = 20
CASE_PAGE_20_P95_TARGET_MS, CASE_PAGE_QUERIES_TARGET = 50, 15  # with 20 reports on the case
SEED_INFO = "bench-cases-seed.json"
RECEIVED_TRIGGER = "casework_audit_report_received"  # writes report.received (migration 0025)
UNFILED_TRIGGER = "reports_unfiled_report_stored"  # adds it to the filer's work (reports 0018)

# ---- the shape of the data ----------------------------------------------------------------

QUEUE_SHARE = [("csam", 0.45), ("csam-ai", 0.15), ("other", 0.40)]
STATUS_SHARE = [
    ("new", 0.80),
    ("in_review", 0.02),
    ("awaiting_approval", 0.01),
    ("approved", 0.04),
    ("closed", 0.13),
]
LARGE_CASE_EVERY, LARGE_CASE_REPORTS = 50_000, 20
REPORTS_PER_CASE = [(1, 0.86), (2, 0.09), (3, 0.03), (5, 0.02)]  # mean 1.23
MEDIA_PER_REPORT = [(1, 0.55), (2, 0.30), (3, 0.15)]  # mean 1.6
SOURCE_SHARE = [
    ("classifier", 0.45),
    ("hash_match", 0.20),
    ("user_report", 0.25),
    ("trusted_flagger", 0.05),
    ("api", 0.05),
]
OTHER_REASONS = ["grooming", "sextortion", "other"]
CLOSED_VERDICTS = [("not_csam", 0.6), ("other_violation", 0.25), ("insufficient_information", 0.15)]
JURISDICTIONS = ["US", "US", "US", "GB", "GB", "DE", "FR", "IN", "BR", "PH", "CA", "AU", ""]
DESCRIPTIONS = [
    "Image uploaded to a public album was matched by the platform classifier; "
    "account suspended pending review.",
    "User report: a stranger sent explicit pictures to a minor in direct messages.",
    "Hash match against the industry list on an upload to a shared folder.",
    "Trusted flagger report of a post that links to an offsite archive.",
    "Profile picture flagged by two independent users within an hour.",
    "Video attachment in a group chat; the group was reported by a member.",
    "Classifier flagged a generated image posted with a prompt in the caption.",
    "The reporter says the account asks minors for pictures in exchange for game credit.",
    "",
]
IMAGE_TYPES = [
    ("image/jpeg", "jpg"),
    ("image/jpeg", "jpg"),
    ("image/png", "png"),
    ("image/webp", "webp"),
]
N_PLATFORMS = 25
N_UPLOADERS = 300_000
SEED_REVIEWERS = 8
SEED_LEADS = 2

# Tables seeding empties (CASCADE also empties group memberships, admin log, OTP devices).
WIPED_TABLES = [
    "casework_auditseal",  # where the audit log is sealed apart from its events
    "casework_auditevent",
    "casework_decision",
    "casework_skip",
    "casework_casecontent",
    "casework_casereport",
    "casework_case",
    "casework_loginfailure",
    "reports_media",
    "reports_intaketoken",
    "reports_report",
    "reports_platform",
    "django_session",
    "auth_user",
]
COLUMNS = {
    "reports_platform": "id, name, created_at",
    "reports_report": (
        "id, platform_id, source, external_id, reported_at, reason, description, "
        "child_in_imminent_danger, jurisdiction, content, uploader, reporter, classifier, "
        "raw_payload, received_at, status, victim, external_id_digest, uploader_id_digest, "
        "uploader_email_digest"
    ),
    "reports_media": (
        "id, report_id, position, filename, kind, content_type, size, width, height, vault_name, "
        "key_id, sha256, md5, pdq, pdq_quality, preview_vault_name, preview_key_id, status, "
        "attempts, error, created_at, processed_at"
    ),
    "casework_case": (
        "id, queue_id, status, priority, deadline_at, created_at, updated_at, holder_id, "
        "lease_expires_at, verdict"
    ),
    "casework_casereport": "id, case_id, report_id, added_at",
    "casework_casecontent": "id, case_id, sha256",
    "casework_decision": (
        "id, case_id, decided_by_id, decided_at, verdict, media_labels, incident_type, notes, "
        "approved_by_id, approved_at, returned_by_id, returned_at, return_reason"
    ),
}
# The audit log either chains each event as it is written (hash columns on the event) or
# has a sealer chain them afterwards (a seal per event): the seed writes what the schema has.
AUDIT_CHAINED = {
    "casework_auditevent": "id, at, actor, actor_user_id, action, target, data, prev_hash, hash"
}
AUDIT_SEALED = {
    "casework_auditevent": "id, at, actor, actor_user_id, action, target, data",
    "casework_auditseal": "id, event_id, prev_hash, hash",
}
ALL_TABLES = [*COLUMNS, *AUDIT_SEALED]


log = common.log


def load() -> list[float]:
    return [round(v, 2) for v in os.getloadavg()]


def weighted(pairs: list[tuple]) -> list:
    """A 1000-slot table for cheap weighted choice: table[int(random() * 1000)]."""
    table: list = []
    for value, share in pairs:
        table.extend([value] * round(share * 1000))
    while len(table) < 1000:
        table.append(pairs[0][0])
    return table[:1000]


def percentiles(samples: list[float]) -> dict[str, float]:
    """p50/p95/p99 (nearest rank), mean and max, in milliseconds."""
    if not samples:
        return {"n": 0}
    ranks = common.percentiles(samples, (50, 95, 99))
    return {
        "n": len(samples),
        "p50_ms": round(1000 * ranks[50], 2),
        "p95_ms": round(1000 * ranks[95], 2),
        "p99_ms": round(1000 * ranks[99], 2),
        "mean_ms": round(1000 * statistics.fmean(samples), 2),
        "max_ms": round(1000 * max(samples), 2),
    }


def sealed_copy(table: str, column: str, text: str) -> str:
    """COPY text of a value sealed as Casework seals personal data (bytea in hex)."""
    from reports import sealing

    return "\\\\x" + sealing.seal(text.encode(), f"{table}.{column}").hex()


def digest_copy(table: str, of: str, key: str, value: str) -> str:
    from reports import sealing
    from reports.sealed_fields import digest_purpose, normal_text

    return sealing.digest(digest_purpose(table, of, key), normal_text(value, key == "email"))


def copy_text(value: str) -> str:
    """Escape a value for COPY's text format (our generated text has no tabs or newlines)."""
    return value.replace("\\", "\\\\") if "\\" in value else value


# ---- seeding ------------------------------------------------------------------------------


class Rows:
    """Per-table row files, written in large chunks."""

    def __init__(self, folder: Path, tables: list[str]):
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)
        self.buffers: dict[str, list[str]] = {t: [] for t in tables}
        self.files = {t: open(folder / f"{t}.tsv", "w", buffering=1 << 20) for t in tables}  # noqa: SIM115
        self.counts = dict.fromkeys(tables, 0)

    def add(self, table: str, line: str) -> None:
        self.buffers[table].append(line)

    def flush(self) -> None:
        for table, lines in self.buffers.items():
            if lines:
                self.files[table].write("".join(lines))
                self.counts[table] += len(lines)
                lines.clear()

    def close(self) -> None:
        self.flush()
        for f in self.files.values():
            f.close()


def generate(rows: Rows, n_cases: int, *, seed: int, users: dict, chain: dict, queues: dict,
             key_id: str, audit_log: bool, media_sha1: bool) -> dict:  # fmt: skip
    """Write every seeded row to the row files; return the last ids and the chain head.
    chain: the last event id, the last seal id and hash, and whether events are sealed."""
    from casework.audit import event_hash

    rng = random.Random(seed)
    rand = rng.random
    bits = rng.getrandbits
    queue_of = weighted(QUEUE_SHARE)
    status_of = weighted(STATUS_SHARE)
    reports_of = weighted(REPORTS_PER_CASE)
    media_of = weighted(MEDIA_PER_REPORT)
    source_of = weighted(SOURCE_SHARE)
    closed_verdict_of = weighted(CLOSED_VERDICTS)
    reviewers, leads = users["reviewers"], users["leads"]
    now = time.time()
    start = now - 30 * 86400
    span = 30 * 86400 - 3600  # the newest case is an hour old
    iso = lambda t: datetime.fromtimestamp(t, UTC).isoformat()  # noqa: E731

    audit_id, seal_id, prev_hash = chain["event_id"], chain["seal_id"], chain["hash"]
    sealed = chain["sealed"]
    add = rows.add

    def audit(at: float, actor: str, user_id, action: str, target: str, data: dict) -> None:
        nonlocal audit_id, seal_id, prev_hash
        if not audit_log:
            return
        audit_id += 1
        when = datetime.fromtimestamp(at, UTC)
        user = "\\N" if user_id is None else str(user_id)
        body = copy_text(json.dumps(data, separators=(",", ":")))
        event = f"{audit_id}\t{when.isoformat()}\t{actor}\t{user}\t{action}\t{target}\t{body}"
        if sealed:
            digest = event_hash(prev_hash=prev_hash, event_id=audit_id, at=when, actor=actor,
                                action=action, target=target, data=data)  # fmt: skip
            seal_id += 1
            add("casework_auditevent", event + "\n")
            add("casework_auditseal", f"{seal_id}\t{audit_id}\t{prev_hash}\t{digest}\n")
        else:
            digest = event_hash(prev_hash=prev_hash, at=when, actor=actor, action=action,
                                target=target, data=data)  # fmt: skip
            add("casework_auditevent", f"{event}\t{prev_hash}\t{digest}\n")
        prev_hash = digest

    platform_names = {}
    for pid in range(1, N_PLATFORMS + 1):
        platform_names[pid] = f"platform-{pid:02d}"
        add("reports_platform", f"{pid}\t{platform_names[pid]}\t{iso(start - 86400 * 90)}\n")

    report_id = media_id = content_id = decision_id = 0
    for case_id in range(1, n_cases + 1):
        slug = queue_of[int(rand() * 1000)]
        queue = queues[slug]
        first_received = start + span * (case_id - 1) / n_cases + rand() * 30
        case_created = first_received + 2 + rand() * 20  # filed once its media were processed
        n_reports = reports_of[int(rand() * 1000)]
        if case_id % LARGE_CASE_EVERY == 0:
            n_reports = LARGE_CASE_REPORTS  # the case page's worst case, timed on its own
        main = (
            f"{bits(256):064x}",
            f"{bits(128):032x}",
            f"{bits(256):064x}",
            f"\t{bits(160):040x}\n" if media_sha1 else "\n",
        )
        contents = [main[0]]
        danger_any = False
        best_score = 0.0
        report_ids = []
        for k in range(n_reports):
            report_id += 1
            report_ids.append(report_id)
            received = first_received + k * (600 + rand() * 86400)
            reported = received - 5 - rand() * 300
            source = source_of[int(rand() * 1000)]
            platform_id = int(N_PLATFORMS * rand() ** 2) + 1
            if slug == "csam":
                reason = "csam"
            elif slug == "csam-ai":
                reason = "csam_ai_generated"
            else:
                reason = OTHER_REASONS[int(rand() * 3)]
            danger = rand() < 0.02
            danger_any = danger_any or danger
            jurisdiction = JURISDICTIONS[int(rand() * len(JURISDICTIONS))]
            description = DESCRIPTIONS[int(rand() * len(DESCRIPTIONS))]
            external_id = f"{source[:2]}-{report_id}"
            uploader_n = int(N_UPLOADERS * rand() ** 3)
            posted = iso(reported - 60 - rand() * 86400)
            content = (
                f'{{"id":"post-{report_id}","url":"https://p{platform_id}.example.org/p/'
                f'{report_id}","posted_at":"{posted}"}}'
            )
            uploader = (
                f'{{"id":"u-{uploader_n}","screen_name":"user_{uploader_n}","email":'
                f'"u{uploader_n}@example.org","ip_events":[{{"ip":"203.0.113.{uploader_n % 250}",'
                f'"type":"upload","at":"{posted}"}},{{"ip":"2001:db8::{uploader_n % 9999:x}",'
                f'"type":"login","at":"{posted}"}}]}}'
            )
            if source in ("classifier", "hash_match"):
                score = round(0.5 + 0.5 * rand(), 3)
                best_score = max(best_score, score)
                classifier = (
                    f'{{"name":"clf-vision-3","score":{score},"labels":["{reason}"],'
                    f'"version":"2025.05"}}'
                )
                reporter = '{"id":"clf-vision-3","kind":"classifier"}'
            else:
                classifier = "{}"
                reporter = f'{{"id":"r-{int(rand() * 1e6)}","kind":"user"}}'
            n_media = media_of[int(rand() * 1000)]
            media_json = ",".join(
                f'{{"filename":"IMG_{report_id}_{j}.jpg","position":{j}}}' for j in range(n_media)
            )
            raw = (
                f'{{"source":"{source}","external_id":"{external_id}","reported_at":'
                f'"{iso(reported)}","reason":"{reason}","description":"{description}",'
                f'"child_in_imminent_danger":{"true" if danger else "false"},'
                f'"jurisdiction":"{jurisdiction}","content":{content},"uploader":{uploader},'
                f'"reporter":{reporter},"classifier":{classifier},"media":[{media_json}]}}'
            )
            r = "reports_report"
            add(
                r,
                f"{report_id}\t{platform_id}\t{source}\t"
                f"{sealed_copy(r, 'external_id', external_id)}\t"
                f"{iso(reported)}\t{reason}\t{sealed_copy(r, 'description', description)}\t"
                f"{'t' if danger else 'f'}\t{jurisdiction}\t{sealed_copy(r, 'content', content)}\t"
                f"{sealed_copy(r, 'uploader', uploader)}\t{sealed_copy(r, 'reporter', reporter)}\t"
                f"{classifier}\t{sealed_copy(r, 'raw_payload', raw)}\t{iso(received)}\tprocessed\t"
                f"{sealed_copy(r, 'victim', '{}')}\t"
                f"{digest_copy(r, 'external_id', '', external_id)}\t"
                f"{digest_copy(r, 'uploader', 'id', f'u-{uploader_n}')}\t"
                f"{digest_copy(r, 'uploader', 'email', f'u{uploader_n}@example.org')}\n",
            )
            for j in range(n_media):
                media_id += 1
                if j == 0:
                    sha, md5, pdq, end = main  # the content the case is about
                else:
                    sha, md5, pdq = (f"{bits(256):064x}", f"{bits(128):032x}", f"{bits(256):064x}")
                    end = f"\t{bits(160):040x}\n" if media_sha1 else "\n"
                    contents.append(sha)
                if rand() < 0.1:
                    kind, ctype, ext = "video", "video/mp4", "mp4"
                    width, height, size = 640, 360, 200_000 + int(rand() * 20_000_000)
                else:
                    ctype, ext = IMAGE_TYPES[int(rand() * len(IMAGE_TYPES))]
                    kind = "image"
                    width, height = 320 + int(rand() * 3700), 240 + int(rand() * 2800)
                    size = 20_000 + int(rand() * 8_000_000)
                processed = received + 1 + rand() * 10
                add(
                    "reports_media",
                    f"{media_id}\t{report_id}\t{j}\t"
                    f"{sealed_copy('reports_media', 'filename', f'IMG_{report_id}_{j}.{ext}')}\t"
                    f"{kind}\t{ctype}\t"
                    f"{size}\t{width}\t{height}\t{bits(128):032x}\t{key_id}\t{sha}\t{md5}\t{pdq}\t"
                    f"{50 + int(rand() * 51)}\t{bits(128):032x}\t{key_id}\tprocessed\t1\t\t"
                    f"{iso(received)}\t{iso(processed)}{end}",
                )
            audit(
                received,
                f"platform:{platform_names[platform_id]}",
                None,
                "report.received",
                f"report:{report_id}",
                {"source": source, "reason": reason},
            )
            if k == 0:
                audit(case_created, "system:filing", None, "case.opened", f"case:{case_id}",
                      {"report": report_id, "queue": slug})  # fmt: skip
            else:
                audit(received + 5, "system:filing", None, "case.report_added", f"case:{case_id}",
                      {"report": report_id, "queue": slug})  # fmt: skip

        for position, link_report in enumerate(report_ids):
            added = case_created + position * 600
            add("casework_casereport", f"{link_report}\t{case_id}\t{link_report}\t{iso(added)}\n")
        for sha in contents:
            content_id += 1
            add("casework_casecontent", f"{content_id}\t{case_id}\t{sha}\n")

        priority = 10_000 * danger_any + int(100 * best_score) * 10 + min(n_reports, 100)
        status = status_of[int(rand() * 1000)]
        holder = lease = "\\N"
        verdict = ""
        updated = case_created
        if status == "in_review":
            # Reviewers who walked away (expired lease) or decisions an approver returned.
            if rand() < 0.5:
                holder = reviewers[int(rand() * len(reviewers))]
                lease = iso(now - 60 - rand() * 86400 * 3)
        elif status != "new":
            reviewer = reviewers[int(rand() * len(reviewers))]
            claimed = case_created + 60 + rand() * 86400 * 2
            decided = claimed + 30 + rand() * 600
            updated = decided
            if status == "closed":
                verdict = closed_verdict_of[int(rand() * 1000)]
            else:
                verdict = "csam_confirmed" if rand() < 0.8 else "csam_suspected"
            decision_id += 1
            approved_by = approved_at = "\\N"
            if status == "approved":
                lead = leads[int(rand() * len(leads))]
                updated = decided + 600 + rand() * 86400
                approved_by, approved_at = str(lead), iso(updated)
            add(
                "casework_decision",
                f"{decision_id}\t{case_id}\t{reviewer}\t{iso(decided)}\t{verdict}\t{{}}\t\t\t"
                f"{approved_by}\t{approved_at}\t\\N\t\\N\t\n",
            )
            reviewer_name = users["names"][reviewer]
            audit(claimed, f"user:{reviewer_name}", reviewer, "case.claimed", f"case:{case_id}",
                  {})  # fmt: skip
            audit(
                decided,
                f"user:{reviewer_name}",
                reviewer,
                "case.decided",
                f"case:{case_id}",
                {
                    "decision": decision_id,
                    "verdict": verdict,
                    "media_labels": {},
                    "incident_type": "",
                    "status": "closed" if status == "closed" else "awaiting_approval",
                },
            )
            if status == "approved":
                audit(updated, f"user:{users['names'][lead]}", lead, "case.approved",
                      f"case:{case_id}", {"decision": decision_id, "verdict": verdict})  # fmt: skip
        deadline = case_created + 3600 * queue["deadline_hours"]
        add(
            "casework_case",
            f"{case_id}\t{queue['id']}\t{status}\t{priority}\t{iso(deadline)}\t{iso(case_created)}\t"
            f"{iso(updated)}\t{holder}\t{lease}\t{verdict}\n",
        )
        if case_id % 20_000 == 0:
            rows.flush()
            if case_id % 200_000 == 0:
                log(f"  generated {case_id:,} cases")
    rows.flush()
    return {"audit_id": audit_id, "seal_id": seal_id, "prev_hash": prev_hash}


def seed(n_cases: int, *, seed: int, data_dir: Path, audit_log: bool) -> dict:
    """Empty the tables and fill them with COPY, in one transaction; then ANALYZE."""
    from django.db import connection, transaction

    from casework import accounts, audit
    from casework.cases import routing
    from casework.models import Queue
    from reports import vault

    routing.ensure_default_queues()
    queues = {q.slug: {"id": q.pk, "deadline_hours": q.deadline_hours} for q in Queue.objects.all()}
    missing = {slug for slug, _ in QUEUE_SHARE} - set(queues)
    if missing:
        raise SystemExit(f"missing default queues {missing}: is this a fresh database?")
    timings: dict[str, float] = {}
    folder = data_dir / "bench-cases-rows"
    with connection.cursor() as cursor:
        cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
        superuser = cursor.fetchone()[0]
    existing = set(connection.introspection.table_names())
    sealed = "casework_auditseal" in existing
    columns = COLUMNS | (AUDIT_SEALED if sealed else AUDIT_CHAINED)
    wiped = [t for t in WIPED_TABLES if t in existing]
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL casework.audit_truncate = 'allowed'")
        cursor.execute(f"TRUNCATE {', '.join(wiped)} RESTART IDENTITY CASCADE")
        users = {"reviewers": [], "leads": [], "names": {}}
        for i in range(SEED_REVIEWERS + SEED_LEADS):
            role = "reviewer" if i < SEED_REVIEWERS else "escalation_lead"
            name = f"seed-{role}-{i + 1}"
            user = accounts.create_user(name, role=role, password=None, created_by="system:bench")
            users["reviewers" if role == "reviewer" else "leads"].append(user.pk)
            users["names"][user.pk] = name
        chain = {"sealed": sealed, "event_id": 0, "seal_id": 0, "hash": audit.GENESIS}
        if sealed:
            audit.seal_all()  # the users' events, so the seeded seals continue the chain
            cursor.execute("SELECT id, hash FROM casework_auditseal ORDER BY id DESC LIMIT 1")
            chain["seal_id"], chain["hash"] = cursor.fetchone() or (0, audit.GENESIS)
            cursor.execute("SELECT max(id) FROM casework_auditevent")
            chain["event_id"] = cursor.fetchone()[0] or 0
        else:
            cursor.execute("SELECT id, hash FROM casework_auditevent ORDER BY id DESC LIMIT 1")
            chain["event_id"], chain["hash"] = cursor.fetchone() or (0, audit.GENESIS)
        log(f"generating rows for {n_cases:,} cases into {folder}")
        t = time.perf_counter()
        rows = Rows(folder, list(columns))
        try:
            result = generate(
                rows,
                n_cases,
                seed=seed,
                users=users,
                chain=chain,
                queues=queues,
                key_id=vault.current_key_id(),
                audit_log=audit_log,
                media_sha1="sha1" in db_columns("reports_media"),
            )
        finally:
            rows.close()
        timings["generate_s"] = round(time.perf_counter() - t, 1)
        # The rows are consistent by construction: skip the per-row foreign key triggers
        # where we may (a superuser); the tables were emptied in this transaction, so COPY
        # FREEZE writes them already frozen and all-visible, as a long-vacuumed table is.
        if superuser:
            cursor.execute("SET LOCAL session_replication_role = replica")
        # The seed writes each report's report.received event into its own chain; the
        # database's trigger (casework migration 0025) would write a second, unchained one.
        # Its reports are filed already: none goes into the filer's work (reports 0018).
        for trigger in (RECEIVED_TRIGGER, UNFILED_TRIGGER):
            cursor.execute(f"ALTER TABLE reports_report DISABLE TRIGGER {trigger}")
        cursor.execute("SET LOCAL maintenance_work_mem = '512MB'")
        # Secondary indexes and unique constraints are dropped for the load and built again
        # afterwards from their own definitions (a sorted build is far cheaper than millions
        # of random-key inserts); the primary keys stay.
        rebuild = drop_secondary_indexes(cursor, list(columns))
        filled: dict[str, list[str]] = {}
        for table, names in columns.items():
            t = time.perf_counter()
            if table == "reports_media" and "sha1" in db_columns(table):
                names += ", sha1"
            # Columns added to the schema since this script was written get their defaults.
            extra, suffix = column_defaults(table, names)
            if extra:
                filled[table] = extra
                names += ", " + ", ".join(extra)
            sql = f"COPY {table} ({names}) FROM STDIN WITH (FREEZE)"
            with cursor.copy(sql) as copy, open(folder / f"{table}.tsv", "rb") as f:
                while chunk := f.read(1 << 20):
                    copy.write(chunk.replace(b"\n", suffix + b"\n") if suffix else chunk)
            timings[f"copy_{table}_s"] = round(time.perf_counter() - t, 1)
            log(f"  COPY {table}: {rows.counts[table]:,} rows, {timings[f'copy_{table}_s']} s")
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "  # noqa: S608
                f"(SELECT coalesce(max(id), 0) + 1 FROM {table}), false)"
            )
        t = time.perf_counter()
        for table, statements in rebuild.items():
            for statement in statements:
                cursor.execute(statement)
            log(f"  indexes of {table} built")
        timings["index_build_s"] = round(time.perf_counter() - t, 1)
        if superuser:
            cursor.execute("SET LOCAL session_replication_role = origin")
        for trigger in (RECEIVED_TRIGGER, UNFILED_TRIGGER):
            cursor.execute(f"ALTER TABLE reports_report ENABLE TRIGGER {trigger}")
        t = time.perf_counter()
    timings["commit_s"] = round(time.perf_counter() - t, 1)
    shutil.rmtree(folder, ignore_errors=True)
    t = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    timings["analyze_s"] = round(time.perf_counter() - t, 1)
    timings["total_s"] = round(time.perf_counter() - started, 1)
    info = {
        "cases": n_cases,
        "rows": rows.counts,
        "timings": timings,
        "copy_freeze": True,
        "columns_filled_with_model_defaults": filled,
        "fk_triggers_skipped": superuser,
        "audit_log": "sealed apart (a seal per event)" if sealed else "chained on write",
        "audit_events_last_id": result["audit_id"],
        "seeded_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "load_avg_after": load(),
    }
    (data_dir / SEED_INFO).write_text(json.dumps(info, indent=2))
    return info


def db_columns(table: str) -> list[str]:
    from django.db import connection

    with connection.cursor() as cursor:
        return [c.name for c in connection.introspection.get_table_description(cursor, table)]


def copy_value(value) -> str:
    if value is None:
        return "\\N"
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, dict | list):
        return copy_text(json.dumps(value))
    return copy_text(str(value))


def column_defaults(table: str, written: str) -> tuple[list[str], bytes]:
    """The table's columns the seed does not write, and the COPY text of their values (the
    model field's default, else NULL), as a suffix for every row."""
    from django.apps import apps

    known = {c.strip() for c in written.split(",")}
    fields = {
        f.column: f
        for model in apps.get_models()
        if model._meta.db_table == table
        for f in model._meta.concrete_fields
    }
    extra, values = [], []
    for column in db_columns(table):
        if column not in known:
            extra.append(column)
            field = fields.get(column)
            values.append(copy_value(field.get_default() if field else None))
    return extra, "".join("\t" + v for v in values).encode()


def drop_secondary_indexes(cursor, tables: list[str]) -> dict[str, list[str]]:
    """Drop each table's indexes other than its primary key, and the unique constraints no
    foreign key depends on; return the statements that build them again, per table."""
    rebuild: dict[str, list[str]] = {}
    for table in tables:
        statements = []
        cursor.execute(
            """
            SELECT c.conname, pg_get_constraintdef(c.oid) FROM pg_constraint c
            WHERE c.conrelid = %s::regclass AND c.contype = 'u' AND NOT EXISTS (
                SELECT 1 FROM pg_constraint f WHERE f.contype = 'f' AND f.conindid = c.conindid)
            """,
            [table],
        )
        for name, definition in cursor.fetchall():
            cursor.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
            statements.append(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
        cursor.execute(
            """
            SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) FROM pg_index i
            WHERE i.indrelid = %s::regclass
              AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)
            """,
            [table],
        )
        for name, definition in cursor.fetchall():
            cursor.execute(f"DROP INDEX {name}")
            statements.append(definition)
        rebuild[table] = statements
    return rebuild


def table_sizes() -> dict:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT c.relname, c.reltuples::bigint, pg_relation_size(c.oid),
                   pg_indexes_size(c.oid), pg_total_relation_size(c.oid)
            FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = 'public' AND c.relkind = 'r'
              AND c.relname = ANY(%s)
            ORDER BY pg_total_relation_size(c.oid) DESC
            """,
            [ALL_TABLES],
        )
        mb = 1024 * 1024
        return {
            name: {
                "rows": rows,
                "heap_mb": round(heap / mb, 1),
                "indexes_mb": round(idx / mb, 1),
                "total_mb": round(total / mb, 1),
            }
            for name, rows, heap, idx, total in cursor.fetchall()
        }


def seeded_cases() -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM casework_case")
        return cursor.fetchone()[0]


# ---- EXPLAIN -------------------------------------------------------------------------------


def _walk(node: dict, found: dict) -> None:
    found["nodes"].append(node["Node Type"])
    if "Index Name" in node:
        found["indexes"].append(node["Index Name"])
    if node.get("Node Type") == "Seq Scan":
        found["seq_scans"].append(node.get("Relation Name"))
    found["rows_removed_by_filter"] += node.get("Rows Removed by Filter", 0)
    for child in node.get("Plans", []):
        _walk(child, found)


def explain(sql: str, *, rollback: bool = True) -> dict:
    """EXPLAIN (ANALYZE, BUFFERS) of one statement, in a transaction rolled back afterwards
    (so a FOR UPDATE takes no lasting lock); a summary plus the plan as text."""
    from django.db import connection, transaction

    result: dict = {}
    with contextlib.suppress(_Rollback), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) " + sql)
        plan = cursor.fetchone()[0]
        if isinstance(plan, str):
            plan = json.loads(plan)
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
        text = [row[0] for row in cursor.fetchall()]
        if rollback:
            raise _Rollback
    top = plan[0]
    found = {"nodes": [], "indexes": [], "seq_scans": [], "rows_removed_by_filter": 0}
    _walk(top["Plan"], found)
    result = {
        "planning_ms": round(top.get("Planning Time", 0), 3),
        "execution_ms": round(top.get("Execution Time", 0), 3),
        "shared_hit": top["Plan"].get("Shared Hit Blocks", 0),
        "shared_read": top["Plan"].get("Shared Read Blocks", 0),
        "nodes": found["nodes"],
        "indexes": found["indexes"],
        "seq_scans": found["seq_scans"],
        "rows_removed_by_filter": found["rows_removed_by_filter"],
        "text": text,
    }
    return result


class _Rollback(Exception):
    pass


def claim_queries(user, queue) -> list[str]:
    """The SQL one claim_next_case call sends (the claim is then decided, to leave no hold)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from casework.cases import claims as leases
    from casework.cases import decisions

    with CaptureQueriesContext(connection) as captured:
        case = leases.claim_next_case(user=user, queue=queue)
    if case is not None:
        decisions.record_decision(case_id=case.pk, user=user, verdict="not_csam")
    return [q["sql"] for q in captured.captured_queries]


def claim_plan(user, queue) -> dict:
    sqls = claim_queries(user, queue)
    claim = next(s for s in sqls if "SKIP LOCKED" in s)
    held = next((s for s in sqls if "FOR UPDATE" in s and "SKIP LOCKED" not in s), None)
    plan = explain(claim)
    plan["sql"] = claim
    plan["uses_case_claimable_idx"] = "case_claimable_idx" in plan["indexes"]
    out = {"claim_query": plan, "queries_per_claim": len(sqls), "load_avg": load()}
    if held:
        held_plan = explain(held)
        out["held_query"] = {
            "sql": held,
            "execution_ms": held_plan["execution_ms"],
            "indexes": held_plan["indexes"],
            "seq_scans": held_plan["seq_scans"],
            "text": held_plan["text"],
        }
    return out


# ---- claim-next ---------------------------------------------------------------------------


def reviewer_users(count: int) -> list:
    from django.contrib.auth import get_user_model

    from casework import accounts

    User = get_user_model()
    users = []
    for i in range(count):
        name = f"bench-reviewer-{i + 1:02d}"
        user = User.objects.filter(username=name).first() or accounts.create_user(
            name, role="reviewer", password=None, created_by="system:bench"
        )
        users.append(user)
    return users


def claim_loop(
    user, queue, claims: int, warmup: int, barrier, out: list, think: float = 0.0
) -> None:
    """One reviewer: claim, decide, repeat (after a random pause averaging `think` seconds,
    when given); its own connection, closed at the end."""
    from django.db import connection

    from casework.cases import claims as leases
    from casework.cases import decisions

    sql_time = [0.0]

    def timed(execute, sql, params, many, context):
        t = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            sql_time[0] += time.perf_counter() - t

    pause = random.Random(user.pk)
    result = {"claim": [], "claim_sql": [], "decide": [], "case_ids": [], "empty": 0, "errors": []}
    try:
        for _ in range(warmup):
            case = leases.claim_next_case(user=user, queue=queue)
            if case is not None:
                decisions.record_decision(case_id=case.pk, user=user, verdict="not_csam")
                result["case_ids"].append(case.pk)
        if barrier is not None:
            barrier.wait(timeout=600)
        for _ in range(claims):
            sql_time[0] = 0.0
            with connection.execute_wrapper(timed):
                t0 = time.perf_counter()
                case = leases.claim_next_case(user=user, queue=queue)
                t1 = time.perf_counter()
            if case is None:
                result["empty"] += 1
                break
            result["claim"].append(t1 - t0)
            result["claim_sql"].append(sql_time[0])
            result["case_ids"].append(case.pk)
            decisions.record_decision(case_id=case.pk, user=user, verdict="not_csam")
            result["decide"].append(time.perf_counter() - t1)
            if think:
                time.sleep(pause.uniform(0, 2 * think))
    except Exception as exc:  # reported, not hidden
        result["errors"].append(repr(exc))
    finally:
        connection.close()
    out.append(result)


def _process_main(jobs, claims, warmup, barrier, conn, think) -> None:
    """A forked process: its reviewers as threads (like a gunicorn gthread worker)."""
    out: list = []
    threads = [
        threading.Thread(target=claim_loop, args=(user, queue, claims, warmup, barrier, out, think))
        for user, queue in jobs
    ]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    conn.send(out)
    conn.close()


def wait_kind(backend: common.Backend) -> str:
    """What a busy backend is doing: running, waiting on a lock (which kind), on WAL flush at
    commit, or for the app (idle in a transaction)."""
    state, wait_type, wait_event = backend.state, backend.wait_event_type, backend.wait_event
    if wait_type is None:
        return "running"
    if wait_type == "Lock" and wait_event == "advisory":
        return "Lock:advisory"
    if wait_type == "Lock" and wait_event == "transactionid":
        return "Lock:transactionid (row lock)"
    if wait_type == "Client":
        return f"{state}:Client (waiting for the app)"
    return f"{wait_type}:{wait_event}"


def wait_sampler() -> common.PgActivitySampler:
    """What the other client backends are doing, every 10 ms; idle ones are left out."""
    from django.conf import settings

    sampler = common.PgActivitySampler(
        settings.DATABASE_URL, include_idle=False, classify=wait_kind
    )
    sampler.open()  # now, so that sampling starts the moment the reviewers are let go
    return sampler


def backends_by_state(sampler: common.PgActivitySampler) -> dict:
    """Average number of backends in each state per sample."""
    summary = {"samples": sampler.samples} | sampler.mean_by_state()
    return summary | ({"error": sampler.error} if sampler.error else {})


class Sealer:
    """What the worker's beat does while reviewers work, where the audit log is sealed apart
    from its events: audit.seal_pending() every second, on its own connection."""

    def __init__(self):
        from casework import audit

        self.seal = getattr(audit, "seal_pending", None)
        self.stop = threading.Event()
        self.runs: list[float] = []
        self.sealed = 0
        self.errors: list[str] = []
        self.thread = threading.Thread(target=self.run, daemon=True)

    def run(self) -> None:
        from django.db import connection

        try:
            while not self.stop.wait(1.0):
                t = time.perf_counter()
                self.sealed += self.seal()
                self.runs.append(time.perf_counter() - t)
        except Exception as exc:
            self.errors.append(repr(exc))
        finally:
            connection.close()

    def start(self) -> None:
        if self.seal is not None:
            self.thread.start()

    def close(self) -> dict | None:
        self.stop.set()
        if self.thread.is_alive():
            self.thread.join()
        if self.seal is None:
            return None
        return {"runs": len(self.runs), "sealed": self.sealed, "run_time": percentiles(self.runs)}


def watched_run(
    barrier, finished: Callable[[], None]
) -> tuple[float, common.PgActivitySampler, dict | None]:
    """Let the waiting reviewers go and time them until `finished` returns, sampling what
    the database backends do and sealing the audit log meanwhile, as the worker's beat
    would; (wall seconds, the pg_stat_activity sampler, the sealer's figures)."""
    sampler, sealer = wait_sampler(), Sealer()
    try:
        barrier.wait(timeout=600)
        sampler.start()
        sealer.start()
        start = time.perf_counter()
        finished()
        wall = time.perf_counter() - start
    finally:
        sampler.stop()
        sealing = sealer.close()
    return wall, sampler, sealing


def concurrent_claims(
    users, queues, *, claims: int, warmup: int, processes: int, think: float = 0.0
) -> dict:
    """All reviewers at once; queues[i % len(queues)] is reviewer i's queue."""
    from django.db import connections

    jobs = [(user, queues[i % len(queues)]) for i, user in enumerate(users)]
    load_before = load()
    results: list = []
    if processes <= 1:
        barrier = threading.Barrier(len(jobs) + 1)
        threads = [
            threading.Thread(
                target=claim_loop, args=(u, q, claims, warmup, barrier, results, think)
            )
            for u, q in jobs
        ]
        for th in threads:
            th.start()

        def threads_done() -> None:
            for th in threads:
                th.join()

        wall, sampler, sealing = watched_run(barrier, threads_done)
    else:
        connections.close_all()  # a forked child must not share the parent's connection
        ctx = multiprocessing.get_context("fork")
        barrier = ctx.Barrier(len(jobs) + 1)
        pipes, procs = [], []
        for p in range(processes):
            mine = jobs[p::processes]
            parent, child = ctx.Pipe(duplex=False)
            proc = ctx.Process(
                target=_process_main, args=(mine, claims, warmup, barrier, child, think)
            )
            proc.start()
            child.close()
            pipes.append(parent)
            procs.append(proc)

        def processes_done() -> None:
            for pipe in pipes:
                results.extend(pipe.recv())

        wall, sampler, sealing = watched_run(barrier, processes_done)
        for proc in procs:
            proc.join()
    claim = [v for r in results for v in r["claim"]]
    claim_sql = [v for r in results for v in r["claim_sql"]]
    decide = [v for r in results for v in r["decide"]]
    ids = [i for r in results for i in r["case_ids"]]
    return {
        "reviewers": len(jobs),
        "think_ms_mean": round(1000 * think),
        "processes": max(1, processes),
        "threads_per_process": math.ceil(len(jobs) / max(1, processes)),
        "queues": sorted({q.slug for _, q in jobs}),
        "claims": len(claim),
        "wall_s": round(wall, 2),
        "claims_per_s": round(len(claim) / wall, 1) if wall else None,
        "claim": percentiles(claim),
        "claim_time_in_sql": percentiles(claim_sql),
        "decide": percentiles(decide),
        "backends_by_state": backends_by_state(sampler),
        "audit_sealer": sealing,
        "same_case_claimed_twice": len(ids) - len(set(ids)),
        "queue_ran_dry": sum(r["empty"] for r in results),
        "errors": [e for r in results for e in r["errors"]][:5],
        "load_avg_before": load_before,
        "load_avg_after": load(),
    }


def single_claims(user, queue, claims: int) -> dict:
    out: list = []
    load_before = load()
    start = time.perf_counter()
    claim_loop(user, queue, claims, 3, None, out)
    wall = time.perf_counter() - start
    r = out[0]
    return {
        "queue": queue.slug,
        "claims": len(r["claim"]),
        "claims_per_s": round(len(r["claim"]) / wall, 1),
        "claim": percentiles(r["claim"]),
        "claim_time_in_sql": percentiles(r["claim_sql"]),
        "decide": percentiles(r["decide"]),
        "errors": r["errors"],
        "load_avg_before": load_before,
        "load_avg_after": load(),
    }


# ---- pages --------------------------------------------------------------------------------

NUMBERS = re.compile(r"\b\d+\b|'[^']*'")


def shape(sql: str) -> str:
    return NUMBERS.sub("?", sql)


def page_queries(client, path: str) -> dict:
    """One request with every query captured: count, repeats of one shape, the slowest."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        response = client.get(path)
    assert response.status_code == 200, (path, response.status_code)
    queries = captured.captured_queries
    shapes: dict[str, int] = {}
    for q in queries:
        shapes[shape(q["sql"])] = shapes.get(shape(q["sql"]), 0) + 1
    slowest = sorted(queries, key=lambda q: -float(q["time"]))[:3]
    return {
        "queries": len(queries),
        "query_list": [f"{1000 * float(q['time']):.1f} ms  {q['sql'][:110]}" for q in queries],
        "repeated_shapes": {s[:160]: n for s, n in shapes.items() if n > 1},
        "slowest": [{"ms": round(1000 * float(q["time"]), 2), "sql": q["sql"]} for q in slowest],
    }


def time_page(client, paths: list[str]) -> dict:
    load_before = load()
    samples = []
    for path in paths:
        t = time.perf_counter()
        response = client.get(path)
        samples.append(time.perf_counter() - t)
        assert response.status_code == 200, (path, response.status_code)
    out = percentiles(samples)
    out.update({"load_avg_before": load_before, "load_avg_after": load()})
    return out


def case_with_reports(n: int) -> int | None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT case_id FROM casework_casereport WHERE case_id IN ("
            " SELECT case_id FROM casework_casereport GROUP BY case_id HAVING count(*) = %s"
            " LIMIT 50) ORDER BY case_id DESC LIMIT 1",
            [n],
        )
        row = cursor.fetchone()
    return row[0] if row else None


def large_cases(n_cases: int) -> list[int]:
    """The seeded cases holding LARGE_CASE_REPORTS reports each (older seeds have none)."""
    from django.db import connection

    wanted = list(range(LARGE_CASE_EVERY, n_cases + 1, LARGE_CASE_EVERY))
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT case_id FROM casework_casereport WHERE case_id = ANY(%s)"
            " GROUP BY case_id HAVING count(*) = %s ORDER BY case_id",
            [wanted, LARGE_CASE_REPORTS],
        )
        return [row[0] for row in cursor.fetchall()]


def pages(user, n_cases: int, requests: int, rng: random.Random) -> dict:
    from django.test import Client

    client = Client(HTTP_HOST="localhost")
    client.force_login(user)
    out: dict = {}
    client.get("/queues/")  # warm up templates and the connection
    out["queues_page"] = {"server_time": time_page(client, ["/queues/"] * requests)}
    out["queues_page"].update(page_queries(client, "/queues/"))
    ids = [rng.randint(1, n_cases) for _ in range(requests)]
    client.get(f"/cases/{ids[0]}/")
    out["case_page"] = {"server_time": time_page(client, [f"/cases/{i}/" for i in ids])}
    one, five = case_with_reports(1), case_with_reports(5)
    counts = {}
    for label, case_id in (("1_report", one), ("5_reports", five)):
        if case_id is not None:
            counts[label] = page_queries(client, f"/cases/{case_id}/")
            counts[label]["case_id"] = case_id
    out["case_page"]["by_reports"] = counts
    large = large_cases(n_cases)
    if large:
        client.get(f"/cases/{large[0]}/")
        paths = [f"/cases/{large[n % len(large)]}/" for n in range(requests)]
        out["case_page_20_reports"] = {"cases": len(large), "server_time": time_page(client, paths)}
        out["case_page_20_reports"].update(page_queries(client, paths[0]))
    if len(counts) == 2:
        out["case_page"]["queries"] = counts["1_report"]["queries"]
        out["case_page"]["n_plus_1"] = (
            counts["5_reports"]["queries"] > counts["1_report"]["queries"]
        )
    # EXPLAIN the slowest read of each page.
    plans = {}
    for name, captured in (
        ("queues_page", out["queues_page"]),
        ("case_page", counts.get("5_reports") or counts.get("1_report")),
    ):
        for q in captured["slowest"] if captured else []:
            if q["sql"].lstrip().upper().startswith("SELECT") and "FOR UPDATE" not in q["sql"]:
                plan = explain(q["sql"])
                plans[name] = {
                    "sql": q["sql"],
                    "captured_ms": q["ms"],
                    "execution_ms": plan["execution_ms"],
                    "seq_scans": plan["seq_scans"],
                    "indexes": plan["indexes"],
                    "text": plan["text"],
                }
                break
    out["slowest_query_plans"] = plans
    out["case_list"] = case_list_pages(client, max(requests // 4, 10))
    return out


def case_list_pages(client, requests: int) -> dict:
    """GET /queues/csam/ as a reviewer: the first page, a page deep in the queue by cursor
    (keyset: it should cost what the first does), and filters, one of which nothing matches
    (the seed leaves the copied report facts at their defaults), so its bounded count has to
    walk the whole queue: the worst case."""
    from django.db import connection

    from casework.cases import case_list

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.priority, c.created_at, c.id FROM casework_case c "
            "JOIN casework_queue q ON q.id = c.queue_id WHERE q.slug = 'csam' "
            "AND c.status IN ('new', 'in_review') "
            "ORDER BY c.priority * -1, c.created_at, c.id OFFSET 200000 LIMIT 1"
        )
        row = cursor.fetchone()
    deep = case_list.encode_cursor("priority", (-row[0], row[1], row[2])) if row else ""
    paths = {
        "first_page": "/queues/csam/",
        "page_after_200k_rows": f"/queues/csam/?after={deep}",
        "breached": "/queues/csam/?breached=1",
        "sorted_oldest": "/queues/csam/?sort=oldest",
        "matched_none_match": "/queues/csam/?matched=1",
    }
    out = {}
    for name, path in paths.items():
        if name == "page_after_200k_rows" and not deep:
            continue
        client.get(path)
        out[name] = {"server_time": time_page(client, [path] * requests)}
        captured = page_queries(client, path)
        out[name]["queries"] = captured["queries"]
        out[name]["slowest"] = captured["slowest"][:1]
    return out


# ---- main ---------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--reviewers", type=int, default=16)
    parser.add_argument("--claims-per-reviewer", type=int, default=100)
    parser.add_argument("--single-claims", type=int, default=200)
    parser.add_argument("--page-requests", type=int, default=200)
    parser.add_argument(
        "--processes",
        default="1",
        help="comma-separated process counts to run the concurrent claims in: 1 is all "
        "reviewers as threads of this process; 4 is gunicorn's default shape here (1)",
    )
    parser.add_argument(
        "--think-ms",
        type=int,
        default=500,
        help="also run with each reviewer pausing a random 0..2x this between cases, so the "
        "claim latency is seen below saturation (500; 0: skip)",
    )
    parser.add_argument("--seed", type=int, default=20251123)
    parser.add_argument("--no-audit-log", action="store_true", help="seed no audit events")
    parser.add_argument("--seed-only", action="store_true", help="seed, report, and stop")
    parser.add_argument(
        "--pages-only", action="store_true", help="skip the claim runs; time the pages only"
    )
    parser.add_argument(
        "--reuse", action="store_true", help="keep the data when it is already seeded"
    )
    args = parser.parse_args()

    data_dir, owner_url = common.bench_database("seeding empties tables")
    # Seeding empties and bulk-loads the tables, audit log included, which only their owner
    # may: this process connects as the owner (the pages it times read the same rows).
    os.environ["DATABASE_URL"] = owner_url
    os.environ["DEBUG"] = "true"  # the development run's settings, as before
    django.setup()
    from django.conf import settings

    settings.DEBUG = False  # time pages as production does; query capture forces its cursor
    from django.db import connection

    from casework.models import Queue

    report: dict = {
        "benchmark": "cases",
        "cpu_count": os.cpu_count(),
        "load_avg_start": load(),
        "targets": {
            "claim_p95_ms": CLAIM_P95_TARGET_MS,
            "claim_p95_goal_ms": CLAIM_P95_GOAL_MS,
            "page_p95_ms": PAGE_P95_TARGET_MS,
            "page_queries": PAGE_QUERIES_TARGET,
        },
    }
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        report["postgres"] = {"version": cursor.fetchone()[0]}
        for setting in ("shared_buffers", "work_mem", "random_page_cost"):
            cursor.execute(f"SHOW {setting}")
            report["postgres"][setting] = cursor.fetchone()[0]

    from django.core.management import call_command
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    if executor.migration_plan(executor.loader.graph.leaf_nodes()):
        log("applying migrations to the benchmark database")
        call_command("migrate", verbosity=0)
    existing = seeded_cases()
    info_path = data_dir / SEED_INFO
    if args.reuse and existing >= args.cases and info_path.exists():
        log(f"reusing {existing:,} seeded cases")
        report["seeding"] = json.loads(info_path.read_text()) | {"reused": True}
    else:
        log(f"seeding {args.cases:,} cases (load {load()})")
        report["seeding"] = seed(
            args.cases, seed=args.seed, data_dir=data_dir, audit_log=not args.no_audit_log
        )
        log(f"seeded in {report['seeding']['timings']['total_s']} s")
    report["table_sizes"] = table_sizes()
    if args.seed_only:
        print(json.dumps(report, indent=2))
        return

    n_cases = seeded_cases()
    queues = list(Queue.objects.filter(slug__in=[s for s, _ in QUEUE_SHARE]))
    by_slug = {q.slug: q for q in queues}
    users = reviewer_users(args.reviewers)

    if args.pages_only:
        log(f"pages only ({args.page_requests} requests each)")
        report["pages"] = pages(users[0], n_cases, args.page_requests, random.Random(args.seed))
        connection.close()
        print(json.dumps(report, indent=2, default=str))
        return

    log("EXPLAIN of the claim query (before the concurrent runs)")
    report["claim_plan_before"] = claim_plan(users[0], by_slug["csam"])
    log(f"single-threaded claims ({args.single_claims})")
    report["claim_single"] = single_claims(users[0], by_slug["csam"], args.single_claims)
    log(f"  {report['claim_single']['claim']}")
    report["claim_concurrent"] = []
    for processes in [int(p) for p in args.processes.split(",")]:
        scenarios = [("one_queue", [by_slug["csam"]], 0.0), ("all_queues", queues, 0.0)]
        if args.think_ms:
            scenarios.append(("one_queue_paced", [by_slug["csam"]], args.think_ms / 1000))
        for scenario, qs, think in scenarios:
            log(f"{len(users)} reviewers, {processes} process(es), {scenario}")
            run = concurrent_claims(
                users,
                qs,
                claims=args.claims_per_reviewer,
                warmup=2,
                processes=processes,
                think=think,
            )
            run["scenario"] = scenario
            report["claim_concurrent"].append(run)
            log(f"  claim {run['claim']}, {run['claims_per_s']} claims/s, load {load()}")
    log("EXPLAIN of the claim query (after)")
    report["claim_plan_after"] = claim_plan(users[0], by_slug["csam"])

    log(f"pages ({args.page_requests} requests each)")
    report["pages"] = pages(users[0], n_cases, args.page_requests, random.Random(args.seed))
    runs = report["claim_concurrent"]
    tight = max((c["claim"].get("p95_ms", 0) for c in runs if not c["think_ms_mean"]), default=0)
    paced = max((c["claim"].get("p95_ms", 0) for c in runs if c["think_ms_mean"]), default=None)
    report["verdict"] = {
        "claim_p95_ms_worst_tight_loop": tight,
        "claim_p95_ms_worst_paced": paced,
        "claim_p95_within_target": tight <= CLAIM_P95_TARGET_MS,
        "claim_p95_within_goal": tight <= CLAIM_P95_GOAL_MS,
        "claim_p95_paced_within_target": paced is not None and paced <= CLAIM_P95_TARGET_MS,
        "queues_page_p95_ok": report["pages"]["queues_page"]["server_time"]["p95_ms"]
        <= PAGE_P95_TARGET_MS,
        "case_page_p95_ok": report["pages"]["case_page"]["server_time"]["p95_ms"]
        <= PAGE_P95_TARGET_MS,
        "queries_per_page_ok": max(
            report["pages"]["queues_page"]["queries"],
            *(c["queries"] for c in report["pages"]["case_page"]["by_reports"].values()),
        )
        <= PAGE_QUERIES_TARGET,
        "case_page_n_plus_1": report["pages"]["case_page"].get("n_plus_1"),
        "case_page_20_reports_p95_ok": report["pages"]
        .get("case_page_20_reports", {})
        .get("server_time", {})
        .get("p95_ms", math.inf)
        <= CASE_PAGE_20_P95_TARGET_MS,
        "case_page_20_reports_queries_ok": report["pages"]
        .get("case_page_20_reports", {})
        .get("queries", math.inf)
        <= CASE_PAGE_QUERIES_TARGET,
    }
    report["load_avg_end"] = load()
    connection.close()
    print(json.dumps(report, indent=2, default=str))


if __name__ == "__main__":
    main()
