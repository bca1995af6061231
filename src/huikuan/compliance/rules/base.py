"""The shape every rule shares: (context, instant) -> a Block, or None when the rule lets the contact pass."""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

from huikuan.compliance.context import Context


class Block(NamedTuple):
    # Empty when the rule is asked about an instant after the request's own: the search for the next
    # allowed instant reads only lifts, and messages are what most of a rule's time would go to.
    message: str
    # The first instant after the one asked about at which this rule stops blocking; None when only a
    # change of facts (or nothing within the search horizon) can lift it.
    lift: int | None


Rule = Callable[[Context, int], Block | None]
