"""WeChat official-account messages through a local WeChat (tests/support/wechat_server.py): template
messages to followers, customer-service messages within 48 hours of the person's own message, the access
token shared by every process and refreshed once when WeChat refuses it, and WeChat's error codes."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import insert, select
from tests.support.floor import MORNING, Floor
from tests.support.messaging import channel_settings, use_settings
from tests.support.wechat import TEMPLATE_ID, bind, creditor_template, wechat_settings
from tests.support.wechat_server import WechatServer, wechat_server
from typer.testing import CliRunner

from huikuan import config
from huikuan.channels import transport_for
from huikuan.channels.wechat import WechatTransport
from huikuan.cli import app as cli_app
from huikuan.config import Settings
from huikuan.services.channel_status import channels
from huikuan.services.message_text import reference
from huikuan.services.outbox import send
from huikuan.services.outbox_errors import describe_error
from huikuan.services.outbox_job import dispatch_due
from huikuan.storage import tables as t
from huikuan.storage.wechat_session import DatabaseSessionStorage

OPENID = "o6_bmjrPTlm6_2sgVt7hMZOPfL2M"


@pytest.fixture(autouse=True)
def _settings(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    use_settings(monkeypatch)
    yield
    config.get_settings.cache_clear()


@pytest.fixture
def server() -> Iterator[WechatServer]:
    with wechat_server() as api:
        yield api


@pytest.fixture
def settings(tmp_path: Path, server: WechatServer) -> Settings:
    return wechat_settings(tmp_path, server)


def _creditor(floor: Floor, case_id: int) -> int:
    return int(
        floor.uow.session.execute(select(t.cases.c.creditor_id).where(t.cases.c.id == case_id)).scalar_one()
    )


def _bound_case(
    floor: Floor, server: WechatServer, settings: Settings, openid: str = OPENID
) -> tuple[int, int]:
    """The first case's debtor bound to `openid`, its creditor's template set: (case id, the point's id)."""
    case = floor.cases[0]
    bind(floor, server, settings, case.id, openid)
    creditor_template(floor, _creditor(floor, case.id))
    point = floor.uow.session.execute(
        select(t.wechat_bindings.c.contact_point_id).where(t.wechat_bindings.c.openid == openid)
    ).scalar_one()
    floor.uow.commit()
    return case.id, int(point)


def _queue(floor: Floor, case_id: int, point_id: int) -> int:
    return send(
        floor.uow,
        floor.viewer("alice"),
        case_id,
        template="reminder",
        channel="wechat",
        contact_point_id=point_id,
        now=MORNING,
    )


def _message(floor: Floor, message_id: int) -> Any:
    floor.uow.rollback()
    return floor.uow.session.execute(select(t.messages).where(t.messages.c.id == message_id)).one()


def _binding(floor: Floor, openid: str = OPENID) -> Any:
    floor.uow.rollback()
    return floor.uow.session.execute(
        select(t.wechat_bindings).where(t.wechat_bindings.c.openid == openid)
    ).one()


def _wrote(floor: Floor, settings: Settings, openid: str, at: Any) -> None:
    floor.uow.session.execute(
        insert(t.wechat_inbound).values(app_id=settings.wechat_app_id, openid=openid, last_inbound_at=at)
    )
    floor.uow.commit()


def test_wechat_has_a_transport_only_when_the_floor_configured_its_official_account(
    tmp_path: Path, settings: Settings
) -> None:
    assert transport_for("wechat", channel_settings(tmp_path)) is None
    assert transport_for("wechat", channel_settings(tmp_path, wechat_app_id="wx1")) is None  # no secret
    assert isinstance(transport_for("wechat", settings), WechatTransport)


def test_a_follower_gets_the_creditors_template_message_whose_first_line_says_nothing_of_a_debt(
    floor: Floor, server: WechatServer, settings: Settings
) -> None:
    case_id, point = _bound_case(floor, server, settings)
    message_id = _queue(floor, case_id, point)
    counts = dispatch_due(floor.uow, MORNING, settings=settings)
    assert counts["sent"] == 1
    (sent,) = server.sent
    assert sent["kind"] == "template" and sent["touser"] == OPENID and sent["template_id"] == TEMPLATE_ID
    assert sent["data"]["first"]["value"] == "您有一条新消息"
    assert sent["data"]["keyword1"]["value"] == reference(case_id)
    assert sent["data"]["remark"]["value"] == "点击查看详情"
    shown = " ".join(v["value"] for v in sent["data"].values())
    assert not any(word in shown for word in ("欠", "债", "逾期", "催收", "还款"))
    assert sent["url"] == "https://hk.example.cn/portal"  # the details, behind the link
    m = _message(floor, message_id)
    assert (m.status, m.provider_ref) == ("sent", "1001")


def test_within_48_hours_of_the_persons_own_message_a_customer_service_text_goes_instead(
    floor: Floor, server: WechatServer, settings: Settings
) -> None:
    case_id, point = _bound_case(floor, server, settings)
    _wrote(floor, settings, OPENID, MORNING - timedelta(hours=47))
    server.wrote(OPENID)
    _queue(floor, case_id, point)
    assert dispatch_due(floor.uow, MORNING, settings=settings)["sent"] == 1
    (sent,) = server.sent
    assert sent["kind"] == "custom" and sent["msgtype"] == "text"
    assert sent["text"]["content"].startswith("您有一条新消息")


def test_after_48_hours_the_template_message_goes_and_wechat_is_never_asked_for_a_text(
    floor: Floor, server: WechatServer, settings: Settings
) -> None:
    case_id, point = _bound_case(floor, server, settings)
    _wrote(floor, settings, OPENID, MORNING - timedelta(hours=49))
    _queue(floor, case_id, point)
    assert dispatch_due(floor.uow, MORNING, settings=settings)["sent"] == 1
    assert [s["kind"] for s in server.sent] == ["template"]


def test_when_wechat_counts_the_48_hours_as_past_45015_the_template_message_goes_instead(
    floor: Floor, server: WechatServer, settings: Settings
) -> None:
    case_id, point = _bound_case(floor, server, settings)
    _wrote(floor, settings, OPENID, MORNING - timedelta(hours=1))  # WeChat never heard from the person
    _queue(floor, case_id, point)
    assert dispatch_due(floor.uow, MORNING, settings=settings)["sent"] == 1
    assert [s["kind"] for s in server.sent] == ["template"]


def test_the_access_token_is_fetched_once_and_shared_by_every_process_through_the_database(
    floor: Floor, server: WechatServer, settings: Settings
) -> None:
    case_id, point = _bound_case(floor, server, settings)
    for _ in range(2):
        _queue(floor, case_id, point)
    assert dispatch_due(floor.uow, MORNING, settings=settings)["sent"] == 2
    # Another process: a new transport with the same storage sends without fetching a token.
    other = transport_for("wechat", settings)
    assert isinstance(other, WechatTransport)
    other.use_session(DatabaseSessionStorage(floor.uow.engine))
    _queue(floor, case_id, point)
    floor.uow.commit()
    assert dispatch_due(floor.uow, MORNING, settings=settings)["sent"] == 1
    assert server.token_requests == 1 and len(server.sent) == 3


def test_an_expired_token_is_refreshed_and_the_message_tried_once_more(
    floor: Floor, server: WechatServer, settings: Settings
) -> None:
    case_id, point = _bound_case(floor, server, settings)
    _queue(floor, case_id, point)
    dispatch_due(floor.uow, MORNING, settings=settings)
    server.expire_tokens()  # 42001 for the token every process holds
    message_id = _queue(floor, case_id, point)
    assert dispatch_due(floor.uow, MORNING, settings=settings)["sent"] == 1
    assert server.token_requests == 2 and _message(floor, message_id).status == "sent"


def test_a_person_who_unfollowed_43004_fails_the_message_and_is_no_longer_a_follower(
    floor: Floor, server: WechatServer, settings: Settings
) -> None:
    case_id, point = _bound_case(floor, server, settings)
    server.followers.discard(OPENID)
    message_id = _queue(floor, case_id, point)
    assert dispatch_due(floor.uow, MORNING, settings=settings)["failed"] == 1
    m = _message(floor, message_id)
    assert m.status == "failed" and "43004" in m.error
    assert describe_error(m.error, "zh_CN") == "微信：对方已取消关注公众号（43004）"
    b = _binding(floor)
    assert (b.followed, b.status) == (False, "active")
    cp = floor.uow.session.execute(select(t.contact_points.c.status).where(t.contact_points.c.id == point))
    assert cp.scalar_one() == "disconnected"


def test_an_openid_wechat_does_not_know_40003_makes_the_binding_invalid(
    floor: Floor, server: WechatServer, settings: Settings
) -> None:
    case_id, point = _bound_case(floor, server, settings)
    server.known.discard(OPENID)
    message_id = _queue(floor, case_id, point)
    assert dispatch_due(floor.uow, MORNING, settings=settings)["failed"] == 1
    assert "40003" in _message(floor, message_id).error
    assert _binding(floor).status == "invalid"


@pytest.mark.parametrize(("busy", "quota"), [(1, None), (0, 0)], ids=["system-busy", "quota-reached"])
def test_a_busy_wechat_or_a_spent_quota_leaves_the_message_queued_for_a_retry(
    floor: Floor, server: WechatServer, settings: Settings, busy: int, quota: int | None
) -> None:
    case_id, point = _bound_case(floor, server, settings)
    server.busy, server.quota = busy, quota
    message_id = _queue(floor, case_id, point)
    assert dispatch_due(floor.uow, MORNING, settings=settings)["retry"] == 1
    m = _message(floor, message_id)
    assert m.status == "queued" and m.next_attempt_at == MORNING + timedelta(minutes=1)
    assert ("-1" if busy else "45009") in m.error
    server.quota = None
    assert dispatch_due(floor.uow, MORNING + timedelta(minutes=1), settings=settings)["sent"] == 1


def test_a_wechat_id_that_is_not_a_bound_openid_is_never_sent_to(
    floor: Floor, server: WechatServer, settings: Settings
) -> None:
    case = floor.cases[0]
    creditor_template(floor, _creditor(floor, case.id))
    point = floor.uow.session.execute(
        insert(t.contact_points)
        .values(debtor_id=case.debtor_id, kind="wechat", value="li_lei_1990", source="creditor")
        .returning(t.contact_points.c.id)
    ).scalar_one()
    floor.uow.commit()
    message_id = _queue(floor, case.id, int(point))
    assert dispatch_due(floor.uow, MORNING, settings=settings)["failed"] == 1
    assert _message(floor, message_id).error == "no active WeChat binding for this recipient"
    assert server.sent == [] and server.token_requests == 0


def test_without_the_creditors_template_a_follower_outside_48_hours_gets_nothing(
    floor: Floor, server: WechatServer, settings: Settings
) -> None:
    case = floor.cases[0]
    bind(floor, server, settings, case.id, OPENID)
    point = _binding(floor).contact_point_id
    message_id = _queue(floor, case.id, point)
    assert dispatch_due(floor.uow, MORNING, settings=settings)["failed"] == 1
    assert _message(floor, message_id).error == "no WeChat template message is set up for this creditor"
    assert server.sent == []


def test_an_administrator_sets_a_creditors_template_from_the_command_line_and_bad_fields_are_refused(
    floor: Floor,
    db_env: str,  # noqa: ARG001 - the CLI's database
) -> None:
    runner = CliRunner()
    assert "no WeChat template" in runner.invoke(cli_app, ["creditor", "wechat-template", "BANK"]).output
    args = ["creditor", "wechat-template", "BANK", "--template-id", "TPL-neutral-1"]
    done = runner.invoke(cli_app, [*args, "--field", "keyword1=reference", "--field", "remark=notice"])
    assert done.exit_code == 0, done.output
    shown = runner.invoke(cli_app, ["creditor", "wechat-template", "BANK"]).output
    assert "TPL-neutral-1 (keyword1=reference, remark=notice)" in shown
    # An amount is no field a template may show, and "first" is always our neutral line.
    for bad in ("keyword2=balance", "first=subject"):
        refused = runner.invoke(cli_app, [*args, "--field", bad])
        assert refused.exit_code != 0
    floor.uow.rollback()
    (row,) = floor.uow.session.execute(select(t.wechat_templates.c.fields)).all()
    assert row.fields == {"keyword1": "reference", "remark": "notice"}


def test_a_wrong_app_secret_leaves_the_message_queued_for_a_retry_and_names_the_credentials(
    floor: Floor, server: WechatServer, tmp_path: Path
) -> None:
    good = wechat_settings(tmp_path, server)
    case_id, point = _bound_case(floor, server, good)
    message_id = _queue(floor, case_id, point)
    server.expire_tokens()  # the token in store expires: a new one is asked for with the wrong secret
    wrong = wechat_settings(tmp_path, server, wechat_app_secret="not-the-secret")
    assert dispatch_due(floor.uow, MORNING, settings=wrong)["retry"] == 1
    m = _message(floor, message_id)
    assert m.status == "queued" and "40125" in m.error
    assert describe_error(m.error, "zh_CN").startswith("微信拒绝了公众号的凭据（40125）")


def test_the_channels_page_says_wechat_is_configured_and_never_shows_its_secrets(
    floor: Floor, settings: Settings
) -> None:
    (wechat,) = [c for c in channels(floor.uow, floor.viewer("sue"), settings) if c["channel"] == "wechat"]
    assert wechat["configured"] is True
    shown = {s["name"]: s for s in wechat["settings"]}
    assert shown["wechat_app_id"]["value"] == settings.wechat_app_id
    assert shown["wechat_app_secret"] == {"name": "wechat_app_secret", "set": True, "value": ""}
