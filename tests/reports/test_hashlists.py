"""Hash list import and export: the exchange formats, all-or-nothing, idempotent."""

from __future__ import annotations

import hashlib
import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from casework.models import AuditEvent
from reports.models import HashEntry, HashList

pytestmark = pytest.mark.django_db

MD5 = [hashlib.md5(f"synthetic-{i}".encode()).hexdigest() for i in range(3)]
PDQ = ["f" * 64, "0" * 63 + "1"]


def run_import(tmp_path, text: str, *args: str) -> str:
    path = tmp_path / "list.txt"
    path.write_text(text)
    out = io.StringIO()
    call_command("import_hashlist", str(path), *args, stdout=out)
    return out.getvalue()


def export(name: str, fmt: str) -> str:
    out = io.StringIO()
    call_command("export_hashlist", name, "--format", fmt, stdout=out)
    return out.getvalue()


def test_csv_import_is_idempotent_and_audited(tmp_path):
    text = "hash,category,source_id\n" + "".join(f"{h},A1,src-{i}\n" for i, h in enumerate(MD5))
    assert "3 entries added" in run_import(tmp_path, text, "--list", "ncmec-md5")
    assert "0 entries added, 3 already there" in run_import(tmp_path, text, "--list", "ncmec-md5")
    assert HashEntry.objects.count() == 3
    entry = HashEntry.objects.get(value=MD5[1])
    assert (entry.kind, entry.category, entry.source_id) == ("md5", "A1", "src-1")
    events = AuditEvent.objects.filter(action="hash_list.imported")
    assert [e.data["added"] for e in events] == [3, 0]


@pytest.mark.parametrize(
    "text,fmt,line,field",
    [
        ("hash,category,source_id\n" + MD5[0] + ",A1,\nnothex!,A1,\n", "csv", 3, "hash"),
        ("hash,category,source_id\n" + MD5[0] + ",Z,\n", "csv", 2, "category"),
        ("hash,colour\n" + MD5[0] + ",x\n", "csv", 1, "header"),
        ("hash,kind\n" + MD5[0] + ",x\n", "csv", 2, "kind"),
        (
            '{"hash": "' + MD5[0] + '"}\n{"hash": "' + MD5[1] + '", "colour": 1}\n',
            "jsonl",
            2,
            "colour",
        ),
        ("pdq " + PDQ[0] + "\nwhirl " + PDQ[1] + "\n", "threatexchange", 2, "signal_type"),
        ("pdq " + PDQ[0][:60] + "\n", "threatexchange", 1, "hash"),
    ],
)
def test_bad_file_names_line_and_field_and_imports_nothing(tmp_path, text, fmt, line, field):
    with pytest.raises(CommandError, match=f"line {line}, field {field}.*nothing imported"):
        run_import(tmp_path, text, "--list", "bad", "--format", fmt)
    assert not HashList.objects.filter(name="bad").exists()
    assert HashEntry.objects.count() == 0


def test_threatexchange_format_round_trips(tmp_path):
    text = "".join(f"pdq {h}\n" for h in PDQ) + f"md5 {MD5[0]}\n"
    run_import(tmp_path, text, "--list", "hma-bank", "--format", "threatexchange")
    exported = export("hma-bank", "threatexchange")
    assert sorted(exported.splitlines()) == sorted(text.splitlines())
    bare = "".join(f"{h}\n" for h in PDQ)
    run_import(tmp_path, bare, "--list", "bare", "--format", "threatexchange", "--kind", "pdq")
    assert set(HashEntry.objects.filter(hash_list__name="bare").values_list("kind", flat=True)) == {
        "pdq"
    }


def test_csv_and_jsonl_exports_import_back(tmp_path):
    text = "hash,category,source_id\n" + "".join(f"{h},B2,s{i}\n" for i, h in enumerate(MD5))
    run_import(tmp_path, text, "--list", "one")
    for fmt in ("csv", "jsonl"):
        dumped = export("one", fmt)
        run_import(tmp_path, dumped, "--list", f"copy-{fmt}", "--format", fmt)
        copied = HashEntry.objects.filter(hash_list__name=f"copy-{fmt}")
        assert sorted(copied.values_list("value", "category", "source_id")) == sorted(
            (h, "B2", f"s{i}") for i, h in enumerate(MD5)
        )


def test_a_list_of_every_kind_round_trips_through_csv_and_jsonl(tmp_path):
    """SHA-256 and PDQ are both 64 hex digits: the export says which, so it imports back."""
    sha1, sha256 = (hashlib.new(k, b"synthetic").hexdigest() for k in ("sha1", "sha256"))
    signals = [("md5", MD5[0]), ("sha1", sha1), ("sha256", sha256), ("pdq", PDQ[0])]
    text = "".join(f"{kind} {value}\n" for kind, value in signals)
    run_import(tmp_path, text, "--list", "mixed", "--format", "threatexchange")
    for fmt in ("csv", "jsonl"):
        dumped = export("mixed", fmt)
        run_import(tmp_path, dumped, "--list", f"mixed-{fmt}", "--format", fmt)
        copied = HashEntry.objects.filter(hash_list__name=f"mixed-{fmt}")
        assert sorted(copied.values_list("kind", "value")) == sorted(signals), fmt
    assert export("mixed", "csv").splitlines()[0] == "hash,kind,category,source_id"


@pytest.mark.parametrize(
    ("text", "fmt", "args", "message"),
    [
        ("hash,kind\n" + MD5[0] + ",crc32\n", "csv", [], "line 2, field kind: must be md5"),
        ('{"hash": "' + MD5[0] + '", "kind": 5}\n', "jsonl", [], "line 1, field kind"),
        ("hash,kind\n" + "a" * 64 + ",pdq\n", "csv", ["--kind", "sha256"], "--kind says"),
    ],
)
def test_a_bad_or_contradicted_kind_names_the_field(tmp_path, text, fmt, args, message):
    with pytest.raises(CommandError, match=message):
        run_import(tmp_path, text, "--list", "k", "--format", fmt, *args)
    assert not HashEntry.objects.filter(hash_list__name="k").exists()


def test_64_hex_digits_need_a_kind(tmp_path):
    with pytest.raises(CommandError, match="give --kind"):
        run_import(tmp_path, "hash,category,source_id\n" + "a" * 64 + ",,\n", "--list", "x")
    run_import(
        tmp_path, "hash,category,source_id\n" + "a" * 64 + ",,\n", "--list", "x", "--kind", "sha256"
    )
    assert HashEntry.objects.get().kind == "sha256"


def test_export_of_unknown_list_fails():
    with pytest.raises(CommandError, match="no hash list"):
        export("nope", "csv")


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_admin_upload_imports_in_the_worker_with_progress(celery_worker):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from casework import roles
    from reports.models import HashImport
    from tests.conftest import wait_for
    from tests.helpers import make_user, signed_in

    hash_list = HashList.objects.create(name="uploaded")
    client = signed_in(make_user("adm", roles.ADMIN))
    good = "hash,category,source_id\n" + "".join(f"{h},A2,\n" for h in MD5)
    bad = "hash,category,source_id\n" + MD5[0] + ",A2,\nzz,,\n"
    for name, text in (("good.csv", good), ("bad.csv", bad)):
        response = client.post(
            "/admin/reports/hashimport/add/",
            {
                "hash_list": hash_list.pk,
                "format": "csv",
                "kind": "",
                "file": SimpleUploadedFile(name, text.encode()),
            },
        )
        assert response.status_code == 302, response.content[:1500]
    jobs = list(HashImport.objects.order_by("pk"))

    def finished() -> bool:
        return all(j.status in ("done", "failed") for j in HashImport.objects.all())

    wait_for(finished, message="imports")
    good_job, bad_job = (HashImport.objects.get(pk=j.pk) for j in jobs)
    assert (good_job.status, good_job.added, good_job.progress) == ("done", 3, "done: 100% of 3")
    assert bad_job.status == "failed"
    assert "line 3, field hash" in bad_job.error
    assert hash_list.entries.count() == 3
    assert AuditEvent.objects.filter(action="config.added", target__startswith="reports.hashimport")
    # The worker's import is recorded as the command's is: one event naming the job.
    imported = AuditEvent.objects.get(action="hash_list.imported")
    assert imported.target == f"hash_list:{hash_list.pk}"
    assert (imported.actor, imported.data["added"], imported.data["lines"]) == (
        "system:hash-import",
        3,
        3,
    )
    assert imported.data["import"] == good_job.pk
