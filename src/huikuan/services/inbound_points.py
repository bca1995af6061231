"""Who a reply comes from: the contact points whose value is the sender's number, e-mail address or
WeChat id, with their debtors and the debtors' cases (services/inbound.py)."""

from __future__ import annotations

from dataclasses import dataclass
from email.utils import parseaddr

from sqlalchemy import select

from huikuan.intake.phones import classify
from huikuan.services.gate import PHONE_KINDS
from huikuan.storage import tables as t
from huikuan.storage.uow import UnitOfWork


@dataclass(frozen=True)
class Holder:
    """A contact point with the sender's value: its debtor, the related party it is of (None: the
    debtor's own), and the debtor's cases, oldest first."""

    point_id: int
    debtor_id: int
    party_id: int | None
    case_ids: tuple[int, ...]


def point_kinds(channel: str) -> tuple[str, ...]:
    """The kinds of contact point a channel's sender is compared with."""
    if channel == "sms":
        return PHONE_KINDS
    return ("email",) if channel == "email" else ("wechat",)


def normal_address(channel: str, value: str) -> str:
    """The sender as contact points store it: a number in E.164 (a bare Chinese number read as +86, a
    leading 00 as +), an e-mail address lower-cased without its display name, a WeChat id as given."""
    text = "".join((value or "").split())
    if channel == "sms":
        if text.startswith("00"):
            text = "+" + text[2:]
        found = classify(text, "CN")
        return found[0] if found else text
    if channel == "email":
        return parseaddr(value or "")[1].strip().lower() or text.lower()
    return text


def holders(uow: UnitOfWork, channel: str, value: str) -> list[Holder]:
    """Every contact point with this value (any status: an opt-out must reach a number already marked),
    in id order, with its debtor's cases."""
    cp, c = t.contact_points.c, t.cases.c
    points = uow.session.execute(
        select(cp.id, cp.debtor_id, cp.party_id)
        .where(cp.kind.in_(point_kinds(channel)), cp.value == value)
        .order_by(cp.id)
    ).all()
    if not points:
        return []
    debtors = sorted({p.debtor_id for p in points})
    cases: dict[int, list[int]] = {}
    for row in uow.session.execute(
        select(c.id, c.debtor_id).where(c.debtor_id.in_(debtors)).order_by(c.id)
    ).all():
        cases.setdefault(row.debtor_id, []).append(row.id)
    return [Holder(p.id, p.debtor_id, p.party_id, tuple(cases.get(p.debtor_id, ()))) for p in points]
