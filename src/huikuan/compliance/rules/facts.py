"""cease, attorney, workplace, channel-opt-out, dispute, time-barred: rules that only facts can lift (cease
and attorney read their holds' ends, rules/holds.py).

workplace refuses a contact at the place of employment that the employer prohibits or that the debtor
said is inconvenient (12 CFR 1006.6(b)(1) and (b)(3)); the debtor's own statement binds in every pack."""

from __future__ import annotations

from huikuan.compliance.context import Context
from huikuan.compliance.model import WORKPLACE, HoldKind, Purpose, Role, SafeHarbour
from huikuan.compliance.rules.base import Block
from huikuan.compliance.rules.holds import held
from huikuan.domain.enums import Channel


def cease(ctx: Context, t: int) -> Block | None:
    # Talking to the debtor's attorney stays possible: the attorney is how an end of efforts is told.
    # A deceased debtor is the deceased rule's.
    if ctx.request.party.role is Role.ATTORNEY:
        return None
    blocked, lift = held(ctx, HoldKind.CEASE, ctx.request.debtor.flags.cease, t)
    if blocked:
        return Block("the debtor asked in writing that contact cease" if t == ctx.at else "", lift)
    return None


def attorney(ctx: Context, t: int) -> Block | None:
    if ctx.request.party.role is Role.ATTORNEY:
        return None
    blocked, lift = held(ctx, HoldKind.ATTORNEY, ctx.request.debtor.flags.attorney, t)
    if blocked:
        return Block("the debtor is represented by an attorney: contact the attorney only", lift)
    return None


def workplace(ctx: Context, _t: int) -> Block | None:
    if not ctx.request.party.workplace:
        return None
    debtor = ctx.request.debtor
    if WORKPLACE in debtor.inconvenient_places:
        return Block("the debtor said the place of employment is inconvenient for contact", None)
    if debtor.flags.employer_prohibits:
        return Block("the debtor's employer prohibits contact at the place of employment", None)
    return None


def channel_opt_out(ctx: Context, _t: int) -> Block | None:
    opted = ctx.request.debtor.flags.opt_out
    channel = ctx.request.channel
    # Leaving a voicemail means placing a call, so refusing calls refuses voicemails too.
    if channel in opted or (channel is Channel.VOICEMAIL and Channel.CALL in opted):
        return Block(f"the debtor asked that {channel.value} not be used", None)
    return None


def automated_text_consent(ctx: Context, _t: int) -> Block | None:
    """An automated text needs the prior express consent of the number's holder: a text is a call under
    the TCPA (FCC 2015 Declaratory Ruling), and an automated call to a mobile needs that consent."""
    request = ctx.request
    if request.channel is Channel.SMS and request.automated and not request.party.express_consent:
        return Block("an automated text needs the person's prior express consent on that number", None)
    return None


def electronic_safe_harbour(ctx: Context, _t: int) -> Block | None:
    """An e-mail or a text to the consumer about the debt goes only to an address or number that follows
    the procedures of 12 CFR 1006.6(d)(4): one the consumer used to communicate with the collector about
    the debt, one the consumer consented to, or one the creditor provided (its procedure followed); never
    a work e-mail address the creditor provided (1006.22(f)(3)). The address must be named (`party.to`):
    a question about the channel alone (the planner's) is not about an address."""
    request = ctx.request
    party = request.party
    if request.channel not in _ELECTRONIC or request.purpose is not Purpose.COLLECT or not party.to:
        return None
    if party.safe_harbour is None:
        return Block(
            "an e-mail or a text goes only to an address or number the consumer used, consented to, "
            "or that the creditor provided",
            None,
        )
    if request.channel is Channel.EMAIL and party.workplace and party.safe_harbour is SafeHarbour.CREDITOR:
        return Block("a work e-mail address needs the consumer's own use of it or consent to it", None)
    return None


_ELECTRONIC = frozenset({Channel.EMAIL, Channel.SMS})


def dispute(ctx: Context, _t: int) -> Block | None:
    disputed = ctx.request.debtor.flags.disputed or ctx.request.debt.disputed
    if disputed and ctx.request.party.role is not Role.ATTORNEY:
        return Block("the debt is disputed: collection stops until verification is sent", None)
    return None


def time_barred(_ctx: Context, _t: int) -> Block | None:
    """Never blocks: contact about a time-barred debt is allowed; its scripts and letters omit any suit."""
    return None
