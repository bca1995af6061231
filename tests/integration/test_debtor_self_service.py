"""The debtor's own page, items 3 to 5 of issue 18 (docs/debtor-self-service.md): paying in full or in part
through a provider with a receipt, arranging a settlement or a plan within the creditor's self-service
bounds (signed, tracked by the instalment job), a request to the floor for anything else (with an income
and expenditure statement in uk-conc), E-SIGN consent before an electronic notice in us-reg-f, and a
dispute with documents that stops collection at once. The provider is tests/support/fake_pay.py."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select, update
from tests.support.fake_pay import FakeProvider, install, notice
from tests.support.floor import MORNING, Floor, us_case
from tests.support.messaging import use_settings

from huikuan.errors import Conflict, InvalidInput, NotFound
from huikuan.services.anonymise import anonymise
from huikuan.services.contacts import check_contact
from huikuan.services.debtor_arrangements import accept_offer, arrange_view, bounds
from huikuan.services.debtor_disputes import MAX_FILE_BYTES, DebtorDispute, DebtorFile, dispute
from huikuan.services.debtor_payments import RECEIPT, pay_options, receipt, start_payment
from huikuan.services.debtor_requests import STATEMENT_FIELDS, ArrangementRequest, send_request
from huikuan.services.instalment_job import check_instalments
from huikuan.services.payment_merchants import set_merchant
from huikuan.services.preferences import ElectronicConsent, Preferences, set_preferences
from huikuan.services.provider_notifications import take_notification
from huikuan.services.self_service import Visitor
from huikuan.storage import tables as t
from huikuan.storage.document_store import FileStore

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
ADDRESS = "203.0.113.7"


def _visitor(case_id: int, locale: str = "zh_CN") -> Visitor:
    return Visitor(case_id=case_id, portal_link_id=41, address=ADDRESS, locale=locale)


def _policy(floor: Floor, **self_service: int) -> None:
    row = floor.uow.session.execute(select(t.creditors.c.authority_policy).limit(1)).scalar_one()
    floor.uow.session.execute(
        update(t.creditors).values(authority_policy={**row, "self_service": self_service})
    )
    floor.uow.commit()


def _count(floor: Floor, table: Any, *where: Any) -> int:
    floor.uow.rollback()
    return int(floor.uow.session.execute(select(func.count()).select_from(table).where(*where)).scalar_one())


@pytest.fixture
def fake(floor: Floor, monkeypatch: pytest.MonkeyPatch) -> FakeProvider:
    use_settings(monkeypatch, public_url="https://hk.example.test")
    provider = install(monkeypatch)
    set_merchant(floor.uow, None, "BANK", "fake", {"sub_mchid": "1900000109"}, now=MORNING)
    return provider


@pytest.fixture
def store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> FileStore:
    use_settings(monkeypatch, documents_dir=str(tmp_path / "docs"))
    return FileStore(tmp_path / "docs")


# --- 3. pay ------------------------------------------------------------------------------------------


def test_the_debtor_pays_part_of_the_balance_and_gets_a_receipt_page_and_one_email(
    floor: Floor, fake: FakeProvider
) -> None:
    case = floor.cases[0]  # owes 12,000.00 CNY
    visitor = _visitor(case.id)
    options = pay_options(floor.uow, visitor, now=MORNING)
    assert (options.balance, options.least, options.providers) == (1_200_000, 100, ["fake"])

    link = start_payment(floor.uow, visitor, "fake", "3,000.00", now=MORNING)
    assert (fake.requests[0].amount, link.status) == (300_000, "open")
    assert link.url.startswith("https://pay.fake.test/")
    assert receipt(floor.uow, visitor, link.id, now=MORNING).status == "open"

    paid_at = MORNING + timedelta(minutes=5)
    headers, body = notice(link.out_trade_no, 300_000, at=paid_at)
    take_notification(floor.uow, "fake", headers, body, now=paid_at)
    assert receipt(floor.uow, visitor, link.id, now=paid_at).status == "paid"
    m = t.messages.c
    sent = floor.uow.session.execute(select(m.channel, m.to, m.body).where(m.template == RECEIPT)).one()
    assert (sent.channel, sent.to) == ("email", "debtor1@example.com")
    assert "3,000.00 CNY" in sent.body and "9,000.00 CNY" in sent.body

    again, body2 = notice(link.out_trade_no, 300_000, at=paid_at, event_id="evt-2", txn="T-2")
    take_notification(floor.uow, "fake", again, body2, now=paid_at)
    assert _count(floor, t.messages, m.template == RECEIPT) == 1  # one receipt per link


def test_the_amount_is_bounded_by_the_least_part_payment_and_the_open_balance(
    floor: Floor, fake: FakeProvider
) -> None:
    visitor = _visitor(floor.cases[0].id)
    for amount in ("0.50", "12,000.01", "-5", "lots", ""):
        with pytest.raises(InvalidInput):
            start_payment(floor.uow, visitor, "fake", amount, now=MORNING)
    with pytest.raises(InvalidInput, match="ways to pay"):
        start_payment(floor.uow, visitor, "alipay", "100", now=MORNING)
    assert fake.requests == [] and _count(floor, t.payment_links) == 0
    assert start_payment(floor.uow, visitor, "fake", "12000", now=MORNING).amount == 1_200_000


def test_a_receipt_is_shown_only_on_the_case_whose_debtor_made_the_link(
    floor: Floor, fake: FakeProvider
) -> None:
    link = start_payment(floor.uow, _visitor(floor.cases[0].id), "fake", "100", now=MORNING)
    with pytest.raises(NotFound):
        receipt(floor.uow, _visitor(floor.cases[1].id), link.id, now=MORNING)


# --- 4. arrange ----------------------------------------------------------------------------------------


def test_by_default_the_debtor_is_offered_plans_of_equal_monthly_payments_without_a_discount(
    floor: Floor,
) -> None:
    view = arrange_view(floor.uow, _visitor(floor.cases[0].id), now=MORNING)
    assert view.limits == {"max_discount_bp": 0, "max_instalments": 6, "min_first_payment_bp": 1000}
    assert [o.key for o in view.offers] == ["plan-3", "plan-6"]
    six = view.offers[1]
    assert [p.amount for p in six.schedule] == [200_000] * 6
    assert six.schedule[0].due_date == date(2026, 11, 27)
    assert six.schedule[1].due_date == date(2026, 12, 27)


def test_the_self_service_bounds_never_go_beyond_a_collectors_authority(floor: Floor) -> None:
    policy = {"collector": {"max_discount_bp": 2000, "max_instalments": 6, "min_first_payment_bp": 1000}}
    wide = {
        **policy,
        "self_service": {"max_discount_bp": 5000, "max_instalments": 24, "min_first_payment_bp": 0},
    }
    assert bounds(wide) == {"max_discount_bp": 2000, "max_instalments": 6, "min_first_payment_bp": 1000}

    _policy(floor, max_discount_bp=1000, max_instalments=12)
    view = arrange_view(floor.uow, _visitor(floor.cases[0].id), now=MORNING)
    assert [o.key for o in view.offers] == ["settle", "plan-3", "plan-6"]
    assert (view.offers[0].terms.total, view.offers[0].discount_bp) == (1_080_000, 1000)


def test_accepting_an_offer_records_the_signature_and_its_schedule_for_the_instalment_job(
    floor: Floor,
) -> None:
    case = floor.cases[0]
    arrangement_id = accept_offer(floor.uow, _visitor(case.id), "plan-3", now=MORNING)

    a = t.arrangements.c
    row = floor.uow.session.execute(select(t.arrangements).where(a.id == arrangement_id)).one()
    assert (row.status, row.kind, row.total_amount, row.proposed_by) == (
        "active",
        "instalment",
        1_200_000,
        None,
    )
    s = t.self_service_signatures.c
    signed = floor.uow.session.execute(select(t.self_service_signatures)).one()
    assert (signed.arrangement_id, signed.address, signed.locale, signed.portal_link_id) == (
        arrangement_id,
        ADDRESS,
        "zh_CN",
        41,
    )
    assert signed.signed_at == MORNING and "2026-11-27" in signed.consent_text
    assert _count(floor, t.instalments, t.instalments.c.arrangement_id == arrangement_id) == 3
    assert floor.uow.session.execute(select(t.cases.c.stage).where(t.cases.c.id == case.id)).scalar() == (
        "arrangement"
    )
    # Nothing paid by the first due date: the instalment job finds the plan broken, as a collector's.
    counts = check_instalments(floor.uow, datetime(2026, 12, 1, 4, tzinfo=UTC))
    assert counts["missed"] == 1 and counts["broken"] == 1
    assert _count(floor, t.self_service_signatures, s.case_id == case.id) == 1


def test_an_offer_is_accepted_once_and_then_no_new_one_is_shown(floor: Floor) -> None:
    visitor = _visitor(floor.cases[0].id)
    accept_offer(floor.uow, visitor, "plan-6", now=MORNING)
    assert arrange_view(floor.uow, visitor, now=MORNING).offers == []
    with pytest.raises(InvalidInput, match="no longer available"):
        accept_offer(floor.uow, visitor, "plan-3", now=MORNING)


def test_an_offer_the_page_never_showed_is_refused(floor: Floor) -> None:
    for key in ("plan-24", "settle", "plan-1"):
        with pytest.raises(InvalidInput):
            accept_offer(floor.uow, _visitor(floor.cases[0].id), key, now=MORNING)
    assert _count(floor, t.arrangements) == 0


def test_a_debtors_own_proposal_goes_to_the_floor_as_a_request_on_the_case(floor: Floor) -> None:
    case = floor.cases[1]
    request_id = send_request(
        floor.uow, _visitor(case.id), ArrangementRequest("我每月只能还500元，从下月开始"), now=MORNING
    )
    kept = floor.uow.session.execute(select(t.self_service_requests)).one()
    assert (kept.id, kept.status, kept.statement, kept.address) == (request_id, "open", None, ADDRESS)
    c = t.cases.c
    action = floor.uow.session.execute(
        select(c.next_action_goal, c.next_action_note, c.next_action_due_at).where(c.id == case.id)
    ).one()
    assert action.next_action_goal == "answer_reply" and action.next_action_due_at == MORNING
    note = "Arrangement request from the debtor's page: 我每月只能还500元，从下月开始"
    assert action.next_action_note == note
    with pytest.raises(InvalidInput):
        send_request(floor.uow, _visitor(case.id), ArrangementRequest("  "), now=MORNING)


def test_anonymising_the_debtor_erases_what_they_wrote_on_their_pages_and_their_links(floor: Floor) -> None:
    case = floor.cases[1]
    send_request(floor.uow, _visitor(case.id), ArrangementRequest("我每月只能还500元"), now=MORNING)
    floor.uow.session.execute(
        t.debtor_links.insert().values(
            case_id=case.id, token_hash="0" * 64, created_at=MORNING, expires_at=MORNING + timedelta(days=14)
        )
    )
    floor.uow.commit()
    anonymise(floor.uow, [case.debtor_id], MORNING + timedelta(days=1), trigger="request")
    floor.uow.commit()
    kept = floor.uow.session.execute(select(t.self_service_requests)).one()
    assert (kept.text, kept.statement, kept.address) == ("", None, "")
    assert _count(floor, t.debtor_links, t.debtor_links.c.case_id == case.id) == 0


def test_in_uk_conc_a_request_comes_with_an_income_and_expenditure_statement(floor: Floor) -> None:
    floor.uow.session.execute(update(t.creditors).values(pack="uk-conc"))
    floor.uow.commit()
    visitor = _visitor(floor.cases[0].id, "en")
    with pytest.raises(InvalidInput, match="Statement: income is required"):
        send_request(floor.uow, visitor, ArrangementRequest("50 a month"), now=MORNING)
    statement = dict.fromkeys(STATEMENT_FIELDS, "0")
    statement.update(income="1,800.00", home_contents="700", food_housekeeping="250.50")
    with pytest.raises(InvalidInput, match="travel cannot be negative"):
        send_request(
            floor.uow, visitor, ArrangementRequest("50 a month", {**statement, "travel": "-1"}), now=MORNING
        )
    send_request(floor.uow, visitor, ArrangementRequest("50 a month", statement), now=MORNING)
    kept = floor.uow.session.execute(select(t.self_service_requests.c.statement)).scalar_one()
    assert kept["income"] == 180_000 and kept["food_housekeeping"] == 25_050 and kept["travel"] == 0
    assert set(kept) == set(STATEMENT_FIELDS)


def test_in_us_reg_f_the_terms_go_by_email_only_after_e_sign_consent(floor: Floor) -> None:
    us = us_case(floor)
    floor.uow.commit()
    m = t.messages.c
    accept_offer(floor.uow, _visitor(us.id, "en"), "plan-3", now=MORNING)
    first = floor.uow.session.execute(select(m.channel).where(m.case_id == us.id)).scalars().all()
    assert first == ["letter"]  # no E-SIGN consent: on paper

    other = floor.cases[2]  # consent given, then a pack that asks for it
    floor.uow.session.execute(update(t.creditors).where(t.creditors.c.code == "BANK").values(pack="us-reg-f"))
    floor.uow.commit()
    set_preferences(
        floor.uow,
        floor.viewer("sue"),
        other.debtor_id,
        Preferences(electronic_consent=ElectronicConsent(True, MORNING, "web portal")),
        now=MORNING,
    )
    accept_offer(floor.uow, _visitor(other.id, "en"), "plan-3", now=MORNING)
    sent = floor.uow.session.execute(select(m.channel, m.body).where(m.case_id == other.id)).one()
    assert sent.channel == "email" and "I agree to pay" in sent.body


def test_a_second_arrangement_cannot_be_accepted_while_one_is_active(floor: Floor) -> None:
    from huikuan.services.debtor_arrangements import accept_for_debtor, offers_for

    visitor = _visitor(floor.cases[0].id)
    accept_offer(floor.uow, visitor, "plan-3", now=MORNING)
    limits = {"max_discount_bp": 0, "max_instalments": 6, "min_first_payment_bp": 1000}
    terms = offers_for(1_200_000, "CNY", limits, date(2026, 11, 20))[0].terms
    with pytest.raises(Conflict):
        accept_for_debtor(floor.uow, visitor.case_id, terms, limits, now=MORNING)


# --- 5. dispute ----------------------------------------------------------------------------------------


def test_a_dispute_with_documents_stops_collection_at_once(floor: Floor, store: FileStore) -> None:
    case = floor.cases[0]
    assert check_contact(floor.uow, case.id, channel="call", at=MORNING).allowed
    claim = DebtorDispute(
        "already_paid",
        "我已经在9月还清了",
        (DebtorFile("收据.pdf", "application/pdf", PDF), DebtorFile("bank.png", "image/png", PNG)),
    )
    dispute_id = dispute(floor.uow, _visitor(case.id), claim, now=MORNING, store=store)

    verdict = check_contact(floor.uow, case.id, channel="call", at=MORNING + timedelta(seconds=1))
    assert not verdict.allowed
    d = t.disputes.c
    row = floor.uow.session.execute(
        select(d.via, d.written, d.opened_by, d.notes).where(d.id == dispute_id)
    ).one()
    assert (row.via, row.written, row.opened_by) == ("portal", True, None)
    assert row.notes.startswith("[already_paid]")
    docs = floor.uow.session.execute(
        select(t.documents.c.content_type, t.documents.c.stored_key, t.documents.c.kind).order_by(
            t.documents.c.id
        )
    ).all()
    assert [(x.content_type, x.kind) for x in docs] == [
        ("application/pdf", "evidence"),
        ("image/png", "evidence"),
    ]
    assert (store.root / docs[0].stored_key).read_bytes() == PDF


@pytest.mark.parametrize(
    ("name", "content_type", "data", "why"),
    [
        ("evil.pdf", "application/pdf", b"MZ\x90\x00 not a pdf", "only PDF, JPEG or PNG"),
        ("photo.webp", "image/webp", b"RIFF\x00\x00\x00\x00WEBPVP8 ", "only PDF, JPEG or PNG"),
        ("big.pdf", "application/pdf", b"%PDF-" + b"0" * MAX_FILE_BYTES, "at most 10 MB"),
        ("empty.png", "image/png", b"", "empty"),
    ],
)
def test_a_file_that_is_not_a_small_pdf_jpeg_or_png_refuses_the_whole_dispute(
    floor: Floor, store: FileStore, name: str, content_type: str, data: bytes, why: str
) -> None:
    good = DebtorFile("ok.pdf", "application/pdf", PDF)
    claim = DebtorDispute("not_mine", "", (good, DebtorFile(name, content_type, data)))
    with pytest.raises(InvalidInput, match=why):
        dispute(floor.uow, _visitor(floor.cases[0].id), claim, now=MORNING, store=store)
    assert _count(floor, t.disputes) == 0 and _count(floor, t.documents) == 0
    assert check_contact(floor.uow, floor.cases[0].id, channel="call", at=MORNING).allowed


def test_a_dispute_needs_one_of_the_reasons(floor: Floor, store: FileStore) -> None:
    with pytest.raises(InvalidInput, match="Choose why"):
        dispute(floor.uow, _visitor(floor.cases[0].id), DebtorDispute("because"), now=MORNING, store=store)


def test_a_receipt_the_gate_refuses_now_waits_for_the_next_hour_it_allows(
    floor: Floor, fake: FakeProvider
) -> None:
    """23:00 in Beijing is outside the contact hours: the receipt is queued for 08:00 the next morning."""
    late = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)
    link = start_payment(floor.uow, _visitor(floor.cases[0].id), "fake", "100", now=late)
    headers, body = notice(link.out_trade_no, 10_000, at=late)
    take_notification(floor.uow, "fake", headers, body, now=late)
    m = t.messages.c
    due = floor.uow.session.execute(select(m.next_attempt_at).where(m.template == RECEIPT)).scalar_one()
    assert due == datetime(2026, 11, 21, 0, 0, tzinfo=UTC)
