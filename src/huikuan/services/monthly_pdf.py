"""A creditor's monthly report as an A4 PDF, in the reader's language (zh_CN or en), set in the letters'
font as the statements are (services/statement_pdf.py). Figures only: the creditor, the month, its
portfolio at the month's end, the month's measures and the liquidation of its placement months; no
debtor, account or person is named in it."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.styles import ParagraphStyle
from reportlab.platypus import Flowable, Paragraph, Spacer, Table, TableStyle

from huikuan.channels.letter.pdf import letter_font
from huikuan.domain.money import Money
from huikuan.i18n import gettext
from huikuan.services.statement_pdf import WIDTH, build_pdf, pdf_styles

VINTAGE_STEPS = 6  # columns of months since placement: 0 (the placement month) to 5
COUNT_LINES = (
    ("Attempts", "attempts"),
    ("Contacts made", "contacts"),
    ("Right-party contacts", "rpcs"),
    ("Promises made", "promises_made"),
    ("Promises kept", "promises_kept"),
    ("Promises broken", "promises_broken"),
    ("Payments", "payments"),
    ("Disputes", "disputes"),
    ("Complaints", "complaints"),
)
RATE_LINES = (
    ("Contact rate", "contact_rate"),
    ("Right-party contact rate", "right_party_contact_rate"),
    ("Promise rate", "promise_rate"),
    ("Promises kept (share of those due)", "promise_kept_rate"),
)
MONEY_LINES = (
    ("Promised", "promised"),
    ("Promises kept (amount)", "kept"),
    ("Collected", "collected"),
    ("Reversed", "reversed"),
    ("Net collected", "net_collected"),
)


def percent(value: str | None) -> str:
    """A rate's value (a fraction as text) as a percentage with one decimal; a dash for none."""
    if value is None:
        return "—"
    return f"{(Decimal(value) * 100).quantize(Decimal('0.1'))}%"


def amount(minor: int, currency: str) -> str:
    return str(Money(minor, currency).amount)


def _table(rows: list[list[Paragraph]], widths: list[float]) -> Table:
    table = Table(rows, colWidths=widths, repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
                ("BACKGROUND", (0, 0), (-1, 0), colors.whitesmoke),
                ("ALIGN", (1, 0), (-1, -1), "RIGHT"),
            ]
        )
    )
    return table


def render_monthly_report(figures: Mapping[str, Any], locale: str) -> bytes:
    """The report of services/monthly_report.py `month_figures` as PDF bytes."""
    font = letter_font()
    text, head, title_style = pdf_styles(font)

    def _(msgid: str, **values: Any) -> str:
        return gettext(msgid, locale, **values)

    def p(value: Any, style: ParagraphStyle = text) -> Paragraph:
        return Paragraph(escape(str(value)), style)

    creditor = figures["creditor"]
    title = _("Monthly report {month}: {creditor}", month=figures["month"], creditor=creditor["name"])
    story: list[Flowable] = [
        p(title, title_style),
        p(
            _(
                "Creditor {code}; {first} to {last}",
                code=creditor["code"],
                first=figures["from"],
                last=figures["to"],
            )
        ),
        p(_("Figures only: no debtor or account is named in this report.")),
        p(_("Portfolio at the month's end"), head),
    ]
    rows = [[p(_("Currency")), p(_("Accounts")), p(_("Placed")), p(_("Collected")), p(_("Liquidation"))]]
    for got in figures["portfolio"]:
        c = got["currency"]
        rows.append(
            [
                p(c),
                p(got["accounts"]),
                p(amount(got["placed"], c)),
                p(amount(got["collected"], c)),
                p(percent(got["liquidation"]["value"])),
            ]
        )
    story += [_table(rows, [WIDTH * 0.16] + [WIDTH * 0.21] * 4), Spacer(1, 4)]
    story += _measures(figures["measures"], p, _, head)
    story += _vintages(figures["vintages"], p, _, head)
    return build_pdf(story, title, font)


def _measures(measures: Mapping[str, Any], p: Any, _: Any, head: ParagraphStyle) -> list[Flowable]:
    rows = [[p(_("Measure")), p(_("Figure"))]]
    rows += [[p(_(label)), p(measures["counts"][key])] for label, key in COUNT_LINES]
    rows += [[p(_(label)), p(percent(measures["rates"][key]["value"]))] for label, key in RATE_LINES]
    per = measures["per_1000_contacts"]
    rows.append([p(_("Disputes per 1,000 contacts")), p(per["disputes"] or "—")])
    rows.append([p(_("Complaints per 1,000 contacts")), p(per["complaints"] or "—")])
    out: list[Flowable] = [p(_("The month's measures"), head), _table(rows, [WIDTH * 0.65, WIDTH * 0.35])]
    for got in measures["money"]:
        c = got["currency"]
        money_rows = [[p(_("Amount in {currency}", currency=c)), p(_("Figure"))]]
        money_rows += [[p(_(label)), p(amount(got[key], c))] for label, key in MONEY_LINES]
        out += [Spacer(1, 4), _table(money_rows, [WIDTH * 0.65, WIDTH * 0.35])]
    return out


def _vintages(curves: list[Mapping[str, Any]], p: Any, _: Any, head: ParagraphStyle) -> list[Flowable]:
    out: list[Flowable] = [Spacer(1, 4), p(_("Liquidation by placement month"), head)]
    if not curves:
        return [*out, p(_("No placement month yet."))]
    out.append(p(_("Collected / placed at each month's end, by months since placement (0: its own month).")))
    rows = [
        [p(_("Placement month")), p(_("Currency")), p(_("Placed amount"))]
        + [p(n) for n in range(VINTAGE_STEPS)]
    ]
    for curve in curves:
        points = {pt["months_since_placement"]: pt for pt in curve["points"]}
        last = curve["points"][-1]
        cells = [
            p(percent(points[n]["liquidation"]["value"]) if n in points else "") for n in range(VINTAGE_STEPS)
        ]
        rows.append(
            [p(curve["placed_month"]), p(curve["currency"]), p(amount(last["placed"], curve["currency"]))]
            + cells
        )
    step = WIDTH * 0.55 / VINTAGE_STEPS
    return [*out, _table(rows, [WIDTH * 0.14, WIDTH * 0.11, WIDTH * 0.2] + [step] * VINTAGE_STEPS)]


__all__ = ["amount", "percent", "render_monthly_report"]
