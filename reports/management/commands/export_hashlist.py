from django.core.management.base import BaseCommand, CommandError

from reports import hashlists
from reports.models import HashList


class Command(BaseCommand):
    help = "Write the hash list NAME to standard output in csv, jsonl or threatexchange format."

    def add_arguments(self, parser):
        parser.add_argument("name")
        parser.add_argument("--format", choices=hashlists.FORMATS, default="csv")

    def handle(self, *args, name, format, **options):
        hash_list = HashList.objects.filter(name=name).first()
        if hash_list is None:
            raise CommandError(f"no hash list named {name!r}")
        for line in hashlists.export(hash_list, format):
            self.stdout.write(line, ending="")
