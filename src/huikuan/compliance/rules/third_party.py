"""third-party-disclosure and third-party-repeat: who may be asked what, and how often."""

from __future__ import annotations

from huikuan.compliance.context import Context
from huikuan.compliance.model import COMMUNICATION, Purpose
from huikuan.compliance.rules.base import Block
from huikuan.compliance.rules.holds import estate_only_after_death


def third_party_disclosure(ctx: Context, t: int) -> Block | None:
    role = ctx.request.party.role
    if estate_only_after_death(ctx, t):
        return Block(f"a {role.value} speaks for the debtor's estate only after the debtor's death", None)
    if role in ctx.s.collect_roles:
        return None
    if role not in ctx.s.locate_roles:
        return Block(f"the pack forbids contacting a {role.value} of the debtor", None)
    if ctx.request.purpose is not Purpose.LOCATE:
        return Block(
            f"a {role.value} is not liable for the debt: only location information may be sought, "
            "without mentioning the debt (purpose locate)",
            None,
        )
    return None


def third_party_repeat(ctx: Context, _t: int) -> Block | None:
    if ctx.request.party.role in ctx.s.collect_roles or ctx.request.party.recontact is not None:
        return None
    # Any communication counts, whatever debt it was about: the third party is asked about the person.
    done = sum(1 for e in ctx.events() if e.kind & COMMUNICATION)
    if done >= ctx.s.third_party_max:
        return Block(
            f"this {ctx.request.party.role.value} was already reached {done} time(s); a third party is "
            f"contacted at most {ctx.s.third_party_max} time(s) unless they ask or their answer was "
            "incomplete",
            None,
        )
    return None
