"""Letters: a PDF for a window envelope, with nothing in the window that discloses a debt."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader
from sqlalchemy import select, update
from tests.support.floor import MORNING, Floor, us_case
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
from huikuan.errors import Forbidden, InvalidInput, NotFound
from huikuan.services.letters import letter_document
from huikuan.services.outbox import preview, send
from huikuan.services.outbox_job import dispatch_due
from huikuan.storage import tables as t

RETURN = "北京市东城区邮政信箱 8-88 号|100010"
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts" / "screenshots"


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
    assert letter_document(floor.uow, floor.viewer("alice"), message_id) == pdf.resolve()
    with pytest.raises(NotFound):
        letter_document(floor.uow, floor.viewer("carol"), message_id)


def test_a_letter_is_downloaded_by_those_who_send_or_check_letters_and_each_download_is_audited(
    floor: Floor, tmp_path: Path
) -> None:
    message_id = _letter(floor)
    dispatch_due(floor.uow, MORNING + timedelta(minutes=1), settings=channel_settings(tmp_path))
    for name in ("alice", "bob", "sue"):  # the case's collectors, their supervisor
        assert letter_document(floor.uow, floor.viewer(name), message_id).is_file()
    # The creditor's viewer sees the case, not its letters (the full address and the debt).
    with pytest.raises(Forbidden):
        letter_document(floor.uow, floor.viewer("vic"), message_id)
    floor.uow.rollback()
    e = t.audit_events.c
    kept = floor.uow.session.execute(
        select(e.user_id, e.entity, e.entity_id, e.detail)
        .where(e.action == "letter.downloaded")
        .order_by(e.id)
    ).all()
    assert [row.user_id for row in kept] == [floor.users[name] for name in ("alice", "bob", "sue")]
    assert {(row.entity, row.entity_id) for row in kept} == {("message", message_id)}
    assert {row.detail["case_id"] for row in kept} == {floor.cases[0].id}


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


US_RETURN = "Lakeside Services LLC|PO Box 1200|Chicago, IL 60601"


def test_a_us_creditors_letter_is_a_validation_notice_in_english(
    floor: Floor, monkeypatch: pytest.MonkeyPatch
) -> None:
    us = us_case(floor)
    with pytest.raises(InvalidInput, match="HUIKUAN_AGENCY_NAME"):
        preview(floor.uow, floor.viewer("alice"), us.id, template="demand", channel="letter")
    use_settings(monkeypatch, agency_name="Lakeside Services LLC", letter_return_address="")
    with pytest.raises(InvalidInput, match="HUIKUAN_LETTER_RETURN_ADDRESS"):
        preview(floor.uow, floor.viewer("alice"), us.id, template="demand", channel="letter")
    use_settings(monkeypatch, agency_name="Lakeside Services LLC", letter_return_address=US_RETURN)
    subject, body = preview(
        floor.uow, floor.viewer("alice"), us.id, template="demand", channel="letter", now=MORNING
    )
    assert subject == "Notice about the debt you owe to Acme Bank"
    # 12 CFR 1006.34(c)(1), (c)(2)(i)-(ii): who collects, from where; to whom, where.
    assert body.startswith(
        "From: Lakeside Services LLC, PO Box 1200, Chicago, IL 60601 · Telephone 400-800-1234\n"
        "To: Jane Roe, 1 Main St, Springfield, IL 62704\n"
    )
    assert (
        "Lakeside Services LLC is a debt collector. We are trying to collect a debt that you owe to "
        "Acme Bank. We will use any information you give us to help collect the debt." in body
    )
    # (c)(2)(iii)-(ix): the account, the itemization date and the itemization, the amount now.
    assert (
        "You had a credit card account from Acme Bank with account number HT-3-005-0.\n"
        "As of June 30, 2026, you owed: $600.00\n"
        "Between June 30, 2026 and today:\n"
        "- You were charged this amount in interest: + $150.00\n"
        "- You were charged this amount in fees: + $0.00\n"
        "- You paid or were credited this amount toward the debt: – $0.00\n"
        "Total amount of this account now: $750.00" in body
    )
    assert "Total amount of the debt now: $1,500.00" in body
    # (c)(3): the validation period's end (sent Thursday 19 November in New York: received five business
    # days later, Thanksgiving not counted, on 27 November; then 30 days), the rights, the CFPB.
    assert "Call or write to us by December 27, 2026, to dispute all or part of the debt." in body
    assert "we must stop collection on any amount you dispute" in body
    assert "Write to ask for the name and address of the original creditor" in body
    assert "www.cfpb.gov/debt-collection" in body
    # (c)(4): the response form at the bottom, with its mail-to address and the consumer's.
    form = body.split("- - - - -", 1)[1]
    assert "Mail this form to:\nLakeside Services LLC\nPO Box 1200\nChicago, IL 60601" in form
    assert "Jane Roe\n1 Main St\nSpringfield, IL 62704" in form
    for prompt in (
        "How do you want to respond?",
        "□ I want to dispute the debt because I think:",
        "□ This is not my debt.",
        "□ The amount is wrong.",
        "□ Other (please describe on reverse or attach additional information).",
        "□ I want you to send me the name and address of the original creditor.",
        "□ I enclosed this amount: $",
    ):
        assert prompt in form, prompt


def test_a_validation_notice_is_in_english_and_printed_with_its_tear_off_form(
    floor: Floor, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    us = us_case(floor)
    floor.uow.session.execute(update(t.debtors).where(t.debtors.c.id == us.debtor_id).values(language="zh"))
    floor.uow.commit()
    use_settings(
        monkeypatch,
        agency_name="Lakeside Services LLC",
        letter_return_address=US_RETURN,
        letters_dir=str(tmp_path / "letters"),
    )
    message_id = send(
        floor.uow,
        floor.viewer("alice"),
        us.id,
        template="demand",
        channel="letter",
        contact_point_id=us.address_id,
        now=MORNING,
    )
    settings = channel_settings(tmp_path, letter_return_address=US_RETURN)
    assert dispatch_due(floor.uow, MORNING, settings=settings)["sent"] == 1
    pdf = tmp_path / "letters" / str(_message(floor, message_id).document)
    assert _message(floor, message_id).locale == "en"
    text = "".join(page.extract_text() for page in PdfReader(pdf).pages)
    assert "How do you want to respond?" in text and "This is not my debt." in text
    assert _unembedded_fonts(pdf) == []
    _keep_page_image(pdf, "letter-us-validation-notice")


def _unembedded_fonts(pdf: Path) -> list[str]:
    """The fonts the PDF uses without carrying them (no FontFile, FontFile2 or FontFile3)."""
    missing = []
    for page in PdfReader(pdf).pages:
        fonts = page["/Resources"].get_object().get("/Font", {})
        for ref in fonts.get_object().values():
            font = ref.get_object()
            if font["/Subtype"] == "/Type0":
                font = font["/DescendantFonts"][0].get_object()
            descriptor = font.get("/FontDescriptor")
            descriptor = descriptor.get_object() if descriptor is not None else {}
            if not any(key in descriptor for key in ("/FontFile", "/FontFile2", "/FontFile3")):
                missing.append(str(font.get("/BaseFont")))
    return missing


def _keep_page_image(pdf: Path, name: str) -> None:
    """The first page as a PNG among the test artifacts, to look at (when poppler's pdftoppm is here)."""
    if shutil.which("pdftoppm") is None:
        return
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        ["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "2", str(pdf), str(ARTIFACTS / name)], check=True
    )


@pytest.mark.parametrize("locale", ["zh_CN", "en"])
def test_every_font_a_letter_uses_is_embedded(
    floor: Floor, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, locale: str
) -> None:
    # A collector whose name is Chinese signs the Chinese letter; the English one is signed by the agency.
    use_settings(monkeypatch, agency_name="Lakeside Services", letter_return_address=RETURN)
    floor.uow.session.execute(
        update(t.users).where(t.users.c.id == floor.users["alice"]).values(display_name="王磊")
    )
    floor.uow.commit()
    c = floor.cases[0]
    message_id = send(
        floor.uow,
        floor.viewer("alice"),
        c.id,
        template="demand",
        channel="letter",
        contact_point_id=c.address_id,
        locale=locale,
        now=MORNING,
    )
    assert dispatch_due(floor.uow, MORNING, settings=channel_settings(tmp_path))["sent"] == 1
    pdf = tmp_path / "letters" / str(_message(floor, message_id).document)
    assert _unembedded_fonts(pdf) == []
    text = PdfReader(pdf).pages[0].extract_text()
    assert ("经办人：王磊" in text) if locale == "zh_CN" else ("王磊" not in text and "Lakeside" in text)
    _keep_page_image(pdf, f"letter-cn-{locale}")


def test_the_letter_page_geometry_is_the_din_window() -> None:
    assert round(PAGE_H - WINDOW_TOP) == round(45 * 72 / 25.4)
