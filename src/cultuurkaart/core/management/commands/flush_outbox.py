"""Send again the background tasks that did not reach the broker (core.dispatch outbox)."""

from django.core.management.base import BaseCommand

from cultuurkaart.core.dispatch import flush_outbox, uses_broker


class Command(BaseCommand):
    help = "Send the tasks left in the outbox (broker down at commit, process killed) again."

    def add_arguments(self, parser):
        parser.add_argument(
            "--all", action="store_true", help="also rows younger than the one-minute grace"
        )

    def handle(self, *args, **options):
        if not uses_broker():
            self.stdout.write("No broker configured: tasks run in-process, the outbox is unused.")
            return
        import datetime as dt

        result = flush_outbox(grace=dt.timedelta(0)) if options["all"] else flush_outbox()
        self.stdout.write(f"sent {result['sent']}, failed {result['failed']}")
