"""Which templates can be written for a case, and which one its state calls for (pure).

A template states facts: a payment confirmation needs a payment received, an arrangement confirmation an
active arrangement, a promise reminder a pending promise, a reminder or a demand an open balance (the SMS
reminder states nothing, only "please call us", so it needs nothing). A template whose facts the case
lacks is not offered, and the service refuses to write it. Among those
offered, the default is the first the case's state calls for, in this order:

1. a US validation notice that has not been sent (12 CFR 1006.34(a): it comes first);
2. an active arrangement not yet confirmed in writing;
3. a payment not yet thanked for;
4. a pending promise: the promise reminder (e-mail: the reminder, which states the promise);
5. an open balance: the reminder, or the demand letter.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class CaseState:
    """The facts of a case that decide which messages can be written and which one comes next."""

    open_balance: bool = False  # an open account with something still owed
    payment: bool = False  # a payment was received
    payment_unthanked: bool = False  # the latest payment has not been confirmed by a message
    arrangement: bool = False  # an active arrangement
    arrangement_unconfirmed: bool = False  # ... not yet confirmed by a message since it was made
    promise: bool = False  # a pending promise
    validation_due: bool = False  # a US case whose validation notice has not been sent
    dispute_resolved: bool = False  # never offered by hand: sent when a dispute is resolved
    paid_in_full: bool = False  # never offered by hand: sent when a payment pays off the last account


@dataclass(frozen=True)
class Choice:
    """The templates of one channel that apply to a case, and the one to preselect ("" if none)."""

    channel: str
    templates: tuple[str, ...]
    default: str


# The fact each template needs (a CaseState field); a template not listed needs nothing.
NEEDS: dict[str, str] = {
    "payment_confirmation": "payment",
    "arrangement_confirmation": "arrangement",
    "promise_reminder": "promise",
    "reminder": "open_balance",
    "demand": "open_balance",
    "dispute_resolved": "dispute_resolved",
    "paid_in_full": "paid_in_full",
}
# (channel, template) pairs that state no fact whatever the name says.
NEUTRAL = frozenset({("sms", "reminder")})


def missing_fact(channel: str, template: str, state: CaseState) -> str | None:
    """The fact the template needs and the case lacks (a NEEDS value), or None."""
    need = None if (channel, template) in NEUTRAL else NEEDS.get(template)
    return need if need is not None and not getattr(state, need) else None


def applies(channel: str, template: str, state: CaseState) -> bool:
    return missing_fact(channel, template, state) is None


def _called_for(state: CaseState) -> list[str]:
    wanted: list[str] = []
    if state.validation_due and state.open_balance:
        wanted.append("demand")
    if state.arrangement_unconfirmed:
        wanted.append("arrangement_confirmation")
    if state.payment_unthanked:
        wanted.append("payment_confirmation")
    if state.promise:
        wanted.append("promise_reminder")
    if state.open_balance:
        wanted += ["reminder", "demand"]
    return wanted


def choose(channel: str, names: list[str] | tuple[str, ...], state: CaseState) -> Choice:
    """The channel's templates (`names`) that apply to the case, and the default among them."""
    offered = tuple(name for name in names if applies(channel, name, state))
    default = next((name for name in _called_for(state) if name in offered), offered[0] if offered else "")
    return Choice(channel, offered, default)
