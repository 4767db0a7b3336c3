"""Invoice PDFs (fpdf2, core fonts in Windows-1252 so € and accents print)."""

from __future__ import annotations

import textwrap

from django.conf import settings
from fpdf import FPDF

from cultuurkaart.core.money import format_eur

ISSUER = [
    "Cultuurkaart, uitgevoerd door CJP",
    "namens de Stichting Cultuurkaartcentrale",
    "Postbus 0000, 1000 AA Amsterdam",
    "administratie@cultuurkaart.example",
]


def payee() -> dict[str, str]:
    """The account schools pay into and the payee's registration numbers (settings)."""
    return {
        "name": settings.CK_PAYEE_NAME,
        "iban": settings.CK_PAYEE_IBAN,
        "bic": settings.CK_PAYEE_BIC,
        "kvk": settings.CK_PAYEE_KVK,
        "vat": settings.CK_PAYEE_VAT_NUMBER,
    }


def format_iban(iban: str) -> str:
    """NL91ABNA0417164300 → NL91 ABNA 0417 1643 00 (groups of four, as banks print it)."""
    compact = iban.replace(" ", "").upper()
    return " ".join(compact[i : i + 4] for i in range(0, len(compact), 4))


def _t(text) -> str:
    """Text the core fonts can print (Windows-1252); other characters become '?'."""
    return str(text).replace("\u00a0", " ").encode("cp1252", "replace").decode("cp1252")


def _eur(value) -> str:
    return _t(format_eur(value))


def _paragraph(pdf: FPDF, text: str, chars: int = 115) -> None:
    """Wrapped text with plain cells (fpdf2's multi_cell costs ~5 ms a call)."""
    for row in textwrap.wrap(_t(text), chars):
        pdf.cell(0, 4.5, row, new_x="LMARGIN", new_y="NEXT")


def render_invoice(invoice, lines, *, school, programme) -> bytes:
    credit = invoice.kind == "credit_note"
    pdf = FPDF(format="A4")
    pdf.core_fonts_encoding = "windows-1252"
    pdf.set_title(_t(f"Factuur {invoice.number}"))
    pdf.set_author("Stichting Cultuurkaartcentrale")
    pdf.set_creation_date(invoice.issued_at)
    pdf.add_page()
    pdf.set_auto_page_break(auto=True, margin=20)
    pdf.set_font("helvetica", "B", 18)
    pdf.cell(0, 10, _t("Creditnota" if credit else "Factuur"), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("helvetica", size=9)
    details = payee()
    for row in [*ISSUER, f"KvK {details['kvk']} · btw-nummer {details['vat']}"]:
        pdf.cell(0, 4.5, _t(row), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(6)
    pdf.set_font("helvetica", "B", 10)
    pdf.cell(0, 5, _t("Aan"), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("helvetica", size=10)
    pdf.cell(0, 5, _t(invoice.recipient_name), new_x="LMARGIN", new_y="NEXT")
    for row in (invoice.recipient_address or "").splitlines():
        pdf.cell(0, 5, _t(row.strip()), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(5)
    facts = [
        ("Factuurnummer", invoice.number),
        ("Factuurdatum", f"{invoice.issued_on:%d-%m-%Y}"),
        ("Vervaldatum", f"{invoice.due_on:%d-%m-%Y}"),
        ("Programma", programme.name),
        ("CJP-schoolnummer", school.school_number or "-"),
    ]
    if invoice.reference:
        facts.append(("Uw referentie", invoice.reference))
    for label, value in facts:
        pdf.set_font("helvetica", "B", 10)
        pdf.cell(45, 5.5, _t(label))
        pdf.set_font("helvetica", size=10)
        pdf.cell(0, 5.5, _t(value), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(6)
    widths = (95, 20, 32, 33)
    pdf.set_font("helvetica", "B", 10)
    pdf.set_fill_color(230, 234, 240)
    for text, width, align in zip(
        ("Omschrijving", "Aantal", "Prijs per stuk", "Bedrag"), widths, "LRRR", strict=True
    ):
        pdf.cell(width, 7, _t(text), border="B", align=align, fill=True)
    pdf.ln()
    pdf.set_font("helvetica", size=10)
    for line in lines:
        description = _t(line.description)
        size = 10
        while size > 7 and pdf.get_string_width(description) > widths[0] - 2:
            size -= 0.5
            pdf.set_font("helvetica", size=size)
        pdf.cell(widths[0], 6.5, description)
        pdf.set_font("helvetica", size=10)
        pdf.cell(widths[1], 6.5, str(line.quantity), align="R")
        pdf.cell(widths[2], 6.5, _eur(line.unit_price), align="R")
        pdf.cell(widths[3], 6.5, _eur(line.amount), align="R", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    label_w = sum(widths[:3])
    totals = [
        ("Subtotaal", invoice.subtotal, False),
        (f"Btw {invoice.vat_rate.normalize():f}%", invoice.vat_amount, False),
        ("Totaal te betalen" if not credit else "Totaal gecrediteerd", invoice.total, True),
    ]
    for label, value, bold in totals:
        pdf.set_font("helvetica", "B" if bold else "", 10)
        pdf.cell(label_w, 6.5, _t(label), align="R", border="T" if bold else 0)
        pdf.cell(
            widths[3],
            6.5,
            _eur(value),
            align="R",
            border="T" if bold else 0,
            new_x="LMARGIN",
            new_y="NEXT",
        )
    if invoice.ocw_top_up:
        pdf.ln(4)
        pdf.set_font("helvetica", "I", 9)
        _paragraph(
            pdf,
            f"Ter informatie: OCW vult het budget aan met {_eur(invoice.ocw_top_up)} "
            "(niet in rekening gebracht).",
        )
    if not credit:
        pdf.ln(6)
        _payment_block(pdf, invoice, details)
    return bytes(pdf.output())


def _payment_block(pdf: FPDF, invoice, details: dict[str, str]) -> None:
    """Where and how to pay: amount, due date, account, and the reference to quote."""
    pdf.set_font("helvetica", "B", 11)
    pdf.cell(0, 7, _t("Betalen"), new_x="LMARGIN", new_y="NEXT")
    rows = [
        ("Bedrag", _eur(invoice.total)),
        ("Uiterlijk op", f"{invoice.due_on:%d-%m-%Y}"),
        ("Ten name van", details["name"]),
        ("IBAN", format_iban(details["iban"])),
        ("BIC", details["bic"]),
        ("Betalingskenmerk", invoice.number),
    ]
    for label, value in rows:
        pdf.set_font("helvetica", "B", 10)
        pdf.cell(45, 5.5, _t(label))
        pdf.set_font("helvetica", size=10)
        pdf.cell(0, 5.5, _t(value), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    pdf.set_font("helvetica", size=9)
    _paragraph(
        pdf,
        f"Vermeld bij het overmaken alleen het betalingskenmerk {invoice.number}; zo koppelen "
        "wij uw betaling aan deze factuur. Het cultuurbudget wordt vrijgegeven zodra de "
        "factuur volledig is betaald.",
    )
