"""The validation notice's mailing is recorded from the letter actually sent: a US demand letter sent by
the outbox gives every open account of its case the mailing date and the end of its validation period."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select
from tests.support.floor import MORNING, Floor, us_case
from tests.support.messaging import channel_settings, use_settings

from huikuan import config
from huikuan.channels.validation import validation_period_end
from huikuan.services.clock import floor_today
from huikuan.services.fact_history import versions
from huikuan.services.outbox import send
from huikuan.services.outbox_job import dispatch_due
from huikuan.storage import tables as t

US_RETURN = "Lakeside Services LLC|PO Box 1200|Springfield, IL 62701"


@pytest.fixture(autouse=True)
def _settings(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    use_settings(
        monkeypatch,
        agency_name="Lakeside Services LLC",
        letter_return_address=US_RETURN,
        letters_dir=str(tmp_path / "letters"),
    )
    yield
    config.get_settings.cache_clear()


def _mailed(floor: Floor, case_id: int) -> list[tuple]:
    a = t.accounts.c
    return [
        tuple(r)
        for r in floor.uow.session.execute(
            select(a.validation_mailed_on, a.validation_period_end).where(a.case_id == case_id)
        )
    ]


def test_a_us_demand_letter_sent_records_the_validation_notice_on_its_accounts(floor: Floor, tmp_path: Path):
    us = us_case(floor)
    message = send(
        floor.uow, floor.viewer("alice"), us.id, template="demand", channel="letter",
        contact_point_id=us.address_id, now=MORNING,
    )  # fmt: skip
    assert message and _mailed(floor, us.id) == [(None, None)] * len(us.account_ids)  # queued is not mailed
    floor.uow.rollback()
    settings = channel_settings(tmp_path, letter_return_address=US_RETURN)
    assert dispatch_due(floor.uow, MORNING, settings=settings)["sent"] == 1
    day = floor_today(MORNING)
    assert _mailed(floor, us.id) == [(day, validation_period_end(day))] * len(us.account_ids)
    kept = versions(floor.uow.session.connection(), us.debtor_id)
    assert [v["reason"] for v in kept] == ["facts.before", "notice.validation_mailed"]
    before, after = kept[0]["facts"]["debts"], kept[1]["facts"]["debts"]
    assert {d["validation_sent"] for d in before.values()} == {False}
    assert {d["validation_sent"] for d in after.values()} == {True}


def test_a_cn_letter_records_no_validation_notice(floor: Floor, tmp_path: Path):
    case = floor.cases[0]
    send(
        floor.uow, floor.viewer("alice"), case.id, template="demand", channel="letter",
        contact_point_id=case.address_id, now=MORNING,
    )  # fmt: skip
    assert dispatch_due(floor.uow, MORNING, settings=channel_settings(tmp_path))["sent"] == 1
    assert _mailed(floor, case.id) == [(None, None), (None, None)]
