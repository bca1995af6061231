"""validation-notice: collection stops once validation information is overdue."""

from __future__ import annotations

from huikuan.compliance.clock import DAY, iso_date
from huikuan.compliance.context import Context
from huikuan.compliance.model import COMMUNICATION, Role
from huikuan.compliance.rules.base import Block


def validation_notice(ctx: Context, t: int) -> Block | None:
    # Only an explicit "not sent" blocks: the contract has no field that could prove the notice went out,
    # so an unknown status would stop every US account five days after its first conversation.
    if ctx.request.debt.validation_sent is not False or ctx.request.party.role is not Role.DEBTOR:
        return None
    debt = ctx.debt_id
    first = min(
        (e.ts for e in ctx.events() if e.kind & COMMUNICATION and (not e.debt_ids or debt in e.debt_ids)),
        default=None,
    )
    if first is None or t <= first + ctx.s.validation_days * DAY:
        return None
    return Block(
        f"validation information was due within {ctx.s.validation_days} days of the first communication on "
        f"{iso_date(ctx.clocks[0].day(first))} and has not been sent",
        None,
    )
