"""IdempotencyRecord moves to core (core.idempotency, the one helper for all apps).

The table is renamed, not recreated, so the records of the last 24 hours stay valid across
the deploy: a payment retried with its key right after the upgrade still replays instead of
booking twice. The model leaves the orders state here and enters the core state in
core/0003_idempotency_record (state only).
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("orders", "0002_status_labels"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.AlterModelTable(
                    name="IdempotencyRecord", table="core_idempotencyrecord"
                ),
            ],
            state_operations=[
                migrations.DeleteModel(name="IdempotencyRecord"),
            ],
        ),
    ]
