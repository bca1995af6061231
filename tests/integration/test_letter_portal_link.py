"""A letter to the debtor carries a private link to their own page (issue 18): printed as a QR code with
the address beside it to type, valid for LETTER_LINK_DAYS days, opening the same identity check as a link
sent by SMS; no link without a public address, on a guarantor's letter or on a sandbox letter."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest
from pypdf import PdfReader
from sqlalchemy import select, update
from tests.support.debtor_portal import answer_check, debtor_browser, right_answers
from tests.support.floor import MORNING, Floor
from tests.support.messaging import channel_settings, use_settings

from huikuan import config
from huikuan.config import Settings
from huikuan.services.debtor_links import LETTER_LINK_DAYS
from huikuan.services.outbox import send
from huikuan.services.outbox_job import dispatch_due
from huikuan.storage import tables as t
from huikuan.web.app import create_app

RETURN = "北京市东城区邮政信箱 8-88 号|100010"
PUBLIC = "https://pay.example.cn"
LINK = re.compile(r"https://pay\.example\.cn/d/([A-Za-z0-9_-]{43})")


def _letter_text(floor: Floor, settings: Settings, point_id: int | None = None) -> str:
    """Sends a demand letter of the floor's first case and reads its first page's text."""
    c = floor.cases[0]
    mid = send(
        floor.uow,
        floor.viewer("alice"),
        c.id,
        template="demand",
        channel="letter",
        contact_point_id=point_id or c.address_id,
        now=MORNING,
    )
    assert dispatch_due(floor.uow, MORNING, settings=settings)["sent"] == 1
    floor.uow.rollback()
    document = floor.uow.session.execute(
        select(t.messages.c.document).where(t.messages.c.id == mid)
    ).scalar_one()
    page = PdfReader(Path(settings.letters_dir) / document).pages[0]
    return str(page.extract_text()).replace("\n", "")


@pytest.fixture
def named(floor: Floor, monkeypatch: pytest.MonkeyPatch) -> Floor:
    use_settings(monkeypatch, letter_return_address=RETURN, public_url=PUBLIC)
    c = floor.cases[0]
    floor.uow.session.execute(update(t.debtors).where(t.debtors.c.id == c.debtor_id).values(name="王小明"))
    floor.uow.commit()
    return floor


def test_a_debtors_letter_prints_a_private_link_that_opens_their_own_page(
    named: Floor, tmp_path: Path, db_env: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = channel_settings(tmp_path, letter_return_address=RETURN, public_url=PUBLIC)
    text = _letter_text(named, settings)
    found = LINK.search(text)
    assert found, text
    assert "扫描二维码或输入下方网址" in text
    links = named.uow.session.execute(select(t.debtor_links.c.case_id, t.debtor_links.c.expires_at)).all()
    assert [(row.case_id, row.expires_at) for row in links] == [
        (named.cases[0].id, MORNING + timedelta(days=LETTER_LINK_DAYS))
    ]
    # The test browser is not at the public address: the app it talks to is set up without it.
    monkeypatch.delenv("HUIKUAN_PUBLIC_URL")
    config.get_settings.cache_clear()
    site = debtor_browser(create_app(db_env))
    answer = answer_check(site, found.group(1), right_answers(1))
    assert answer.status_code == 303 and answer.headers["location"] == "/d"


def test_no_link_is_printed_without_a_public_address(named: Floor, tmp_path: Path) -> None:
    settings = channel_settings(tmp_path, letter_return_address=RETURN, public_url="")
    assert "/d/" not in _letter_text(named, settings)
    assert named.uow.session.execute(select(t.debtor_links.c.id)).first() is None


def test_a_sandbox_letter_makes_no_link(named: Floor, tmp_path: Path) -> None:
    settings = channel_settings(tmp_path, letter_return_address=RETURN, public_url=PUBLIC, sandbox=True)
    c = named.cases[0]
    send(
        named.uow,
        named.viewer("alice"),
        c.id,
        template="demand",
        channel="letter",
        contact_point_id=c.address_id,
        now=MORNING,
    )
    assert dispatch_due(named.uow, MORNING, settings=settings)["sent"] == 1
    named.uow.rollback()
    assert named.uow.session.execute(select(t.debtor_links.c.id)).first() is None


def test_a_guarantors_letter_carries_no_link_to_the_debtors_page(named: Floor, tmp_path: Path) -> None:
    c = named.cases[0]
    point = named.uow.session.execute(
        t.contact_points.insert()
        .values(
            debtor_id=c.debtor_id, party_id=c.guarantor_id, kind="address", value="上海市黄浦区中山东一路1号"
        )
        .returning(t.contact_points.c.id)
    ).scalar_one()
    named.uow.commit()
    settings = channel_settings(tmp_path, letter_return_address=RETURN, public_url=PUBLIC)
    assert "/d/" not in _letter_text(named, settings, point_id=point)
    assert named.uow.session.execute(select(t.debtor_links.c.id)).first() is None
