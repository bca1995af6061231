"""A letter as an A4 PDF for a window envelope (DIN 5008 form B: the window 20 mm from the left edge and
45 mm from the top, 85 x 45 mm; it fits C5/6 and DL window envelopes).

The envelope rule: through the window shows ONLY a neutral return address line, the recipient's name
and postal address. Nothing there may disclose a debt: `window_lines` builds exactly what the window
shows and `disclosing_words` is the check the transport applies to the text we add (the return address);
everything else (creditor, balance, reference) is printed below the fold, inside the envelope.

One font sets every letter, Chinese and English alike, and is embedded in the PDF (a subset of a TrueType
font): WenQuanYi Micro Hei, found where the fonts-wqy-microhei package of Debian, Ubuntu or Fedora puts
it. Without it no letter is written (LetterFontMissing), rather than one a printer or reader shows with
another font. In the body, a line of dashes alone is a cut line: what follows it (a response
form) is kept together on one page below a dashed rule.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from xml.sax.saxutils import escape

import segno
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    BaseDocTemplate,
    Flowable,
    Frame,
    HRFlowable,
    Image,
    KeepTogether,
    PageTemplate,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)

from huikuan.errors import HuikuanError

FONT = "WenQuanYiMicroHei"
# Where the font is looked for, in order: Debian/Ubuntu, Fedora, elsewhere.
FONT_FILES = (
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/wqy-microhei/wqy-microhei.ttc",
    "/usr/share/fonts/wqy-microhei-fonts/wqy-microhei.ttc",
    "/opt/homebrew/share/fonts/wqy-microhei.ttc",
    "/usr/local/share/fonts/wqy-microhei.ttc",
)
_TEAR = re.compile(r"^[-\s]{20,}$")
PAGE_W, PAGE_H = A4
# The window, in points from the bottom-left corner of the page.
WINDOW_X = 20 * mm
WINDOW_TOP = PAGE_H - 45 * mm
WINDOW_W = 85 * mm
WINDOW_H = 45 * mm
BODY_TOP = PAGE_H - 100 * mm  # below the fold of a DL envelope: the letter starts here on page 1
MARGIN = 20 * mm

# Words that would tell whoever handles the envelope that the recipient owes money (English words match at
# a word start, so "Howell Road" is not "owe").
DISCLOSING_ZH = (
    "欠款",
    "欠费",
    "拖欠",
    "债务",
    "债权",
    "追债",
    "催收",
    "催款",
    "催缴",
    "逾期",
    "还款",
    "追讨",
    "回款",
    "清收",
    "违约",
)
DISCLOSING_EN = (
    "debt",
    "collect",
    "overdue",
    "arrear",
    "owe",
    "owing",
    "delinquen",
    "past due",
    "recover",
    "default",
    "demand",
)
_EN = re.compile(r"\b(" + "|".join(DISCLOSING_EN) + r")", re.IGNORECASE)


class LetterFontMissing(HuikuanError):
    """The font letters are set in is not installed; letters wait until it is."""


def font_file() -> Path:
    """The font file letters are set in; raises LetterFontMissing when there is none."""
    for candidate in FONT_FILES:
        if Path(candidate).is_file():
            return Path(candidate)
    raise LetterFontMissing(
        "No font for letters: install the fonts-wqy-microhei package (it puts {file} in place)",
        file=FONT_FILES[0],
    )


@cache
def _register(path: Path) -> str:
    pdfmetrics.registerFont(TTFont(FONT, str(path), subfontIndex=0))
    return FONT


def letter_font() -> str:
    """The registered name of the letters' font (registered on first use)."""
    return _register(font_file())


@dataclass(frozen=True)
class Letter:
    recipient_name: str
    address: str  # the postal address as stored; lines split by newlines or "|"
    return_address: tuple[str, ...]
    date_text: str
    reference_text: str
    subject: str
    body: str
    locale: str
    # The case's WeChat bind link (services/wechat_bindings.py), printed as a QR code under the text with
    # its caption; None: no code (WeChat not configured).
    wechat_url: str | None = None
    wechat_caption: str = ""
    # A private link to the debtor's own page (services/debtor_links.py `letter_link`), printed as a QR
    # code with its caption and the address itself, to type; None: no link.
    portal_url: str | None = None
    portal_caption: str = ""


def disclosing_words(text: str) -> list[str]:
    """The disclosing words found in `text`."""
    return [w for w in DISCLOSING_ZH if w in text] + sorted({m.lower() for m in _EN.findall(text)})


def window_lines(recipient_name: str, address: str, return_address: tuple[str, ...]) -> list[str]:
    """Exactly the lines that show through the window, top to bottom: the return address on one small
    line (if any), then the recipient's name and address, wrapped to the window's width."""
    lines = ["  ".join(part.strip() for part in return_address if part.strip())] if return_address else []
    lines.append(recipient_name.strip())
    for part in re.split(r"[\n|]", address):
        if part.strip():
            lines.extend(_wrap(part.strip(), 11, WINDOW_W))
    return [line for line in lines if line]


def render_letter(letter: Letter) -> bytes:
    font = letter_font()
    out = io.BytesIO()
    doc = BaseDocTemplate(
        out,
        pagesize=A4,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN,
        bottomMargin=MARGIN,
        title="",
        author="",
        subject="",
        creator="",
        producer="",
        initialFontName=font,  # the canvas's opening font would be Helvetica, which is never embedded
    )
    first = Frame(MARGIN, MARGIN, PAGE_W - 2 * MARGIN, BODY_TOP - MARGIN, id="first")
    rest = Frame(MARGIN, MARGIN, PAGE_W - 2 * MARGIN, PAGE_H - 2 * MARGIN, id="rest")

    def head(canvas: Canvas, _doc: BaseDocTemplate) -> None:
        _draw_window(canvas, letter)
        _draw_date_and_reference(canvas, letter)

    doc.addPageTemplates(
        [
            PageTemplate(id="first", frames=[first], onPage=head, autoNextPageTemplate="rest"),
            PageTemplate(id="rest", frames=[rest]),
        ]
    )
    doc.build(_story(letter))
    return out.getvalue()


def _draw_window(canvas: Canvas, letter: Letter) -> None:
    lines = window_lines(letter.recipient_name, letter.address, letter.return_address)
    y = WINDOW_TOP - 5 * mm
    if letter.return_address:
        sender = lines.pop(0)
        canvas.setFont(FONT, 7)
        canvas.drawString(WINDOW_X + 2 * mm, y, sender)
        canvas.setLineWidth(0.3)
        canvas.line(WINDOW_X + 2 * mm, y - 1.5 * mm, WINDOW_X + WINDOW_W - 2 * mm, y - 1.5 * mm)
    y -= 8 * mm
    for line in lines:
        canvas.setFont(FONT, 11)
        canvas.drawString(WINDOW_X + 2 * mm, y, line)
        y -= 5.5 * mm


def _draw_date_and_reference(canvas: Canvas, letter: Letter) -> None:
    x = 125 * mm
    y = WINDOW_TOP - 13 * mm
    for line in (letter.date_text, letter.reference_text):
        canvas.setFont(FONT, 10)
        canvas.drawString(x, y, line)
        y -= 5.5 * mm


def _cut_line() -> Flowable:
    """A dashed rule across the frame: cut here."""
    return HRFlowable(width="100%", thickness=0.5, dash=(3, 3), spaceBefore=3 * mm, spaceAfter=4 * mm)


def _story(letter: Letter) -> list[Flowable]:
    zh = letter.locale == "zh_CN"
    story: list[Flowable] = [Paragraph(escape(letter.subject), _style(13, zh)), Spacer(1, 4 * mm)]
    form: list[Flowable] | None = None
    for block in re.split(r"\n\s*\n", letter.body.strip()):
        if _TEAR.match(block.strip()):
            form = [_cut_line()]
            continue
        lines = block.strip("\n").splitlines()
        text = "<br/>".join(_indent(line) for line in lines)
        (form if form is not None else story).append(Paragraph(text, _style(10.5, zh)))
    if letter.portal_url:
        story.append(
            _code(letter.portal_url, f"{escape(letter.portal_caption)}<br/>{escape(letter.portal_url)}", zh)
        )
    if letter.wechat_url:
        story.append(_code(letter.wechat_url, escape(letter.wechat_caption), zh))
    if form is not None:
        story.append(KeepTogether(form))
    return story


QR_SIZE = 28 * mm


def _code(url: str, caption_markup: str, zh: bool) -> Flowable:
    """A link as a QR code, with its caption (markup, already escaped) beside it, kept together."""
    png = io.BytesIO()
    segno.make(url, error="m").save(png, kind="png", scale=4, border=2)
    png.seek(0)
    code = Image(png, width=QR_SIZE, height=QR_SIZE)
    caption = Paragraph(caption_markup, _style(9.5, zh))
    table = Table([[code, caption]], colWidths=[QR_SIZE + 4 * mm, None])
    table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "MIDDLE"), ("LEFTPADDING", (0, 0), (-1, -1), 0)]))
    return KeepTogether([Spacer(1, 4 * mm), table])


def _indent(line: str) -> str:
    """A line with its leading spaces kept (a sub-item of the response form)."""
    stripped = line.lstrip(" ")
    return "&nbsp;" * (2 * (len(line) - len(stripped))) + escape(stripped.rstrip())


def _style(size: float, zh: bool) -> ParagraphStyle:
    return ParagraphStyle(
        name=f"{FONT}-{size}",
        fontName=FONT,
        fontSize=size,
        leading=size * 1.55,
        spaceAfter=size * 0.6,
        wordWrap="CJK" if zh else None,
    )


def _wrap(text: str, size: float, width: float) -> list[str]:
    """Breaks a line to fit `width`: between words for Latin text, anywhere for Chinese."""
    font = letter_font()
    if pdfmetrics.stringWidth(text, font, size) <= width - 4 * mm:
        return [text]
    latin = all(ord(ch) < 0x250 for ch in text)
    tokens = re.findall(r"\S+\s*", text) if latin else list(text)
    lines, current = [], ""
    for token in tokens:
        if current and pdfmetrics.stringWidth(current + token, font, size) > width - 4 * mm:
            lines.append(current.rstrip())
            current = token
        else:
            current += token
    if current.strip():
        lines.append(current.rstrip())
    return lines
