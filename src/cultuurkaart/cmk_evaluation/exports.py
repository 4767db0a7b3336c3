"""The funder report's files, rendered from the frozen figures only (never from the
records): the Excel workbook (xlsxwriter; text cells that a spreadsheet would read as a
formula are written quoted, `rosters.workbooks._safe`) and a pre-filled PDF skeleton
(fpdf2, core fonts)."""

from __future__ import annotations

import io
import textwrap
from decimal import Decimal
from typing import Any

import xlsxwriter
from django.utils.translation import gettext as _
from fpdf import FPDF

from cultuurkaart.core.money import format_eur
from cultuurkaart.rosters.workbooks import _safe as write_text

from .constants import Category


def _num(value: str | None):
    return None if value is None else float(Decimal(value))  # a cell value; sums stay Decimal


def workbook(report) -> bytes:
    f = report.figures
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
    head = book.add_format({"bold": True, "bg_color": "#dfe6ee"})
    bold = book.add_format({"bold": True})
    quoted = book.add_format({"quote_prefix": True})
    eur = book.add_format({"num_format": "#,##0.00"})
    pct = book.add_format({"num_format": "0.0%"})

    def table(name: str, headers: list[str], rows: list[list[Any]], widths=None, money_cols=()):
        sheet = book.add_worksheet(name)
        for c, label in enumerate(headers):
            sheet.write_string(0, c, label, head)
        for c, width in enumerate(widths or [18] * len(headers)):
            sheet.set_column(c, c, width)
        for r, row in enumerate(rows, start=1):
            for c, value in enumerate(row):
                if value is None:
                    continue
                if isinstance(value, bool):
                    sheet.write_string(r, c, _("ja") if value else _("nee"))
                elif c in money_cols:
                    sheet.write_number(r, c, _num(value), eur)
                elif isinstance(value, int | float):
                    sheet.write_number(r, c, value)
                else:
                    write_text(sheet, r, c, str(value), quoted)
        return sheet

    # 1. summary
    sheet = book.add_worksheet(_("Verantwoording"))
    sheet.set_column(0, 0, 34)
    sheet.set_column(1, 1, 70)
    info = [
        (_("Programma"), f["programme"]["name"]),
        (_("Code"), f["programme"]["code"]),
        (_("Jaar"), str(f["year"])),
        (_("Vastgelegd op"), f.get("frozen_at", "")),
        (_("Controlegetal (SHA-256)"), report.sha256),
    ]
    for r, (label, value) in enumerate(info):
        sheet.write_string(r, 0, label, bold)
        write_text(sheet, r, 1, value, quoted)

    b = f["budget"]
    rows = [
        [
            line["label"],
            _("Baten") if line["flow"] == "income" else _("Lasten"),
            line["planned"],
            line["realised"],
            line["variance"],
        ]
        for line in b["lines"]
    ]
    t = b["totals"]
    rows += [
        [
            _("Totale baten"),
            "",
            t["income"]["planned"],
            t["income"]["realised"],
            t["variance"]["income"],
        ],
        [
            _("Totale lasten"),
            "",
            t["costs"]["planned"],
            t["costs"]["realised"],
            t["variance"]["costs"],
        ],
        [_("Resultaat"), "", t["result"]["planned"], t["result"]["realised"], None],
    ]
    sheet = table(
        _("Begroting"),
        [_("Categorie"), _("Soort"), _("Begroot"), _("Gerealiseerd"), _("Verschil")],
        rows,
        [30, 10, 16, 16, 16],
        money_cols=(2, 3, 4),
    )
    share = b["coordination_share"]
    r = len(rows) + 2
    sheet.write_string(r, 0, _("Aandeel coördinatiekosten (begroot)"), bold)
    if share["planned"] is not None:
        sheet.write_number(r, 2, float(Decimal(share["planned"])), pct)
    sheet.write_string(r + 1, 0, _("Aandeel coördinatiekosten (gerealiseerd)"), bold)
    if share["realised"] is not None:
        sheet.write_number(r + 1, 3, float(Decimal(share["realised"])), pct)
    if share["warning"]:
        sheet.write_string(
            r + 2, 0, _("Let op: het aandeel coördinatiekosten is hoger dan de drempel.")
        )

    table(
        _("Matching gemeenten"),
        [_("Gemeente"), _("Matching"), _("Gerealiseerd")],
        [[m["municipality"], m["amount"], m["realised"]] for m in f["matching"]]
        + [
            [_("Totaal"), b["matching_total"], None],
            [str(Category.NATIONAL_GRANT.label), b["national_grant"], None],
        ],
        [28, 16, 16],
        money_cols=(1, 2),
    )
    table(
        _("Doelen"),
        [_("Indicator"), _("Jaar"), _("Doel"), _("Gerealiseerd")],
        [[t["name"], t["year"], t["target"], t["realised"]] for t in f["targets"]],
        [50, 8, 10, 14],
    )
    table(
        _("Scholen"),
        [
            _("School"),
            _("Code"),
            _("Sector"),
            _("Gemeente"),
            _("Traject"),
            _("Cyclus"),
            _("Stap"),
            _("Naam stap"),
            _("Prospect"),
            _("Gestopt op"),
        ],
        [
            [
                s["name"],
                s["code"],
                s["sector"],
                s["municipality"],
                s["track"],
                s["cycle"],
                s["step"],
                s["step_name"],
                s["prospect"],
                s.get("ended_on"),
            ]
            for s in f["schools"]
        ],
        [36, 10, 8, 18, 10, 8, 6, 36, 9, 12],
    )
    table(
        _("Activiteiten"),
        [_("Programmalijn"), _("Activiteiten"), _("Deelnemers")],
        [[a["line"], a["activities"], a["participants"]] for a in f["activities"]],
        [40, 14, 14],
    )
    table(
        _("Bijeenkomsten"),
        [_("Datum"), _("Niveau"), _("Onderwerp"), _("Status"), _("Deelnemers"), _("Organisaties")],
        [
            [m["held_on"], m["level"], m["topic"], m["status"], m["people"], m["organisations"]]
            for m in f["meetings"]
        ],
        [12, 12, 40, 10, 12, 12],
    )
    h = f["inkind_hours"]
    table(
        _("Uren in natura"),
        [_("Sector"), _("Begroot"), _("Gerealiseerd")],
        [["PO", h["po"], h["po_realised"]], ["VO", h["vo"], h["vo_realised"]]],
        [12, 12, 14],
    )
    book.close()
    return buffer.getvalue()


def _t(text) -> str:
    return str(text).replace("\u00a0", " ").encode("cp1252", "replace").decode("cp1252")


def pdf(report) -> bytes:
    """A pre-filled skeleton of the funder's account: the figures, with empty explanation
    sections for the programme office to complete."""
    f = report.figures
    doc = FPDF(format="A4")
    doc.core_fonts_encoding = "windows-1252"
    doc.set_title(_t(f"{f['programme']['name']} {f['year']}"))
    doc.set_creation_date(report.created_at)
    doc.set_auto_page_break(auto=True, margin=18)
    doc.add_page()

    def h1(text):
        doc.set_font("Helvetica", "B", 15)
        doc.cell(0, 9, _t(text), new_x="LMARGIN", new_y="NEXT")

    def h2(text):
        doc.ln(3)
        doc.set_font("Helvetica", "B", 11.5)
        doc.cell(0, 7, _t(text), new_x="LMARGIN", new_y="NEXT")
        doc.set_font("Helvetica", "", 9.5)

    def line(text, chars=105):
        for row in textwrap.wrap(_t(text), chars) or [""]:
            doc.cell(0, 5, row, new_x="LMARGIN", new_y="NEXT")

    def row(cells, widths, bold=False):
        doc.set_font("Helvetica", "B" if bold else "", 9)
        for text, width in zip(cells, widths, strict=True):
            doc.cell(width, 5.5, _t(text if text is not None else "")[:60], border="B")
        doc.ln()

    def eur(value):
        return format_eur(value) if value is not None else "-"

    h1(_("Inhoudelijke en financiële verantwoording %(year)s") % {"year": f["year"]})
    doc.set_font("Helvetica", "", 10)
    line(f"{f['programme']['name']} ({f['programme']['code']})")
    line(
        _("Vastgelegd op %(at)s, controlegetal %(sha)s")
        % {"at": f.get("frozen_at", ""), "sha": report.sha256[:16]}
    )

    h2(_("1. Financiën: begroot en gerealiseerd"))
    widths = (70, 35, 35, 35)
    row([_("Categorie"), _("Begroot"), _("Gerealiseerd"), _("Verschil")], widths, bold=True)
    b = f["budget"]
    for item in b["lines"]:
        row(
            [item["label"], eur(item["planned"]), eur(item["realised"]), eur(item["variance"])],
            widths,
        )
    t = b["totals"]
    row(
        [
            _("Totale baten"),
            eur(t["income"]["planned"]),
            eur(t["income"]["realised"]),
            eur(t["variance"]["income"]),
        ],
        widths,
        bold=True,
    )
    row(
        [
            _("Totale lasten"),
            eur(t["costs"]["planned"]),
            eur(t["costs"]["realised"]),
            eur(t["variance"]["costs"]),
        ],
        widths,
        bold=True,
    )
    share = b["coordination_share"]
    if share["planned"] is not None:
        line(
            _("Aandeel coördinatiekosten: %(p)s %% begroot")
            % {"p": round(Decimal(share["planned"]) * 100, 1)}
        )
    h2(_("2. Matching per gemeente"))
    for m in f["matching"]:
        row([m["municipality"], eur(m["amount"]), eur(m["realised"]), ""], widths)
    h2(_("3. Doelen en resultaten"))
    tw = (95, 20, 25, 35)
    row([_("Indicator"), _("Jaar"), _("Doel"), _("Gerealiseerd")], tw, bold=True)
    for item in f["targets"]:
        row([item["name"], item["year"] or _("totaal"), item["target"], item["realised"]], tw)
    h2(_("4. Deelnemende scholen"))
    line(_("%(n)s scholen en instellingen; per traject:") % {"n": len(f["schools"])})
    tracks: dict[str, int] = {}
    for s in f["schools"]:
        tracks[str(s["track"])] = tracks.get(str(s["track"]), 0) + 1
    for track, n in sorted(tracks.items()):
        line(f"  {track}: {n}")
    h2(_("5. Activiteiten per programmalijn"))
    for a in f["activities"]:
        line(
            _("%(line)s: %(n)s activiteiten, %(p)s deelnemers")
            % {"line": a["line"], "n": a["activities"], "p": a["participants"]}
        )
    h2(_("6. Kennisdeling"))
    line(
        _("%(n)s bijeenkomsten, %(p)s deelnemers")
        % {"n": len(f["meetings"]), "p": sum(m["people"] or 0 for m in f["meetings"])}
    )
    h2(_("7. Uren in natura van scholen"))
    h = f["inkind_hours"]
    line(
        _("PO: %(p)s uur begroot, %(r)s gerealiseerd")
        % {"p": h["po"], "r": h["po_realised"] if h["po_realised"] is not None else "-"}
    )
    line(
        _("VO: %(p)s uur begroot, %(r)s gerealiseerd")
        % {"p": h["vo"], "r": h["vo_realised"] if h["vo_realised"] is not None else "-"}
    )
    h2(_("8. Toelichting van het programmabureau"))
    line(_("[Vul hier de inhoudelijke toelichting in: wat ging goed, wat niet, wat verandert er.]"))
    return bytes(doc.output())
