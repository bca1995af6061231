"""The payment links on the case page and over the API: the panel's list, form and QR code, a provider's
refusal answered 503 with nothing kept, and the notification endpoint's rate limit."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from tests.support.fake_pay import FakeProvider, install
from tests.support.floor import MORNING, Floor
from tests.support.messaging import use_settings
from tests.support.web import Browser, login_client

from huikuan.services.payment_merchants import set_merchant
from huikuan.storage import tables as t
from huikuan.web.app import create_app

PANEL = "/cases/{id}/panels/payment-links"


@pytest.fixture
def fake(floor: Floor, monkeypatch: pytest.MonkeyPatch) -> FakeProvider:
    use_settings(monkeypatch, public_url="https://hk.example.test")
    provider = install(monkeypatch)
    set_merchant(floor.uow, None, "BANK", "fake", {"sub_mchid": "1900000109"}, now=MORNING)
    return provider


def _links(floor: Floor) -> int:
    floor.uow.rollback()
    return int(floor.uow.session.execute(select(func.count()).select_from(t.payment_links)).scalar_one())


def test_a_collector_makes_a_link_from_the_case_page_and_sees_its_qr_code(
    floor: Floor, fake: FakeProvider, db_env: str
) -> None:
    case = floor.cases[0]
    alice = login_client(create_app(db_env), "alice")
    panel = alice.get(PANEL.format(id=case.id))
    assert panel.status_code == 200
    assert 'data-testid="payment-links-none"' in panel.text
    assert '<option value="fake">fake</option>' in panel.text

    made = alice.post(
        f"/cases/{case.id}/payment-links",
        data={"provider": "fake", "amount": "1,500.00"},
        headers={"HX-Request": "true"},
    )
    assert made.status_code == 200, made.text
    assert made.headers["HX-Trigger"] == "case-changed"
    assert 'data-testid="payment-links-notice"' in made.text
    (asked,) = fake.requests
    assert asked.amount == 150_000
    assert f"https://pay.fake.test/c/{asked.out_trade_no}" in made.text
    link_id = floor.uow.session.execute(select(t.payment_links.c.id)).scalar_one()
    assert f'src="/api/v1/payment-links/{link_id}/qr.svg"' in made.text
    qr = alice.get(f"/api/v1/payment-links/{link_id}/qr.svg")
    assert qr.status_code == 200 and qr.text.lstrip().startswith("<svg")


def test_a_plain_form_post_goes_back_to_the_payments_tab(
    floor: Floor, fake: FakeProvider, db_env: str
) -> None:
    case = floor.cases[0]
    alice = login_client(create_app(db_env), "alice")
    made = alice.post(f"/cases/{case.id}/payment-links", data={"provider": "fake"}, follow_redirects=False)
    assert (made.status_code, made.headers["location"]) == (303, f"/cases/{case.id}?tab=payments")
    assert fake.requests[0].amount == 1_200_000


def test_the_creditors_viewer_sees_the_links_but_no_form(
    floor: Floor, fake: FakeProvider, db_env: str
) -> None:
    vic = login_client(create_app(db_env), "vic")
    panel = vic.get(PANEL.format(id=floor.cases[0].id))
    assert panel.status_code == 200
    assert 'data-testid="payment-link-form"' not in panel.text
    listed = vic.get(f"/api/v1/cases/{floor.cases[0].id}/payment-links").json()
    assert listed == {"offered": ["fake"], "links": []}


def test_a_case_without_an_offered_provider_says_why(
    floor: Floor, db_env: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    install(monkeypatch)  # configured, but BANK has no merchant of its own with it
    alice = login_client(create_app(db_env), "alice")
    panel = alice.get(PANEL.format(id=floor.cases[0].id))
    assert 'data-testid="payment-links-none-offered"' in panel.text


def test_a_provider_that_refuses_is_answered_503_and_no_link_is_kept(
    floor: Floor, fake: FakeProvider, db_env: str
) -> None:
    fake.refuse = "system busy"
    alice = login_client(create_app(db_env), "alice")
    answer = alice.post(f"/api/v1/cases/{floor.cases[0].id}/payment-links", json={"provider": "fake"})
    assert answer.status_code == 503
    assert answer.json()["detail"] == "fake did not make the link: system busy"
    assert _links(floor) == 0


def test_an_amount_beyond_the_balance_is_refused(floor: Floor, fake: FakeProvider, db_env: str) -> None:
    alice = login_client(create_app(db_env), "alice")
    answer = alice.post(
        f"/api/v1/cases/{floor.cases[0].id}/payment-links", json={"provider": "fake", "amount": "12000.01"}
    )
    assert answer.status_code == 422 and "open balance" in answer.json()["detail"]
    assert fake.requests == [] and _links(floor) == 0


def test_notifications_beyond_the_rate_are_refused_with_retry_after(
    floor: Floor, fake: FakeProvider, db_env: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    use_settings(monkeypatch, payment_notify_rate_per_minute="6")  # a bucket of one
    provider = Browser(create_app(db_env))
    assert provider.post("/api/v1/payments/notify/fake", content=b"{}").status_code == 400
    refused = provider.post("/api/v1/payments/notify/fake", content=b"{}")
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) >= 1
