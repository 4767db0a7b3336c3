from pathlib import Path

from django.core.management.base import BaseCommand
from django.db import transaction

from cultuurkaart.accounts import services
from cultuurkaart.accounts.constants import RoleName


class Command(BaseCommand):
    help = "Create (or find) a platform admin and write a new API token for it to a file."

    def add_arguments(self, parser):
        parser.add_argument("--email", required=True)
        parser.add_argument(
            "--token-file", required=True, help="File that will hold only the token."
        )
        parser.add_argument("--name", default="Platform admin")

    def handle(self, *args, email, token_file, name, **options):
        with transaction.atomic():
            user, created = services.get_or_create_user(email, name=name)
            services.grant_role(user, RoleName.ADMIN)
            _, raw = services.create_api_token(user, name="create_admin")
        path = Path(token_file)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(raw)
        path.chmod(0o600)
        self.stdout.write(
            f"{'Created' if created else 'Found'} admin {user.email}; token written to {path}"
        )
