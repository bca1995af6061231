"""A statement and its commission invoice as A4 PDFs, in the reader's language (zh_CN or en).

Set in the letters' font (channels/letter/pdf.py: WenQuanYi Micro Hei, embedded) so Chinese renders;
without the font nothing is written (LetterFontMissing). The figures are the statement's frozen totals
(services/statement_totals.py), per currency.
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from huikuan.channels.letter.pdf import letter_font
from huikuan.domain.money import Money
from huikuan.i18n import gettext

MARGIN = 18 * mm
WIDTH = A4[0] - 2 * MARGIN
# The statement's lines: (label, how it is computed from one currency's totals).
LINES: tuple[tuple[str, str], ...] = (
    ("Collected into the trust account", "collected_trust"),
    ("Collected into the creditor's own account", "collected_creditor"),
    ("Paid to the creditor directly", "collected_direct"),
    ("Reversed (trust account)", "reversed_trust"),
    ("Reversed (creditor's own account)", "reversed_creditor"),
    ("Reversed (direct payments)", "reversed_direct"),
    ("Held for debtors (overpaid)", "held_trust"),
    ("Commission on trust collections", "commission_trust"),
    ("Commission on collections into the creditor's account", "commission_creditor"),
    ("Commission on direct payments", "commission_direct"),
    ("Commission deducted from the remittance", "commission_deducted"),
    ("Remittance to the creditor", "remittance"),
    ("Commission invoiced to the creditor", "invoice"),
)
INVOICED = (
    ("Commission on trust collections (gross remittance)", "trust"),
    ("Commission on collections into the creditor's account", "creditor"),
    ("Commission on direct payments", "direct"),
)


def pdf_styles(font: str) -> tuple[ParagraphStyle, ParagraphStyle, ParagraphStyle]:
    text = ParagraphStyle("text", fontName=font, fontSize=9.5, leading=13, wordWrap="CJK")
    head = ParagraphStyle("head", fontName=font, fontSize=12, leading=16, spaceBefore=8, spaceAfter=4)
    title = ParagraphStyle("title", fontName=font, fontSize=16, leading=22, spaceAfter=6)
    return text, head, title


def _table(rows: list[list[Paragraph]]) -> Table:
    table = Table(rows, colWidths=[WIDTH * 0.65, WIDTH * 0.35], repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
                ("BACKGROUND", (0, 0), (-1, 0), colors.whitesmoke),
                ("ALIGN", (1, 0), (1, -1), "RIGHT"),
            ]
        )
    )
    return table


def build_pdf(story: list[Flowable], title: str, font: str) -> bytes:
    out = io.BytesIO()
    SimpleDocTemplate(
        out,
        pagesize=A4,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN,
        bottomMargin=MARGIN,
        title=title,
        initialFontName=font,
    ).build(story)
    return out.getvalue()


def render_statement(statement: Mapping[str, Any], locale: str) -> bytes:
    """The statement (its row with creditor_code, creditor_name) as PDF bytes."""
    font = letter_font()
    text, head, title_style = pdf_styles(font)

    def _(msgid: str, **values: Any) -> str:
        return gettext(msgid, locale, **values)

    def p(value: Any, style: ParagraphStyle = text) -> Paragraph:
        return Paragraph(escape(str(value)), style)

    title = _(
        "Statement {period}: {creditor}", period=statement["period"], creditor=statement["creditor_name"]
    )
    mode = (
        _("net (commission deducted)")
        if statement["remittance"] == "net"
        else _("gross (commission invoiced)")
    )
    story: list[Flowable] = [
        p(title, title_style),
        p(
            _(
                "Creditor {code}; statement no. {id}; issued {at} UTC",
                code=statement["creditor_code"],
                id=statement["id"],
                at=f"{statement['issued_at']:%Y-%m-%d %H:%M}",
            )
        ),
        p(_("Remittance: {mode}", mode=mode)),
    ]
    if not statement["totals"]:
        story.append(p(_("No payment or reversal in this period."), head))
    for currency, got in sorted(statement["totals"].items()):
        story.append(p(_("Totals in {currency}", currency=currency), head))
        rows = [[p(_("Item")), p(_("Amount"))]]
        rows += [[p(_(label)), p(Money(got[key], currency).amount)] for label, key in LINES if got.get(key)]
        story.append(_table(rows))
        story.append(Spacer(1, 4))
        story.append(p(_("Summary"), head))
        story.append(
            p(
                _(
                    "{payments} payments and {reversals} reversals. The agency remits {remittance}; "
                    "the creditor owes {invoice} of commission by invoice.",
                    payments=got["payments"],
                    reversals=got["reversals"],
                    remittance=str(Money(got["remittance"], currency)),
                    invoice=str(Money(max(got["invoice"], 0), currency)),
                )
            )
        )
    story.append(Spacer(1, 6))
    story.append(
        p(_("The detail of every payment and reversal is in the CSV and XLSX files of this statement."))
    )
    return build_pdf(story, title, font)


def render_invoice(statement: Mapping[str, Any], locale: str) -> bytes:
    """The invoice for the commission the creditor owes for the period, as PDF bytes."""
    font = letter_font()
    text, head, title_style = pdf_styles(font)

    def _(msgid: str, **values: Any) -> str:
        return gettext(msgid, locale, **values)

    def p(value: Any, style: ParagraphStyle = text) -> Paragraph:
        return Paragraph(escape(str(value)), style)

    number = f"INV-{statement['creditor_code']}-{statement['period']}"
    title = _("Invoice {number}", number=number)
    story: list[Flowable] = [
        p(title, title_style),
        p(
            _(
                "To {creditor} ({code}), for commission of {period}",
                creditor=statement["creditor_name"],
                code=statement["creditor_code"],
                period=statement["period"],
            )
        ),
        p(
            _(
                "Statement no. {id}, issued {at} UTC",
                id=statement["id"],
                at=f"{statement['issued_at']:%Y-%m-%d %H:%M}",
            )
        ),
    ]
    for currency, got in sorted(statement["totals"].items()):
        if got.get("invoice", 0) <= 0:
            continue
        rows = [[p(_("Item")), p(_("Amount"))]]
        # The trust part is what the invoice holds beyond the other two (gross remittance only).
        parts = {"creditor": got["commission_creditor"], "direct": got["commission_direct"]}
        parts["trust"] = got["invoice"] - parts["creditor"] - parts["direct"]
        for label, kind in INVOICED:
            if parts[kind]:
                rows.append([p(_(label)), p(Money(parts[kind], currency).amount)])
        rows.append([p(_("Total due")), p(Money(got["invoice"], currency).amount)])
        story += [p(_("In {currency}", currency=currency), head), _table(rows), Spacer(1, 4)]
    return build_pdf(story, title, font)
