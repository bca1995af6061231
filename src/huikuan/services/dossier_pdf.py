"""The compliance dossier as an A4 PDF, in the reader's language: the facts' versions (who, when, why,
what changed), every decision with its id, every contact, and the replay's result.

It is set in the letters' font (channels/letter/pdf.py: WenQuanYi Micro Hei, embedded), so Chinese names
and labels render; without the font it is not written (LetterFontMissing), as a letter would not be.
Its contents are services/dossier.py's, masked the same way.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from huikuan.channels.letter.pdf import letter_font
from huikuan.i18n import gettext

MARGIN = 15 * mm
WIDTH = A4[0] - 2 * MARGIN


def render_dossier(data: dict[str, Any], locale: str) -> bytes:
    """The dossier (services/dossier.build_dossier's object) as PDF bytes."""
    font = letter_font()

    def _(msgid: str, **values: Any) -> str:
        return gettext(msgid, locale, **values)

    text = ParagraphStyle("text", fontName=font, fontSize=8.5, leading=11, wordWrap="CJK")
    head = ParagraphStyle("head", fontName=font, fontSize=12, leading=16, spaceBefore=8, spaceAfter=4)
    title = ParagraphStyle("title", fontName=font, fontSize=15, leading=20, spaceAfter=6)

    def p(value: Any, style: ParagraphStyle = text) -> Paragraph:
        return Paragraph(escape("" if value is None else str(value)), style)

    story = _opening(data, _, p, head, title)
    story += _facts_and_decisions(data, _, p, head)
    story += _contacts_and_replay(data, _, p, head)
    out = io.BytesIO()
    doc = SimpleDocTemplate(
        out,
        pagesize=A4,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN,
        bottomMargin=MARGIN,
        title=_("Compliance dossier of case {case}", case=data["case_id"]),
        initialFontName=font,
    )
    doc.build(story)
    return out.getvalue()


def _opening(
    data: dict[str, Any],
    _: Callable[..., str],
    p: Callable[..., Paragraph],
    head: ParagraphStyle,
    title: ParagraphStyle,
) -> list[Flowable]:
    """The title, who and what the dossier is about, and the summary's counts."""
    story: list[Flowable] = [
        p(_("Compliance dossier of case {case}", case=data["case_id"]), title),
        p(
            _(
                "Debtor {name} (no. {debtor}), creditor {creditor}, pack {pack} {version}; made {at}",
                name=data["debtor_name"],
                debtor=data["debtor_id"],
                creditor=data["creditor"]["name"],
                pack=data["pack"]["name"],
                version=data["pack"]["version"],
                at=data["generated_at"][:16].replace("T", " ") + " UTC",
            )
        ),
        p(_("Phone numbers and recipients are masked; notes and message texts are left out.")),
    ]
    s = data["summary"]
    story += [
        p(_("Summary"), head),
        p(
            _(
                "{versions} versions of the facts, {decisions} decisions ({refusals} refusals), "
                "{contacts} contacts replayed, {refused} refused on replay",
                versions=s["versions"],
                decisions=s["decisions"],
                refusals=s["refusals"],
                contacts=s["contacts_replayed"],
                refused=s["refused_on_replay"],
            )
        ),
    ]
    return story


def _facts_and_decisions(
    data: dict[str, Any],
    _: Callable[..., str],
    p: Callable[..., Paragraph],
    head: ParagraphStyle,
) -> list[Flowable]:
    """The versions of the facts, the facts now and the gate's decisions."""
    story = _section(
        p(_("The facts over time"), head),
        [_("In force from"), _("Who"), _("Why"), _("What changed"), _("Audit event")],
        [
            [
                _("the beginning")
                if v["reason"] == "facts.before"
                else v["valid_from"][:16].replace("T", " "),
                v["user"] or _("the system"),
                v["reason"],
                ", ".join(v["changed"]) or "—",
                v["audit_event_id"] or "—",
            ]
            for v in data["facts"]["versions"]
        ],
        [28, 28, 30, 64, 20],
        p,
        _("No change of the facts was recorded: the current facts held throughout."),
    )
    story += [p(_("The facts now"), head), p(_facts_line(data["facts"]["current"]))]
    story += _section(
        p(_("Decisions of the gate"), head),
        [_("When"), _("What"), _("Channel"), _("Allowed"), _("Rules"), _("Decision id")],
        [
            [
                x["at"][:16].replace("T", " ") if x["at"] else "—",
                x["kind"],
                x["channel"] or "—",
                _("yes") if x["allowed"] else _("no"),
                ", ".join(x["rules"]) or "—",
                x["decision_id"] or "—",
            ]
            for x in data["decisions"]
        ],
        [26, 18, 16, 14, 40, 56],
        p,
        _("No decision was recorded."),
    )
    return story


def _contacts_and_replay(
    data: dict[str, Any],
    _: Callable[..., str],
    p: Callable[..., Paragraph],
    head: ParagraphStyle,
) -> list[Flowable]:
    """The contacts made and those the gate refuses on replay."""
    story = _section(
        p(_("Contacts"), head),
        [_("When"), _("What"), _("Channel"), _("Result"), _("Sent to"), _("Decision id")],
        [
            [
                x["at"][:16].replace("T", " ") if x["at"] else "—",
                f"{x['kind']} {x['id']}",
                x["channel"],
                x.get("outcome") or x.get("status"),
                x.get("to") or x.get("direction") or "—",
                x["decision_id"] or "—",
            ]
            for x in data["contacts"]
        ],
        [26, 22, 16, 24, 30, 52],
        p,
        _("No contact was recorded."),
    )
    replay = data["replay"]
    story += _section(
        p(_("Replay: contacts the gate refuses against the facts of their time"), head),
        [_("When"), _("What"), _("Channel"), _("Rules"), _("Recorded decision"), _("Replay decision")],
        [
            [
                r["at"][:16].replace("T", " "),
                f"{r['kind']} {r['id']}",
                r["channel"],
                ", ".join(r["rules"]),
                r["recorded_decision_id"] or "—",
                r["decision_id"],
            ]
            for r in replay["refused"]
        ],
        [26, 22, 16, 34, 42, 40],
        p,
        _("Every one of the {count} contacts is allowed on replay.", count=replay["contacts"]),
    )
    return story


def _section(
    heading: Flowable,
    columns: Sequence[str],
    rows: list[list[Any]],
    widths_mm: Sequence[float],
    p: Callable[[Any], Paragraph],
    empty: str,
) -> list[Flowable]:
    if not rows:
        return [heading, p(empty)]
    scale = WIDTH / (sum(widths_mm) * mm)
    table = Table(
        [[p(c) for c in columns], *[[p(v) for v in row] for row in rows]],
        colWidths=[w * mm * scale for w in widths_mm],
        repeatRows=1,
    )
    table.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
                ("BACKGROUND", (0, 0), (-1, 0), colors.whitesmoke),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ]
        )
    )
    return [heading, table, Spacer(1, 4)]


def _facts_line(facts: dict[str, Any]) -> str:
    debtor = facts.get("debtor") or {}
    flags = debtor.get("flags") or {}
    on = [k for k, v in sorted(flags.items()) if v is True]
    opt_out = flags.get("opt_out") or []
    parts = [
        f"time_zone={debtor.get('time_zone') or '—'}",
        f"phones={', '.join(debtor.get('phones') or []) or '—'}",
        f"flags={', '.join(on) or '—'}",
        f"opt_out={', '.join(map(str, opt_out)) or '—'}",
        f"inconvenient_times={len(debtor.get('inconvenient_times') or [])}",
    ]
    return "; ".join(parts)
