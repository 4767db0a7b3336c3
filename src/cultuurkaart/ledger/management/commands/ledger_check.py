import hashlib
import json

from django.core.management.base import BaseCommand, CommandError
from django.db.models import Count, Sum

from cultuurkaart.ledger.checks import problems


def summary() -> dict:
    """What a restore must reproduce exactly (the backup drill compares it before and
    after): the number of entries and lines, and per account kind the number of accounts
    and the sum of their balances, plus a sha256 over every account's (kind, school,
    programme, balance) in a fixed order."""
    from cultuurkaart.ledger.models import Account, Entry, Line

    digest = hashlib.sha256()
    for row in Account.objects.order_by("kind", "school_id", "programme_id", "pk").values_list(
        "kind", "school_id", "programme_id", "balance"
    ):
        digest.update(repr(tuple(str(v) for v in row)).encode())
    kinds = {
        row["kind"]: {"accounts": row["n"], "balance": str(row["total"])}
        for row in Account.objects.values("kind")
        .annotate(n=Count("id"), total=Sum("balance"))
        .order_by("kind")
    }
    return {
        "entries": Entry.objects.count(),
        "lines": Line.objects.count(),
        "kinds": kinds,
        "balances_sha256": digest.hexdigest(),
    }


class Command(BaseCommand):
    help = "Verify that every ledger entry balances and every cached balance equals its lines."

    def add_arguments(self, parser):
        parser.add_argument(
            "--summary",
            action="store_true",
            help="also print a JSON summary (counts, balances per kind, a checksum) to compare "
            "two databases, e.g. before and after a restore",
        )

    def handle(self, *args, **options):
        found = problems()
        for text in found:
            self.stderr.write(text)
        if found:
            raise CommandError(f"{len(found)} ledger problem(s)")
        if options["summary"]:
            self.stdout.write(json.dumps(summary(), sort_keys=True))
        else:
            self.stdout.write("ledger ok")
