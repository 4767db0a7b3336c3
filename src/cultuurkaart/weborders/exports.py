"""The school's spending (web orders) as Excel (SPEC §8, 001 §2.1.1). Text cells that a
spreadsheet would read as a formula are written quoted, as in the roster export
(`rosters.workbooks.write_text`)."""

from __future__ import annotations

import io

import xlsxwriter
from django.utils.translation import gettext as _

from cultuurkaart.core import clock
from cultuurkaart.rosters.workbooks import _safe as write_text

from .constants import WebOrderStatus
from .models import WebOrder


def school_spending(school) -> bytes:
    statuses = dict(WebOrderStatus.choices)
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(
        buffer,
        {
            "in_memory": True,
            "constant_memory": True,
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "strings_to_numbers": False,
        },
    )
    header_fmt = book.add_format({"bold": True, "bg_color": "#dfe6ee"})
    quoted = book.add_format({"quote_prefix": True})
    money = book.add_format({"num_format": "#,##0.00"})
    sheet = book.add_worksheet(_("Webbestellingen"))
    headers = [
        _("Nummer"),
        _("Aangemaakt"),
        _("Aanbieder"),
        _("Omschrijving"),
        _("Activiteit"),
        _("Leerlingen"),
        _("Bedrag"),
        _("Status"),
        _("Programma"),
        _("Bijdrage school"),
        _("Bijdrage OCW"),
        _("Bijdrage derden"),
    ]
    for col, label in enumerate(headers):
        sheet.write_string(0, col, label, header_fmt)
    for col, width in enumerate([10, 17, 28, 40, 17, 10, 12, 16, 14, 14, 14, 14]):
        sheet.set_column(col, col, width)
    rows = (
        WebOrder.objects.filter(school=school)
        .select_related("provider", "programme")
        .order_by("created_at", "id")
    )
    r = 0
    for r, wo in enumerate(rows.iterator(chunk_size=2000), start=1):
        sheet.write_number(r, 0, wo.pk)
        sheet.write_string(
            r, 1, wo.created_at.astimezone(clock.AMSTERDAM).strftime("%d-%m-%Y %H:%M")
        )
        write_text(sheet, r, 2, wo.provider.name, quoted)
        write_text(sheet, r, 3, wo.description, quoted)
        sheet.write_string(
            r, 4, wo.activity_at.astimezone(clock.AMSTERDAM).strftime("%d-%m-%Y %H:%M")
        )
        sheet.write_number(r, 5, wo.students)
        sheet.write_number(r, 6, float(wo.amount), money)
        sheet.write_string(r, 7, str(statuses.get(wo.status, wo.status)))
        sheet.write_string(r, 8, wo.programme.code if wo.programme_id else "")
        for col, value in enumerate((wo.split_school, wo.split_ocw, wo.split_third_party), 9):
            if value is not None and wo.entry_id:
                sheet.write_number(r, col, float(value), money)
    sheet.autofilter(0, 0, max(r, 1), len(headers) - 1)
    book.close()
    return buffer.getvalue()
