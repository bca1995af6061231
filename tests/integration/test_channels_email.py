"""E-mail over real SMTP (aiosmtpd on loopback): delivered with Chinese intact, refused, or retried."""

from __future__ import annotations

from collections.abc import Iterator
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from tests.support.floor import MORNING, Floor
from tests.support.messaging import AGENCY_PHONE, channel_settings, free_port, smtp_server, use_settings

from huikuan import config
from huikuan.services.outbox import preview, send
from huikuan.services.outbox_job import dispatch_due
from huikuan.storage import tables as t


@pytest.fixture(autouse=True)
def _settings(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    use_settings(monkeypatch)
    yield
    config.get_settings.cache_clear()


def _queue(floor: Floor, template: str = "reminder") -> int:
    c = floor.cases[0]
    return send(
        floor.uow,
        floor.viewer("alice"),
        c.id,
        template=template,
        channel="email",
        contact_point_id=c.email_id,
        now=MORNING,
    )


def _message(floor: Floor, message_id: int) -> Any:
    floor.uow.rollback()
    return floor.uow.session.execute(select(t.messages).where(t.messages.c.id == message_id)).one()


def test_an_email_is_delivered_over_smtp_with_its_chinese_subject_and_body_intact(
    floor: Floor, tmp_path: Path
) -> None:
    message_id = _queue(floor)
    subject, body = preview(
        floor.uow, floor.viewer("alice"), floor.cases[0].id, template="reminder", channel="email", now=MORNING
    )
    with smtp_server() as (box, port):
        settings = channel_settings(
            tmp_path, smtp_host="127.0.0.1", smtp_port=port, mail_from="notices@hk.example"
        )
        counts = dispatch_due(floor.uow, MORNING, settings=settings)
    assert counts["sent"] == 1
    (raw,) = box.messages
    assert box.recipients == [["debtor1@example.com"]]
    mail = message_from_bytes(raw, policy=policy.default)
    assert isinstance(mail, EmailMessage)
    assert mail["Subject"] == subject == "关于您在某银行的账户（编号 C000001）"
    assert mail["From"] == "notices@hk.example" and mail["To"] == "debtor1@example.com"
    text = mail.get_content()
    assert text.strip() == body.strip()
    assert "¥12,000.00" in text and AGENCY_PHONE in text and "请勿向任何个人账户转账" in text
    assert mail.get_content_charset() == "utf-8"
    m = _message(floor, message_id)
    assert (
        m.status == "sent"
        and m.provider_ref == mail["Message-ID"]
        and m.provider_ref.endswith("@hk.example>")
    )


def test_a_recipient_refused_by_the_mail_server_fails_the_message(floor: Floor, tmp_path: Path) -> None:
    message_id = _queue(floor)
    with smtp_server(refuse="550 5.1.1 mailbox unavailable") as (box, port):
        counts = dispatch_due(
            floor.uow, MORNING, settings=channel_settings(tmp_path, smtp_host="127.0.0.1", smtp_port=port)
        )
    assert counts["failed"] == 1 and box.messages == []
    m = _message(floor, message_id)
    assert (
        m.status == "failed" and m.error == "mail server refused the recipient: 550 5.1.1 mailbox unavailable"
    )


def test_a_mail_server_that_cannot_be_reached_is_tried_again_later(floor: Floor, tmp_path: Path) -> None:
    message_id = _queue(floor)
    settings = channel_settings(tmp_path, smtp_host="127.0.0.1", smtp_port=free_port())
    assert dispatch_due(floor.uow, MORNING, settings=settings)["retry"] == 1
    m = _message(floor, message_id)
    assert m.status == "queued" and m.attempts == 1 and m.error.startswith("mail server not reachable")


def test_an_arrangement_confirmation_needs_an_active_arrangement(floor: Floor) -> None:
    from huikuan.errors import InvalidInput

    with pytest.raises(InvalidInput) as missing:
        _queue(floor, "arrangement_confirmation")
    assert missing.value.translated("zh_CN") == f"案件 {floor.cases[0].id} 没有生效中的还款安排可确认"
