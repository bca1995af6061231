"""The monthly report per creditor (docs/reports.md, "The monthly report"): one PDF per creditor and month
with its portfolio at the month's end, the month's measures and the liquidation of its placement months,
read from the reports' own tables (services/reports.py keeps them; the same figures as
GET /api/v1/reports/kpis for that creditor and month) and written in the creditor's language (Chinese for
a creditor of region CN, English otherwise). No personal data is in it.

The report is kept in the document store (kind "monthly_report", under the creditor), one per creditor and
month: making it again (`huikuan monthly-report`) replaces it; the `monthly-reports` job makes it only once.
A month's report is made only after the month has ended and the `reports` job has taken its month-end
snapshot (it computes the month's last day in the same run).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select

from huikuan.domain.reports import Rate, month_end, vintage_curves
from huikuan.errors import Forbidden, InvalidInput, NotFound
from huikuan.services.clock import floor_today
from huikuan.services.creditor_files import FileKind, replace_file
from huikuan.services.monthly_pdf import render_monthly_report
from huikuan.services.report_kpis import measures
from huikuan.storage import tables as t
from huikuan.storage.document_store import store_named
from huikuan.storage.report_store import Scope, daily_sums, has_month_end, vintage_points
from huikuan.storage.uow import UnitOfWork

KIND = "monthly_report"
FILES = FileKind(
    KIND,
    "application/pdf",
    refused=lambda: Forbidden("Only an administrator or the creditor's viewer may see the monthly reports"),
    missing=lambda document_id: NotFound("There is no monthly report {id}", id=document_id),
)
_MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


@dataclass(frozen=True)
class Made:
    document_id: int
    filename: str
    data: bytes
    locale: str
    creditor_code: str
    month: str


def parse_month(text: str) -> date:
    """YYYY-MM -> the month's first day."""
    found = _MONTH.match(text.strip())
    if found is None:
        raise InvalidInput("month: {value} is not a month (YYYY-MM)", value=text)
    return date(int(found.group(1)), int(found.group(2)), 1)


def last_month(now: datetime | None = None) -> str:
    """The month before the floor's today, YYYY-MM."""
    return f"{floor_today(now).replace(day=1) - timedelta(days=1):%Y-%m}"


def creditor_row(uow: UnitOfWork, code: str) -> Any:
    c = t.creditors.c
    found = uow.session.execute(select(c.id, c.code, c.name, c.region).where(c.code == code)).one_or_none()
    if found is None:
        raise NotFound("no creditor with code {code!r}; add it with `huikuan creditor add`", code=code)
    return found


def report_locale(region: str) -> str:
    return "zh_CN" if region.upper() == "CN" else "en"


def file_name(code: str, month: str) -> str:
    """monthly-report-BANK-2026-10.pdf; a code's characters other than letters, digits, - and _ become _."""
    return f"monthly-report-{re.sub(r'[^A-Za-z0-9_-]', '_', code)}-{month}.pdf"


def month_figures(uow: UnitOfWork, creditor: Any, month: str) -> dict[str, Any]:
    """The figures of the creditor's report for the month (YYYY-MM), from the reports' tables."""
    first = parse_month(month)
    last = month_end(first)
    conn = uow.session.connection()
    scope = Scope((int(creditor.id),))
    curves = vintage_curves(vintage_points(conn, scope, last))
    at_end: dict[str, dict[str, int]] = {}
    for curve in curves:  # the point of each placement month at the month's end
        for point in curve["points"]:
            if point["month_end"] == last.isoformat():
                got = at_end.setdefault(curve["currency"], {"accounts": 0, "placed": 0, "collected": 0})
                for key in got:
                    got[key] += point[key]
    return {
        "creditor": {"code": creditor.code, "name": creditor.name},
        "month": f"{first:%Y-%m}",
        "from": first.isoformat(),
        "to": last.isoformat(),
        "portfolio": [
            {"currency": c, **got, "liquidation": Rate(got["collected"], got["placed"]).to_dict()}
            for c, got in sorted(at_end.items())
        ],
        "measures": measures(daily_sums(conn, scope, first, last, None)),
        "vintages": curves,
    }


def ready(uow: UnitOfWork, month: str, now: datetime | None = None) -> bool:
    """Whether the month has ended on the floor and its month-end snapshot is taken."""
    first = parse_month(month)
    last = month_end(first)
    return floor_today(now) > last and has_month_end(uow.session.connection(), last)


def make_report(uow: UnitOfWork, creditor: Any, month: str, now: datetime) -> Made:
    """Writes the creditor's report of the month into the document store, replacing an earlier one of the
    same month; commits."""
    if not ready(uow, month, now):
        raise InvalidInput(
            "The reports of {month} are not ready: the month must have ended and `huikuan reports refresh` "
            "(or the reports job) have run since",
            month=month,
        )
    locale = report_locale(creditor.region)
    data = render_monthly_report(month_figures(uow, creditor, month), locale)
    name = file_name(creditor.code, month)
    doc_id = replace_file(uow, FILES, creditor.id, name, data, now)
    return Made(doc_id, name, data, locale, creditor.code, month)


def stored_report(uow: UnitOfWork, creditor: Any, month: str) -> Made | None:
    """The creditor's kept report of the month, read back from the document store (None: there is none)."""
    d = t.documents.c
    row = uow.session.execute(
        select(d.id, d.store, d.stored_key).where(
            d.entity == "creditor",
            d.entity_id == creditor.id,
            d.kind == KIND,
            d.filename == file_name(creditor.code, month),
        )
    ).first()
    if row is None:
        return None
    data = store_named(row.store).get(row.stored_key)
    name = file_name(creditor.code, month)
    return Made(int(row.id), name, data, report_locale(creditor.region), creditor.code, month)


def has_report(uow: UnitOfWork, creditor: Any, month: str) -> bool:
    d = t.documents.c
    found = uow.session.execute(
        select(d.id).where(
            d.entity == "creditor",
            d.entity_id == creditor.id,
            d.kind == KIND,
            d.filename == file_name(creditor.code, month),
        )
    ).first()
    return found is not None


__all__ = [
    "KIND",
    "Made",
    "creditor_row",
    "file_name",
    "has_report",
    "last_month",
    "make_report",
    "month_figures",
    "parse_month",
    "ready",
    "report_locale",
    "stored_report",
]
