"""Notices and time limits of accounts, kept true where they change (the facts the gate reads of a debt).

- The US validation notice: when a validation letter (the "demand" letter under us-reg-f) is sent by the
  outbox, every open account of its case without a recorded notice gets the mailing date (the floor's day
  it was sent) and the end of its validation period (channels/validation.py: 30 days after receipt,
  assumed 5 business days after mailing, weekends and US federal holidays excluded).
- The limitation date (compliance/limitation.py, the pack's `[obligations.limitation]`) is computed again
  on every placement and payment import for the creditor's accounts, and for a case's accounts whenever a
  demand is recorded on it (a contact recorded, a message sent). Whether a debt is time-barred is read
  against the floor's day at the time of asking (services.gate_inputs.debt_facts), so no job is needed.
- The cn interest cap: the interest above the lawful cap (`excess_interest`) is computed on import from
  the annual rate and the contract's date, and not collected (`collectable`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, or_, select, update

from huikuan.channels.validation import validation_period_end
from huikuan.compliance.limitation import DebtDates, excess_interest, limitation_date
from huikuan.compliance.model import Debt
from huikuan.domain.days import local_day
from huikuan.domain.enums import CONVERSATION_OUTCOMES
from huikuan.services.clock import floor_zone
from huikuan.services.fact_history import changing_facts
from huikuan.storage import tables as t
from huikuan.storage.uow import UnitOfWork
from huikuan.strategy.gate_facts import creditor_pack

US_PACK = "us-reg-f"
VALIDATION_TEMPLATE = "demand"  # under us-reg-f the first demand letter is the validation notice
DEMAND_OUTCOMES = frozenset({*(o.value for o in CONVERSATION_OUTCOMES), "delivered"})
_CHUNK = 2_000


def record_validation_mailed(conn: Connection, case_id: int, mailed: date) -> list[int]:
    """The validation notice of a case was mailed on `mailed`: recorded on each open account that has none.
    The accounts recorded."""
    a = t.accounts.c
    ids = [
        int(r.id)
        for r in conn.execute(
            select(a.id).where(a.case_id == case_id, a.status == "open", a.validation_mailed_on.is_(None))
        )
    ]
    if ids:
        conn.execute(
            update(t.accounts)
            .where(a.id.in_(ids))
            .values(validation_mailed_on=mailed, validation_period_end=validation_period_end(mailed))
        )
    return ids


def message_sent(uow: UnitOfWork, message_id: int, sent_at: datetime) -> None:
    """What a sent message changes (a new version of the debtor's facts if they change): a US validation
    letter records its mailing; a message to the debtor is a demand for payment (cn restarts)."""
    conn = uow.session.connection()
    m, c, cr = t.messages.c, t.cases.c, t.creditors.c
    row = conn.execute(
        select(m.case_id, m.channel, m.template, m.party_id, m.user_id, c.debtor_id, cr.pack)
        .join(t.cases, c.id == m.case_id)
        .join(t.creditors, cr.id == c.creditor_id)
        .where(m.id == message_id)
    ).one_or_none()
    if row is None:
        return
    day = local_day(sent_at, floor_zone())
    validation = row.pack == US_PACK and row.channel == "letter" and row.template == VALIDATION_TEMPLATE
    if not validation and row.party_id is not None:
        return
    reason = "notice.validation_mailed" if validation else "limitation.demand"
    with changing_facts(uow, [row.debtor_id], user_id=row.user_id, reason=reason, at=sent_at):
        if validation:
            record_validation_mailed(conn, row.case_id, day)
        if row.party_id is None:
            refresh_case(conn, row.case_id)


def demand_recorded(uow: UnitOfWork, case_id: int, debtor_id: int, user_id: int | None, at: datetime) -> None:
    """A contact that demanded payment of the debtor was recorded: the limitation restarts (cn)."""
    with changing_facts(uow, [debtor_id], user_id=user_id, reason="limitation.demand", at=at):
        refresh_case(uow.session.connection(), case_id)


def refresh_case(conn: Connection, case_id: int) -> None:
    a = t.accounts.c
    refresh_limitation(conn, [int(r.id) for r in conn.execute(select(a.id).where(a.case_id == case_id))])


def refresh_creditor(conn: Connection, creditor_id: int) -> None:
    """The limitation date and the interest above the cap of every account of a creditor (after an import)."""
    a = t.accounts.c
    ids = [int(r.id) for r in conn.execute(select(a.id).where(a.creditor_id == creditor_id))]
    refresh_limitation(conn, ids)
    refresh_interest(conn, ids)


def demand_dates(conn: Connection, case_ids: Sequence[int]) -> dict[int, list[datetime]]:
    """The demands for payment recorded on each case, oldest first: contacts in which the collector reached
    the debtor (outbound, a conversation or a delivered letter or visit) and messages sent to the debtor."""
    i, m = t.interactions.c, t.messages.c
    out: dict[int, list[datetime]] = {}
    for start in range(0, len(case_ids), _CHUNK):
        chunk = [int(x) for x in case_ids[start : start + _CHUNK]]
        contacts = select(i.case_id, i.at).where(
            i.case_id.in_(chunk),
            i.party_id.is_(None),
            i.direction == "outbound",
            i.outcome.in_(sorted(DEMAND_OUTCOMES)),
        )
        sent = select(m.case_id, m.sent_at.label("at")).where(
            m.case_id.in_(chunk),
            m.party_id.is_(None),
            m.status.in_(("sent", "delivered")),
            m.sent_at.is_not(None),
        )
        for query in (contacts, sent):
            for r in conn.execute(query):
                out.setdefault(r.case_id, []).append(r.at)
    return {k: sorted(v) for k, v in out.items()}


def demands(conn: Connection, case_id: int) -> list[dict[str, Any]]:
    """The recorded demands of a case as evidence: when, how, by whom (oldest first)."""
    i, m, u = t.interactions.c, t.messages.c, t.users.c
    contacts = conn.execute(
        select(i.id, i.at, i.channel, i.outcome, u.display_name)
        .select_from(t.interactions.outerjoin(t.users, u.id == i.user_id))
        .where(
            i.case_id == case_id,
            i.party_id.is_(None),
            i.direction == "outbound",
            i.outcome.in_(sorted(DEMAND_OUTCOMES)),
        )
    ).all()
    sent = conn.execute(
        select(m.id, m.sent_at, m.channel, m.template, u.display_name)
        .select_from(t.messages.outerjoin(t.users, u.id == m.user_id))
        .where(
            m.case_id == case_id,
            m.party_id.is_(None),
            m.status.in_(("sent", "delivered")),
            m.sent_at.is_not(None),
        )
    ).all()
    rows = [
        {"at": r.at, "kind": "contact", "ref_id": r.id, "channel": r.channel, "what": r.outcome,
         "by": r.display_name or ""}
        for r in contacts
    ] + [
        {"at": r.sent_at, "kind": "message", "ref_id": r.id, "channel": r.channel, "what": r.template or "",
         "by": r.display_name or ""}
        for r in sent
    ]  # fmt: skip
    return sorted(rows, key=lambda r: (r["at"], r["kind"], r["ref_id"]))


def _acknowledged(conn: Connection, account_ids: Sequence[int]) -> dict[int, list[date]]:
    k = t.acknowledgments.c
    out: dict[int, list[date]] = {}
    for start in range(0, len(account_ids), _CHUNK):
        chunk = list(account_ids[start : start + _CHUNK])
        for r in conn.execute(select(k.account_id, k.acknowledged_on).where(k.account_id.in_(chunk))):
            out.setdefault(r.account_id, []).append(r.acknowledged_on)
    return out


def _payment_dates(conn: Connection, account_ids: Sequence[int]) -> dict[int, list[date]]:
    """The days each account was paid on: by a payment made to it or allocated to it, never by one
    reversed since (a bounced payment does not restart limitation)."""
    p, pa, a = t.payments.c, t.payment_allocations.c, t.accounts.c
    zone = floor_zone()
    out: dict[int, set[date]] = {}
    for start in range(0, len(account_ids), _CHUNK):
        chunk = list(account_ids[start : start + _CHUNK])
        made = select(p.account_id, p.paid_at).where(p.account_id.in_(chunk), p.status == "posted")
        found = list(conn.execute(made))
        # A payment posted on a case pays several of its accounts: found through the case (indexed).
        cases = sorted(
            {r.case_id for r in conn.execute(select(a.case_id).where(a.id.in_(chunk))) if r.case_id}
        )
        for part in range(0, len(cases), _CHUNK):
            allocated = (
                select(pa.account_id, p.paid_at)
                .select_from(t.payments)
                .join(t.payment_allocations, pa.payment_id == p.id)
                .where(p.case_id.in_(cases[part : part + _CHUNK]), p.status == "posted")
            )
            found += conn.execute(allocated)
        mine = set(chunk)
        for r in found:
            if r.account_id in mine:
                out.setdefault(r.account_id, set()).add(local_day(r.paid_at, zone))
    return {k: sorted(v) for k, v in out.items()}


def refresh_limitation(conn: Connection, account_ids: Iterable[int]) -> int:
    """Computes and stores the limitation date of these accounts; how many changed."""
    ids = sorted(set(account_ids))
    if not ids:
        return 0
    a, d, cr = t.accounts.c, t.debtors.c, t.creditors.c
    zone = floor_zone()
    changed = 0
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start : start + _CHUNK]
        rows = conn.execute(
            select(
                a.id, a.case_id, a.overdue_since, a.charge_off_date, a.last_payment_date, a.limitation_date,
                d.address_country, d.address_region, cr.pack, cr.pack_overrides,
            )
            .join(t.debtors, d.id == a.debtor_id)
            .join(t.creditors, cr.id == a.creditor_id)
            .where(a.id.in_(chunk))
        ).all()  # fmt: skip
        demanded = demand_dates(conn, sorted({r.case_id for r in rows if r.case_id is not None}))
        paid = _payment_dates(conn, chunk)
        acknowledged = _acknowledged(conn, chunk)
        for r in rows:
            pack = creditor_pack(r.pack, r.pack_overrides)
            payments = paid.get(r.id, []) + ([r.last_payment_date] if r.last_payment_date else [])
            dates = DebtDates(
                overdue_since=r.overdue_since,
                charge_off_date=r.charge_off_date,
                state=r.address_region if (r.address_country or "US").upper() == "US" else None,
                demands=tuple(local_day(at, zone) for at in demanded.get(r.case_id, [])),
                payments=tuple(payments),
                acknowledgments=tuple(acknowledged.get(r.id, [])),
            )
            new = limitation_date(pack, dates)
            if new != r.limitation_date:
                conn.execute(update(t.accounts).where(a.id == r.id).values(limitation_date=new))
                changed += 1
    return changed


def refresh_interest(conn: Connection, account_ids: Iterable[int]) -> int:
    """Computes and stores the interest above the lawful cap of these accounts; how many changed."""
    ids = sorted(set(account_ids))
    a, cr = t.accounts.c, t.creditors.c
    changed = 0
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start : start + _CHUNK]
        rows = conn.execute(
            select(
                a.id, a.interest, a.interest_rate_bp, a.contract_date, a.excess_interest, cr.pack,
                cr.pack_overrides,
            )
            .join(t.creditors, cr.id == a.creditor_id)
            .where(a.id.in_(chunk), or_(a.interest_rate_bp.is_not(None), a.excess_interest != 0))
        ).all()  # fmt: skip
        for r in rows:
            pack = creditor_pack(r.pack, r.pack_overrides)
            new = excess_interest(pack, int(r.interest), r.interest_rate_bp, r.contract_date)
            if new != r.excess_interest:
                conn.execute(update(t.accounts).where(a.id == r.id).values(excess_interest=new))
                changed += 1
    return changed


def time_barred_case(conn: Connection, case_id: int, today: date) -> bool:
    """Whether an open account of the case is time-barred on `today` (no mention of suit may be made)."""
    a = t.accounts.c
    found = conn.execute(
        select(a.id)
        .where(a.case_id == case_id, a.status == "open", a.limitation_date.is_not(None))
        .where(a.limitation_date <= today)
        .limit(1)
    ).scalar_one_or_none()
    return found is not None


def collectable(balance: int, excess: int) -> int:
    """What may be asked of the debtor: the balance less the interest above the lawful cap."""
    return max(int(balance) - int(excess or 0), 0)


def debt_to_view(debt: Debt | None) -> dict[str, Any]:
    if debt is None:
        return {"time_barred": False, "validation_sent": None}
    return {"time_barred": debt.time_barred, "validation_sent": debt.validation_sent}


__all__ = [
    "collectable",
    "demand_dates",
    "demand_recorded",
    "demands",
    "message_sent",
    "record_validation_mailed",
    "refresh_case",
    "refresh_creditor",
    "refresh_interest",
    "refresh_limitation",
    "time_barred_case",
]
