"""Letters: a PDF for a window envelope, with nothing in the window that discloses a debt."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader
from sqlalchemy import select, update
from tests.support.floor import MORNING, Floor, _case
from tests.support.messaging import AGENCY_PHONE, channel_settings, use_settings

from huikuan import config
from huikuan.channels.letter.pdf import (
    PAGE_H,
    WINDOW_H,
    WINDOW_TOP,
    WINDOW_W,
    WINDOW_X,
    disclosing_words,
    window_lines,
)
from huikuan.errors import InvalidInput, NotFound
from huikuan.services.creditors import add_creditor
from huikuan.services.outbox import dispatch_due, document_path, preview, send
from huikuan.storage import tables as t

RETURN = "北京市东城区邮政信箱 8-88 号|100010"


@pytest.fixture(autouse=True)
def _settings(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    use_settings(monkeypatch, letters_dir=str(tmp_path / "letters"), letter_return_address=RETURN)
    yield
    config.get_settings.cache_clear()


def _letter(floor: Floor, template: str = "demand") -> int:
    c = floor.cases[0]
    # The floor's debtors are called 测试债务人: a real name, so that the window holds only what we print.
    floor.uow.session.execute(update(t.debtors).where(t.debtors.c.id == c.debtor_id).values(name="王小明"))
    floor.uow.commit()
    return send(
        floor.uow,
        floor.viewer("alice"),
        c.id,
        template=template,
        channel="letter",
        contact_point_id=c.address_id,
        now=MORNING,
    )


def _message(floor: Floor, message_id: int) -> Any:
    floor.uow.rollback()
    return floor.uow.session.execute(select(t.messages).where(t.messages.c.id == message_id)).one()


def _text_by_area(pdf: Path) -> tuple[str, str]:
    """The first page's text inside the envelope window, and the rest of the page."""
    inside: list[str] = []
    outside: list[str] = []

    def visit(text: str, _cm: Any, tm: Any, _font: Any, _size: Any) -> None:
        x, y = tm[4], tm[5]
        in_window = WINDOW_X <= x <= WINDOW_X + WINDOW_W and WINDOW_TOP - WINDOW_H <= y <= WINDOW_TOP
        (inside if in_window else outside).append(text)

    PdfReader(pdf).pages[0].extract_text(visitor_text=visit)
    return "".join(inside), "".join(outside)


def test_a_letter_is_written_as_a_pdf_with_only_the_name_and_address_in_the_window(
    floor: Floor, tmp_path: Path
) -> None:
    message_id = _letter(floor)
    counts = dispatch_due(floor.uow, MORNING + timedelta(minutes=1), settings=channel_settings(tmp_path))
    assert counts["sent"] == 1
    m = _message(floor, message_id)
    assert m.status == "sent" and m.document == f"2026-11/{message_id}.pdf"
    pdf = tmp_path / "letters" / "2026-11" / f"{message_id}.pdf"
    assert pdf.read_bytes().startswith(b"%PDF")
    window, rest = _text_by_area(pdf)
    assert "王小明" in window and "北京市朝阳区建国路1号" in window and "邮政信箱 8-88 号" in window
    assert disclosing_words(window) == []
    assert "某银行" not in window and "12,000" not in window and "C000001" not in window
    # Inside the envelope, the letter says it all.
    assert "账户还款通知书" in rest and "¥12,000.00" in rest and "某银行" in rest and AGENCY_PHONE in rest
    assert "编号：C000001" in rest and "2026年11月20日" in rest
    assert document_path(floor.uow, floor.viewer("alice"), message_id) == pdf.resolve()
    with pytest.raises(NotFound):
        document_path(floor.uow, floor.viewer("carol"), message_id)


def test_the_window_shows_the_return_address_name_and_address_and_nothing_else() -> None:
    lines = window_lines("王小明", "北京市朝阳区建国路1号|100020", ("北京市东城区邮政信箱 8-88 号", "100010"))
    assert lines == ["北京市东城区邮政信箱 8-88 号  100010", "王小明", "北京市朝阳区建国路1号", "100020"]
    long = window_lines(
        "Jane Roe", "1234 Very Long Avenue Name That Goes On And On, Springfield, IL 62704", ()
    )
    assert (
        long[0] == "Jane Roe"
        and len(long) > 2
        and " ".join(long[1:]).split()
        == ("1234 Very Long Avenue Name That Goes On And On, Springfield, IL 62704".split())
    )


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("某某催收服务有限公司", ["催收"]),
        ("Acme Debt Recovery Ltd", ["debt", "recover"]),
        ("Collections Dept, PO Box 5", ["collect"]),
        ("1 Howell Road, Lowestoft", []),
        ("北京市东城区邮政信箱 8-88 号", []),
    ],
)
def test_disclosing_words_are_found_in_both_languages(text: str, found: list[str]) -> None:
    assert disclosing_words(text) == found


def test_a_return_address_that_discloses_a_debt_is_never_printed(
    floor: Floor, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    message_id = _letter(floor)
    settings = channel_settings(tmp_path, letter_return_address="某某催收服务有限公司|北京")
    assert dispatch_due(floor.uow, MORNING, settings=settings)["retry"] == 1
    m = _message(floor, message_id)
    assert m.status == "queued" and "催收" in m.error and m.document is None
    assert not (tmp_path / "letters").exists()


def test_a_us_creditors_letter_is_a_validation_notice_in_english(
    floor: Floor, monkeypatch: pytest.MonkeyPatch
) -> None:
    bank = add_creditor(
        floor.uow,
        "USB",
        "Acme Bank",
        region="US",
        currency="USD",
        pack="us-reg-f",
        time_zone="America/New_York",
    )
    assert bank.id is not None
    us = _case(floor.uow, bank.id, 5, 150_000, floor.users["alice"])
    floor.uow.session.execute(update(t.accounts).where(t.accounts.c.case_id == us.id).values(currency="USD"))
    floor.uow.commit()
    with pytest.raises(InvalidInput, match="HUIKUAN_AGENCY_NAME"):
        preview(floor.uow, floor.viewer("alice"), us.id, template="demand", channel="letter")
    use_settings(monkeypatch, agency_name="Lakeside Services LLC")
    subject, body = preview(
        floor.uow, floor.viewer("alice"), us.id, template="demand", channel="letter", now=MORNING
    )
    assert subject == "Notice about the debt you owe to Acme Bank"
    assert body.startswith("Dear 测试债务人5,\n\nLakeside Services LLC is a debt collector.")
    assert (
        "- Account HT-3-005-0 (Credit card): principal $600.00, interest $150.00, fees $0.00; total $750.00"
        in body
    )
    assert "Total amount of the debt now: $1,500.00" in body
    # Sent on Thursday 19 November (New York): received five business days later, then 30 days.
    assert "Call or write to us by December 26, 2026 to dispute all or part of the debt" in body
    assert "www.cfpb.gov/debt-collection" in body


def test_the_letter_page_geometry_is_the_din_window() -> None:
    assert round(PAGE_H - WINDOW_TOP) == round(45 * 72 / 25.4)
