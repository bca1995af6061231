"""Retention: once a debtor's last account has been closed for its creditor's retention period (the pack's
default: 5 years for cn), its personal data is erased and its money and the compliance decisions are kept;
a person with an open account anywhere is kept; the job runs daily and a second run changes nothing."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import Engine, select, update
from tests.support.factories import cli, cli_json
from tests.support.floor import Floor
from tests.support.privacy import close_accounts, give_history, pay_in_full, row, rows

from huikuan.services import jobs
from huikuan.services.anonymise import ANONYMISED_NAME
from huikuan.services.retention import run_retention, years_before
from huikuan.storage import tables as t
from huikuan.storage.uow import UnitOfWork

PAID_ON = date(2026, 12, 1)
FIVE_YEARS_ON = datetime(2031, 12, 1, 4, 0, tzinfo=UTC)  # 12:00 in Beijing, the day the 5 years end
THE_DAY_BEFORE = FIVE_YEARS_ON - timedelta(days=1)


def _retention(engine: Engine, now: datetime, *, dry_run: bool = False) -> dict[str, object]:
    with UnitOfWork(engine) as uow:
        return run_retention(uow, now, dry_run=dry_run).to_dict()


def _snapshot(engine: Engine) -> dict[str, list[str]]:
    with engine.connect() as conn:
        return {
            table.name: sorted(repr(tuple(r)) for r in conn.execute(select(table)))
            for table in t.metadata.sorted_tables
        }


def _paid_off(floor: Floor, tmp_path: Path, n: int) -> None:
    pay_in_full(floor.uow, tmp_path, "BANK", floor.cases[n], PAID_ON)


def test_five_years_after_the_last_payment_the_debtors_personal_data_is_erased_and_its_money_kept(
    floor: Floor, engine: Engine, db_env: str, letters: Path, tmp_path: Path
) -> None:
    mine = give_history(engine, floor.cases[2], letters, "Zhaoliu")
    other = give_history(engine, floor.cases[1], letters, "Wangwu")
    _paid_off(floor, tmp_path, 2)
    case = floor.cases[2]
    audit_before = rows(engine, t.audit_events, t.audit_events.c.id > 0)

    code, early = cli_json("privacy", "retention", "--now", THE_DAY_BEFORE.isoformat())
    assert code == 0 and early["debtors_anonymised"] == 0 and early["accounts_due"] == 0
    assert row(engine, t.debtors, case.debtor_id).anonymised_at is None

    code, done = cli_json("privacy", "retention", "--now", FIVE_YEARS_ON.isoformat())
    assert code == 0
    assert (done["accounts_due"], done["debtors_anonymised"], done["kept_open_account"]) == (2, 1, 0)

    # Erased: who the person is, how to reach it, what was written about it, its letters.
    debtor = row(engine, t.debtors, case.debtor_id)
    assert (debtor.name, debtor.national_id, debtor.birth_date, debtor.address_region) == (
        ANONYMISED_NAME,
        None,
        None,
        None,
    )
    assert debtor.anonymised_at == FIVE_YEARS_ON
    parties = rows(engine, t.parties, t.parties.c.debtor_id == case.debtor_id)
    assert {(p.name, p.national_id, p.relation) for p in parties} == {(ANONYMISED_NAME, None, None)}
    points = rows(engine, t.contact_points, t.contact_points.c.debtor_id == case.debtor_id)
    assert len(points) == 4 and {p.value for p in points} == {""}
    contact = row(engine, t.interactions, mine.interaction_id)
    assert (contact.notes, contact.goal_note) == ("", None)
    offer = row(engine, t.arrangements, mine.arrangement_id)
    assert (offer.reason, offer.decision_note) == ("", "")
    for message_id in (mine.sms_id, mine.letter_id):
        message = row(engine, t.messages, message_id)
        assert (message.to, message.subject, message.body, message.document) == ("", "", "", None)
    assert not mine.letter.exists()
    assert row(engine, t.cases, case.id).next_action_note is None

    # Kept: the money, the statuses and outcomes, the gate's decisions, the whole audit log.
    accounts = rows(engine, t.accounts, t.accounts.c.id.in_(case.account_ids))
    assert {(a.status, a.balance, a.last_payment_date, a.closed_on) for a in accounts} == {
        ("paid", 0, PAID_ON, PAID_ON)
    }
    payments = rows(engine, t.payments, t.payments.c.account_id.in_(case.account_ids))
    assert sum(p.amount for p in payments) == 80_000
    assert (contact.outcome, contact.channel, contact.duration_s, contact.decision_id) == (
        "promise",
        "call",
        180,
        "dec-Zhaoliu",
    )
    assert row(engine, t.promises, mine.promise_id).amount == 50_000
    assert (offer.total_amount, offer.status) == (100_000, "rejected")
    sms = row(engine, t.messages, mine.sms_id)
    assert (sms.status, sms.template, sms.provider_ref) == ("delivered", "reminder", "sms-Zhaoliu")
    assert {p.kind for p in points} == {"mobile", "email", "address"}
    audit_after = rows(engine, t.audit_events, t.audit_events.c.id > 0)
    assert audit_after[: len(audit_before)] == audit_before
    added = audit_after[len(audit_before) :]
    assert [(e.action, e.entity, e.entity_id, e.detail) for e in added] == [
        ("privacy.anonymised", "debtor", case.debtor_id, {"trigger": "retention", "erasure_requests": []})
    ]

    # Another person's data is untouched.
    assert row(engine, t.debtors, floor.cases[1].debtor_id).name == "测试债务人2"
    assert row(engine, t.interactions, other.interaction_id).notes == "said Wangwu will pay on Friday"
    assert other.letter.exists()


def test_a_debtor_with_an_account_still_open_is_kept(
    floor: Floor, engine: Engine, letters: Path, tmp_path: Path
) -> None:
    case = floor.cases[2]
    pay_in_full(floor.uow, tmp_path, "BANK", case, PAID_ON)
    with engine.begin() as conn:  # the second account placed again: open
        conn.execute(
            update(t.accounts).where(t.accounts.c.id == case.account_ids[1]).values(status="open", balance=10)
        )

    done = _retention(engine, FIVE_YEARS_ON + timedelta(days=400))
    assert (done["accounts_due"], done["debtors_anonymised"], done["kept_open_account"]) == (1, 0, 1)
    assert row(engine, t.debtors, case.debtor_id).name == "测试债务人3"
    assert row(engine, t.accounts, case.account_ids[1]).closed_on is None


def test_a_person_with_an_open_account_at_another_creditor_is_kept_until_that_one_closes(
    floor: Floor, engine: Engine, letters: Path, tmp_path: Path
) -> None:
    case, elsewhere = floor.cases[2], floor.other_creditor_case
    assert elsewhere is not None
    same_person = row(engine, t.debtors, case.debtor_id).national_id
    same_hash = row(engine, t.debtors, case.debtor_id).national_id_hash
    with engine.begin() as conn:
        conn.execute(
            update(t.debtors)
            .where(t.debtors.c.id == elsewhere.debtor_id)
            .values(national_id=same_person, national_id_hash=same_hash)
        )
    pay_in_full(floor.uow, tmp_path, "BANK", case, PAID_ON)

    kept = _retention(engine, FIVE_YEARS_ON)
    assert (kept["debtors_anonymised"], kept["kept_open_account"]) == (0, 1)
    assert row(engine, t.debtors, case.debtor_id).national_id == same_person

    pay_in_full(floor.uow, tmp_path, "SHOP", elsewhere, date(2031, 6, 1))
    done = _retention(engine, FIVE_YEARS_ON + timedelta(days=1))
    assert (done["debtors_anonymised"], done["kept_open_account"]) == (1, 0)
    assert row(engine, t.debtors, case.debtor_id).national_id is None
    assert row(engine, t.debtors, elsewhere.debtor_id).national_id == same_person  # its own 5 years run


def test_a_creditors_own_retention_period_replaces_the_packs_but_not_below_its_minimum(
    floor: Floor, engine: Engine, db_env: str, letters: Path, tmp_path: Path
) -> None:
    shown = cli("creditor", "retention", "BANK")
    assert shown.exit_code == 0 and "5 years" in shown.stdout and "cn pack's default" in shown.stdout
    refused = cli("creditor", "retention", "BANK", "--years", "1")
    assert refused.exit_code == 1
    assert "less than the cn pack's minimum of 2" in refused.stderr
    changed = cli("creditor", "retention", "BANK", "--years", "3")
    assert changed.exit_code == 0 and "3 years" in changed.stdout and "its own setting" in changed.stdout
    _paid_off(floor, tmp_path, 2)

    done = _retention(engine, datetime(2029, 12, 1, 4, 0, tzinfo=UTC))
    assert done["debtors_anonymised"] == 1
    assert row(engine, t.debtors, floor.cases[2].debtor_id).anonymised_at is not None
    assert cli("creditor", "retention", "BANK", "--default").exit_code == 0
    with engine.connect() as conn:
        assert (
            conn.execute(select(t.creditors.c.retention_years).where(t.creditors.c.code == "BANK")).one()[0]
            is None
        )


def test_an_account_closed_without_a_payment_counts_from_the_day_the_job_first_finds_it_closed(
    floor: Floor, engine: Engine, letters: Path
) -> None:
    case = floor.cases[2]
    close_accounts(engine, case, "recalled")
    found_on = datetime(2027, 3, 1, 4, 0, tzinfo=UTC)

    first = _retention(engine, found_on)
    assert first["accounts_closed"] == 2
    assert {a.closed_on for a in rows(engine, t.accounts, t.accounts.c.id.in_(case.account_ids))} == {
        date(2027, 3, 1)
    }
    assert _retention(engine, datetime(2032, 2, 28, 4, 0, tzinfo=UTC))["debtors_anonymised"] == 0
    assert _retention(engine, datetime(2032, 3, 1, 4, 0, tzinfo=UTC))["debtors_anonymised"] == 1


def test_a_second_run_changes_nothing(floor: Floor, engine: Engine, letters: Path, tmp_path: Path) -> None:
    give_history(engine, floor.cases[2], letters, "Zhaoliu")
    _paid_off(floor, tmp_path, 2)
    assert _retention(engine, FIVE_YEARS_ON)["debtors_anonymised"] == 1
    before = _snapshot(engine)

    again = _retention(engine, FIVE_YEARS_ON + timedelta(days=1))
    assert (again["accounts_due"], again["debtors_anonymised"], again["accounts_closed"]) == (0, 0, 0)
    assert _snapshot(engine) == before


def test_a_dry_run_counts_what_a_run_would_do_and_changes_nothing(
    floor: Floor, engine: Engine, letters: Path, tmp_path: Path
) -> None:
    history = give_history(engine, floor.cases[2], letters, "Zhaoliu")
    _paid_off(floor, tmp_path, 2)
    close_accounts(engine, floor.cases[1], "recalled")
    before = _snapshot(engine)

    dry = _retention(engine, FIVE_YEARS_ON, dry_run=True)
    assert _snapshot(engine) == before and history.letter.exists()
    real = _retention(engine, FIVE_YEARS_ON)
    assert {**dry, "dry_run": False} == real
    assert (real["accounts_closed"], real["debtors_anonymised"]) == (4, 1)


def test_the_retention_job_is_registered_to_run_daily_and_reports_its_counts(
    floor: Floor, engine: Engine, letters: Path, tmp_path: Path
) -> None:
    job = jobs.REGISTRY["retention"]
    assert job.interval == timedelta(days=1)
    _paid_off(floor, tmp_path, 2)
    done = jobs.run_due(engine, now=FIVE_YEARS_ON, only="retention")["retention"]
    assert done == {
        "accounts_closed": 2,  # found paid, and given the last payment's day
        "accounts_due": 2,
        "debtors_anonymised": 1,
        "kept_open_account": 0,
        "erasures_applied": 0,
        "recordings_deleted": 0,  # call recordings past the pack's years (test_recording_retention.py)
    }


def test_the_retention_years_end_on_the_same_day_of_the_year_and_on_the_28th_for_29_february() -> None:
    assert years_before(date(2031, 12, 1), 5) == date(2026, 12, 1)
    assert years_before(date(2028, 2, 29), 5) == date(2023, 2, 28)


def test_the_command_says_what_a_dry_run_would_do(floor: Floor, db_env: str, letters: Path) -> None:
    result = cli("privacy", "retention", "--dry-run")
    assert result.exit_code == 0
    assert result.stdout.startswith("Dry run (nothing changed): 0 closed accounts past their retention")
