"""The back office's year-end workbooks: every school's statement, and every school's count
and amount of an OCW redistribution. School names and IBANs a spreadsheet would read as a
formula are written quoted, with the roster export's helper (`rosters.workbooks._safe`)."""

from __future__ import annotations

import io

import xlsxwriter
from django.utils.translation import gettext as _

from cultuurkaart.core import clock
from cultuurkaart.rosters.workbooks import _safe as write_text

from .models import Redistribution, YearEnd


def _book(buffer):
    return xlsxwriter.Workbook(
        buffer,
        {
            "in_memory": True,
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "strings_to_numbers": False,
        },
    )


def _when(moment) -> str:
    return moment.astimezone(clock.AMSTERDAM).strftime("%d-%m-%Y %H:%M")


def statements(year_end: YearEnd) -> bytes:
    buffer = io.BytesIO()
    book = _book(buffer)
    bold = book.add_format({"bold": True})
    header = book.add_format({"bold": True, "bg_color": "#dfe6ee"})
    quoted = book.add_format({"quote_prefix": True})
    money = book.add_format({"num_format": "#,##0.00"})
    money_bold = book.add_format({"num_format": "#,##0.00", "bold": True})
    sheet = book.add_worksheet(_("Jaarafsluiting"))
    sheet.write_string(0, 0, _("Programma"), bold)
    write_text(sheet, 0, 1, year_end.programme.name, quoted)
    sheet.write_string(1, 0, _("Afgesloten"), bold)
    sheet.write_string(1, 1, _when(year_end.closed_at))
    headers = [
        _("School"),
        _("CJP-schoolnummer"),
        _("Over: bijdrage school (terugbetaling)"),
        _("Over: bijdrage OCW"),
        _("Individueel budget niet toegekend"),
        _("Individueel budget toegekend, niet verzilverd"),
        _("Over: bijdrage derden"),
        _("Naar landelijke OCW-middelen"),
        _("Collectief budget over"),
        _("IBAN voor terugbetaling"),
    ]
    for col, label in enumerate(headers):
        sheet.write_string(3, col, label, header)
    for col, width in enumerate([32, 16, 16, 14, 16, 18, 14, 16, 14, 24]):
        sheet.set_column(col, col, width)
    row = 3
    rows = year_end.statements.select_related("school").order_by("school__name", "id")
    for row, s in enumerate(rows.iterator(chunk_size=2000), start=4):
        write_text(sheet, row, 0, s.school.name, quoted)
        write_text(sheet, row, 1, s.school.school_number or "", quoted)
        for col, value in enumerate(
            [
                s.refund_school,
                s.unspent_ocw,
                s.individual_unassigned,
                s.individual_assigned,
                s.unspent_third_party,
                s.to_ocw_fund,
                s.remaining,
            ],
            start=2,
        ):
            sheet.write_number(row, col, float(value), money)
        write_text(sheet, row, 9, s.refund_iban, quoted)
    total = row + 1
    sheet.write_string(total, 0, _("Totaal"), bold)
    for col, value in enumerate(
        [
            year_end.refund_school,
            year_end.unspent_ocw,
            year_end.individual_unassigned,
            year_end.individual_assigned,
            year_end.unspent_third_party,
            year_end.to_ocw_fund,
            year_end.remaining,
        ],
        start=2,
    ):
        sheet.write_number(total, col, float(value), money_bold)
    book.close()
    return buffer.getvalue()


def shares(run: Redistribution) -> bytes:
    buffer = io.BytesIO()
    book = _book(buffer)
    bold = book.add_format({"bold": True})
    header = book.add_format({"bold": True, "bg_color": "#dfe6ee"})
    quoted = book.add_format({"quote_prefix": True})
    money = book.add_format({"num_format": "#,##0.00"})
    sheet = book.add_worksheet(_("Herverdeling OCW"))
    facts = [
        (_("Programma"), run.programme.name),
        (_("Geboekt in"), run.next_programme.name),
        (_("Uitgevoerd"), _when(run.run_at)),
    ]
    for r, (label, value) in enumerate(facts):
        sheet.write_string(r, 0, label, bold)
        write_text(sheet, r, 1, value, quoted)
    amounts = [
        (_("Landelijk OCW-budget"), run.national_total),
        (_("Initieel toegekend"), run.initial),
        (_("Te herverdelen"), run.pool),
        (_("Per leerling (naar beneden afgerond)"), run.per_student),
        (_("Herverdeeld"), run.total),
        (_("Blijft landelijk"), run.leftover),
    ]
    for r, (label, value) in enumerate(amounts, start=len(facts)):
        sheet.write_string(r, 0, label, bold)
        sheet.write_number(r, 1, float(value), money)
    sheet.write_string(len(facts) + len(amounts), 0, _("Leerlingen"), bold)
    sheet.write_number(len(facts) + len(amounts), 1, run.recipients)
    top = len(facts) + len(amounts) + 2
    headers = [
        _("School"),
        _("CJP-schoolnummer"),
        _("Besteld met bijdrage school"),
        _("Geactiveerd zonder individueel budget"),
        _("Aantal"),
        _("Bedrag"),
    ]
    for col, label in enumerate(headers):
        sheet.write_string(top, col, label, header)
    for col, width in enumerate([32, 16, 16, 18, 10, 14]):
        sheet.set_column(col, col, width)
    rows = run.shares.select_related("school").order_by("school__name", "id")
    for r, share in enumerate(rows.iterator(chunk_size=2000), start=top + 1):
        write_text(sheet, r, 0, share.school.name, quoted)
        write_text(sheet, r, 1, share.school.school_number or "", quoted)
        sheet.write_number(r, 2, share.ordered_with)
        sheet.write_number(r, 3, share.activated)
        sheet.write_number(r, 4, share.count)
        sheet.write_number(r, 5, float(share.amount), money)
    book.close()
    return buffer.getvalue()
