"""The first published version of every terms document (versioned; SPEC §1 Terms)."""

import datetime as dt

from django.db import migrations

TEXTS = {
    "terms": "Algemene Voorwaarden Cultuurkaart 2024 (VO Cultuurkaart en MBO Cultuurkaart pilot).",
    "privacy": "Privacyverklaring Cultuurkaart: welke gegevens wij verwerken, waarom en hoe lang.",
    "provider_terms": "Voorwaarden voor Cultuurkaart-acceptanten 2024.",
    "correctness": "De opgegeven gegevens zijn juist en volledig.",
    "mandate": "Het bevoegd gezag heeft de budgethouder gemandateerd om het schoolaccount te beheren.",
}


def load(apps, schema_editor):
    TermsVersion = apps.get_model("core", "TermsVersion")
    for kind, text in TEXTS.items():
        TermsVersion.objects.get_or_create(kind=kind, version="2024.1",
                                           defaults={"effective_on": dt.date(2022, 1, 1), "text": text})


class Migration(migrations.Migration):
    dependencies = [("core", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
