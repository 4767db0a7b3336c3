"""The budget of seed 003 §9 for the Amstelland programme (cmk_evaluation/seed.py)."""

from django.db import migrations


def load(apps, schema_editor):
    from cultuurkaart.cmk_evaluation import seed

    seed.load(apps.get_model)


def unload(apps, schema_editor):
    from cultuurkaart.cmk_evaluation import seed

    seed.unload(apps.get_model)


class Migration(migrations.Migration):
    dependencies = [("cmk_evaluation", "0001_initial"), ("cmk", "0002_amstelland")]
    operations = [migrations.RunPython(load, unload)]
