from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from cultuurkaart.schools import services


class Command(BaseCommand):
    help = (
        "Import a DUO open-data CSV file of VO vestigingen or MBO locations (all rows or nothing)."
    )

    def add_arguments(self, parser):
        parser.add_argument("path")
        parser.add_argument("--kind", choices=["vo", "mbo"], required=True)

    def handle(self, *args, path, kind, **options):
        file = Path(path)
        if not file.is_file():
            raise CommandError(f"No such file: {path}")
        try:
            record = services.import_registry(file.read_bytes(), kind=kind, filename=file.name)
        except services.RegistryFileError as exc:
            details = "\n".join(
                f"  row {e.get('row', '-')}, {e.get('column', '')}: {e['message']}"
                for e in exc.errors[:50]
            )
            raise CommandError(f"{exc.message}\n{details}".rstrip()) from exc
        self.stdout.write(
            f"Imported {record.rows} locations: {record.created} new, {record.updated} updated."
        )
