"""The stored rows the compliance gate's inputs are built from, for the daily plan and for a collector's
workbench alike: a debtor's facts (phones, address, zone, flags, designated times and places, open holds),
an account's facts (limitation date, validation notice, its creditor's pack), the contacts made (the
interactions and the messages sent), the other debtors of the same person and the accounts an open dispute
stops.

These are rows as stored, not yet read as the gate's objects: strategy/gate_facts.py turns them into
DebtorFacts, Debt and HistoryEvent, and services/gate_inputs.py joins the two.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, literal, select

from huikuan.domain.disputes import OPEN_DISPUTE
from huikuan.storage import tables as t
from huikuan.storage.membership import member_of, one_of

_IN_CHUNK = 5_000


@dataclass(frozen=True)
class DebtorRow:
    """A debtor's stored facts as the gate reads them (table debtors), with its own phone numbers and its
    open holds of the kinds asked about. The JSON columns are as stored (text or a list)."""

    id: int
    time_zone: str | None
    address_country: str | None
    address_region: str | None
    cease: Any
    disputed: Any
    attorney: Any
    deceased: Any
    employer_prohibits: Any
    bankruptcy: Any
    opt_out_channels: Any
    inconvenient_times: Any
    inconvenient_places: Any
    phones: tuple[str, ...]  # its own mobile and landline numbers, as stored
    holds: tuple[tuple[str, datetime | None], ...]  # its open holds: (kind, ends_at)


@dataclass(frozen=True)
class AccountRow:
    """An account's stored facts the gate reads, with its creditor's pack and overrides."""

    id: int
    creditor_id: int
    limitation_date: date | None
    validation_mailed_on: date | None
    pack: str
    pack_overrides: Any


@dataclass(frozen=True)
class ContactRow:
    """A contact made: a stored interaction, or a message sent from the outbox (outbound, "delivered")."""

    debtor_id: int
    party_id: int | None  # the related party's id; None for the debtor
    role: str | None  # the related party's role
    case_id: int
    at: datetime
    channel: str | None
    direction: str | None
    outcome: str | None


@dataclass(frozen=True)
class CaseAccount:
    """An account of a case and its status."""

    id: int
    case_id: int
    status: str


def person_siblings(conn: Connection, debtor_ids: Iterable[int]) -> dict[int, tuple[int, ...]]:
    """For each of these debtors linked to a person (services/persons.py), the other debtors of that
    person: the same person placed by other creditors."""
    pm = t.person_members.c
    other = t.person_members.alias("other")
    found: dict[int, list[int]] = {}
    for chunk in _chunks(sorted(set(debtor_ids))):
        query = (
            select(pm.debtor_id, other.c.debtor_id.label("sibling"))
            .join(other, other.c.person_id == pm.person_id)
            .where(one_of(pm.debtor_id, chunk), other.c.debtor_id != pm.debtor_id)
        )
        for row in _rows(conn, query):
            found.setdefault(row.debtor_id, []).append(row.sibling)
    return {did: tuple(sorted(sibs)) for did, sibs in found.items()}


def disputed_accounts(conn: Connection, debtor_ids: Iterable[int]) -> dict[int, frozenset[int]]:
    """The accounts of each debtor whose collection an open dispute naming them stops (the gate's
    Debt.disputed); a dispute of a whole case is the debtor's flag instead (debtors.disputed)."""
    x = t.disputes.c
    out: dict[int, set[int]] = {}
    for chunk in _chunks(sorted(set(debtor_ids))):
        query = select(x.debtor_id, x.account_id).where(
            one_of(x.debtor_id, chunk),
            x.account_id.is_not(None),
            x.stops_collection.is_(True),
            x.status.in_([s.value for s in OPEN_DISPUTE]),
        )
        for row in _rows(conn, query):
            out.setdefault(row.debtor_id, set()).add(int(row.account_id))
    return {did: frozenset(ids) for did, ids in out.items()}


def account_rows(conn: Connection, account_ids: Iterable[int]) -> list[AccountRow]:
    """The stored facts of these accounts (services/notices.py keeps them true), with their creditor's
    pack."""
    a, cr = t.accounts.c, t.creditors.c
    out: list[AccountRow] = []
    for chunk in _chunks(sorted(set(account_ids))):
        query = (
            select(a.id, a.creditor_id, a.limitation_date, a.validation_mailed_on, cr.pack, cr.pack_overrides)
            .join(t.creditors, cr.id == a.creditor_id)
            .where(one_of(a.id, chunk))
        )
        out.extend(AccountRow(**row._mapping) for row in _rows(conn, query))
    return out


def debtor_rows(conn: Connection, debtor_ids: Iterable[int], hold_kinds: Sequence[str]) -> list[DebtorRow]:
    """The stored facts of these debtors, with their own phones and their open holds of `hold_kinds`
    (in the order read: the reader of the gate's facts sorts them)."""
    d, cp = t.debtors.c, t.contact_points.c
    out: list[DebtorRow] = []
    for chunk in _chunks(sorted(set(debtor_ids))):
        phones: dict[int, list[str]] = {}
        for row in _rows(
            conn,
            select(cp.debtor_id, cp.value).where(
                one_of(cp.debtor_id, chunk), cp.party_id.is_(None), cp.kind.in_(["mobile", "landline"])
            ),
        ):
            phones.setdefault(row.debtor_id, []).append(row.value)
        holds = _open_holds(conn, chunk, hold_kinds)
        query = select(
            d.id,
            d.time_zone,
            d.address_country,
            d.address_region,
            d.cease,
            d.disputed,
            d.attorney,
            d.deceased,
            d.employer_prohibits,
            d.bankruptcy,
            d.opt_out_channels,
            d.inconvenient_times,
            d.inconvenient_places,
        ).where(one_of(d.id, chunk))
        for row in _rows(conn, query):
            out.append(
                DebtorRow(
                    **row._mapping,
                    phones=tuple(phones.get(row.id, ())),
                    holds=tuple(holds.get(row.id, ())),
                )
            )
    return out


def _open_holds(
    conn: Connection, debtor_ids: list[int], kinds: Sequence[str]
) -> dict[int, list[tuple[str, datetime | None]]]:
    """The open holds of these kinds, by debtor: (kind, ends_at)."""
    h = t.holds.c
    found: dict[int, list[tuple[str, datetime | None]]] = {}
    query = select(h.debtor_id, h.kind, h.ends_at).where(
        one_of(h.debtor_id, debtor_ids), h.ended_at.is_(None), h.kind.in_(sorted(kinds))
    )
    for row in _rows(conn, query):
        found.setdefault(row.debtor_id, []).append((row.kind, row.ends_at))
    return found


def contact_rows(
    conn: Connection,
    debtor_ids: Iterable[int],
    *,
    since: datetime | None = None,
    until: datetime | None = None,
) -> list[ContactRow]:
    """The stored interactions and sent messages of these debtors (in no order), within [since, until]."""
    i, p = t.interactions.c, t.parties.c
    m, c = t.messages.c, t.cases.c
    rows: list[ContactRow] = []
    for chunk in _chunks(sorted(set(debtor_ids))):
        query = (
            select(i.debtor_id, i.party_id, p.role, i.case_id, i.at, i.channel, i.direction, i.outcome)
            .select_from(t.interactions.outerjoin(t.parties, p.id == i.party_id))
            .where(one_of(i.debtor_id, chunk))
        )
        # A message sent from the outbox is a contact too: it counts from the moment it went out. Its
        # cases are named by id, so that the messages are found by (case_id, status), never by the
        # status alone: every sent message, which a database without statistics (SQLite) would scan.
        cases = select(c.id).where(one_of(c.debtor_id, chunk)).scalar_subquery()
        sent = (
            select(
                c.debtor_id,
                m.party_id,
                p.role,
                m.case_id,
                m.sent_at.label("at"),
                m.channel,
                literal("outbound").label("direction"),
                literal("delivered").label("outcome"),
            )
            .select_from(t.messages.join(t.cases, c.id == m.case_id).outerjoin(t.parties, p.id == m.party_id))
            .where(member_of(m.case_id, cases), m.status.in_(("sent", "delivered")), m.sent_at.is_not(None))
        )
        if since is not None:
            query = query.where(i.at >= since)
            sent = sent.where(m.sent_at >= since)
        if until is not None:
            query = query.where(i.at <= until)
            sent = sent.where(m.sent_at <= until)
        # Both selects name ContactRow's fields in its order: the rows are made from their tuples.
        rows.extend(ContactRow(*r) for r in _rows(conn, query))
        rows.extend(ContactRow(*r) for r in _rows(conn, sent))
    return rows


def case_accounts(conn: Connection, case_ids: Iterable[int]) -> list[CaseAccount]:
    """Every account of these cases, by id within each chunk of cases."""
    a = t.accounts.c
    out: list[CaseAccount] = []
    for chunk in _chunks(sorted({int(c) for c in case_ids})):
        query = select(a.id, a.case_id, a.status).where(one_of(a.case_id, chunk)).order_by(a.id)
        out.extend(CaseAccount(**r._mapping) for r in _rows(conn, query))
    return out


def owed_accounts(conn: Connection, case_ids: Sequence[int]) -> dict[int, list[int]]:
    """The open accounts with a balance of each case, by id."""
    a = t.accounts.c
    owned: dict[int, list[int]] = {}
    for chunk in _chunks(case_ids):
        query = (
            select(a.case_id, a.id)
            .where(one_of(a.case_id, chunk), a.status == "open", a.balance > 0)
            .order_by(a.id)
        )
        for row in _rows(conn, query):
            owned.setdefault(row.case_id, []).append(int(row.id))
    return owned


def awaiting_validation(conn: Connection, creditor_ids: Sequence[int], case_ids: set[int]) -> set[int]:
    """Of these cases, those of these creditors with an open account whose validation notice is not
    recorded as mailed, that someone has communicated with (an interaction, or a message sent)."""
    if not creditor_ids:
        return set()
    a, i, m = t.accounts.c, t.interactions.c, t.messages.c
    waiting = {
        r.case_id
        for r in _rows(
            conn,
            select(a.case_id).where(
                one_of(a.creditor_id, creditor_ids), a.status == "open", a.validation_mailed_on.is_(None)
            ),
        )
        if r.case_id in case_ids
    }
    if not waiting:
        return set()
    spoken: set[int] = set()
    for chunk in _chunks(sorted(waiting)):
        spoken |= {
            r.case_id for r in _rows(conn, select(i.case_id).where(one_of(i.case_id, chunk)).distinct())
        }
        spoken |= {
            r.case_id
            for r in _rows(
                conn, select(m.case_id).where(one_of(m.case_id, chunk), m.sent_at.is_not(None)).distinct()
            )
        }
    return waiting & spoken


def _rows(conn: Connection, query: Any) -> list[Any]:
    return list(conn.execute(query))


def _chunks(ids: Sequence[int]) -> Iterable[list[int]]:
    for start in range(0, len(ids), _IN_CHUNK):
        yield [int(x) for x in ids[start : start + _IN_CHUNK]]


__all__ = [
    "AccountRow",
    "CaseAccount",
    "ContactRow",
    "DebtorRow",
    "account_rows",
    "awaiting_validation",
    "case_accounts",
    "contact_rows",
    "debtor_rows",
    "disputed_accounts",
    "owed_accounts",
    "person_siblings",
]
