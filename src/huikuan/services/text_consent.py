"""The plan's texts are automated: where the creditor's pack asks for the number holder's prior express
consent to an automated text (the gate's rule `automated-text-consent`, on in us-reg-f and uk-conc), the
plan plans no SMS for a case whose debtor's mobile carries no such consent. That mobile is the one the
plan-dispatch job would write to (services/outbox.first_point: a valid one before an unverified one, then
the oldest). Without this the plan would choose texts that the gate refuses when they are queued.
"""

from __future__ import annotations

import polars as pl
from sqlalchemy import Connection, select

from huikuan.domain.portfolio import Portfolio
from huikuan.storage import tables as t
from huikuan.strategy.gate_facts import creditor_pack

RULE = "automated-text-consent"


def unconsented_text_cases(conn: Connection, portfolio: Portfolio) -> list[int]:
    """The cases of creditors whose pack has the rule on whose debtor's mobile lacks the consent."""
    strict = [
        cid
        for cid, c in portfolio.creditors.items()
        if (rule := creditor_pack(c["pack"], c["pack_overrides"]).rules.get(RULE)) is not None
        and rule.enabled
    ]
    if not strict or portfolio.cases.is_empty():
        return []
    cases = portfolio.cases.filter(pl.col("creditor_id").is_in(strict)).select("case_id", "debtor_id")
    cp, d = t.contact_points.c, t.debtors.c
    rows = conn.execute(
        select(cp.debtor_id, cp.consent)
        .join(t.debtors, d.id == cp.debtor_id)
        .where(
            d.creditor_id.in_(strict),
            cp.party_id.is_(None),
            cp.kind == "mobile",
            cp.status.in_(["valid", "unverified"]),
        )
        .order_by(cp.debtor_id, (cp.status != "valid"), cp.id)
    )
    consented: dict[int, bool] = {}
    for debtor_id, consent in rows:
        consented.setdefault(int(debtor_id), bool(consent))  # the first mobile of each debtor decides
    return [int(c) for c, debtor in cases.iter_rows() if not consented.get(int(debtor), False)]


def without_unconsented_texts(allowed: pl.DataFrame, case_ids: list[int]) -> pl.DataFrame:
    """The ALLOWED frame with SMS closed all day for these cases, by the rule."""
    if not case_ids:
        return allowed
    closed = (pl.col("action") == "sms") & pl.col("case_id").is_in(case_ids)
    return allowed.with_columns(
        pl.when(closed).then(pl.lit(0, pl.Int32)).otherwise(pl.col("hour_mask")).alias("hour_mask"),
        pl.when(closed & (pl.col("hour_mask") != 0))
        .then(pl.lit(RULE))
        .otherwise(pl.col("rule"))
        .alias("rule"),
    )
