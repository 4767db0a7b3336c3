"""The Amstelland programme of seed 003 as data (cmk/seed.py; API.md: `cmk-amstelland-2025`)."""

from django.db import migrations


def load(apps, schema_editor):
    from cultuurkaart.cmk import seed

    seed.load(apps.get_model)


def unload(apps, schema_editor):
    from cultuurkaart.cmk import seed

    seed.unload(apps.get_model)


class Migration(migrations.Migration):
    dependencies = [("cmk", "0001_initial")]
    operations = [migrations.RunPython(load, unload)]
