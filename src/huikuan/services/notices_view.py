"""What the case page and the API show of a case's notices and time limits: per account the validation
notice's mailing date and period end, the limitation date and whether the debt is time-barred, the interest
cap and the amount that may be asked; the demands recorded (evidence of each restart of a cn limitation);
the account status changes. Also the demands as CSV, through spreadsheet.csv_writer."""

from __future__ import annotations

import io
from dataclasses import asdict, dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import select

from huikuan.compliance.limitation import pack_restarts
from huikuan.errors import NotFound
from huikuan.services import account_status, notices
from huikuan.services.access import Viewer, visible_case
from huikuan.services.clock import floor_today
from huikuan.spreadsheet import csv_writer
from huikuan.storage import tables as t
from huikuan.storage.uow import UnitOfWork
from huikuan.strategy.gate_facts import creditor_pack

DEMANDS_HEADER = ("at_utc", "kind", "ref_id", "channel", "what", "by")


@dataclass(frozen=True)
class AccountNotice:
    account_id: int
    external_ref: str
    status: str
    status_reason: str | None
    currency: str
    balance: int
    validation_mailed_on: date | None
    validation_period_end: date | None
    validation_due: bool  # the pack asks for a validation notice and none is recorded
    limitation_date: date | None
    time_barred: bool
    interest_rate_bp: int | None
    excess_interest: int
    collectable: int  # the balance less the interest above the cap


@dataclass(frozen=True)
class NoticesView:
    case_id: int
    pack: str
    today: date
    accounts: tuple[AccountNotice, ...]
    demands: tuple[dict[str, Any], ...]
    changes: tuple[dict[str, Any], ...]
    restarts_on_demand: bool  # the pack restarts the limitation on every demand (cn)
    restarts_on_acknowledgment: bool  # a written acknowledgment restarts it (uk-conc)
    acknowledgments: tuple[dict[str, Any], ...]
    may_write: bool  # the viewer may record an acknowledgment
    may_end: bool  # the viewer may write off or return accounts

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = _jsonable(asdict(self))
        return out


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items() if k not in ("may_end", "may_write")}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def notices_view(uow: UnitOfWork, viewer: Viewer, case_id: int, today: date | None = None) -> NoticesView:
    visible_case(uow, viewer, case_id)
    day = today or floor_today()
    conn = uow.session.connection()
    a, cr, c = t.accounts.c, t.creditors.c, t.cases.c
    pack_row = conn.execute(
        select(cr.pack, cr.pack_overrides).join(t.cases, c.creditor_id == cr.id).where(c.id == case_id)
    ).one()
    pack = creditor_pack(pack_row.pack, pack_row.pack_overrides)
    rows = conn.execute(select(t.accounts).where(a.case_id == case_id).order_by(a.id)).all()
    accounts = tuple(
        AccountNotice(
            account_id=r.id,
            external_ref=r.external_ref,
            status=r.status,
            status_reason=r.status_reason,
            currency=r.currency,
            balance=int(r.balance),
            validation_mailed_on=r.validation_mailed_on,
            validation_period_end=r.validation_period_end,
            validation_due=pack.enabled("validation-notice") and r.validation_mailed_on is None,
            limitation_date=r.limitation_date,
            time_barred=r.limitation_date is not None and day >= r.limitation_date,
            interest_rate_bp=r.interest_rate_bp,
            excess_interest=int(r.excess_interest or 0),
            collectable=notices.collectable(r.balance, r.excess_interest),
        )
        for r in rows
    )
    restarts = "demand" in pack_restarts(pack)
    return NoticesView(
        case_id=case_id,
        pack=pack.name,
        today=day,
        accounts=accounts,
        demands=tuple(notices.demands(conn, case_id)) if restarts else (),
        changes=tuple(account_status.changes(conn, case_id)),
        restarts_on_demand=restarts,
        restarts_on_acknowledgment="acknowledgment" in pack_restarts(pack),
        acknowledgments=tuple(_acknowledgments(conn, [r.id for r in rows])),
        may_write=not viewer.read_only,
        may_end=viewer.supervises and not viewer.read_only,
    )


def _acknowledgments(conn: Any, account_ids: list[int]) -> list[dict[str, Any]]:
    k, a, u = t.acknowledgments.c, t.accounts.c, t.users.c
    rows = conn.execute(
        select(k.id, k.acknowledged_on, k.recorded_at, k.note, a.external_ref, u.display_name)
        .join(t.accounts, a.id == k.account_id)
        .outerjoin(t.users, u.id == k.user_id)
        .where(k.account_id.in_(account_ids))
        .order_by(k.acknowledged_on, k.id)
    ).all()
    return [dict(r._mapping) for r in rows]


def demands_csv(uow: UnitOfWork, viewer: Viewer, case_id: int) -> str:
    """The case's recorded demands for payment as CSV (UTC instants), oldest first."""
    visible_case(uow, viewer, case_id)
    return case_demands_csv(uow, case_id)


def case_demands_csv(uow: UnitOfWork, case_id: int) -> str:
    """The same for the command line (the operator sees every case); NotFound for an unknown case."""
    conn = uow.session.connection()
    if conn.execute(select(t.cases.c.id).where(t.cases.c.id == case_id)).scalar() is None:
        raise NotFound("no case {case_id}", case_id=case_id)
    out = io.StringIO()
    writer = csv_writer(out)
    writer.writerow(DEMANDS_HEADER)
    for d in notices.demands(conn, case_id):
        writer.writerow([d["at"].isoformat(), d["kind"], d["ref_id"], d["channel"], d["what"], d["by"]])
    return out.getvalue()


__all__ = ["AccountNotice", "NoticesView", "case_demands_csv", "demands_csv", "notices_view"]
