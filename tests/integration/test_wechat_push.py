"""The official account's message push (/api/v1/callbacks/wechat/{secret}), signed as WeChat signs it:
the address check, a person's message (kept for the 48-hour rule and handed to the inbound service),
and the follow and unfollow events."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import time_machine
from sqlalchemy import select
from tests.support.floor import MORNING, Floor
from tests.support.messaging import use_settings
from tests.support.web import Browser
from tests.support.wechat import bind, creditor_template, wechat_settings, wechat_values
from tests.support.wechat_server import WechatServer, wechat_server

from huikuan import config
from huikuan.services.outbox import send
from huikuan.services.outbox_job import dispatch_due
from huikuan.storage import tables as t
from huikuan.web.app import create_app

OPENID = "oPush_7Yb2Qw9Er4Ty6Ui8Op0As1Df"
PATH = "/api/v1/callbacks/wechat/push-path-secret"
TOKEN = "push-token"


@pytest.fixture
def server() -> Iterator[WechatServer]:
    with wechat_server() as api:
        yield api


@pytest.fixture
def site(db_env: str, server: WechatServer, monkeypatch: pytest.MonkeyPatch) -> Iterator[Browser]:
    use_settings(monkeypatch, **wechat_values(server))
    yield Browser(create_app(db_env))
    config.get_settings.cache_clear()


def signed(timestamp: str = "1764990000", nonce: str = "n0nce") -> dict[str, str]:
    """The query WeChat adds: the SHA-1 of token, timestamp and nonce, sorted and joined."""
    digest = hashlib.sha1("".join(sorted([TOKEN, timestamp, nonce])).encode()).hexdigest()
    return {"signature": digest, "timestamp": timestamp, "nonce": nonce}


def xml(openid: str, kind: str, *, content: str = "", event: str = "", msg_id: str = "1") -> bytes:
    inner = (
        f"<Content><![CDATA[{content}]]></Content><MsgId>{msg_id}</MsgId>"
        if kind == "text"
        else f"<Event><![CDATA[{event}]]></Event>"
    )
    return (
        f"<xml><ToUserName><![CDATA[gh_0123456789ab]]></ToUserName>"
        f"<FromUserName><![CDATA[{openid}]]></FromUserName><CreateTime>1764990000</CreateTime>"
        f"<MsgType><![CDATA[{kind}]]></MsgType>{inner}</xml>"
    ).encode()


def test_wechat_checks_the_address_and_gets_its_echostr_back_only_with_a_good_signature(
    site: Browser,
) -> None:
    ok = site.get(PATH, params={**signed(), "echostr": "echo-123"})
    assert ok.status_code == 200 and ok.text == "echo-123"
    assert site.get(PATH, params={**signed(), "signature": "0" * 40, "echostr": "x"}).status_code == 403
    assert (
        site.get("/api/v1/callbacks/wechat/guessed", params={**signed(), "echostr": "x"}).status_code == 404
    )


def test_a_push_with_a_wrong_signature_changes_nothing(floor: Floor, site: Browser) -> None:
    bad = {**signed(), "signature": "f" * 40}
    assert site.post(PATH, params=bad, content=xml(OPENID, "text", content="你好")).status_code == 403
    floor.uow.rollback()
    assert floor.uow.session.execute(select(t.wechat_inbound)).all() == []


def test_a_persons_message_is_kept_for_the_48_hours_and_reaches_the_case_as_a_reply(
    floor: Floor, site: Browser, server: WechatServer, tmp_path: Path
) -> None:
    settings = wechat_settings(tmp_path, server)
    case = floor.cases[0]
    bind(floor, server, settings, case.id, OPENID)
    before = datetime.now(UTC)
    answer = site.post(PATH, params=signed(), content=xml(OPENID, "text", content="我下周还款", msg_id="77"))
    assert answer.status_code == 200 and answer.text == "success"
    floor.uow.rollback()
    last = floor.uow.session.execute(
        select(t.wechat_inbound.c.last_inbound_at).where(t.wechat_inbound.c.openid == OPENID)
    ).scalar_one()
    assert last >= before
    got = floor.uow.session.execute(select(t.inbound_messages)).one()
    assert (got.channel, got.sender, got.text, got.outcome, got.provider_ref) == (
        "wechat",
        OPENID,
        "我下周还款",
        "reply",
        "77",
    )
    assert case.id in got.result["case_ids"]


def test_after_the_persons_message_our_next_message_goes_as_a_customer_service_text(
    floor: Floor, site: Browser, server: WechatServer, tmp_path: Path
) -> None:
    settings = wechat_settings(tmp_path, server)
    case = floor.cases[0]
    bind(floor, server, settings, case.id, OPENID)
    creditor_template(floor, int(floor.uow.session.execute(select(t.cases.c.creditor_id)).scalars().first()))
    point = floor.uow.session.execute(select(t.wechat_bindings.c.contact_point_id)).scalar_one()
    floor.uow.commit()
    with time_machine.travel(MORNING, tick=False):  # the push is received at MORNING, and WeChat hears it
        site.post(PATH, params=signed(), content=xml(OPENID, "text", content="在吗"))
        server.wrote(OPENID)
        viewer = floor.viewer("alice")
        send(
            floor.uow,
            viewer,
            case.id,
            template="reminder",
            channel="wechat",
            contact_point_id=point,
            now=MORNING,
        )
        assert dispatch_due(floor.uow, MORNING, settings=settings)["sent"] == 1
    assert [s["kind"] for s in server.sent] == ["custom"]


def test_td_on_wechat_opts_the_debtor_out_of_wechat(
    floor: Floor, site: Browser, server: WechatServer, tmp_path: Path
) -> None:
    bind(floor, server, wechat_settings(tmp_path, server), floor.cases[0].id, OPENID)
    site.post(PATH, params=signed(), content=xml(OPENID, "text", content="TD", msg_id="78"))
    floor.uow.rollback()
    opted = floor.uow.session.execute(
        select(t.debtors.c.opt_out_channels).where(t.debtors.c.id == floor.cases[0].debtor_id)
    ).scalar_one()
    assert "wechat" in opted


def test_unfollowing_and_following_again_set_the_bindings_followed_flag(
    floor: Floor, site: Browser, server: WechatServer, tmp_path: Path
) -> None:
    bind(floor, server, wechat_settings(tmp_path, server), floor.cases[0].id, OPENID)

    def followed() -> bool:
        floor.uow.rollback()
        return bool(floor.uow.session.execute(select(t.wechat_bindings.c.followed)).scalar_one())

    site.post(PATH, params=signed(), content=xml(OPENID, "event", event="unsubscribe"))
    assert followed() is False
    site.post(PATH, params=signed(), content=xml(OPENID, "event", event="subscribe"))
    assert followed() is True
