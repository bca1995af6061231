"""Letters: the PDF is written to the letters directory as <yyyy-mm>/<message id>.pdf and the message is
sent from then on; the floor prints and posts the month's folder (docs/messages.md)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

from babel.dates import format_date

from huikuan.channels.base import Outgoing, Receipt, TransientFailure
from huikuan.channels.letter.pdf import Letter, LetterFontMissing, disclosing_words, render_letter
from huikuan.files import private_dir, write_private
from huikuan.i18n import gettext

WECHAT_CAPTION = "Scan with WeChat to receive messages about your account on WeChat instead of by post."
PORTAL_CAPTION = (
    "See what you owe, pay, arrange to pay or dispute it online, at a time that suits you: scan the code or "
    "type the address below. You will be asked to confirm who you are first."
)


@dataclass(frozen=True)
class LetterOutgoing(Outgoing):
    """A letter to the debtor with the case's WeChat bind link and a private link to the debtor's own page,
    each printed as a QR code (None: no code)."""

    wechat_url: str | None = None
    portal_url: str | None = None


class LetterTransport:
    def __init__(self, letters_dir: str | Path, return_address: tuple[str, ...], time_zone: str) -> None:
        self.letters_dir = Path(letters_dir)
        self.return_address = return_address
        self.zone = ZoneInfo(time_zone)

    def send(self, message: Outgoing) -> Receipt:
        shown = disclosing_words(" ".join(self.return_address))
        if shown:
            # A configuration mistake, not the letter: it waits for HUIKUAN_LETTER_RETURN_ADDRESS to be fixed.
            raise TransientFailure(
                "the return address would show {words} through the envelope window", words=", ".join(shown)
            )
        day = message.now.astimezone(self.zone).date()
        letter = Letter(
            recipient_name=message.recipient_name,
            address=message.to,
            return_address=self.return_address,
            date_text=format_date(day, format="long", locale=message.locale),
            reference_text=gettext("Our reference: {reference}", message.locale, reference=message.reference),
            subject=message.subject,
            body=message.body,
            locale=message.locale,
            wechat_url=getattr(message, "wechat_url", None),
            wechat_caption=gettext(WECHAT_CAPTION, message.locale),
            portal_url=getattr(message, "portal_url", None),
            portal_caption=gettext(PORTAL_CAPTION, message.locale),
        )
        relative = Path(f"{day:%Y-%m}") / f"{message.id}.pdf"
        target = self.letters_dir / relative
        try:
            document = render_letter(letter)
        except LetterFontMissing as exc:
            # Like the return address: the letter waits for the machine to be set up.
            raise TransientFailure(exc.msgid, **exc.values) from None
        try:
            private_dir(target.parent)  # a letter is a name, an address and a debt: the owner's only
            partial = target.with_suffix(".pdf.part")
            write_private(partial, document)
            os.replace(partial, target)
        except OSError as exc:
            raise TransientFailure("cannot write the letter: {reason}", reason=str(exc)) from None
        return Receipt(document=relative.as_posix())
