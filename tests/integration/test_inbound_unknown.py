"""The replies no debtor matched: supervisors and administrators list them newest first with the true
count, each sender masked until one is revealed (and the reveal is audited); a matched reply is not on
the list, and a collector or a creditor's viewer reads none of it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi import FastAPI
from sqlalchemy import select
from tests.support.floor import MORNING, Floor
from tests.support.web import api_client, login_client

from huikuan.channels.inbound import Inbound
from huikuan.errors import Forbidden, NotFound
from huikuan.services.inbound import receive
from huikuan.services.inbound_unknown import reveal_sender, unknown_messages
from huikuan.storage import tables as t
from huikuan.web.app import create_app

STRANGER = "+8613911112222"  # no debtor has this number
STRANGER_MAIL = "someone.else@example.org"
KNOWN = "+8613800000001"  # case 0's debtor's own mobile


def _receive(floor: Floor, channel: str, sender: str, text: str, minutes_ago: int, ref: str) -> int:
    at = MORNING - timedelta(minutes=minutes_ago)
    message = Inbound(channel, sender, "10690000", text, at, "http", ref)
    return receive(floor.uow, message, now=MORNING).inbound_id


@pytest.fixture
def received(floor: Floor) -> dict[str, int]:
    """Three messages from strangers (an SMS, an e-mail, a WeChat openid) and one reply from a debtor."""
    return {
        "oldest": _receive(floor, "sms", STRANGER, "who is this?", 30, "u-1"),
        "mail": _receive(floor, "email", STRANGER_MAIL, "wrong person", 20, "u-2"),
        "wechat": _receive(floor, "wechat", "oWxStranger12345", "你好", 10, "u-3"),
        "known": _receive(floor, "sms", KNOWN, "I will pay on Friday", 5, "k-1"),
    }


def test_only_the_unknown_senders_are_listed_newest_first_with_their_senders_masked(
    floor: Floor, received: dict[str, int]
) -> None:
    messages, paging = unknown_messages(floor.uow, floor.viewer("sue"))
    assert [m.id for m in messages] == [received["wechat"], received["mail"], received["oldest"]]
    assert paging.total == 3
    senders = [m.sender for m in messages]
    assert senders == ["oW****45", "s***@example.org", "+86 139****2222"]
    assert STRANGER not in senders and STRANGER_MAIL not in senders


def test_the_count_is_the_true_total_whichever_page_is_shown(floor: Floor, received: dict[str, int]) -> None:
    first, paging = unknown_messages(floor.uow, floor.viewer("sue"), page=1, per_page=2)
    second, later = unknown_messages(floor.uow, floor.viewer("sue"), page=2, per_page=2)
    assert (paging.total, paging.pages, later.total) == (3, 2, 3)
    assert [m.id for m in first + second] == [received["wechat"], received["mail"], received["oldest"]]
    beyond, placed = unknown_messages(floor.uow, floor.viewer("sue"), page=9, per_page=2)
    assert placed.page == 2 and [m.id for m in beyond] == [received["oldest"]]


def test_revealing_a_sender_is_audited_with_who_and_which_message(
    floor: Floor, received: dict[str, int]
) -> None:
    sue = floor.viewer("sue")
    assert reveal_sender(floor.uow, sue, received["oldest"], now=MORNING) == STRANGER
    e = t.audit_events.c
    audited = floor.uow.session.execute(
        select(e.user_id, e.entity, e.entity_id, e.detail).where(e.action == "reveal.inbound_sender")
    ).all()
    assert [(r.user_id, r.entity, r.entity_id, r.detail) for r in audited] == [
        (sue.user_id, "inbound_message", received["oldest"], {"channel": "sms"})
    ]


def test_a_matched_replys_sender_is_not_revealed_here(floor: Floor, received: dict[str, int]) -> None:
    with pytest.raises(NotFound):
        reveal_sender(floor.uow, floor.viewer("sue"), received["known"], now=MORNING)


@pytest.mark.parametrize("who", ["alice", "vic"])
def test_a_collector_or_a_creditors_viewer_may_neither_list_nor_reveal(
    floor: Floor, received: dict[str, int], who: str
) -> None:
    with pytest.raises(Forbidden):
        unknown_messages(floor.uow, floor.viewer(who))
    with pytest.raises(Forbidden):
        reveal_sender(floor.uow, floor.viewer(who), received["oldest"], now=MORNING)
    e = t.audit_events.c
    assert floor.uow.session.execute(select(e.id).where(e.action == "reveal.inbound_sender")).first() is None


@pytest.fixture
def app(floor: Floor, db_env: str) -> FastAPI:
    return create_app(db_env)


@pytest.mark.parametrize(
    ("locale", "title", "count"),
    [("en", "Replies from unknown senders", "Messages: 3"), ("zh_CN", "来自未知发件人的回复", "消息：3")],
)
def test_the_page_lists_them_masked_in_both_languages_and_reveals_one_in_place(
    app: FastAPI, received: dict[str, int], locale: str, title: str, count: str
) -> None:
    client = login_client(app, "sue", locale=locale)
    page = client.get("/admin/inbound/unknown")
    assert page.status_code == 200
    assert title in page.text and count in page.text
    assert "+86 139****2222" in page.text and STRANGER not in page.text and STRANGER_MAIL not in page.text
    assert "I will pay on Friday" not in page.text  # a debtor's reply is on its case, not here
    revealed = client.post(
        f"/admin/inbound/unknown/{received['oldest']}/reveal", headers={"HX-Request": "true"}
    )
    assert revealed.status_code == 200 and STRANGER in revealed.text
    assert f'data-testid="revealed-sender-{received["oldest"]}"' in revealed.text


def test_the_page_walks_through_its_pages_with_the_true_total(app: FastAPI, received: dict[str, int]) -> None:
    client = login_client(app, "sue")
    second = client.get("/admin/inbound/unknown", params={"per_page": 2, "page": 2}).text
    assert "3–3 of 3" in second and "page 2 of 2" in second and "Messages: 3" in second
    assert f'data-testid="unknown-{received["oldest"]}"' in second
    assert f'data-testid="unknown-{received["wechat"]}"' not in second
    assert 'rel="prev"' in second and 'rel="next"' not in second


def test_the_channels_page_links_to_the_list(app: FastAPI, received: dict[str, int]) -> None:
    page = login_client(app, "sue").get("/admin/channels").text
    assert 'href="/admin/inbound/unknown"' in page


def test_the_api_lists_a_page_with_its_true_total_and_reveals_a_sender(
    app: FastAPI, received: dict[str, int]
) -> None:
    api = api_client(app, "sue")
    answer = api.get("/api/v1/admin/inbound/unknown", params={"per_page": 1, "page": 2})
    assert answer.status_code == 200
    body = answer.json()
    assert body["paging"]["total"] == 3 and body["paging"]["pages"] == 3
    assert [m["id"] for m in body["messages"]] == [received["mail"]]
    assert body["messages"][0]["sender"] == "s***@example.org"
    shown = api.post(f"/api/v1/admin/inbound/unknown/{received['mail']}/reveal")
    assert shown.status_code == 200 and shown.json() == {"sender": STRANGER_MAIL}
    missing = api.post(f"/api/v1/admin/inbound/unknown/{received['known']}/reveal")
    assert missing.status_code == 404
