"""A provider's payout specification as Excel (SPEC §8: per web order the amount, the 5% fee
and the amount paid). Text a spreadsheet would read as a formula is written quoted, as in
the roster export (`rosters.workbooks._safe`). Also the provider's web orders and its payouts
as Excel (issue 9 point 6)."""

from __future__ import annotations

import io

import xlsxwriter
from django.db.models import Count, Q
from django.utils.translation import gettext as _

from cultuurkaart.core import clock
from cultuurkaart.rosters.workbooks import _safe as write_text
from cultuurkaart.weborders.constants import WebOrderStatus
from cultuurkaart.weborders.models import WebOrder

from .models import PayoutItem
from .specification import describe, lines_of


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
    for r, line in enumerate(lines_of(item).iterator(chunk_size=2000), start=5):
        view = describe(line)
        sheet.write_number(r, 0, view.number)
        write_text(sheet, r, 1, view.school, quoted)
        write_text(sheet, r, 2, view.description, quoted)
        if view.activity_at is not None:
            sheet.write_string(
                r, 3, view.activity_at.astimezone(clock.AMSTERDAM).strftime("%d-%m-%Y %H:%M")
            )
        sheet.write_number(r, 4, float(view.amount), money)
        sheet.write_number(r, 5, float(view.fee), money)
        sheet.write_number(r, 6, float(view.net), money)
    total = r + 1
    sheet.write_string(total, 0, _("Totaal"), bold)
    sheet.write_number(total, 4, float(item.gross), money_bold)
    sheet.write_number(total, 5, float(item.fee), money_bold)
    sheet.write_number(total, 6, float(item.lines_net), money_bold)
    if item.deducted:
        total += 1
        sheet.write_string(total, 0, _("Verrekend met correcties na eerdere uitbetalingen"))
        sheet.write_number(total, 6, -float(item.deducted), money)
        total += 1
        sheet.write_string(total, 0, _("Overgemaakt"), bold)
        sheet.write_number(total, 6, float(item.net), money_bold)
    sheet.write_string(total + 2, 0, _("De btw over de activiteit is de zaak van de aanbieder."))
    book.close()
    return buffer.getvalue()


def _book(buffer: io.BytesIO) -> xlsxwriter.Workbook:
    return xlsxwriter.Workbook(
        buffer,
        {
            "in_memory": True,
            "constant_memory": True,
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "strings_to_numbers": False,
        },
    )


def _when(value) -> str:
    return value.astimezone(clock.AMSTERDAM).strftime("%d-%m-%Y %H:%M") if value else ""


def provider_weborders(provider) -> bytes:
    """All the provider's web orders (SPEC §8, issue 9 point 6): status, school, amount, the
    dates of each step and, once paid, the payout, fee and amount paid."""
    statuses = dict(WebOrderStatus.choices)
    buffer = io.BytesIO()
    book = _book(buffer)
    header_fmt = book.add_format({"bold": True, "bg_color": "#dfe6ee"})
    quoted = book.add_format({"quote_prefix": True})
    money = book.add_format({"num_format": "#,##0.00"})
    sheet = book.add_worksheet(_("Webbestellingen"))
    headers = [
        _("Nummer"),
        _("Aangemaakt"),
        _("School"),
        _("CJP-schoolnummer"),
        _("Omschrijving"),
        _("Aanvraagnummer"),
        _("Activiteit"),
        _("Leerlingen"),
        _("Bedrag"),
        _("Status"),
        _("Beslist door school"),
        _("Gecontroleerd"),
        _("Uitbetaling"),
        _("Uitbetaald op"),
        _("Bijdrage 5%"),
        _("Uitbetaald"),
    ]
    widths = [10, 17, 28, 16, 40, 16, 17, 10, 12, 20, 17, 17, 11, 12, 12, 12]
    for col, label in enumerate(headers):
        sheet.write_string(0, col, label, header_fmt)
        sheet.set_column(col, col, widths[col])
    rows = (
        WebOrder.objects.filter(provider=provider)
        .select_related("school", "payout_line", "payout_line__item__batch")
        .order_by("created_at", "id")
    )
    r = 0
    for r, wo in enumerate(rows.iterator(chunk_size=2000), start=1):
        sheet.write_number(r, 0, wo.pk)
        sheet.write_string(r, 1, _when(wo.created_at))
        write_text(sheet, r, 2, wo.school.name, quoted)
        write_text(sheet, r, 3, wo.school.school_number or "", quoted)
        write_text(sheet, r, 4, wo.description, quoted)
        write_text(sheet, r, 5, wo.request_ref, quoted)
        sheet.write_string(r, 6, _when(wo.activity_at))
        sheet.write_number(r, 7, wo.students)
        sheet.write_number(r, 8, float(wo.amount), money)
        sheet.write_string(r, 9, str(statuses.get(wo.status, wo.status)))
        sheet.write_string(r, 10, _when(wo.decided_at))
        sheet.write_string(r, 11, _when(wo.checked_at))
        line = getattr(wo, "payout_line", None)
        if line is not None:
            batch = line.item.batch
            sheet.write_number(r, 12, batch.pk)
            sheet.write_string(
                r, 13, batch.created_at.astimezone(clock.AMSTERDAM).strftime("%d-%m-%Y")
            )
            sheet.write_number(r, 14, float(line.fee), money)
            sheet.write_number(r, 15, float(line.net), money)
    sheet.autofilter(0, 0, max(r, 1), len(headers) - 1)
    book.close()
    return buffer.getvalue()


def provider_payouts(provider) -> bytes:
    """The provider's payouts, one row per payout item: date, gross, fee, net, IBAN and the
    number of web orders in it."""
    buffer = io.BytesIO()
    book = _book(buffer)
    header_fmt = book.add_format({"bold": True, "bg_color": "#dfe6ee"})
    money = book.add_format({"num_format": "#,##0.00"})
    sheet = book.add_worksheet(_("Uitbetalingen"))
    headers = [
        _("Uitbetaling"),
        _("Datum"),
        _("Bruto"),
        _("Bijdrage 5%"),
        _("Uitbetaald"),
        _("IBAN"),
        _("Webbestellingen"),
    ]
    widths = [12, 12, 14, 14, 14, 24, 16]
    for col, label in enumerate(headers):
        sheet.write_string(0, col, label, header_fmt)
        sheet.set_column(col, col, widths[col])
    items = (
        PayoutItem.objects.filter(provider=provider)
        .select_related("batch")
        .annotate(weborders=Count("lines", filter=Q(lines__weborder__isnull=False)))
        .order_by("batch__created_at", "batch_id")
    )
    r = 0
    for r, item in enumerate(items.iterator(chunk_size=2000), start=1):
        sheet.write_number(r, 0, item.batch_id)
        sheet.write_string(
            r, 1, item.batch.created_at.astimezone(clock.AMSTERDAM).strftime("%d-%m-%Y")
        )
        sheet.write_number(r, 2, float(item.gross), money)
        sheet.write_number(r, 3, float(item.fee), money)
        sheet.write_number(r, 4, float(item.net), money)
        sheet.write_string(r, 5, item.iban)
        sheet.write_number(r, 6, item.weborders)
    sheet.autofilter(0, 0, max(r, 1), len(headers) - 1)
    book.close()
    return buffer.getvalue()
