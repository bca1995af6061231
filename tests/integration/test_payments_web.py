"""Payments in the web app and the API: a collector posts one received by hand (with its proof, checked
before it is confirmed), a reference used twice is refused, a supervisor reverses one or moves it to the
right case, and an administrator sets the creditor's money terms that give a payment its commission.

The floor (tests/support/floor.py): case A (alice's) owes 12,000.00 CNY on two accounts of 6,000.00 each
(4,800.00 principal and 1,200.00 interest); BANK is a Chinese creditor, so without terms the money lands
in its own account and earns no commission.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from sqlalchemy import Engine, func, insert, select
from tests.support.floor import PASSWORD, Floor
from tests.support.messaging import use_settings
from tests.support.web import login_client

from huikuan.services.users import add_user
from huikuan.storage import tables as t
from huikuan.web.app import create_app

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\n%%EOF\n"


@pytest.fixture
def app(floor: Floor, db_env: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> FastAPI:
    use_settings(monkeypatch, documents_dir=str(tmp_path / "docs"))
    return create_app(db_env)


def _count(engine: Engine, table: Any) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())


def _balance(engine: Engine, account_id: int) -> int:
    with engine.connect() as conn:
        found = conn.execute(select(t.accounts.c.balance).where(t.accounts.c.id == account_id))
        return int(found.scalar_one())


def _post(client: Any, case_id: int, **fields: Any) -> Any:
    data = {"amount": "1000.00", "method": "bank_transfer", "reference": "BANK-001", **fields}
    return client.post(f"/api/v1/cases/{case_id}/payments", data=data)


# --- the API ------------------------------------------------------------------------------------------


def test_a_collector_posts_a_payment_with_its_proof_and_the_case_lists_it_in_decimal_strings(
    app: FastAPI, floor: Floor, engine: Engine
) -> None:
    alice = login_client(app, "alice")
    case = floor.cases[0]
    posted = alice.post(
        f"/api/v1/cases/{case.id}/payments",
        data={"amount": "1,000.50", "method": "bank_transfer", "reference": " BANK-001 ", "note": "slip"},
        files={"file": ("slip.pdf", PDF, "application/pdf")},
    )
    assert posted.status_code == 201, posted.text
    body = posted.json()
    assert body["amount"] == "1000.50" and body["currency"] == "CNY"
    assert body["route"] == "creditor" and body["commission"] == "0.00" and body["held"] == "0.00"
    listed = alice.get(f"/api/v1/cases/{case.id}/payments").json()
    assert len(listed) == 1
    payment = listed[0]
    assert payment["id"] == body["payment_id"] and payment["reference"] == "BANK-001"
    assert payment["status"] == "posted" and payment["method"] == "bank_transfer"
    assert payment["source"] == "agency" and payment["posted_by"] is not None
    # The oldest account first, interest before principal (the default order: fees, interest, principal).
    assert payment["allocations"] == [
        {
            "account_id": case.account_ids[0],
            "account_ref": payment["allocations"][0]["account_ref"],
            "amount": "1000.50",
            "fees": "0.00",
            "interest": "1000.50",
            "principal": "0.00",
            "commission": "0.00",
        }
    ]
    assert payment["reversal"] is None
    proof = alice.get(f"/api/v1/documents/{payment['document_id']}")
    assert proof.status_code == 200 and proof.content == PDF
    assert _balance(engine, case.account_ids[0]) == 600_000 - 100_050


def test_a_reference_used_already_is_refused_with_409_and_nothing_is_written(
    app: FastAPI, floor: Floor, engine: Engine
) -> None:
    alice = login_client(app, "alice")
    case = floor.cases[0]
    assert _post(alice, case.id).status_code == 201
    before = (_count(engine, t.payments), _count(engine, t.documents), _balance(engine, case.account_ids[0]))
    again = alice.post(
        f"/api/v1/cases/{case.id}/payments",
        data={"amount": "5.00", "method": "cash", "reference": "BANK-001"},
        files={"file": ("slip.pdf", PDF, "application/pdf")},
    )
    assert again.status_code == 409
    assert "BANK-001" in again.json()["detail"] and "used already" in again.json()["detail"]
    after = (_count(engine, t.payments), _count(engine, t.documents), _balance(engine, case.account_ids[0]))
    assert after == before


@pytest.mark.parametrize(
    ("fields", "words"),
    [
        ({"amount": "12.345"}, "is not an amount in CNY"),
        ({"amount": "0"}, "more than zero"),
        ({"amount": "lots"}, "is not an amount in CNY"),
        ({"method": "alipay"}, "method: one of"),
        ({"reference": "  "}, "reference"),
        ({"paid_at": "2026-12-01T10:00:00"}, "with its offset"),
        ({"paid_at": "2099-12-01T10:00:00+08:00"}, "in the future"),
    ],
)
def test_a_payment_typed_wrong_is_refused_with_what_is_wrong(
    app: FastAPI, floor: Floor, engine: Engine, fields: dict[str, str], words: str
) -> None:
    answer = _post(login_client(app, "alice"), floor.cases[0].id, **fields)
    assert answer.status_code == 422 and words in answer.json()["detail"]
    assert _count(engine, t.payments) == 0


def test_the_debtor_may_direct_a_payment_to_one_account(app: FastAPI, floor: Floor) -> None:
    alice = login_client(app, "alice")
    case = floor.cases[0]
    second = case.account_ids[1]
    answer = alice.post(
        f"/api/v1/cases/{case.id}/payments",
        data={"amount": "300", "method": "cash", "reference": "R-1", "directed": [f"{second}=300"]},
    )
    assert answer.status_code == 201, answer.text
    (payment,) = alice.get(f"/api/v1/cases/{case.id}/payments").json()
    assert [(a["account_id"], a["amount"]) for a in payment["allocations"]] == [(second, "300.00")]


def test_the_creditors_viewer_reads_the_payments_but_may_not_post_and_another_team_sees_nothing(
    app: FastAPI, floor: Floor, engine: Engine
) -> None:
    case = floor.cases[0]
    assert _post(login_client(app, "alice"), case.id).status_code == 201
    vic = login_client(app, "vic")
    assert [p["reference"] for p in vic.get(f"/api/v1/cases/{case.id}/payments").json()] == ["BANK-001"]
    assert _post(vic, case.id, reference="V-1").status_code == 403
    carol = login_client(app, "carol")
    assert carol.get(f"/api/v1/cases/{case.id}/payments").status_code == 404
    assert _post(carol, case.id, reference="C-1").status_code == 404
    assert _post(login_client(app, "bob"), case.id, reference="B-1").status_code == 403  # alice's case
    assert _count(engine, t.payments) == 1


def test_a_supervisor_reverses_a_payment_and_the_account_gets_its_balance_back(
    app: FastAPI, floor: Floor, engine: Engine
) -> None:
    case = floor.cases[0]
    alice = login_client(app, "alice")
    payment_id = _post(alice, case.id).json()["payment_id"]
    refused = alice.post(f"/api/v1/payments/{payment_id}/reverse", json={"kind": "bounced", "reason": "x"})
    assert refused.status_code == 403
    sue = login_client(app, "sue")
    wrong = sue.post(f"/api/v1/payments/{payment_id}/reverse", json={"kind": "wrong_case", "reason": "x"})
    assert wrong.status_code == 422  # a wrong case is a move
    done = sue.post(
        f"/api/v1/payments/{payment_id}/reverse", json={"kind": "bounced", "reason": "returned by the bank"}
    )
    assert done.status_code == 200, done.text
    assert done.json()["amount"] == "1000.00" and done.json()["kind"] == "bounced"
    assert _balance(engine, case.account_ids[0]) == 600_000
    (payment,) = alice.get(f"/api/v1/cases/{case.id}/payments").json()
    assert payment["status"] == "reversed"
    assert payment["reversal"]["kind"] == "bounced"
    assert payment["reversal"]["reason"] == "returned by the bank"
    twice = sue.post(f"/api/v1/payments/{payment_id}/reverse", json={"kind": "bounced", "reason": "again"})
    assert twice.status_code == 409


def test_a_payment_on_the_wrong_case_moves_to_a_case_of_the_same_creditor_only(
    app: FastAPI, floor: Floor, engine: Engine
) -> None:
    case, right = floor.cases[0], floor.cases[1]
    assert floor.other_creditor_case is not None
    payment_id = _post(login_client(app, "alice"), case.id).json()["payment_id"]
    sue = login_client(app, "sue")
    other = sue.post(
        f"/api/v1/payments/{payment_id}/move",
        json={"to_case_id": floor.other_creditor_case.id, "reason": "wrong debtor"},
    )
    assert other.status_code == 422
    moved = sue.post(f"/api/v1/payments/{payment_id}/move", json={"to_case_id": right.id, "reason": "typo"})
    assert moved.status_code == 200, moved.text
    new_id = moved.json()["moved_to"]
    (old,) = sue.get(f"/api/v1/cases/{case.id}/payments").json()
    assert old["status"] == "reversed" and old["reversal"]["kind"] == "wrong_case"
    assert old["reversal"]["moved_to_case_id"] == right.id
    (new,) = sue.get(f"/api/v1/cases/{right.id}/payments").json()
    assert new["id"] == new_id and new["moved_from_id"] == payment_id and new["amount"] == "1000.00"
    assert _balance(engine, case.account_ids[0]) == 600_000
    assert _balance(engine, right.account_ids[0]) == 250_000 - 100_000


# --- the case page's payments tab ---------------------------------------------------------------------


def test_the_payments_tab_checks_a_payment_before_it_is_posted_and_then_lists_it(
    app: FastAPI, floor: Floor, engine: Engine
) -> None:
    alice = login_client(app, "alice")
    case = floor.cases[0]
    page = alice.get(f"/cases/{case.id}?tab=payments")
    assert 'data-testid="tab-payments"' in page.text and "/panels/payments" in page.text
    panel = alice.get(f"/cases/{case.id}/panels/payments").text
    assert 'data-testid="payments-empty"' in panel and 'data-testid="payment-form"' in panel
    assert "payment-reverse-form" not in panel
    form = {"amount": "7000", "method": "cash", "reference": "RCPT-9", "note": "at the branch"}
    check = alice.post(f"/cases/{case.id}/payments/preview", data=form, headers={"HX-Request": "true"})
    assert check.status_code == 200, check.text
    assert 'data-testid="payment-preview"' in check.text and "RCPT-9" in check.text
    assert 'data-testid="payment-preview-paid-off"' in check.text  # 7,000 pays the first 6,000 in full
    assert _count(engine, t.payments) == 0 and _balance(engine, case.account_ids[0]) == 600_000
    done = alice.post(
        f"/cases/{case.id}/payments",
        data=form,
        files={"file": ("slip.png", b"\x89PNG\r\n\x1a\n" + b"\0" * 16, "image/png")},
        headers={"HX-Request": "true"},
    )
    assert done.status_code == 200, done.text
    assert done.headers["HX-Trigger"] == "case-changed"
    assert 'data-testid="payments-notice"' in done.text and "RCPT-9" in done.text
    assert "slip.png" in done.text
    assert _balance(engine, case.account_ids[0]) == 0


def test_the_tab_shows_a_supervisor_the_reverse_and_move_forms_and_the_viewer_no_form(
    app: FastAPI, floor: Floor
) -> None:
    case = floor.cases[0]
    payment_id = _post(login_client(app, "alice"), case.id).json()["payment_id"]
    vic = login_client(app, "vic").get(f"/cases/{case.id}/panels/payments").text
    assert f'data-testid="payment-{payment_id}"' in vic
    assert "payment-form" not in vic and "payment-reverse-form" not in vic
    sue = login_client(app, "sue")
    panel = sue.get(f"/cases/{case.id}/panels/payments").text
    assert f'data-testid="payment-reverse-form-{payment_id}"' in panel
    assert f'data-testid="payment-move-form-{payment_id}"' in panel
    done = sue.post(
        f"/payments/{payment_id}/reverse",
        data={"kind": "chargeback", "reason": "card disputed"},
        headers={"HX-Request": "true"},
    )
    assert done.status_code == 200, done.text
    assert f'data-testid="payment-reversal-{payment_id}"' in done.text and "card disputed" in done.text
    assert f'data-testid="payment-reverse-form-{payment_id}"' not in done.text


def test_the_tab_speaks_chinese(app: FastAPI, floor: Floor) -> None:
    case = floor.cases[0]
    _post(login_client(app, "alice"), case.id)
    panel = login_client(app, "alice", locale="zh_CN").get(f"/cases/{case.id}/panels/payments").text
    assert "银行转账" in panel and "委托方自有账户" in panel and "登记收到的还款" in panel


# --- the creditors' money terms -----------------------------------------------------------------------


def _administrator(floor: Floor) -> None:
    add_user(floor.uow, "ada", PASSWORD, role="admin")
    floor.uow.commit()


def _bank(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(t.creditors.c.id).where(t.creditors.c.code == "BANK")).scalar_one())


TERMS = {
    "starts_on": "2020-01-01",
    "route": "trust",
    "remittance": "net",
    "order": "fees,principal,interest",
    "flat_fee": "",
    "cap": "",
    "direct_commission": "true",
    "tier_rate": ["25", ""],
    "tier_source": ["agency", ""],
    "tier_product": ["", ""],
    "tier_min_age": ["", ""],
    "tier_max_age": ["", ""],
    "tier_min_balance": ["", ""],
    "tier_max_balance": ["", ""],
}


def test_an_administrator_adds_terms_and_a_payment_then_earns_its_commission(
    app: FastAPI, floor: Floor, engine: Engine
) -> None:
    _administrator(floor)
    bank = _bank(engine)
    ada = login_client(app, "ada")
    listing = ada.get("/admin/creditors").text
    assert f'href="/admin/creditors/{bank}/terms"' in listing
    assert 'data-testid="terms-none"' in ada.get(f"/admin/creditors/{bank}/terms").text
    added = ada.post(f"/admin/creditors/{bank}/terms", data=TERMS, follow_redirects=True)
    assert added.status_code == 200, added.text
    assert 'data-testid="terms-2020-01-01"' in added.text and ">25%<" in added.text
    case = floor.cases[0]
    body = _post(login_client(app, "alice"), case.id).json()
    assert body["route"] == "trust" and body["commission"] == "250.00"
    (payment,) = login_client(app, "alice").get(f"/api/v1/cases/{case.id}/payments").json()
    assert payment["allocations"][0]["principal"] == "1000.00"  # principal before interest now


@pytest.mark.parametrize(
    ("changes", "english", "chinese"),
    [
        ({"tier_rate": ["250", ""]}, "Tier 1: the rate is a percentage", "第 1 档：费率须为百分比"),
        ({"cap": "ten"}, "Cap per account: ten is not an amount", "每个账户佣金上限：ten 不是"),
        ({"starts_on": "soon"}, "starts_on", "starts_on"),
    ],
)
def test_terms_typed_wrong_are_refused_beside_the_form_in_the_viewers_language(
    app: FastAPI, floor: Floor, engine: Engine, changes: dict[str, Any], english: str, chinese: str
) -> None:
    _administrator(floor)
    bank = _bank(engine)
    for locale, words in (("en", english), ("zh_CN", chinese)):
        answer = login_client(app, "ada", locale=locale).post(
            f"/admin/creditors/{bank}/terms", data={**TERMS, **changes}
        )
        assert answer.status_code == 422
        assert 'data-testid="terms-error"' in answer.text and words in answer.text
    assert _count(engine, t.money_terms) == 0


def test_a_second_version_on_the_same_day_is_refused(app: FastAPI, floor: Floor, engine: Engine) -> None:
    _administrator(floor)
    bank = _bank(engine)
    ada = login_client(app, "ada")
    assert ada.post(f"/admin/creditors/{bank}/terms", data=TERMS, follow_redirects=False).status_code == 303
    again = ada.post(f"/admin/creditors/{bank}/terms", data=TERMS)
    assert again.status_code == 409 and "exist already" in again.text
    assert _count(engine, t.money_terms) == 1


def test_a_supervisor_reads_the_terms_without_the_form_and_may_not_add_any(
    app: FastAPI, floor: Floor, engine: Engine
) -> None:
    bank = _bank(engine)
    sue = login_client(app, "sue")
    page = sue.get(f"/admin/creditors/{bank}/terms")
    assert page.status_code == 200 and 'data-testid="terms-form"' not in page.text
    assert sue.post(f"/admin/creditors/{bank}/terms", data=TERMS).status_code == 403
    assert login_client(app, "alice").get(f"/admin/creditors/{bank}/terms").status_code == 403
    assert login_client(app, "vic").get("/admin/creditors").status_code == 403
    assert _count(engine, t.money_terms) == 0


def test_a_proof_larger_than_an_ordinary_form_is_taken_by_the_check_and_the_post(
    app: FastAPI, floor: Floor
) -> None:
    """Requests are limited to 1 MB, but a payment's form carries its proof (up to the documents' limit)."""
    alice = login_client(app, "alice")
    case = floor.cases[0]
    scan = {"file": ("scan.pdf", PDF + b"\0" * 2_000_000, "application/pdf")}
    form = {"amount": "10", "method": "cheque", "reference": "CHQ-2MB"}
    hx = {"HX-Request": "true"}
    assert (
        alice.post(f"/cases/{case.id}/payments/preview", data=form, files=scan, headers=hx).status_code == 200
    )
    done = alice.post(f"/cases/{case.id}/payments", data=form, files=scan, headers=hx)
    assert done.status_code == 200 and "scan.pdf" in done.text


def test_a_payment_recorded_before_payments_named_their_case_is_listed_on_its_accounts_case(
    app: FastAPI, floor: Floor, engine: Engine
) -> None:
    case = floor.cases[0]
    account = case.account_ids[1]
    with engine.begin() as conn:  # the account alone, as payments were recorded before issue 14
        payment_id = conn.execute(
            insert(t.payments)
            .values(
                creditor_id=_bank(engine),
                external_ref="OLD-1",
                account_id=account,
                amount=20_000,
                currency="CNY",
                paid_at=datetime(2026, 11, 2, tzinfo=UTC),
            )
            .returning(t.payments.c.id)
        ).scalar_one()
        conn.execute(
            insert(t.payment_allocations).values(
                payment_id=payment_id, account_id=account, amount=20_000, principal=20_000
            )
        )
    (payment,) = login_client(app, "alice").get(f"/api/v1/cases/{case.id}/payments").json()
    assert payment["case_id"] == case.id and payment["amount"] == "200.00"
    assert payment["source"] == "direct" and payment["route"] == "creditor"
    assert login_client(app, "carol").get(f"/api/v1/cases/{case.id}/payments").status_code == 404
