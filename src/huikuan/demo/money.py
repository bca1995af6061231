"""The demo's money: each creditor's terms (where its money lands, its commission), and payments the
agency received on a few cases through the payments service, beside the direct payments of the history.
"""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select, update

from huikuan.demo.portfolio import CREDITORS, HISTORY_DAYS
from huikuan.services.money_terms import set_terms
from huikuan.services.payments import PostPayment, post_payment
from huikuan.storage import tables as t
from huikuan.storage.uow import UnitOfWork

AGENCY_SHARE = 0.04  # of the open cases, paid something through the agency
CN_METHODS = ("bank_transfer", "cash", "alipay", "wechatpay")
US_METHODS = ("bank_transfer", "card", "cheque")


def terms_for(region: str, starts_on: date) -> dict[str, Any]:
    """Contingency rates as agencies quote them: more for older debt, less for what the creditor collects
    itself. In China the money lands in the creditor's own account and the commission is invoiced; the
    US creditor's money lands in the agency's trust account and is remitted net."""
    china = region.upper() == "CN"
    return {
        "starts_on": starts_on.isoformat(),
        "route": "creditor" if china else "trust",
        "remittance": "gross" if china else "net",
        "order": ["fees", "interest", "principal"],
        "tiers": [
            {"rate_bp": 1000, "source": "direct"},
            {"rate_bp": 2000 if china else 2500, "source": "agency", "max_age_days": 180},
            {"rate_bp": 2800 if china else 3300, "source": "agency"},
        ],
        "flat_fee": 0,
        "direct_commission": True,
    }


def set_demo_terms(uow: UnitOfWork, creditor_ids: dict[str, int | None], today: date) -> None:
    starts_on = today - timedelta(days=HISTORY_DAYS + 30)
    for creditor in CREDITORS:
        creditor_id = creditor_ids.get(creditor.code)
        if creditor_id:
            set_terms(uow, None, creditor_id, terms_for(creditor.region, starts_on))


def backdate_placements(uow: UnitOfWork, today: date) -> None:
    """The demo's accounts were placed when its history begins."""
    uow.session.execute(update(t.accounts).values(placed_on=today - timedelta(days=HISTORY_DAYS)))
    uow.commit()


def post_agency_payments(uow: UnitOfWork, rng: random.Random, today: date, zone: str) -> int:
    """A part of a few open cases paid to the agency in the last weeks."""
    a, c, cr = t.accounts.c, t.cases.c, t.creditors.c
    rows = uow.session.execute(
        select(c.id, c.creditor_id, cr.region, a.balance)
        .join(t.accounts, a.case_id == c.id)
        .join(t.creditors, cr.id == c.creditor_id)
        .where(a.status == "open", a.balance > 0)
        .order_by(c.id)
    ).all()
    seen: set[int] = set()
    paid_creditors: set[int] = set()
    posted = 0
    for row in rows:
        # Each creditor's first open case pays something, so even a small demo shows every route.
        if row.id in seen or (row.creditor_id in paid_creditors and rng.random() > AGENCY_SHARE):
            continue
        seen.add(row.id)
        paid_creditors.add(row.creditor_id)
        china = row.region.upper() == "CN"
        amount = max(100, int(row.balance * rng.choice((0.1, 0.2, 0.25, 0.5))) // 100 * 100)
        day = today - timedelta(days=rng.randint(1, 45))
        paid_at = datetime.combine(day, time(rng.randint(9, 19), rng.randint(0, 59)), ZoneInfo(zone))
        method = rng.choice(CN_METHODS if china else US_METHODS)
        post_payment(
            uow,
            None,
            PostPayment(
                case_id=row.id,
                amount=min(amount, row.balance),
                method=method,
                reference=f"DEMO-{method.upper()[:3]}-{row.id:07d}",
                paid_at=paid_at.astimezone(UTC),
                provider=method if method in ("alipay", "wechatpay") else None,
            ),
            now=datetime.now(UTC),
        )
        posted += 1
    return posted
