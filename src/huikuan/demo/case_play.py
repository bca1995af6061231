"""One case being played by the demo's history simulator (`history.Simulator`): the state its day loop
and conversations read and change, and what a played day leads to."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import Enum

from huikuan.demo.recorder import CaseInput, CaseState


class Step(Enum):
    """What a played day leads to: the next day, the end of the loop (then the next action), or the end
    of the case's work (its state already set)."""

    NEXT = "next"
    END = "end"
    STOP = "stop"


@dataclass
class CasePlay:
    """One case being played: what the day loop and its conversations read and change."""

    c: CaseInput
    state: CaseState
    balances: list[int]
    today: date
    us: bool
    day: date
    user: int | None
    p_call: float
    quiet_until: date  # no collection calls before this day
    contact_after: date
    cease_on: date | None
    visit_on: date | None
    letter_on: date | None
    pay_on: date | None
    goal: str = "first"
    pending: tuple[date, int] | None = None  # due date, amount of a promise still running
    bad_streak: int = 0
    talked_before: bool = False
    inbound_on: date | None = None
    notice_due: bool = False  # a validation notice to mail (the gate has not allowed it yet)
