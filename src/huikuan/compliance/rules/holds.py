"""hardship, bankruptcy, breathing-space and deceased: holds on collection, and the reading of a hold that
cease and attorney share. A hold blocks from when it is set until its end (or until someone ends it)."""

from __future__ import annotations

from huikuan.compliance.context import Context
from huikuan.compliance.model import ESTATE_ROLES, HoldKind, Role
from huikuan.compliance.rules.base import Block


def held(ctx: Context, kind: HoldKind, flag: bool, t: int) -> tuple[bool, int | None]:
    """Whether a hold of this kind blocks at t, and the instant it lifts (None: only facts lift it).

    Holds of the kind listed in the request decide; with none listed, a set flag blocks with no end.
    """
    ends: list[int | None] = [h.until_ts for h in ctx.request.debtor.flags.holds if h.kind is kind]
    if not ends:
        return flag, None
    active = [u for u in ends if u is None or u > t]
    if not active:
        return False, None
    if any(u is None for u in active):
        return True, None
    return True, max(u for u in active if u is not None)


def _hold_rule(ctx: Context, t: int, kind: HoldKind, flag: bool, message: str) -> Block | None:
    # The debtor's attorney stays reachable under every hold: the attorney is who a hold is discussed with.
    if ctx.request.party.role is Role.ATTORNEY:
        return None
    blocked, lift = held(ctx, kind, flag, t)
    if not blocked:
        return None
    return Block(message if t == ctx.at else "", lift)


def hardship(ctx: Context, t: int) -> Block | None:
    return _hold_rule(ctx, t, HoldKind.HARDSHIP, False, "collection is paused for the debtor's hardship")


def bankruptcy(ctx: Context, t: int) -> Block | None:
    flag = ctx.request.debtor.flags.bankruptcy
    return _hold_rule(
        ctx, t, HoldKind.BANKRUPTCY, flag, "the debtor is in bankruptcy: collection contact is stayed"
    )


def breathing_space(ctx: Context, t: int) -> Block | None:
    return _hold_rule(
        ctx,
        t,
        HoldKind.BREATHING_SPACE,
        False,
        "the debtor is in a Breathing Space moratorium: no contact to ask for payment",
    )


def deceased(ctx: Context, t: int) -> Block | None:
    """After a death only those who speak for the estate, the attorney and co-obligors may be contacted."""
    role = ctx.request.party.role
    if role in ctx.s.after_death_roles:
        return None
    blocked, lift = held(ctx, HoldKind.DECEASED, ctx.request.debtor.flags.deceased, t)
    if not blocked:
        return None
    return Block(
        f"the debtor is deceased: contact the estate's representative, not a {role.value}"
        if t == ctx.at
        else "",
        lift,
    )


def estate_only_after_death(ctx: Context, t: int) -> bool:
    """Whether the party speaks for an estate that does not exist yet (the debtor is not deceased)."""
    if ctx.request.party.role not in ESTATE_ROLES:
        return False
    return not held(ctx, HoldKind.DECEASED, ctx.request.debtor.flags.deceased, t)[0]
