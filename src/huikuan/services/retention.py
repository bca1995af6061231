"""Retention: how long the personal data of a closed debt is kept, and the job that anonymises it after.

The clock starts when an account stops being open (paid, settled, recalled or closed): `accounts.closed_on`
is set by this job, to the last payment's date for a paid or settled account, else to the day the job
first finds it closed (later than the true day if the job did not run: the data is kept longer, never
shorter). A debtor is due once every one of its accounts is closed and the last closed `years` ago:
its creditor's own `retention_years`, else its pack's default (`[obligations.retention]` in
compliance/packs/*.toml), never below the pack's `min_years`.

A due debtor who still has an open account (with any creditor: services/anonymise.py) is kept, and counted.
Pending erasure requests (services/erasure.py) are applied first, as soon as the last account closes.
Running again changes nothing: an anonymised debtor is never due again. Last, the call recordings whose
time is up are deleted (services/recording_retention.py: the pack's `[obligations.recording] retain_years`
after the call, else when the debtor is anonymised).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Date, case, func, literal, select, update

from huikuan.compliance import load_pack
from huikuan.services.anonymise import anonymise, chunks, open_account_holders
from huikuan.services.erasure import apply_pending_erasures
from huikuan.services.recording_retention import sweep_recordings
from huikuan.storage import tables as t
from huikuan.storage.uow import UnitOfWork

MAX_RETENTION_YEARS = 30  # a guard against a mistyped setting, not a legal figure


@dataclass(frozen=True)
class RetentionPolicy:
    """A creditor's retention: `years` in force, the pack's default and minimum, whose figure it is."""

    pack: str
    years: int
    pack_years: int
    min_years: int
    own: bool  # the creditor set its own years


def policy_of(pack: str, retention_years: int | None) -> RetentionPolicy:
    rule = load_pack(pack).retention
    years = retention_years if retention_years is not None else rule.years
    return RetentionPolicy(pack, years, rule.years, rule.min_years, retention_years is not None)


def years_before(day: date, years: int) -> date:
    """The same day `years` earlier (29 February becomes the 28th)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


@dataclass
class RetentionRun:
    """What a run did (or, with dry_run, would do)."""

    accounts_closed: int = 0  # accounts found closed and given their closing day
    accounts_due: int = 0  # closed accounts past their retention, of debtors not yet anonymised
    debtors_anonymised: int = 0
    kept_open_account: int = 0  # debtors with an account due, kept because the person has an open one
    erasures_applied: int = 0  # pending erasure requests applied
    recordings_deleted: int = 0  # call recordings past the pack's years (services/recording_retention.py)
    dry_run: bool = False

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def closed_day(today: date) -> Any:
    """An account's closing day as the job counts it, also for an account it has not stamped yet."""
    a = t.accounts.c
    from_payment = case((a.status.in_(("paid", "settled")), a.last_payment_date), else_=None)
    return func.coalesce(a.closed_on, from_payment, literal(today, Date))


def run_retention(uow: UnitOfWork, now: datetime, *, dry_run: bool = False) -> RetentionRun:
    """Stamps closing days, applies pending erasures, anonymises the debtors past their retention,
    committing every few hundred debtors. With `dry_run`, changes nothing and says what it would do."""
    today = now.date()
    run = RetentionRun(dry_run=dry_run)
    if not dry_run:
        uow.begin_write()
    run.accounts_closed = _stamp(uow, today, dry_run=dry_run)
    erased = apply_pending_erasures(uow, now, dry_run=dry_run)
    run.erasures_applied = erased.requests
    due: list[int] = []
    for creditor_id, pack, own_years in uow.session.execute(
        select(t.creditors.c.id, t.creditors.c.pack, t.creditors.c.retention_years)
    ):
        cutoff = years_before(today, policy_of(pack, own_years).years)
        accounts, debtors, kept = _due(uow, creditor_id, today, cutoff)
        run.accounts_due += accounts
        run.kept_open_account += kept
        due += debtors
    blocked = open_account_holders(uow, due)
    run.kept_open_account += len(blocked)
    ready = [d for d in due if d not in blocked and d not in erased.debtor_ids]
    run.debtors_anonymised = len(erased.debtor_ids)
    if dry_run:
        run.debtors_anonymised += len(ready)
        run.recordings_deleted = sweep_recordings(uow, now, dry_run=True)
        uow.rollback()
        return run
    uow.commit()
    for batch in chunks(ready):
        uow.begin_write()
        run.debtors_anonymised += len(anonymise(uow, batch, now, trigger="retention"))
        uow.commit()
    uow.begin_write()
    run.recordings_deleted = sweep_recordings(uow, now)
    uow.commit()
    return run


def retention_job(uow: UnitOfWork, now: datetime) -> dict[str, Any]:
    """The `retention` job (services/jobs.py)."""
    done = run_retention(uow, now).to_dict()
    done.pop("dry_run")
    return done


def _stamp(uow: UnitOfWork, today: date, *, dry_run: bool) -> int:
    """Gives each closed account without one its closing day; clears it on an account open again."""
    a = t.accounts.c
    unstamped = (a.status != "open") & a.closed_on.is_(None)
    if dry_run:
        return int(uow.session.execute(select(func.count()).where(unstamped)).scalar_one())
    uow.session.execute(
        update(t.accounts).where((a.status == "open") & a.closed_on.is_not(None)).values(closed_on=None)
    )
    stamp = update(t.accounts).where(unstamped).values(closed_on=closed_day(today))
    stamped: Any = uow.session.execute(stamp)
    return int(stamped.rowcount or 0)


def _due(uow: UnitOfWork, creditor_id: int, today: date, cutoff: date) -> tuple[int, list[int], int]:
    """One creditor's closed accounts past `cutoff` (of debtors not yet anonymised), the debtors all of
    whose accounts are, and how many debtors with such an account still have an open one of their own."""
    a, d = t.accounts.c, t.debtors.c
    is_open = case((a.status == "open", 1), else_=0)
    is_due = case(((a.status != "open") & (closed_day(today) <= cutoff), 1), else_=0)
    rows = uow.session.execute(
        select(a.debtor_id, func.sum(is_open), func.sum(is_due), func.count())
        .select_from(t.accounts.join(t.debtors, d.id == a.debtor_id))
        .where(d.creditor_id == creditor_id, d.anonymised_at.is_(None))
        .group_by(a.debtor_id)
        .having(func.sum(is_due) > 0)
    ).all()
    accounts = sum(int(r[2]) for r in rows)
    kept = sum(1 for r in rows if r[1] > 0)
    debtors = sorted(int(r[0]) for r in rows if r[1] == 0 and r[2] == r[3])
    return accounts, debtors, kept


__all__ = [
    "MAX_RETENTION_YEARS",
    "RetentionPolicy",
    "RetentionRun",
    "closed_day",
    "policy_of",
    "retention_job",
    "run_retention",
    "years_before",
]
