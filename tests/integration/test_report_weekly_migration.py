"""Migration 0041 fills the weekly roll-up from the days the reports job had already counted, and goes
back."""

from __future__ import annotations

from datetime import date
from typing import Any

from alembic import command
from sqlalchemy import Engine, insert, text

from huikuan.domain.reports import COUNTERS
from huikuan.storage import migrate
from huikuan.storage import tables as t


def _day(day: date, user_id: int | None, attempts: int, collected: int) -> dict[str, Any]:
    return {
        "day": day,
        "creditor_id": 1,
        "team_id": None,
        "user_id": user_id,
        "channel": "call",
        "currency": "CNY",
        "product": "",
        "segment": "",
        **dict.fromkeys(COUNTERS, 0),
        "attempts": attempts,
        "collected": collected,
    }


def test_the_migration_adds_up_the_kept_days_by_week(engine: Engine) -> None:
    cfg = migrate.alembic_config(engine)

    def run(step: Any, revision: str) -> None:
        with engine.begin() as conn:
            cfg.attributes["connection"] = conn
            step(cfg, revision)

    run(command.downgrade, "0040")
    try:
        with engine.begin() as conn:
            conn.execute(
                insert(t.report_daily),
                [
                    _day(date(2026, 11, 2), 7, 3, 100),  # Monday
                    _day(date(2026, 11, 8), 7, 2, 50),  # Sunday: the same week
                    _day(date(2026, 11, 8), None, 1, 0),  # no one's: a row of its own
                    _day(date(2026, 11, 9), 7, 4, 0),  # the next Monday
                ],
            )
        run(command.upgrade, "0041")
        with engine.connect() as conn:
            rows = conn.execute(text("SELECT week, user_id, attempts, collected FROM report_weekly")).all()
        assert {(str(week), user, attempts, collected) for week, user, attempts, collected in rows} == {
            ("2026-11-02", 7, 5, 150),
            ("2026-11-02", None, 1, 0),
            ("2026-11-09", 7, 4, 0),
        }
        run(command.downgrade, "0040")
        with engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM report_daily")).scalar_one() == 4
    finally:
        migrate.upgrade(engine)
    migrate.check(engine)
