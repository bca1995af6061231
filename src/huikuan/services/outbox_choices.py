"""What a message can be for a case: the templates whose facts it has and the one its state calls for,
the contact points a message of a channel may go to, and the cases a bulk send may choose from."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import and_, case, func, or_, select, true

from huikuan.channels import KINDS
from huikuan.channels.choice import Choice, choose
from huikuan.domain.enums import LIABLE_ROLES
from huikuan.errors import InvalidInput
from huikuan.services.access import Viewer, case_scope, require_writer, visible_case
from huikuan.services.masking import mask_contact
from huikuan.services.message_facts import case_state
from huikuan.services.message_text import CHANNELS, UNUSABLE, case_facts, templates
from huikuan.storage import tables as t
from huikuan.storage.uow import UnitOfWork


@dataclass(frozen=True)
class PointChoice:
    id: int
    kind: str
    shown: str  # masked value
    status: str
    party_id: int | None
    party_name: str
    party_role: str


@dataclass(frozen=True)
class CaseChoice:
    case_id: int
    debtor_name: str
    creditor_name: str
    balance: int
    currency: str
    stage: str


def template_choices(uow: UnitOfWork, viewer: Viewer, case_id: int) -> dict[str, Choice]:
    """For each channel, the templates whose facts this case has, and the one its state calls for
    (channels/choice.py): what the case page's message panel and the API offer."""
    visible_case(uow, viewer, case_id)
    facts = case_facts(uow, case_id)
    state = case_state(uow, case_id, facts.pack)
    return {channel: choose(channel, names, state) for channel, names in templates().items()}


def contact_points(uow: UnitOfWork, viewer: Viewer, case_id: int, channel: str) -> list[PointChoice]:
    """The points a message of this channel may go to: the debtor's and liable parties', not unusable."""
    found = visible_case(uow, viewer, case_id)
    if channel not in CHANNELS:
        raise InvalidInput(
            "Channel: {channel} is not one of {known}", channel=channel, known=", ".join(CHANNELS)
        )
    cp, p = t.contact_points.c, t.parties.c
    rows = uow.session.execute(
        select(cp.id, cp.kind, cp.value, cp.status, cp.party_id, p.name, p.role, p.liable)
        .select_from(t.contact_points.outerjoin(t.parties, p.id == cp.party_id))
        .where(cp.debtor_id == found.debtor_id, cp.kind == KINDS[channel], cp.status.not_in(UNUSABLE))
        .order_by(cp.party_id.is_not(None), case((cp.status == "valid", 0), else_=1), cp.id)
    ).all()
    return [
        PointChoice(
            r.id,
            r.kind,
            mask_contact(r.kind, r.value),
            r.status,
            r.party_id,
            r.name or "",
            r.role or "debtor",
        )
        for r in rows
        if r.party_id is None or r.liable or r.role in LIABLE_ROLES
    ]


def bulk_candidates(uow: UnitOfWork, viewer: Viewer, *, limit: int = 200) -> list[CaseChoice]:
    """The viewer's workable cases for a bulk send: open balance, not on hold, in dispute or closed; for a
    collector, those assigned to it or held by it (services/access.py: seeing a case is not working it)."""
    require_writer(viewer)
    c, d, cr, a = t.cases.c, t.debtors.c, t.creditors.c, t.accounts.c
    mine = or_(c.assigned_user_id == viewer.user_id, c.claimed_by == viewer.user_id)
    works = true() if viewer.supervises else mine
    balance = func.sum(a.balance)
    rows = uow.session.execute(
        select(c.id, d.name, cr.name.label("creditor_name"), balance.label("balance"), a.currency, c.stage)
        .join(t.debtors, d.id == c.debtor_id)
        .join(t.creditors, cr.id == c.creditor_id)
        .join(t.accounts, and_(a.case_id == c.id, a.status == "open"))
        .where(
            case_scope(viewer),
            works,
            c.stage.not_in(["hold", "dispute", "closed"]),
            d.cease.is_(False),
            d.disputed.is_(False),
        )
        .group_by(c.id, d.name, cr.name, a.currency, c.stage)
        .having(balance > 0)
        .order_by(c.priority.desc(), c.id)
        .limit(limit)
    ).all()
    return [CaseChoice(r.id, r.name, r.creditor_name, int(r.balance), r.currency, r.stage) for r in rows]
