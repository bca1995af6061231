"""The compliance replay re-runs each recorded contact against the facts and history of its own instant:
a contact lawful then stays lawful after the facts change, one that bypassed a fact in force is found."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import insert, update
from tests.support.factories import cli
from tests.support.floor import MORNING, Floor
from tests.support.messaging import channel_settings, sms_provider, use_settings

from huikuan import config
from huikuan.services.contacts import record_contact
from huikuan.services.fact_history import changing_facts
from huikuan.services.outbox import send
from huikuan.services.outbox_job import dispatch_due
from huikuan.services.replay import replay_all, replay_case
from huikuan.storage import tables as t
from huikuan.storage.uow import UnitOfWork

OPTED_OUT = MORNING + timedelta(hours=1)
BYPASS = MORNING + timedelta(hours=2)
LIFTED = MORNING + timedelta(hours=3)


@pytest.fixture(autouse=True)
def _settings(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    use_settings(monkeypatch)
    yield
    config.get_settings.cache_clear()


def _opt_out(uow: UnitOfWork, debtor_id: int, channels: list[str], at: datetime) -> None:
    with changing_facts(uow, [debtor_id], user_id=None, reason="preferences.set", at=at):
        uow.session.execute(
            update(t.debtors).where(t.debtors.c.id == debtor_id).values(opt_out_channels=channels)
        )
    uow.commit()


def _sent_sms(floor: Floor, at: datetime) -> int:
    """An SMS written straight into the outbox as sent: a contact that went round the gate."""
    c = floor.cases[0]
    new_id = floor.uow.session.execute(
        insert(t.messages)
        .values(
            case_id=c.id,
            channel="sms",
            to="+8613800000001",
            body="bypass",
            status="sent",
            created_at=at,
            sent_at=at,
            contact_point_id=c.mobile_id,
        )
        .returning(t.messages.c.id)
    ).scalar_one()
    floor.uow.commit()
    return int(new_id)


def _history_with_a_lifted_opt_out(floor: Floor, tmp_path: Path) -> tuple[int, int]:
    c = floor.cases[0]
    lawful = send(
        floor.uow,
        floor.viewer("alice"),
        c.id,
        template="reminder",
        channel="sms",
        contact_point_id=c.mobile_id,
        now=MORNING,
    )
    with sms_provider() as provider:
        dispatch_due(floor.uow, MORNING, settings=channel_settings(tmp_path, sms_url=provider.url))
    _opt_out(floor.uow, c.debtor_id, ["sms"], OPTED_OUT)
    bypass = _sent_sms(floor, BYPASS)
    _opt_out(floor.uow, c.debtor_id, [], LIFTED)
    return lawful, bypass


def test_an_sms_sent_before_an_opt_out_is_lawful_and_one_sent_during_it_is_refused(
    floor: Floor, tmp_path: Path
) -> None:
    lawful, bypass = _history_with_a_lifted_opt_out(floor, tmp_path)
    result = replay_case(floor.uow, floor.cases[0].id)
    by_id = {(r.contact.kind, r.contact.id): r for r in result.contacts}
    assert by_id[("message", lawful)].allowed
    assert by_id[("message", lawful)].contact.decision_id  # the decision it was sent with is named
    refused = by_id[("message", bypass)]
    assert not refused.allowed and "channel-opt-out" in refused.rules
    assert refused.facts_version is not None and refused.decision_id
    assert [(r.contact.kind, r.contact.id) for r in result.refused] == [("message", bypass)]


def test_the_same_sms_after_the_opt_out_was_lifted_is_lawful(floor: Floor, tmp_path: Path) -> None:
    _history_with_a_lifted_opt_out(floor, tmp_path)
    later = _sent_sms(floor, LIFTED + timedelta(hours=1))
    result = replay_case(floor.uow, floor.cases[0].id)
    assert next(r for r in result.contacts if r.contact.id == later and r.contact.kind == "message").allowed


def test_the_call_on_which_a_dispute_was_raised_is_lawful_the_call_after_it_is_not(floor: Floor) -> None:
    c = floor.cases[0]
    raised = record_contact(
        floor.uow, c.id, channel="call", outcome="disputes", at=MORNING, contact_point_id=c.mobile_id
    )
    after = floor.uow.session.execute(
        insert(t.interactions)
        .values(
            case_id=c.id,
            debtor_id=c.debtor_id,
            contact_point_id=c.mobile_id,
            at=MORNING + timedelta(days=1),
            channel="call",
            direction="outbound",
            outcome="no_answer",
        )
        .returning(t.interactions.c.id)
    ).scalar_one()
    floor.uow.commit()
    result = replay_case(floor.uow, c.id)
    verdicts = {r.contact.id: r for r in result.contacts if r.contact.kind == "interaction"}
    assert verdicts[raised].allowed
    assert not verdicts[after].allowed and "dispute" in verdicts[after].rules


def test_replay_all_goes_over_every_case_and_reports_progress(floor: Floor, tmp_path: Path) -> None:
    _history_with_a_lifted_opt_out(floor, tmp_path)
    seen: list[tuple[int, int]] = []
    results = list(replay_all(floor.uow, progress=lambda done, total: seen.append((done, total))))
    assert len(results) == len(seen) == seen[-1][1] and seen[-1][0] == seen[-1][1]
    assert sum(len(r.refused) for r in results) == 1


@pytest.mark.usefixtures("db_env")
def test_the_command_exits_1_and_names_the_refused_contact_then_0_for_a_clean_case(
    floor: Floor, tmp_path: Path
) -> None:
    _lawful, bypass = _history_with_a_lifted_opt_out(floor, tmp_path)
    found = cli("compliance", "replay", str(floor.cases[0].id), "--json")
    assert found.exit_code == 1
    answer = json.loads(found.stdout)
    assert [(r["kind"], r["id"]) for r in answer["refused"]] == [("message", bypass)]
    assert answer["refused"][0]["violations"][0]["rule"] == "channel-opt-out"
    text = cli("compliance", "replay", str(floor.cases[0].id))
    assert text.exit_code == 1 and f"message {bypass}" in text.stdout and "channel-opt-out" in text.stdout
    clean = cli("compliance", "replay", str(floor.cases[1].id))
    assert clean.exit_code == 0 and "0 refused" in clean.stdout
    every = cli("compliance", "replay", "--all", "--json")
    assert every.exit_code == 1
    assert json.loads(every.stdout.splitlines()[-1])["summary"]["refused"] == 1
    assert "cases replayed" in every.stderr
    assert cli("compliance", "replay").exit_code == 2
