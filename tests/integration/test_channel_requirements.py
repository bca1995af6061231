"""What each pack requires per channel, through the services: the US pack's automated-text consent
(TCPA) asked of the outbox when it queues and when it sends, and the discreet parts of a message refused
when a text would show debt wording where a third party reads first."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import insert, select, update
from tests.support.chicago import AFTERNOON, agency_settings, chicago_case
from tests.support.floor import MORNING, PASSWORD, Floor, FloorCase
from tests.support.messaging import channel_settings, sms_provider

from huikuan.errors import ComplianceRefused, InvalidInput
from huikuan.services import message_templates
from huikuan.services.contacts import check_contact, queue_message
from huikuan.services.message_templates import TemplateKey
from huikuan.services.outbox import preview, send
from huikuan.services.outbox_job import dispatch_due
from huikuan.services.users import add_user
from huikuan.storage import tables as t


@pytest.fixture(autouse=True)
def _settings(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    yield from agency_settings(monkeypatch)


@pytest.fixture
def us(floor: Floor) -> FloorCase:
    """Jane Roe of Chicago, with a US mobile that has no recorded consent."""
    return chicago_case(floor)


def _consent(floor: Floor, point_id: int, given: bool) -> None:
    floor.uow.session.execute(
        update(t.contact_points)
        .where(t.contact_points.c.id == point_id)
        .values(
            consent=given,
            consent_at=MORNING if given else None,
            consent_how="recorded call" if given else None,
        )
    )
    floor.uow.commit()


def _automated(floor: Floor, case: FloorCase, at: datetime = AFTERNOON) -> int:
    """A text a job queues (no user): automated."""
    return queue_message(
        floor.uow, case.id, channel="sms", contact_point_id=case.mobile_id, body="Hello", at=at
    )


def test_an_automated_text_to_a_us_mobile_without_consent_is_refused(floor: Floor, us: FloorCase) -> None:
    with pytest.raises(ComplianceRefused) as refused:
        _automated(floor, us)
    assert "automated-text-consent" in str(refused.value)
    floor.uow.rollback()
    assert floor.uow.session.execute(select(t.messages.c.id)).first() is None


def test_with_the_recorded_consent_the_automated_text_is_queued(floor: Floor, us: FloorCase) -> None:
    _consent(floor, us.mobile_id, True)
    assert _automated(floor, us) > 0


def test_a_collectors_own_text_needs_no_recorded_consent(floor: Floor, us: FloorCase) -> None:
    verdict = check_contact(floor.uow, us.id, channel="sms", at=AFTERNOON, contact_point_id=us.mobile_id)
    assert verdict.allowed
    send(
        floor.uow,
        floor.viewer("alice"),
        us.id,
        template="reminder",
        channel="sms",
        contact_point_id=us.mobile_id,
        now=AFTERNOON,
    )


def test_a_chinese_creditors_automated_text_needs_no_such_consent(floor: Floor) -> None:
    assert _automated(floor, floor.cases[0], MORNING) > 0


def test_consent_withdrawn_before_sending_holds_the_automated_text(
    floor: Floor, us: FloorCase, tmp_path: Path
) -> None:
    _consent(floor, us.mobile_id, True)
    queued = _automated(floor, us)
    _consent(floor, us.mobile_id, False)
    with sms_provider() as provider:
        settings = channel_settings(tmp_path, sms_url=provider.url, sms_token="secret")
        dispatch_due(floor.uow, AFTERNOON + timedelta(minutes=1), settings=settings)
    assert provider.received == []
    floor.uow.rollback()
    status = floor.uow.session.execute(select(t.messages.c.status).where(t.messages.c.id == queued))
    assert status.scalar_one() == "refused"


def test_an_edited_sms_that_names_the_debt_cannot_be_saved(floor: Floor) -> None:
    floor.users["ada"] = add_user(floor.uow, "ada", PASSWORD, role="admin").id or 0
    floor.uow.commit()
    text = message_templates.TemplateText(
        "",
        "{{ disclosures.signature }}{{ recipient_name }}您好，您的欠款已逾期，请致电{{ agency_phone }}。"
        "{{ disclosures.debt_collector }}{{ disclosures.opt_out }}",
    )
    with pytest.raises(InvalidInput) as refused:
        message_templates.save(
            floor.uow, floor.viewer("ada"), TemplateKey("sms", "reminder", "zh_CN"), text, MORNING
        )
    assert "third party" in refused.value.translated("en") and "欠" in refused.value.translated("en")


def test_a_stored_text_that_names_the_debt_is_not_sent(floor: Floor) -> None:
    floor.uow.session.execute(
        insert(t.message_templates).values(
            channel="sms",
            name="reminder",
            locale="zh_CN",
            subject="",
            body="{{ disclosures.signature }}{{ recipient_name }}您的债务已逾期，"
            "{{ sender }}{{ creditor_name }}{{ disclosures.opt_out }}",
            updated_at=MORNING,
        )
    )
    floor.uow.commit()
    case = floor.cases[0]
    with pytest.raises(InvalidInput, match="third party"):
        preview(floor.uow, floor.viewer("alice"), case.id, template="reminder", channel="sms", locale="zh_CN")
