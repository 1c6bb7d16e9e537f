import getpass
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from reports import hashlists
from reports.models import HashEntry, HashList


class Command(BaseCommand):
    help = (
        "Import a hash list file (csv, jsonl or threatexchange) into the list NAME, created if "
        "new. All or nothing: a bad line imports nothing and names the line and field. "
        "Entries already on the list are not added twice."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="path of the file, or - for standard input")
        parser.add_argument("--list", required=True, dest="list_name", metavar="NAME")
        parser.add_argument("--format", choices=hashlists.FORMATS, default="csv")
        parser.add_argument("--kind", choices=HashEntry.Kind.values, help="kind of bare hashes")
        parser.add_argument("--source", choices=HashList.Source.values, default="internal")
        parser.add_argument("--purpose", choices=HashList.Purpose.values, default="match")

    def handle(self, *args, file, list_name, format, kind, source, purpose, **options):
        try:
            text = self.stdin.read() if file == "-" else Path(file).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise CommandError(f"cannot read {file}: {exc}") from exc
        try:
            entries = hashlists.parse(text, format, kind)
        except hashlists.HashListFileError as exc:
            raise CommandError(f"{file}: {exc}; nothing imported") from exc
        with transaction.atomic():
            hash_list, created = HashList.objects.get_or_create(
                name=list_name, defaults={"source": source, "purpose": purpose}
            )
            added = hashlists.import_list(
                hash_list,
                entries,
                actor=f"system:cli:{getpass.getuser()}",
                data={"file": Path(file).name, "created": created},
            )
        self.stdout.write(
            f"{list_name}: {added} entries added, {len(entries) - added} already there"
            f"{' (new list)' if created else ''}"
            + ("; existing media are being re-scanned in the background" if added else "")
        )
