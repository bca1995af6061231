"""Binding a debtor's WeChat: the signed bind link (a letter's QR code, the portal inside WeChat) goes
through WeChat's OAuth (snsapi_base) to a consent page; only the person's yes binds the openid, and
WeChat is then planned for that debtor alone."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest
import time_machine
from pypdf import PdfReader
from sqlalchemy import select, update
from tests.support.floor import MORNING, Floor
from tests.support.messaging import channel_settings, use_settings
from tests.support.web import Browser
from tests.support.wechat import bind, wechat_settings, wechat_values
from tests.support.wechat_server import WechatServer, wechat_server

from huikuan import config
from huikuan.config import get_settings
from huikuan.services import wechat_bindings
from huikuan.services.anonymise import anonymise
from huikuan.services.outbox import send
from huikuan.services.outbox_job import dispatch_due
from huikuan.services.plan import load_plan_inputs
from huikuan.storage import tables as t
from huikuan.web.app import create_app

OPENID = "oBind_4Kx9PZ2mV7nQ1sLtY8wR3cE"
RETURN = "北京市东城区邮政信箱 8-88 号|100010"
_HIDDEN = re.compile(r'name="(csrf_token|token|locale)" value="([^"]*)"')


@pytest.fixture
def server() -> Iterator[WechatServer]:
    with wechat_server() as api:
        yield api


@pytest.fixture
def site(
    db_env: str, server: WechatServer, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> Iterator[Browser]:
    """The app with WeChat configured, and a phone's browser inside WeChat (it says zh-CN)."""
    use_settings(monkeypatch, letters_dir=str(tmp_path / "letters"), **wechat_values(server))
    yield Browser(create_app(db_env), headers={"Accept-Language": "zh-CN,zh;q=0.9"})
    config.get_settings.cache_clear()


def _form(html: str, which: int = 0) -> dict[str, str]:
    """The hidden fields of one of the page's forms: 0 the answer, 1 the language switch."""
    return dict(_HIDDEN.findall(html.split("</form>")[which]))


def _open_link(site: Browser, server: WechatServer, case_id: int) -> str:
    """The person opens the case's bind link: WeChat authorizes and sends back a code; the consent page."""
    link = wechat_bindings.bind_url(get_settings(), case_id)
    assert link is not None and link.startswith("https://hk.example.cn/wx/bind/")
    went = site.get(urlparse(link).path, follow_redirects=False)
    assert went.status_code == 302
    state = parse_qs(urlparse(went.headers["location"]).query)["state"][0]
    page = site.get("/wx/oauth", params={"code": server.issue_code(OPENID), "state": state})
    assert page.status_code == 200, page.text
    return page.text


def test_a_bind_link_sends_the_person_to_wechats_silent_authorization_with_a_signed_state(
    floor: Floor, site: Browser
) -> None:
    token = wechat_bindings.bind_token(get_settings(), floor.cases[0].id)
    went = site.get(f"/wx/bind/{token}", follow_redirects=False)
    assert went.status_code == 302
    target = urlparse(went.headers["location"])
    assert (target.netloc, target.path) == ("open.weixin.qq.com", "/connect/oauth2/authorize")
    query = parse_qs(target.query)
    assert query["appid"] == [get_settings().wechat_app_id]
    assert query["scope"] == ["snsapi_base"] and query["response_type"] == ["code"]
    assert query["redirect_uri"] == ["https://hk.example.cn/wx/oauth"] and query["state"] == [token]
    assert target.fragment == "wechat_redirect"


def test_a_forged_or_expired_bind_link_is_not_found(floor: Floor, site: Browser) -> None:
    token = wechat_bindings.bind_token(get_settings(), floor.cases[0].id)
    assert site.get(f"/wx/bind/{token[:-2]}xx", follow_redirects=False).status_code == 404
    with time_machine.travel(MORNING + timedelta(days=365), tick=False):
        assert site.get(f"/wx/bind/{token}", follow_redirects=False).status_code == 404


def test_the_person_agrees_and_the_openid_is_bound_with_the_consent_shown_its_time_and_address(
    floor: Floor, site: Browser, server: WechatServer
) -> None:
    case = floor.cases[0]
    server.follower(OPENID)
    page = _open_link(site, server, case.id)
    assert "我同意" in page and "通过本微信公众号向我发送" in page
    form = _form(page)
    done = site.post("/wx/oauth", data={**form, "agree": "yes"})
    assert done.status_code == 200 and 'data-testid="wx-bound"' in done.text
    floor.uow.rollback()
    b = floor.uow.session.execute(select(t.wechat_bindings)).one()
    assert (b.debtor_id, b.openid, b.app_id, b.source) == (case.debtor_id, OPENID, server.app_id, "oauth")
    assert b.consent_text.startswith("我同意") and b.consent_locale == "zh_CN"
    assert b.consent_address == "testclient" and b.consent_at is not None
    assert (b.followed, b.status) == (True, "active")
    point = floor.uow.session.execute(
        select(t.contact_points).where(t.contact_points.c.id == b.contact_point_id)
    ).one()
    assert (point.kind, point.value, point.status, point.consent) == ("wechat", OPENID, "valid", True)


def test_the_consent_page_speaks_english_on_request_and_records_the_english_text(
    floor: Floor, site: Browser, server: WechatServer
) -> None:
    page = _open_link(site, server, floor.cases[0].id)
    english = site.post("/wx/oauth", data={**_form(page, 1), "agree": "language"})
    assert "I agree that" in english.text and "I agree</button>" in english.text
    site.post("/wx/oauth", data={**_form(english.text), "agree": "yes"})
    floor.uow.rollback()
    b = floor.uow.session.execute(select(t.wechat_bindings)).one()
    assert b.consent_locale == "en" and b.consent_text.startswith("I agree that")


def test_a_person_who_declines_is_not_bound(floor: Floor, site: Browser, server: WechatServer) -> None:
    page = _open_link(site, server, floor.cases[0].id)
    done = site.post("/wx/oauth", data={**_form(page), "agree": "no"})
    assert 'data-testid="wx-not-bound"' in done.text
    floor.uow.rollback()
    assert floor.uow.session.execute(select(t.wechat_bindings)).all() == []


def test_a_consent_whose_openid_was_changed_binds_nothing(
    floor: Floor, site: Browser, server: WechatServer
) -> None:
    form = _form(_open_link(site, server, floor.cases[0].id))
    forged = {**form, "token": form["token"][:-3] + "abc", "agree": "yes"}
    assert site.post("/wx/oauth", data=forged).status_code == 422
    floor.uow.rollback()
    assert floor.uow.session.execute(select(t.wechat_bindings)).all() == []


def test_an_authorization_code_is_good_once(floor: Floor, site: Browser, server: WechatServer) -> None:
    token = wechat_bindings.bind_token(get_settings(), floor.cases[0].id)
    code = server.issue_code(OPENID)
    assert site.get("/wx/oauth", params={"code": code, "state": token}).status_code == 200
    again = site.get("/wx/oauth", params={"code": code, "state": token})
    assert again.status_code == 422 and "40029" in again.text


def test_without_an_official_account_the_bind_routes_are_not_found(
    floor: Floor, db_env: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    use_settings(monkeypatch, secret_key="k", public_url="https://hk.example.cn")
    token = wechat_bindings.bind_token(get_settings(), floor.cases[0].id)
    client = Browser(create_app(db_env))
    assert client.get(f"/wx/bind/{token}", follow_redirects=False).status_code == 404
    assert client.get("/wx/oauth", params={"code": "x", "state": token}).status_code == 404
    assert wechat_bindings.bind_url(get_settings(), floor.cases[0].id) is None
    config.get_settings.cache_clear()


def test_wechat_is_planned_only_for_a_debtor_with_an_active_binding_to_a_follower(
    floor: Floor, server: WechatServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = wechat_settings(tmp_path, server)
    use_settings(monkeypatch, **wechat_values(server))
    bound, other = floor.cases[0], floor.cases[1]
    # The other debtor has a WeChat id from the creditor, never bound: no way to send.
    floor.uow.session.execute(
        t.contact_points.insert().values(
            debtor_id=other.debtor_id, kind="wechat", value="li_lei", source="creditor"
        )
    )
    floor.uow.commit()
    bind(floor, server, settings, bound.id, OPENID)

    def reach() -> dict[int, bool]:
        floor.uow.rollback()
        conn = floor.uow.session.connection()
        cases = load_plan_inputs(conn, date(2026, 11, 20), MORNING).cases
        return dict(zip(cases["case_id"].to_list(), cases["has_wechat"].to_list(), strict=True))

    assert reach()[bound.id] is True and reach()[other.id] is False
    wechat_bindings.set_followed(floor.uow, server.app_id, OPENID, False, now=MORNING)
    floor.uow.commit()
    assert reach()[bound.id] is False


def test_a_letter_prints_the_cases_bind_link_as_a_qr_code_when_wechat_is_configured(
    floor: Floor, server: WechatServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    use_settings(monkeypatch, letter_return_address=RETURN)
    c = floor.cases[0]
    floor.uow.session.execute(update(t.debtors).where(t.debtors.c.id == c.debtor_id).values(name="王小明"))
    floor.uow.commit()
    pages = {}
    for name, settings in (
        ("with", wechat_settings(tmp_path, server, letter_return_address=RETURN)),
        ("without", channel_settings(tmp_path, letter_return_address=RETURN)),
    ):
        mid = send(
            floor.uow,
            floor.viewer("alice"),
            c.id,
            template="demand",
            channel="letter",
            contact_point_id=c.address_id,
            now=MORNING,
        )
        assert dispatch_due(floor.uow, MORNING, settings=settings)["sent"] == 1
        floor.uow.rollback()
        document = floor.uow.session.execute(
            select(t.messages.c.document).where(t.messages.c.id == mid)
        ).scalar_one()
        pages[name] = PdfReader(tmp_path / "letters" / document).pages
    # With WeChat (and so a public address), the bind code and the code of the debtor's own page.
    assert (
        sum(len(p.images) for p in pages["with"]) == 2 and sum(len(p.images) for p in pages["without"]) == 0
    )
    assert "用微信扫一扫" in "".join(p.extract_text() for p in pages["with"])


def test_a_letter_to_a_guarantor_carries_no_bind_link(
    floor: Floor, server: WechatServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    use_settings(monkeypatch, letter_return_address=RETURN)
    c = floor.cases[0]
    point = floor.uow.session.execute(
        t.contact_points.insert()
        .values(
            debtor_id=c.debtor_id, party_id=c.guarantor_id, kind="address", value="上海市黄浦区中山东一路1号"
        )
        .returning(t.contact_points.c.id)
    ).scalar_one()
    floor.uow.commit()
    mid = send(
        floor.uow,
        floor.viewer("alice"),
        c.id,
        template="demand",
        channel="letter",
        contact_point_id=int(point),
        now=MORNING,
    )
    settings = wechat_settings(tmp_path, server, letter_return_address=RETURN)
    assert dispatch_due(floor.uow, MORNING, settings=settings)["sent"] == 1
    floor.uow.rollback()
    document = floor.uow.session.execute(
        select(t.messages.c.document).where(t.messages.c.id == mid)
    ).scalar_one()
    assert len(PdfReader(tmp_path / "letters" / document).pages[0].images) == 0


def test_a_person_who_binds_without_following_the_account_is_not_planned_until_they_follow(
    floor: Floor, server: WechatServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = wechat_settings(tmp_path, server)
    use_settings(monkeypatch, **wechat_values(server))
    case = floor.cases[0]
    code = server.issue_code(OPENID)  # WeChat knows the person (OAuth), who does not follow the account
    asked = wechat_bindings.consent(
        floor.uow, settings, code, wechat_bindings.bind_token(settings, case.id), "en"
    )
    wechat_bindings.bind(floor.uow, settings, asked.token, locale="en", address="203.0.113.9", now=MORNING)
    floor.uow.rollback()
    assert floor.uow.session.execute(select(t.wechat_bindings.c.followed)).scalar_one() is False
    assert wechat_bindings.bound_debtors(floor.uow.session.connection(), server.app_id) == []
    wechat_bindings.set_followed(floor.uow, server.app_id, OPENID, True, now=MORNING)  # the subscribe event
    floor.uow.commit()
    assert wechat_bindings.bound_debtors(floor.uow.session.connection(), server.app_id) == [case.debtor_id]


def test_anonymising_a_debtor_deletes_its_wechat_binding_and_the_time_its_openid_last_wrote(
    floor: Floor, server: WechatServer, tmp_path: Path
) -> None:
    settings = wechat_settings(tmp_path, server)
    case = floor.cases[0]
    bind(floor, server, settings, case.id, OPENID)
    floor.uow.session.execute(
        t.wechat_inbound.insert().values(app_id=server.app_id, openid=OPENID, last_inbound_at=MORNING)
    )
    floor.uow.commit()
    anonymise(floor.uow, [case.debtor_id], MORNING + timedelta(days=1), trigger="request")
    floor.uow.commit()
    assert floor.uow.session.execute(select(t.wechat_bindings)).all() == []
    assert floor.uow.session.execute(select(t.wechat_inbound)).all() == []
