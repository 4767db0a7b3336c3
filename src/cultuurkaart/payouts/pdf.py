"""A provider's payout specification as PDF (SPEC §8): every line paid in one payout item,
the totals gross / fee / net, the IBAN the money went to, the batch date and the issuer.
Same stack and look as the invoices (`orders.pdf`: fpdf2, core fonts in Windows-1252).
Rendered in the active language (the account's: Dutch, or English)."""

from __future__ import annotations

from django.utils.translation import gettext as _
from fpdf import FPDF

from cultuurkaart.core import clock
from cultuurkaart.orders.pdf import ISSUER, _eur, _paragraph, _t, format_iban, payee

from . import specification
from .models import PayoutItem
from .sepa import remittance

ISSUER_NAME = "Stichting Cultuurkaartcentrale"
# number, school, activity date, description, amount, fee, paid (A4 minus 10 mm margins = 190)
WIDTHS = (17, 42, 20, 48, 21, 20, 22)
ROW = 6


def _fit(pdf: FPDF, text: str, width: float) -> str:
    """Cut `text` to the column, with an ellipsis (one line per web order)."""
    text = _t(" ".join(str(text).split()))
    if pdf.get_string_width(text) <= width - 2:
        return text
    while text and pdf.get_string_width(text + "\u2026") > width - 2:
        text = text[:-1]
    return text.rstrip() + "\u2026"


def _header_row(pdf: FPDF) -> None:
    labels = (
        _("Nummer"),
        _("School"),
        _("Datum"),
        _("Omschrijving"),
        _("Bedrag"),
        _("Bijdrage 5%"),
        _("Uitbetaald"),
    )
    pdf.set_font("helvetica", "B", 9)
    pdf.set_fill_color(230, 234, 240)
    for text, width, align in zip(labels, WIDTHS, "LLLLRRR", strict=True):
        pdf.cell(width, 7, _fit(pdf, text, width), border="B", align=align, fill=True)
    pdf.ln()
    pdf.set_font("helvetica", size=9)


def render_specification(item: PayoutItem) -> bytes:
    batch = item.batch
    created = batch.created_at.astimezone(clock.AMSTERDAM)
    pdf = FPDF(format="A4")
    pdf.core_fonts_encoding = "windows-1252"
    pdf.set_title(_t(_("Specificatie uitbetaling %(id)s") % {"id": batch.pk}))
    pdf.set_author(ISSUER_NAME)
    pdf.set_creation_date(batch.created_at)
    pdf.set_auto_page_break(auto=False)
    pdf.add_page()
    pdf.set_font("helvetica", "B", 18)
    pdf.cell(0, 10, _t(_("Specificatie van uw uitbetaling")), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("helvetica", "B", 9)
    pdf.cell(0, 4.5, _t(ISSUER_NAME), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("helvetica", size=9)
    kvk = payee()["kvk"]
    for row in [*ISSUER[2:], *([f"KvK {kvk}"] if kvk else [])]:
        pdf.cell(0, 4.5, _t(row), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(6)
    pdf.set_font("helvetica", "B", 10)
    pdf.cell(0, 5, _t(_("Aan")), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("helvetica", size=10)
    pdf.cell(0, 5, _t(item.name), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    facts = [
        (_("Uitbetaling"), f"{batch.pk} ({_('specificatie')} {item.pk})"),
        (_("Datum uitbetaling"), f"{created:%d-%m-%Y}"),
        (_("Overgemaakt naar IBAN"), format_iban(item.iban)),
    ]
    if item.bic:
        facts.append((_("BIC"), item.bic))
    facts.append((_("Omschrijving overboeking"), remittance(item)))
    for label, value in facts:
        pdf.set_font("helvetica", "B", 10)
        pdf.cell(50, 5.5, _t(label))
        pdf.set_font("helvetica", size=10)
        pdf.cell(0, 5.5, _t(value), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(6)
    _header_row(pdf)
    bottom = pdf.h - 25
    for line in specification.lines_of(item).iterator(chunk_size=2000):
        view = specification.describe(line)
        if pdf.get_y() + ROW > bottom:
            pdf.add_page()
            _header_row(pdf)
        cells = (
            (str(view.number), "L"),
            (view.school, "L"),
            (view.activity_on, "L"),
            (view.description, "L"),
            (_eur(view.amount), "R"),
            (_eur(view.fee), "R"),
            (_eur(view.net), "R"),
        )
        for (text, align), width in zip(cells, WIDTHS, strict=True):
            pdf.cell(width, ROW, _fit(pdf, text, width), align=align)
        pdf.ln()
    if pdf.get_y() + 60 > pdf.h - 15:
        pdf.add_page()
    pdf.ln(2)
    label_w = sum(WIDTHS[:-1])
    totals = [
        (_("Totaal bedrag webbestellingen"), item.gross, False),
        (_("Ingehouden bijdrage 5%"), item.fee, False),
    ]
    if item.deducted:
        # corrections of earlier payouts (payouts.Correction), settled here
        totals.append(
            (_("Verrekend met correcties na eerdere uitbetalingen"), item.deducted, False)
        )
        totals.append((_("Overgemaakt"), item.net, True))
    else:
        totals.append((_("Uitbetaald (95%)"), item.net, True))
    for label, value, bold in totals:
        pdf.set_font("helvetica", "B" if bold else "", 10)
        pdf.cell(label_w, 6.5, _t(label), align="R", border="T" if bold else 0)
        pdf.cell(
            WIDTHS[-1],
            6.5,
            _eur(value),
            align="R",
            border="T" if bold else 0,
            new_x="LMARGIN",
            new_y="NEXT",
        )
    pdf.ln(6)
    pdf.set_font("helvetica", size=9)
    _paragraph(
        pdf,
        _(
            "Deze specificatie vermeldt het uitbetaalde bedrag: 95% van het bedrag van elke "
            "webbestelling; 5% is uw bijdrage (per webbestelling berekend, afgerond op centen). "
            "De btw over de activiteit is de zaak van de aanbieder; dit is geen factuur."
        ),
    )
    _paragraph(
        pdf,
        _("%(issuer)s heeft dit bedrag op %(date)s aan u overgemaakt.")
        % {"issuer": ISSUER_NAME, "date": f"{created:%d-%m-%Y}"},
    )
    return bytes(pdf.output())
