"""Payment links: which providers a case is offered (by the route its creditor's terms give, the
creditor's own merchant, the currency), the link made with the provider, and the creditor's merchant kept
sealed. The provider is tests/support/fake_pay.py, registered as "fake"."""

from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest
from sqlalchemy import func, insert, select
from tests.support.fake_pay import FakeProvider, install
from tests.support.floor import MORNING, Floor, us_case
from tests.support.messaging import use_settings
from typer.testing import CliRunner

from huikuan.cli import app as cli
from huikuan.errors import Forbidden, InvalidInput, ProviderUnavailable
from huikuan.sealing import is_sealed
from huikuan.services.money_terms import set_terms
from huikuan.services.payment_links import NewLink, create_payment_link, offered_providers
from huikuan.services.payment_merchants import list_merchants, set_merchant
from huikuan.storage import tables as t

PUBLIC = "https://hk.example.test"
SUB_MCHID = "1900000109"


@pytest.fixture
def fake(floor: Floor, monkeypatch: pytest.MonkeyPatch) -> FakeProvider:
    use_settings(monkeypatch, public_url=PUBLIC + "/")
    return install(monkeypatch)


def _links(floor: Floor) -> int:
    return floor.uow.session.execute(select(func.count()).select_from(t.payment_links)).scalar_one()


def test_a_cn_creditor_is_offered_a_provider_only_once_its_own_merchant_is_set_up(
    floor: Floor, fake: FakeProvider
) -> None:
    """In China the money lands in the creditor's own merchant (no 二清): without one, nothing is offered."""
    case = floor.cases[0]
    assert offered_providers(floor.uow, case.id, now=MORNING) == []
    set_merchant(floor.uow, None, "BANK", "fake", {"sub_mchid": SUB_MCHID}, now=MORNING)
    assert offered_providers(floor.uow, case.id, now=MORNING) == ["fake"]
    assert offered_providers(floor.uow, floor.other_creditor_case.id, now=MORNING) == []  # type: ignore[union-attr]


def test_a_provider_without_a_service_provider_mode_cannot_serve_the_creditor_route(
    floor: Floor, fake: FakeProvider, monkeypatch: pytest.MonkeyPatch
) -> None:
    plain = FakeProvider(name="plain", service_provider_mode=False)
    install(monkeypatch, plain)
    set_merchant(floor.uow, None, "BANK", "plain", {"sub_mchid": SUB_MCHID}, now=MORNING)
    set_merchant(floor.uow, None, "BANK", "fake", {"sub_mchid": SUB_MCHID}, now=MORNING)
    assert offered_providers(floor.uow, floor.cases[0].id, now=MORNING) == ["fake"]
    with pytest.raises(InvalidInput, match="plain is not offered"):
        create_payment_link(
            floor.uow, floor.viewer("alice"), NewLink(floor.cases[0].id, "plain"), now=MORNING
        )
    assert _links(floor) == 0


def test_the_trust_route_needs_no_merchant_and_the_provider_must_charge_in_the_currency(
    floor: Floor, fake: FakeProvider, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Abroad the money lands in the agency's trust account (the default outside China)."""
    us = us_case(floor)
    yuan_only = FakeProvider(name="yuan", currencies=frozenset({"CNY"}), service_provider_mode=False)
    install(monkeypatch, yuan_only)
    assert offered_providers(floor.uow, us.id, now=MORNING) == ["fake"]
    # A cn creditor whose terms route its money to the trust account: both, without a merchant.
    set_terms(floor.uow, None, _creditor(floor, "BANK"), {"starts_on": "2026-01-01", "route": "trust"})
    assert offered_providers(floor.uow, floor.cases[0].id, now=MORNING) == ["fake", "yuan"]


def test_a_provider_that_is_not_configured_is_not_offered(
    floor: Floor, fake: FakeProvider, monkeypatch: pytest.MonkeyPatch
) -> None:
    set_merchant(floor.uow, None, "BANK", "fake", {"sub_mchid": SUB_MCHID}, now=MORNING)
    monkeypatch.delenv("FAKE_PAY_SECRET")
    assert offered_providers(floor.uow, floor.cases[0].id, now=MORNING) == []
    with pytest.raises(InvalidInput, match="not offered"):
        create_payment_link(floor.uow, floor.viewer("alice"), NewLink(floor.cases[0].id, "fake"), now=MORNING)


def test_a_link_asks_the_provider_for_the_open_balance_into_the_creditors_own_merchant(
    floor: Floor, fake: FakeProvider
) -> None:
    case = floor.cases[0]
    set_merchant(floor.uow, None, "BANK", "fake", {"sub_mchid": SUB_MCHID}, now=MORNING)
    link = create_payment_link(floor.uow, floor.viewer("alice"), NewLink(case.id, "fake"), now=MORNING)

    (asked,) = fake.requests
    assert re.fullmatch(r"HK[0-9a-f]{24}", asked.out_trade_no)
    assert (asked.amount, asked.currency) == (1_200_000, "CNY")
    assert asked.notify_url == f"{PUBLIC}/api/v1/payments/notify/fake"
    assert asked.expires_at == MORNING + timedelta(hours=24)
    assert dict(asked.merchant) == {"sub_mchid": SUB_MCHID}
    assert "HT-" in asked.subject
    assert (link.amount, link.route, link.status, link.provider_ref) == (
        1_200_000,
        "creditor",
        "open",
        "FK-1",
    )
    assert link.url == f"https://pay.fake.test/c/{asked.out_trade_no}"
    assert link.qr_svg().lstrip().startswith("<svg")
    row = floor.uow.session.execute(select(t.payment_links)).one()
    assert (row.out_trade_no, row.created_by) == (asked.out_trade_no, floor.users["alice"])
    audited = floor.uow.session.execute(
        select(t.audit_events.c.detail).where(t.audit_events.c.action == "payment_link.created")
    ).scalar_one()
    assert audited == {"link_id": link.id, "provider": "fake", "amount": 1_200_000, "route": "creditor"}


def test_a_link_never_asks_for_more_than_the_open_balance(floor: Floor, fake: FakeProvider) -> None:
    case = floor.cases[0]
    set_merchant(floor.uow, None, "BANK", "fake", {"sub_mchid": SUB_MCHID}, now=MORNING)
    alice = floor.viewer("alice")
    with pytest.raises(InvalidInput, match="at most the open balance"):
        create_payment_link(floor.uow, alice, NewLink(case.id, "fake", amount=1_200_001), now=MORNING)
    with pytest.raises(InvalidInput, match="more than zero"):
        create_payment_link(floor.uow, alice, NewLink(case.id, "fake", amount=0), now=MORNING)
    link = create_payment_link(floor.uow, alice, NewLink(case.id, "fake", amount=50_000), now=MORNING)
    assert link.amount == 50_000
    assert _links(floor) == 1


def test_a_link_for_an_arrangement_asks_for_its_next_unpaid_instalment(
    floor: Floor, fake: FakeProvider
) -> None:
    case = floor.cases[0]
    set_merchant(floor.uow, None, "BANK", "fake", {"sub_mchid": SUB_MCHID}, now=MORNING)
    s = floor.uow.session
    arrangement = s.execute(
        insert(t.arrangements)
        .values(case_id=case.id, kind="plan", total_amount=900_000, currency="CNY", status="active")
        .returning(t.arrangements.c.id)
    ).scalar_one()
    s.execute(
        insert(t.instalments),
        [
            {"arrangement_id": arrangement, "seq": 1, "due_date": MORNING.date(), "amount": 300_000,
             "paid_amount": 300_000, "status": "paid"},
            {"arrangement_id": arrangement, "seq": 2, "due_date": MORNING.date() + timedelta(days=30),
             "amount": 300_000, "paid_amount": 100_000, "status": "partly_paid"},
            {"arrangement_id": arrangement, "seq": 3, "due_date": MORNING.date() + timedelta(days=60),
             "amount": 300_000, "paid_amount": 0, "status": "pending"},
        ],
    )  # fmt: skip
    floor.uow.commit()
    link = create_payment_link(
        floor.uow, floor.viewer("alice"), NewLink(case.id, "fake", arrangement_id=arrangement), now=MORNING
    )
    assert (link.amount, link.arrangement_id) == (200_000, arrangement)


def test_a_provider_that_refuses_keeps_no_link(floor: Floor, monkeypatch: pytest.MonkeyPatch) -> None:
    use_settings(monkeypatch, public_url=PUBLIC)
    install(monkeypatch, FakeProvider(refuse="the merchant is not authorised"))
    set_merchant(floor.uow, None, "BANK", "fake", {"sub_mchid": SUB_MCHID}, now=MORNING)
    with pytest.raises(
        ProviderUnavailable, match="fake did not make the link: the merchant is not authorised"
    ):
        create_payment_link(floor.uow, floor.viewer("alice"), NewLink(floor.cases[0].id, "fake"), now=MORNING)
    floor.uow.rollback()
    assert _links(floor) == 0


def test_without_a_public_address_no_link_is_made(floor: Floor, monkeypatch: pytest.MonkeyPatch) -> None:
    """The provider could not tell us the link was paid: refused before the provider is asked."""
    use_settings(monkeypatch, public_url="")
    fake = install(monkeypatch)
    set_merchant(floor.uow, None, "BANK", "fake", {"sub_mchid": SUB_MCHID}, now=MORNING)
    with pytest.raises(ProviderUnavailable, match="HUIKUAN_PUBLIC_URL"):
        create_payment_link(floor.uow, floor.viewer("alice"), NewLink(floor.cases[0].id, "fake"), now=MORNING)
    assert fake.requests == []


def test_a_creditors_viewer_may_not_make_a_link(floor: Floor, fake: FakeProvider) -> None:
    set_merchant(floor.uow, None, "BANK", "fake", {"sub_mchid": SUB_MCHID}, now=MORNING)
    with pytest.raises(Forbidden):
        create_payment_link(floor.uow, floor.viewer("vic"), NewLink(floor.cases[0].id, "fake"), now=MORNING)
    assert fake.requests == []


def test_a_merchants_values_are_sealed_at_rest_and_listed_masked(
    floor: Floor, fake: FakeProvider, db_env: str
) -> None:
    token = "201509BB28f3c3ca2fd64d4ba07b3f3f8b2f3c3a"
    result = CliRunner().invoke(
        cli,
        [
            "payments",
            "merchant",
            "set",
            "BANK",
            "--provider",
            "fake",
            "--field",
            f"app_auth_token={token}",
            "--json",
        ],
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["fields"] == {"app_auth_token": "••••3c3a"}
    stored = floor.uow.session.execute(select(t.payment_merchants.c.fields)).scalar_one()
    assert is_sealed(stored["app_auth_token"]) and token not in json.dumps(stored)
    listed = CliRunner().invoke(cli, ["payments", "merchant", "list"])
    assert listed.exit_code == 0 and "BANK\tfake\tapp_auth_token=••••3c3a" in listed.output
    assert token not in listed.output
    assert [m.fields for m in list_merchants(floor.uow, "BANK")] == [{"app_auth_token": "••••3c3a"}]


def test_a_merchant_for_an_unknown_provider_is_refused(floor: Floor, fake: FakeProvider, db_env: str) -> None:
    result = CliRunner().invoke(
        cli, ["payments", "merchant", "set", "BANK", "--provider", "paypal", "--field", "x=1"]
    )
    assert result.exit_code == 1 and "Unknown provider paypal" in result.output
    assert floor.uow.session.execute(select(func.count()).select_from(t.payment_merchants)).scalar_one() == 0


def _creditor(floor: Floor, code: str) -> int:
    return int(
        floor.uow.session.execute(select(t.creditors.c.id).where(t.creditors.c.code == code)).scalar_one()
    )
