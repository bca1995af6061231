"""Letters: a PDF for a window envelope (pdf.py), written to HUIKUAN_LETTERS_DIR (transport.py) with the
neutral return address HUIKUAN_LETTER_RETURN_ADDRESS; the floor prints and posts them."""

from __future__ import annotations

import re

from huikuan.channels.letter.transport import LetterOutgoing, LetterTransport
from huikuan.config import Settings

KIND = "address"  # the contact point kind this channel sends to


def return_address(settings: Settings) -> tuple[str, ...]:
    """The agency's mailing address, as printed in the envelope window: lines split by "|"."""
    return tuple(part.strip() for part in settings.letter_return_address.split("|") if part.strip())


def split_address(address: str) -> list[str]:
    """A postal address as stored (lines split by newlines or "|") as its lines."""
    return [part.strip() for part in re.split(r"[\n|]", address) if part.strip()]


def transport(settings: Settings) -> LetterTransport:
    """Always configured: letters are written to a folder."""
    return LetterTransport(settings.letters_dir, return_address(settings), settings.time_zone)


__all__ = ["KIND", "LetterOutgoing", "LetterTransport", "return_address", "split_address", "transport"]
