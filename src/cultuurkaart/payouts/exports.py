"""A provider's payout specification as Excel (SPEC §8: per web order the amount, the 5% fee
and the amount paid). Text a spreadsheet would read as a formula is written quoted, as in
the roster export (`rosters.workbooks._safe`)."""

from __future__ import annotations

import io

import xlsxwriter
from django.utils.translation import gettext as _

from cultuurkaart.core import clock
from cultuurkaart.rosters.workbooks import _safe as write_text

from .models import PayoutItem, PayoutLine


def specification(item: PayoutItem) -> bytes:
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(
        buffer,
        {
            "in_memory": True,
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "strings_to_numbers": False,
        },
    )
    bold = book.add_format({"bold": True})
    header_fmt = book.add_format({"bold": True, "bg_color": "#dfe6ee"})
    quoted = book.add_format({"quote_prefix": True})
    money = book.add_format({"num_format": "#,##0.00"})
    money_bold = book.add_format({"num_format": "#,##0.00", "bold": True})
    sheet = book.add_worksheet(_("Specificatie"))
    created = item.batch.created_at.astimezone(clock.AMSTERDAM).strftime("%d-%m-%Y")
    sheet.write_string(0, 0, _("Uitbetaling"), bold)
    sheet.write_string(0, 1, f"{item.batch_id}/{item.pk} ({created})")
    sheet.write_string(1, 0, _("Aanbieder"), bold)
    write_text(sheet, 1, 1, item.name, quoted)
    sheet.write_string(2, 0, _("IBAN"), bold)
    sheet.write_string(2, 1, item.iban)
    headers = [
        _("Webbestelling"),
        _("School"),
        _("Omschrijving"),
        _("Activiteit"),
        _("Bedrag"),
        _("Bijdrage 5%"),
        _("Uitbetaald"),
    ]
    for col, label in enumerate(headers):
        sheet.write_string(4, col, label, header_fmt)
    for col, width in enumerate([14, 30, 40, 17, 12, 12, 12]):
        sheet.set_column(col, col, width)
    r = 4
    lines = (
        PayoutLine.objects.filter(item=item)
        .select_related("weborder", "weborder__school", "voucher")
        .order_by("weborder_id", "voucher_id")
    )
    for r, line in enumerate(lines.iterator(chunk_size=2000), start=5):
        wo = line.weborder
        if wo is None:  # a redeemed voucher (no school or activity to show)
            sheet.write_string(r, 0, _("Tegoedbon"))
            sheet.write_string(r, 2, line.voucher.code)
            sheet.write_string(
                r,
                3,
                line.voucher.redeemed_at.astimezone(clock.AMSTERDAM).strftime("%d-%m-%Y %H:%M"),
            )
            sheet.write_number(r, 4, float(line.amount), money)
            sheet.write_number(r, 5, float(line.fee), money)
            sheet.write_number(r, 6, float(line.net), money)
            continue
        sheet.write_number(r, 0, wo.pk)
        write_text(sheet, r, 1, wo.school.name, quoted)
        write_text(sheet, r, 2, wo.description, quoted)
        sheet.write_string(
            r, 3, wo.activity_at.astimezone(clock.AMSTERDAM).strftime("%d-%m-%Y %H:%M")
        )
        sheet.write_number(r, 4, float(line.amount), money)
        sheet.write_number(r, 5, float(line.fee), money)
        sheet.write_number(r, 6, float(line.net), money)
    total = r + 1
    sheet.write_string(total, 0, _("Totaal"), bold)
    sheet.write_number(total, 4, float(item.gross), money_bold)
    sheet.write_number(total, 5, float(item.fee), money_bold)
    sheet.write_number(total, 6, float(item.net), money_bold)
    sheet.write_string(total + 2, 0, _("De btw over de activiteit is de zaak van de aanbieder."))
    book.close()
    return buffer.getvalue()
