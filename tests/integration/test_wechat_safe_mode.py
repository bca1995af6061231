"""The official account's push in WeChat's safe mode (安全模式): with HUIKUAN_WECHAT_ENCODING_AES_KEY set, a
push the local WeChat encrypts as WeChat documents it is checked (msg_signature) and decrypted, and
reaches the inbound service as a plain one does; a push that is tampered with, encrypted for another
account or with another key, or sent in the clear is refused and changes nothing; a passive reply is
encrypted so that WeChat can read it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from pydantic import ValidationError
from sqlalchemy import select
from tests.support.floor import Floor
from tests.support.messaging import use_settings
from tests.support.web import Browser
from tests.support.wechat import bind, wechat_settings, wechat_values
from tests.support.wechat_server import WechatServer, wechat_server

from huikuan import config
from huikuan.config import Settings
from huikuan.storage import tables as t
from huikuan.web.app import create_app

OPENID = "oSafe_7Yb2Qw9Er4Ty6Ui8Op0As1Df"
PATH = "/api/v1/callbacks/wechat/push-path-secret"
KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"  # an EncodingAESKey: 43 characters
OTHER_KEY = "ZYXWVUTSRQPONMLKJIHGFEDCBA9876543210abcdefg"


def text(openid: str, content: str, msg_id: str) -> str:
    return (
        "<xml><ToUserName><![CDATA[gh_0123456789ab]]></ToUserName>"
        f"<FromUserName><![CDATA[{openid}]]></FromUserName><CreateTime>1764990000</CreateTime>"
        f"<MsgType><![CDATA[text]]></MsgType><Content><![CDATA[{content}]]></Content><MsgId>{msg_id}</MsgId></xml>"
    )


@pytest.fixture
def server() -> Iterator[WechatServer]:
    with wechat_server(encoding_aes_key=KEY) as api:
        yield api


@pytest.fixture
def site(db_env: str, server: WechatServer, monkeypatch: pytest.MonkeyPatch) -> Iterator[Browser]:
    use_settings(monkeypatch, **wechat_values(server), wechat_encoding_aes_key=KEY)
    yield Browser(create_app(db_env))
    config.get_settings.cache_clear()


def kept(floor: Floor) -> list:
    floor.uow.rollback()
    return list(floor.uow.session.execute(select(t.inbound_messages)).all())


def test_an_encrypted_push_is_decrypted_and_reaches_the_case_as_a_reply(
    floor: Floor, site: Browser, server: WechatServer, tmp_path: Path
) -> None:
    bind(floor, server, wechat_settings(tmp_path, server), floor.cases[0].id, OPENID)
    query, body = server.push(text(OPENID, "我下周还款", "91"))
    assert b"<Encrypt>" in body and "我下周还款".encode() not in body  # the local WeChat encrypted it
    assert query["encrypt_type"] == "aes"

    answer = site.post(PATH, params=query, content=body)

    assert answer.status_code == 200 and answer.text == "success"
    (got,) = kept(floor)
    assert (got.channel, got.sender, got.text, got.outcome, got.provider_ref) == (
        "wechat",
        OPENID,
        "我下周还款",
        "reply",
        "91",
    )
    assert floor.cases[0].id in got.result["case_ids"]


def test_td_in_an_encrypted_push_opts_the_debtor_out_of_wechat(
    floor: Floor, site: Browser, server: WechatServer, tmp_path: Path
) -> None:
    bind(floor, server, wechat_settings(tmp_path, server), floor.cases[0].id, OPENID)
    query, body = server.push(text(OPENID, "TD", "92"))
    assert site.post(PATH, params=query, content=body).status_code == 200
    floor.uow.rollback()
    opted = floor.uow.session.execute(
        select(t.debtors.c.opt_out_channels).where(t.debtors.c.id == floor.cases[0].debtor_id)
    ).scalar_one()
    assert "wechat" in opted


def _tampered(server: WechatServer) -> tuple[dict[str, str], bytes]:
    query, body = server.push(text(OPENID, "你好", "93"))
    return query, body.replace(b"<Encrypt><![CDATA[", b"<Encrypt><![CDATA[A", 1)


@pytest.mark.parametrize(
    "how",
    [
        "a wrong msg_signature",
        "a ciphertext changed after signing",
        "encrypted for another account",
        "encrypted with another key",
        "sent in the clear",
        "no envelope",
    ],
)
def test_a_push_that_is_not_what_the_safe_mode_sends_is_refused_and_changes_nothing(
    floor: Floor, site: Browser, server: WechatServer, how: str
) -> None:
    xml = text(OPENID, "你好", "93")
    if how == "a wrong msg_signature":
        query, body = server.push(xml)
        query["msg_signature"] = "0" * 40
    elif how == "a ciphertext changed after signing":
        query, body = _tampered(server)
    elif how == "encrypted for another account":
        other = WechatServer(app_id="wx9999999999999999", encoding_aes_key=KEY)
        query, body = other.push(xml)
    elif how == "encrypted with another key":
        query, body = WechatServer(app_id=server.app_id, encoding_aes_key=OTHER_KEY).push(xml)
    elif how == "sent in the clear":
        query, body = WechatServer(app_id=server.app_id).push(xml)
    else:
        query, body = server.push(xml)
        body = b"<xml><Content>no envelope</Content></xml>"

    assert site.post(PATH, params=query, content=body).status_code == 403
    assert kept(floor) == []
    assert floor.uow.session.execute(select(t.wechat_inbound)).all() == []


def test_without_the_key_an_encrypted_push_is_refused(
    floor: Floor, db_env: str, server: WechatServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    use_settings(monkeypatch, **wechat_values(server))
    try:
        query, body = server.push(text(OPENID, "你好", "94"))
        assert Browser(create_app(db_env)).post(PATH, params=query, content=body).status_code == 403
    finally:
        config.get_settings.cache_clear()
    assert kept(floor) == []


def test_the_address_check_is_answered_in_safe_mode_as_in_plain_text_mode(
    site: Browser, server: WechatServer
) -> None:
    query, _ = server.push(text(OPENID, "", "95"))
    plain = {k: query[k] for k in ("signature", "timestamp", "nonce")}
    assert site.get(PATH, params={**plain, "echostr": "echo-9"}).text == "echo-9"


@pytest.mark.parametrize("key", ["short", KEY + "A", KEY[:-1] + "!"])
def test_an_encoding_aes_key_that_is_not_43_base64_characters_is_refused_at_start(key: str) -> None:
    with pytest.raises(ValidationError):
        Settings(wechat_encoding_aes_key=key)
