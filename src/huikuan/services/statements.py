"""A creditor's monthly statement and remittance: issued once, frozen, its files written again at will.

The period is the creditor's local calendar month (creditors.time_zone). A statement covers the
creditor's payment and reversal entries dated before the period's end that no earlier statement covers
(storage/statements.py); placements and balance adjustments are not money and are not on it. Issuing
writes, in one transaction: the statement (its totals per currency, services/statement_totals.py), the
entries it covers, and the remittance entry of each currency (domain.ledger EntryKind.REMITTANCE):
payable -> trust for what is remitted, and, under net remittance, agency_cash <- trust for the
commission taken out. After it the creditor's payable is zero for what the statement covers.

Once issued a statement is frozen: running the same month again rewrites its files from the entries it
covers and gives the same totals; a payment or reversal written later, even dated in that month, falls
into the next statement. A month is run only once it is over, and never before a later month's
statement.

The files (services/statement_files.py, statement_pdf.py) are written to `out_dir` and kept in the
document store (kind "statement").
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, insert, select, update

from huikuan.domain.ledger import Book, Entry, EntryKind, Leg, Side
from huikuan.errors import Conflict, InvalidInput, NotFound
from huikuan.services.money_terms import terms_on
from huikuan.services.statement_files import StatementFiles, keep_files, write_files
from huikuan.services.statement_totals import headline, totals
from huikuan.storage import audit
from huikuan.storage import statements as store
from huikuan.storage import tables as t
from huikuan.storage.ledger import write_entry
from huikuan.storage.uow import UnitOfWork

MONTH = re.compile(r"(\d{4})-(0[1-9]|1[0-2])")


@dataclass(frozen=True)
class Statement:
    id: int
    creditor_id: int
    creditor_code: str
    period: str
    currency: str
    remittance: str  # net, gross
    totals: dict[str, dict[str, int]]
    issued_at: datetime
    entry_id: int | None
    files: StatementFiles
    issued_now: bool = False
    documents: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "statement_id": self.id,
            "creditor": self.creditor_code,
            "period": self.period,
            "currency": self.currency,
            "remittance_mode": self.remittance,
            **headline(self.totals, self.currency),
            "totals": self.totals,
            "issued_at": self.issued_at.isoformat(),
            "issued_now": self.issued_now,
            "remittance_entry_id": self.entry_id,
            "files": self.files.as_dict(),
        }


def period_bounds(month: str, tz: str) -> tuple[datetime, datetime]:
    """The month's first and next month's first instants in the zone, as UTC."""
    found = MONTH.fullmatch(month.strip())
    if found is None:
        raise InvalidInput("The month {month} is not a month such as 2026-11", month=month)
    year, mon = int(found.group(1)), int(found.group(2))
    zone = ZoneInfo(tz)
    start = datetime.combine(date(year, mon, 1), time(), tzinfo=zone)
    after = date(year + mon // 12, mon % 12 + 1, 1)
    return start.astimezone(UTC), datetime.combine(after, time(), tzinfo=zone).astimezone(UTC)


def run_statement(
    uow: UnitOfWork,
    user_id: int | None,
    creditor_id: int,
    month: str,
    out_dir: Path,
    now: datetime | None = None,
    *,
    locale: str | None = None,
    keep: bool = True,
    split_rows: int | None = None,
) -> Statement:
    """Issues the creditor's statement for `month` (or, when issued already, reads it back) and writes
    its files into `out_dir`; commits."""
    now = (now or datetime.now(UTC)).astimezone(UTC)
    conn = uow.session.connection()
    creditor = _creditor(conn, creditor_id)
    _, end = period_bounds(month, creditor.time_zone)
    month = month.strip()
    row = _statement_row(conn, creditor_id, month)
    issued_now = row is None
    if row is None:
        # Only issuing writes: the write lock is taken for it, not for the files written afterwards.
        uow.begin_write()
        conn = uow.session.connection()
        row = _statement_row(conn, creditor_id, month)
        issued_now = row is None
    if row is None:
        _check_issuable(conn, creditor_id, month, end, now)
        row = _issue(conn, creditor, month, end, now, user_id)
        uow.commit()
    frozen = dict(row["totals"])
    chosen_locale = locale or ("zh_CN" if creditor.region.upper() == "CN" else "en")
    files = write_files(
        uow.session.connection(),
        row
        | {"creditor_code": creditor.code, "creditor_name": creditor.name, "time_zone": creditor.time_zone},
        Path(out_dir),
        chosen_locale,
        split_rows=split_rows,
    )
    documents = keep_files(uow, user_id, row["id"], files, now) if keep else {}
    uow.commit()
    return Statement(
        id=row["id"],
        creditor_id=creditor_id,
        creditor_code=creditor.code,
        period=month,
        currency=row["currency"],
        remittance=row["remittance"],
        totals=frozen,
        issued_at=row["issued_at"],
        entry_id=row["entry_id"],
        files=files,
        issued_now=issued_now,
        documents=documents,
    )


def _check_issuable(conn: Connection, creditor_id: int, month: str, end: datetime, now: datetime) -> None:
    """Refuses a month not over yet, and one a later statement of the creditor follows."""
    if now < end:
        raise Conflict("The month {month} is not over yet", month=month)
    later = conn.execute(
        select(t.statements.c.period).where(
            t.statements.c.creditor_id == creditor_id, t.statements.c.period > month
        )
    ).scalar()
    if later is not None:
        raise Conflict(
            "A statement for {later} is issued already: {month} cannot follow it",
            later=later,
            month=month,
        )


def recomputed_totals(uow: UnitOfWork, statement_id: int) -> dict[str, dict[str, int]]:
    """The totals of the entries a statement covers, computed again from the journal (a frozen
    statement's stored totals always equal them)."""
    conn = uow.session.connection()
    return totals(store.line_sums(conn, statement_id), store.entry_counts(conn, statement_id))


def list_statements(uow: UnitOfWork, creditor_id: int | None) -> list[dict[str, Any]]:
    """Statements, newest first, with their headline figures; one creditor's or (None) all."""
    out = []
    for row in store.statement_rows(uow.session.connection(), creditor_id):
        out.append(row | {"headline": headline(row["totals"], row["currency"])})
    return out


def _issue(
    conn: Connection, creditor: Any, month: str, end: datetime, now: datetime, user_id: int | None
) -> dict[str, Any]:
    last_day = end.astimezone(ZoneInfo(creditor.time_zone)).date() - timedelta(days=1)
    mode = terms_on(conn, creditor.id, last_day).remittance
    s = t.statements.c
    statement_id = conn.execute(
        insert(t.statements)
        .values(
            creditor_id=creditor.id,
            period=month,
            currency=creditor.currency,
            remittance=mode,
            totals={},
            issued_at=now,
            issued_by=user_id,
        )
        .returning(s.id)
    ).scalar_one()
    store.cover(conn, statement_id, creditor.id, end)
    figures = totals(store.line_sums(conn, statement_id), store.entry_counts(conn, statement_id))
    remittance_ids: dict[str, int] = {}
    for currency, got in sorted(figures.items()):
        entry = _remittance_entry(creditor.id, currency, got["remittance"], got["commission_deducted"], month)
        if entry is not None:
            remittance_ids[currency] = write_entry(conn, entry, at=now, posted_at=now, user_id=user_id)
    store.add_entries(conn, statement_id, sorted(remittance_ids.values()))
    main = remittance_ids.get(creditor.currency) or next(iter(remittance_ids.values()), None)
    conn.execute(update(t.statements).where(s.id == statement_id).values(totals=figures, entry_id=main))
    audit.record(
        conn,
        at=now,
        user_id=user_id,
        action="statement.issued",
        entity="creditor",
        entity_id=creditor.id,
        detail={"statement_id": statement_id, "period": month, **headline(figures, creditor.currency)},
    )
    row = _statement_row(conn, creditor.id, month)
    assert row is not None
    return row


def _remittance_entry(
    creditor_id: int, currency: str, remitted: int, deducted: int, month: str
) -> Entry | None:
    """payable -> trust for what is remitted (trust -> payable when reversals leave the creditor owing),
    agency_cash <- trust for the commission taken out of the trust collections."""
    payable, trust, cash = (Side(b, creditor_id) for b in (Book.PAYABLE, Book.TRUST, Book.AGENCY_CASH))
    legs = []
    if remitted:
        legs.append(
            Leg(payable, trust, remitted, currency)
            if remitted > 0
            else Leg(trust, payable, -remitted, currency)
        )
    if deducted:
        legs.append(
            Leg(cash, trust, deducted, currency) if deducted > 0 else Leg(trust, cash, -deducted, currency)
        )
    if not legs:
        return None
    return Entry(EntryKind.REMITTANCE, creditor_id, tuple(legs), f"statement {month}")


def _creditor(conn: Connection, creditor_id: int) -> Any:
    c = t.creditors.c
    row = conn.execute(
        select(c.id, c.code, c.name, c.region, c.currency, c.time_zone).where(c.id == creditor_id)
    ).one_or_none()
    if row is None:
        raise NotFound("No creditor with id {id}", id=creditor_id)
    return row


def _statement_row(conn: Connection, creditor_id: int, month: str) -> dict[str, Any] | None:
    s = t.statements.c
    row = conn.execute(
        select(t.statements).where(s.creditor_id == creditor_id, s.period == month)
    ).one_or_none()
    return None if row is None else dict(row._mapping)


def statement_by_id(uow: UnitOfWork, statement_id: int) -> dict[str, Any]:
    row = uow.session.execute(select(t.statements).where(t.statements.c.id == statement_id)).one_or_none()
    if row is None:
        raise NotFound("There is no statement {id}", id=statement_id)
    return dict(row._mapping)
