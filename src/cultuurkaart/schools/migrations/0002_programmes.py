"""The two programmes of the sources (SPEC §2 table). Rates and dates are data."""

import datetime as dt
from decimal import Decimal

from django.db import migrations

PROGRAMMES = [
    {
        "code": "vo-2024", "kind": "vo", "name": "VO Cultuurkaart 2024",
        "rate_ocw": Decimal("5.50"), "rate_school": Decimal("11.00"), "rate_admin_fee": Decimal("2.75"),
        "rate_teacher_fee": Decimal("6.00"), "teacher_free_count": 30, "rate_voucher": Decimal("5.50"),
        "rate_dossier": Decimal("2.00"), "teacher_free_before": dt.date(2023, 11, 1),
        "register_from": None, "register_until": None,
        "order_from": dt.date(2023, 9, 1), "order_until": dt.date(2024, 1, 31),
        "roster_after": dt.date(2023, 8, 16), "spend_from": dt.date(2024, 1, 1),
        "spend_until": dt.date(2024, 12, 31), "membership_until": dt.date(2024, 12, 31),
        "ocw_total": Decimal("5000000.00"), "max_orders": None,  # supplementary: no limit (M8-2)
    },
    {
        "code": "mbo-pilot", "kind": "mbo", "name": "MBO Cultuurkaart pilot",
        "rate_ocw": Decimal("10.50"), "rate_school": Decimal("10.50"), "rate_admin_fee": Decimal("2.50"),
        "rate_teacher_fee": Decimal("0.00"), "teacher_free_count": 0, "rate_voucher": Decimal("5.25"),
        "rate_dossier": Decimal("0.00"), "teacher_free_before": None,
        "register_from": dt.date(2022, 9, 1), "register_until": dt.date(2023, 12, 31),
        "order_from": dt.date(2022, 9, 1), "order_until": dt.date(2023, 12, 31),
        "roster_after": dt.date(2022, 8, 16), "spend_from": dt.date(2022, 9, 1),
        "spend_until": dt.date(2024, 12, 31), "membership_until": dt.date(2024, 12, 31),
        "ocw_total": Decimal("5000000.00"), "max_orders": None,  # supplementary: no limit (M8-2)
    },
]


def load(apps, schema_editor):
    Programme = apps.get_model("schools", "Programme")
    for data in PROGRAMMES:
        Programme.objects.update_or_create(code=data["code"], defaults=data)


def unload(apps, schema_editor):
    apps.get_model("schools", "Programme").objects.filter(code__in=[p["code"] for p in PROGRAMMES]).delete()


class Migration(migrations.Migration):
    dependencies = [("schools", "0001_initial")]
    operations = [migrations.RunPython(load, unload)]
