from django.core.management.base import BaseCommand, CommandError

from cultuurkaart.ledger.checks import problems


class Command(BaseCommand):
    help = "Verify that every ledger entry balances and every cached balance equals its lines."

    def handle(self, *args, **options):
        found = problems()
        for text in found:
            self.stderr.write(text)
        if found:
            raise CommandError(f"{len(found)} ledger problem(s)")
        self.stdout.write("ledger ok")
