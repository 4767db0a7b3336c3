from django.apps import apps
from django.core.management.base import BaseCommand
from django.db import transaction

from cultuurkaart.cmk import seed


class Command(BaseCommand):
    help = "Create or complete the CmK Amstelland 2025–2028 programme of seed 003 (idempotent)."

    def handle(self, *args, **options):
        with transaction.atomic():
            programme = seed.load(apps.get_model)
        self.stdout.write(f"{programme.code}: {programme.name}")
