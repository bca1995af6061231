"""Search (services/search.py, /search, /api/v1/search): each kind of query finds its case, only among
the cases the searcher may see, masked as on the case page, audited without what was typed; the keys
follow an import, a contact point added and an erasure."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi import FastAPI
from sqlalchemy import select
from tests.support.factories import IDS, placement
from tests.support.floor import Floor, floor_national_id
from tests.support.web import login_client

from huikuan.services.anonymise import anonymise
from huikuan.services.contact_points import NewPoint, add_point
from huikuan.services.imports import import_accounts
from huikuan.services.search import SearchResults, search
from huikuan.storage import tables as t
from huikuan.web.app import create_app

NOW = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)


@pytest.fixture
def placed(floor: Floor, tmp_path: Path) -> Floor:
    """The floor with BANK's placement of 张伟 (two accounts) and 李娜, in the pool, imported."""
    import_accounts(floor.uow, placement(tmp_path / "p.csv"), "BANK")
    return floor


def _case_of(floor: Floor, external_ref: str) -> int:
    a = t.accounts.c
    found = floor.uow.session.execute(select(a.case_id).where(a.external_ref == external_ref)).scalar_one()
    return int(found)


def _found(floor: Floor, who: str, query: str, **paging: int) -> SearchResults:
    return search(floor.uow, floor.viewer(who), query, now=NOW, **paging)


def _ids(results: SearchResults) -> list[int]:
    return [hit.case_id for hit in results.hits]


# --- each kind of query ---------------------------------------------------------------------------


def test_a_chinese_name_is_found_whole_and_by_its_start(placed: Floor) -> None:
    zhang, li = _case_of(placed, "HT-001"), _case_of(placed, "HT-003")
    assert _ids(_found(placed, "alice", "张伟")) == [zhang]
    assert _ids(_found(placed, "alice", " 张 ")) == [zhang]
    assert _ids(_found(placed, "alice", "李")) == [li]
    assert _found(placed, "alice", "张伟").kind == "name"


def test_the_pinyin_of_a_chinese_name_finds_it_with_or_without_spaces(placed: Floor) -> None:
    zhang = _case_of(placed, "HT-001")
    for typed in ("zhangwei", "zhang wei", "Zhang Wei", "zhangw", "ZHANG"):
        assert _ids(_found(placed, "alice", typed)) == [zhang], typed


def test_a_phone_is_found_in_any_format_and_by_its_last_four_digits_or_more(placed: Floor) -> None:
    zhang = _case_of(placed, "HT-001")
    for typed in ("13800138000", "+86 138-0013-8000", "0086 138 0013 8000", "8000", "38000"):
        results = _found(placed, "alice", typed)
        assert zhang in _ids(results), typed
        assert results.kind == "number"
    assert zhang in _ids(_found(placed, "alice", "010-6234 5678"))  # a landline, with its trunk prefix
    assert zhang not in _ids(_found(placed, "alice", "9999"))


def test_a_national_id_is_found_whole_or_by_its_last_four_after_the_name(placed: Floor) -> None:
    zhang = _case_of(placed, "HT-001")
    assert _ids(_found(placed, "alice", IDS[0])) == [zhang]
    assert _ids(_found(placed, "alice", IDS[0][:6] + " " + IDS[0][6:].lower())) == [zhang]
    assert _ids(_found(placed, "alice", "张伟 " + IDS[0][-4:])) == [zhang]
    assert _ids(_found(placed, "alice", "zhang wei " + IDS[0][-4:])) == [zhang]
    assert _found(placed, "alice", "张伟 " + IDS[0][-4:]).kind == "name_id"
    assert _ids(_found(placed, "alice", "李娜 " + IDS[0][-4:])) == []


def test_a_contract_number_and_a_case_id_find_their_case(placed: Floor) -> None:
    zhang = _case_of(placed, "HT-002")
    assert _ids(_found(placed, "alice", "HT-002")) == [zhang]
    own = placed.cases[0].id
    assert own in _ids(_found(placed, "alice", str(own)))


# --- only what the searcher may see ---------------------------------------------------------------


def test_a_collector_does_not_find_another_teams_assigned_case(floor: Floor) -> None:
    carols = floor.other_creditor_case
    assert carols is not None
    phone = "+8613800000004"  # carol's case's debtor (team 二组)
    assert _ids(_found(floor, "alice", phone)) == []
    assert _ids(_found(floor, "alice", floor_national_id(4))) == []
    assert _ids(_found(floor, "carol", phone)) == [carols.id]
    assert _ids(_found(floor, "sue", phone)) == [carols.id]


def test_a_creditor_viewer_finds_its_own_creditors_cases_only(floor: Floor) -> None:
    carols = floor.other_creditor_case
    assert carols is not None
    assert _ids(_found(floor, "vic", "+8613800000004")) == []  # SHOP's
    assert _ids(_found(floor, "vic", "0001")) == [floor.cases[0].id]  # BANK's
    everyone = _ids(_found(floor, "sue", "测试债务人"))
    assert carols.id in everyone and carols.id not in _ids(_found(floor, "vic", "测试债务人"))


# --- what a result shows, and what the audit log keeps ----------------------------------------------


def test_results_are_masked_as_on_the_case_page(floor: Floor) -> None:
    (hit,) = _found(floor, "alice", "0001").hits
    assert hit.phone == "+86 138****0001"
    assert hit.national_id == floor_national_id(1)[:6] + "*" * 12
    assert hit.debtor_name == "测试债务人1"


def test_each_search_is_audited_with_its_kind_and_count_never_what_was_typed(floor: Floor) -> None:
    _found(floor, "alice", "+86 138 0000 0001")
    e = t.audit_events.c
    row = floor.uow.session.execute(
        select(e.user_id, e.detail).where(e.action == "search").order_by(e.id.desc()).limit(1)
    ).one()
    assert row.user_id == floor.users["alice"]
    assert row.detail == {"kind": "number", "results": 1, "capped": False}
    assert "0001" not in str(row.detail)


def test_results_are_paged_with_the_true_count(floor: Floor) -> None:
    first = _found(floor, "sue", "测试债务人", per_page=3)
    second = _found(floor, "sue", "测试债务人", page=2, per_page=3)
    assert first.paging.total == second.paging.total == 4 and not first.capped
    assert len(first.hits) == 3 and len(second.hits) == 1
    assert set(_ids(first)) | set(_ids(second)) == {c.id for c in floor.cases} | {
        floor.other_creditor_case.id if floor.other_creditor_case else 0
    }


def test_a_blank_query_finds_nothing(floor: Floor) -> None:
    results = _found(floor, "alice", "   ")
    assert results.kind is None and results.hits == () and results.paging.total == 0


# --- the keys follow the data ---------------------------------------------------------------------


def test_a_phone_added_to_a_case_is_found_at_once(floor: Floor) -> None:
    own = floor.cases[0]
    assert _ids(_found(floor, "alice", "7788")) == []
    add_point(floor.uow, floor.viewer("alice"), own.debtor_id, NewPoint("mobile", "139 2222 7788", "debtor"))
    assert _ids(_found(floor, "alice", "7788")) == [own.id]
    assert _ids(_found(floor, "alice", "13922227788")) == [own.id]


def test_an_import_keys_its_debtors_and_their_phones(placed: Floor) -> None:
    d, cp = t.debtors.c, t.contact_points.c
    keys = placed.uow.session.execute(select(d.name_key, d.name_pinyin).where(d.name == "张伟")).one()
    assert tuple(keys) == ("张伟", "zhangwei")
    phones = set(placed.uow.session.execute(select(cp.phone_digits, cp.phone_last4)).all())
    assert ("13800138000", "8000") in phones and ("1062345678", "5678") in phones


def test_an_anonymised_debtor_is_found_no_more(placed: Floor) -> None:
    li = _case_of(placed, "HT-003")
    debtor = placed.uow.session.execute(select(t.cases.c.debtor_id).where(t.cases.c.id == li)).scalar_one()
    anonymise(placed.uow, [debtor], NOW, trigger="erasure")
    placed.uow.commit()
    assert _ids(_found(placed, "alice", "李娜")) == []
    assert _ids(_found(placed, "alice", "15900159000")) == []
    assert _ids(_found(placed, "alice", "lina")) == []


# --- the page and the API -------------------------------------------------------------------------


@pytest.fixture
def app(floor: Floor, db_env: str) -> FastAPI:
    return create_app(db_env)


def test_the_search_page_lists_each_case_found_with_a_link_to_it(app: FastAPI, floor: Floor) -> None:
    own = floor.cases[0].id
    page = login_client(app, "alice").get("/search", params={"q": "0001"})
    assert page.status_code == 200
    assert f'href="/cases/{own}"' in page.text and "+86 138****0001" in page.text
    assert "+8613800000001" not in page.text
    assert 'data-testid="topbar-search"' in page.text


def test_the_api_answers_a_search_as_json(app: FastAPI, floor: Floor) -> None:
    own = floor.cases[0].id
    answer = login_client(app, "alice").get("/api/v1/search", params={"q": "0001"})
    assert answer.status_code == 200
    body = answer.json()
    assert body["total"] == 1 and body["kind"] == "number"
    assert body["items"][0]["url"] == f"/cases/{own}" and body["items"][0]["phone"] == "+86 138****0001"
