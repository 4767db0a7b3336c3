"""IdempotencyRecord from orders: the table (renamed by orders/0003, rows kept) enters the core
state; then an index on created_at for the 24-hour purge."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

import cultuurkaart.core.clock


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0002_terms"),
        ("orders", "0003_move_idempotency_record_to_core"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.CreateModel(
                    name="IdempotencyRecord",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        ("key", models.CharField(max_length=200)),
                        ("scope", models.CharField(max_length=200)),
                        ("body_hash", models.CharField(max_length=64)),
                        ("status", models.PositiveSmallIntegerField()),
                        ("response", models.JSONField()),
                        (
                            "created_at",
                            models.DateTimeField(default=cultuurkaart.core.clock.now),
                        ),
                        (
                            "user",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                    ],
                    options={
                        "constraints": [
                            models.UniqueConstraint(
                                fields=("user", "key", "scope"), name="idempotency_unique"
                            )
                        ],
                    },
                ),
            ],
        ),
        migrations.AddIndex(
            model_name="idempotencyrecord",
            index=models.Index(fields=["created_at"], name="idempotency_created_at"),
        ),
    ]
