import json

from django.core.management.base import BaseCommand, CommandError

from cultuurkaart.core import clock, jobs
from cultuurkaart.core.errors import DomainError
from cultuurkaart.core.models import JobTrigger


class Command(BaseCommand):
    help = "Run a scheduled job now: run_job NAME [--now ISO-TIME] [--param key=value ...]"

    def add_arguments(self, parser):
        parser.add_argument("name")
        parser.add_argument("--now", help="Run as if it were this moment (ISO 8601).")
        parser.add_argument("--param", action="append", default=[], help="key=value, repeatable")

    def handle(self, *args, name, now, param, **options):
        params = {}
        for item in param:
            key, _, value = item.partition("=")
            params[key] = value
        moment = clock.parse(now) if now else None
        try:
            with clock.frozen(moment or clock.now()):
                result = jobs.run(name, params, trigger=JobTrigger.COMMAND, wait=True)
        except DomainError as exc:
            raise CommandError(f"{exc.type}: {exc.message}") from exc
        self.stdout.write(json.dumps(result, indent=2, default=str))
