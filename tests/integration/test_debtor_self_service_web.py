"""The debtor's pay, arrange and dispute pages (web/ui/debtor_money.py) as a debtor uses them, in zh and
en: nothing shows before the identity check, the pay form leads the browser to the provider's cashier,
accepting a plan needs the consent box, a request and a dispute are sent from their forms."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select
from tests.support.debtor_portal import answer_check, debtor_browser, page_csrf, right_answers
from tests.support.fake_pay import FakeProvider, install
from tests.support.floor import MORNING, Floor
from tests.support.messaging import use_settings
from tests.support.web import login_client

from huikuan.services.contacts import check_contact
from huikuan.services.debtor_links import create_link
from huikuan.services.payment_merchants import set_merchant
from huikuan.storage import tables as t
from huikuan.web.app import create_app

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\n%%EOF\n"
PAGES = ("/d/pay", "/d/pay/receipt", "/d/arrange", "/d/dispute")


@pytest.fixture
def app(db_env: str, tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    use_settings(monkeypatch, documents_dir=str(tmp_path / "docs"), public_url="http://hk.example.test")
    return create_app(db_env)


def _debtor(floor: Floor, app: Any, n: int = 1, locale: str = "en") -> Any:
    link = create_link(floor.uow, floor.cases[n - 1].id)
    client = debtor_browser(app, locale)
    assert answer_check(client, link.token, right_answers(n)).status_code == 303
    page_csrf(client, "/d")
    return client


def _count(floor: Floor, table: Any) -> int:
    floor.uow.rollback()
    return int(floor.uow.session.execute(select(func.count()).select_from(table)).scalar_one())


@pytest.mark.parametrize("page", PAGES)
def test_the_pages_send_anyone_without_a_visit_to_the_check_and_show_nothing(
    floor: Floor, app: Any, page: str
) -> None:
    for client in (debtor_browser(app), login_client(app, "sue")):
        answer = client.get(page, follow_redirects=False)
        assert answer.status_code == 303 and answer.headers["location"] == "/d/check"
    assert debtor_browser(app).post("/d/pay", data={"amount": "1"}, follow_redirects=False).status_code == 403


def test_the_pay_form_leads_the_debtor_to_the_providers_cashier(
    floor: Floor, app: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake: FakeProvider = install(monkeypatch)
    set_merchant(floor.uow, None, "BANK", "fake", {"sub_mchid": "1900000109"}, now=MORNING)
    client = _debtor(floor, app, locale="zh_CN")
    page = client.get("/d/pay").text
    assert "支付" in page and "12,000.00" in page
    too_much = client.post("/d/pay", data={"amount": "99999", "provider": "fake"}, follow_redirects=False)
    assert too_much.status_code == 422 and fake.requests == []
    went = client.post("/d/pay", data={"amount": "500.00", "provider": "fake"}, follow_redirects=False)
    assert went.status_code == 200 and 'href="https://pay.fake.test/c/HK' in went.text
    assert fake.requests[0].amount == 50_000
    assert fake.requests[0].return_url == "http://hk.example.test/d/pay/receipt"
    assert 'data-testid="d-receipt-waiting"' in client.get("/d/pay/receipt").text


def test_a_plan_is_accepted_only_with_the_consent_box_ticked(floor: Floor, app: Any) -> None:
    client = _debtor(floor, app)
    page = client.get("/d/arrange").text
    assert "6 monthly payments" in page and "I agree to pay" in page
    unticked = client.post("/d/arrange/accept", data={"offer": "plan-6"}, follow_redirects=False)
    assert unticked.status_code == 422 and _count(floor, t.arrangements) == 0
    signed = client.post(
        "/d/arrange/accept", data={"offer": "plan-6", "agree": "yes"}, follow_redirects=False
    )
    assert signed.status_code == 303 and _count(floor, t.self_service_signatures) == 1
    assert "Your arrangement" in client.get("/d/arrange").text


def test_a_proposal_of_the_debtors_own_is_sent_to_the_floor(floor: Floor, app: Any) -> None:
    client = _debtor(floor, app, locale="zh_CN")
    sent = client.post("/d/arrange/request", data={"text": "每月300元"}, follow_redirects=False)
    assert sent.status_code == 303 and sent.headers["location"] == "/d/arrange?sent=1"
    assert _count(floor, t.self_service_requests) == 1


def test_a_dispute_sent_from_the_page_stops_collection(floor: Floor, app: Any) -> None:
    client = _debtor(floor, app)
    assert "Dispute this debt" in client.get("/d/dispute").text
    bad = client.post(
        "/d/dispute",
        data={"reason": "not_mine"},
        files={"files": ("fake.pdf", b"GIF89a not a pdf", "application/pdf")},
    )
    assert bad.status_code == 422 and _count(floor, t.disputes) == 0
    done = client.post(
        "/d/dispute",
        data={"reason": "not_mine", "text": "Not my card"},
        files={"files": ("proof.pdf", PDF, "application/pdf")},
    )
    assert done.status_code == 200 and "stopped collecting" in done.text
    assert _count(floor, t.documents) == 1
    assert not check_contact(floor.uow, floor.cases[0].id, channel="call").allowed
