"""Imports from the browser: a file uploaded at /imports (or POST /api/v1/imports) is kept, imported in
the background by the command line's pipeline, and its batch's page shows its progress, then its report,
its file and its rejected rows. An administrator imports for any creditor; a creditor's viewer for its
own only, and sees no other creditor's history; a supervisor reads the history; a collector none of it.
"""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import pytest
from fastapi import FastAPI
from sqlalchemy import Engine, func, select, update
from tests.support.floor import PASSWORD, Floor
from tests.support.imports import FORMULA_NAME, finished, gbk_placement, placement_text
from tests.support.messaging import use_settings
from tests.support.web import Browser, login_client

from huikuan.services import import_progress
from huikuan.services.users import add_user
from huikuan.storage import tables as t
from huikuan.web.app import create_app


@pytest.fixture
def app(floor: Floor, db_env: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> FastAPI:
    use_settings(monkeypatch, documents_dir=str(tmp_path / "documents"))
    add_user(floor.uow, "ada", PASSWORD, role="admin")
    floor.uow.commit()
    return create_app(db_env)


def upload(
    client: Browser, data: bytes, *, creditor: str = "BANK", mode: str = "lenient", **more: str
) -> int:
    """Uploads a placement file through the form, waits for its import to end; the batch's id."""
    answer = client.post(
        "/imports",
        data={"creditor": creditor, "kind": more.get("kind", "accounts"), "mode": mode},
        files={"file": (more.get("name", "placement.csv"), data, "text/csv")},
        follow_redirects=False,
    )
    assert answer.status_code == 303, answer.text
    batch_id = int(answer.headers["location"].rsplit("/", 1)[-1])
    finished(batch_id)
    return batch_id


def accounts_of(engine: Engine, prefix: str = "W") -> int:
    a = t.accounts.c
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).where(a.external_ref.like(f"{prefix}%"))).scalar_one())


def test_an_admin_uploads_a_gbk_placement_file_in_lenient_mode_and_sees_its_report(
    app: FastAPI, engine: Engine
) -> None:
    admin = login_client(app, "ada")

    batch_id = upload(admin, gbk_placement(5, bad=(3,)), mode="lenient")

    page = admin.get(f"/imports/{batch_id}")
    assert page.status_code == 200
    assert 'data-status="done"' in page.text
    counts = dict(re.findall(r'data-testid="count-(\w+)">(\d+)<', page.text))
    assert counts == {
        "rows_read": "5",
        "created": "4",
        "updated": "0",
        "unchanged": "0",
        "rejected": "1",
        "skipped": "0",
    }
    assert "gb18030" in page.text
    assert 'data-testid="batch-errors"' in page.text and "十二点五元" in page.text
    assert 'value="100"' in page.text  # the progress bar at its end
    assert accounts_of(engine) == 4
    history = admin.get("/imports?creditor=BANK").text
    assert f'data-testid="batch-{batch_id}"' in history and "placement.csv" in history


def test_strict_mode_refuses_the_whole_file_and_lists_its_errors(app: FastAPI, engine: Engine) -> None:
    admin = login_client(app, "ada")

    batch_id = upload(admin, gbk_placement(4, bad=(2, 4)), mode="strict")

    page = admin.get(f"/imports/{batch_id}").text
    assert 'data-status="refused"' in page
    assert 'data-testid="batch-refused"' in page
    assert page.count("十二点五元") == 2
    assert 'data-testid="download-rejects"' not in page
    assert accounts_of(engine) == 0


def test_the_rejects_file_downloads_with_its_formulas_neutralised_and_the_download_is_audited(
    app: FastAPI, engine: Engine
) -> None:
    admin = login_client(app, "ada")
    batch_id = upload(admin, gbk_placement(3, bad=(2,)), mode="lenient")

    answer = admin.get(f"/imports/{batch_id}/rejects")

    assert answer.status_code == 200
    assert answer.headers["content-disposition"].startswith("attachment")
    rows = list(csv.reader(io.StringIO(answer.content.decode("utf-8-sig"))))
    assert rows[0][0] == "row" and rows[0][-1] == "reason"
    assert [r[0] for r in rows[1:]] == ["3"]  # the second data row is the file's third record
    assert "'" + FORMULA_NAME in rows[1]
    original = admin.get(f"/imports/{batch_id}/file")
    assert original.content == gbk_placement(3, bad=(2,))
    e = t.audit_events.c
    with engine.connect() as conn:
        downloads = conn.execute(select(e.detail).where(e.action == "document.downloaded")).scalars().all()
    assert sorted(d["file"] for d in downloads) == ["file", "rejects"]


def test_progress_reaches_the_end_and_the_polled_fragment_stops_polling(app: FastAPI) -> None:
    admin = login_client(app, "ada")
    batch_id = upload(admin, placement_text(300).encode("utf-8"), mode="strict", name="big.csv")

    fragment = admin.get(f"/imports/{batch_id}/progress").text

    assert "hx-trigger" not in fragment
    assert "300 of 300 rows" in fragment
    api = admin.get(f"/api/v1/imports/{batch_id}").json()
    assert (api["status"], api["rows_done"], api["rows_total"], api["percent"]) == ("done", 300, 300, 100)
    assert api["report"]["created"] == 300 and api["report"]["file"] == "big.csv"


def test_a_running_batch_polls_its_progress(app: FastAPI, engine: Engine, floor: Floor) -> None:
    """A batch queued but not yet run: its page asks for its progress again."""
    from huikuan.services.import_jobs import StartImport, start_import

    with floor.uow as uow:
        batch_id = start_import(
            uow, floor.viewer("vic"), StartImport("BANK", "accounts", True, "a.csv", b"x,y\n1,2\n")
        )
    page = login_client(app, "vic").get(f"/imports/{batch_id}").text
    assert 'data-status="queued"' in page
    assert f'hx-get="/imports/{batch_id}/progress"' in page and 'hx-trigger="every 1s"' in page


def test_a_placement_import_says_each_of_its_steps_in_order(
    app: FastAPI, monkeypatch: pytest.MonkeyPatch
) -> None:
    said: list[str] = []
    monkeypatch.setattr(import_progress, "note", lambda _batch, step: said.append(step))

    upload(login_client(app, "ada"), placement_text(20).encode("utf-8"), mode="strict")

    assert said == [name for name, _ in import_progress.STEPS["accounts"]]


def test_a_running_batch_shows_the_step_it_has_reached_on_its_bar(app: FastAPI, floor: Floor) -> None:
    """The step this process's import thread has reached shows at once, on any database."""
    from huikuan.services.import_jobs import StartImport, start_import

    with floor.uow as uow:
        batch_id = start_import(
            uow, floor.viewer("vic"), StartImport("BANK", "accounts", True, "a.csv", b"x,y\n1,2\n")
        )
        uow.session.execute(
            update(t.import_batches)
            .where(t.import_batches.c.id == batch_id)
            .values(status="running", rows_total=500_000)
        )
        uow.commit()
    import_progress.note(batch_id, "accounts")  # parse, check, people and cases are done: 15+2+15+4
    try:
        admin = login_client(app, "ada")
        fragment = admin.get(f"/imports/{batch_id}/progress").text
        api = admin.get(f"/api/v1/imports/{batch_id}").json()
    finally:
        import_progress.forget(batch_id)

    assert 'value="36"' in fragment and "step 5 of 7" in fragment and "Writing the accounts" in fragment
    assert "500000 rows" in fragment and 'hx-trigger="every 1s"' in fragment
    assert (api["status"], api["stage"], api["step"], api["steps"], api["percent"]) == (
        "running",
        "accounts",
        5,
        7,
        36,
    )


def test_a_creditor_viewer_imports_for_its_own_creditor_only_and_sees_only_its_history(
    app: FastAPI, engine: Engine
) -> None:
    admin, vic = login_client(app, "ada"), login_client(app, "vic")
    shop_batch = upload(admin, gbk_placement(2, prefix="S"), creditor="SHOP")
    own = upload(vic, gbk_placement(2), creditor="BANK")

    refused = vic.post(
        "/imports",
        data={"creditor": "SHOP", "kind": "accounts", "mode": "lenient"},
        files={"file": ("p.csv", gbk_placement(2, first=900), "text/csv")},
    )
    assert refused.status_code == 404
    assert accounts_of(engine) == 2
    assert vic.get(f"/imports/{own}").status_code == 200
    for url in ("", "/progress", "/file", "/rejects"):
        assert vic.get(f"/imports/{shop_batch}{url}").status_code == 404
    assert vic.get(f"/api/v1/imports/{shop_batch}").status_code == 404
    assert vic.get("/imports?creditor=SHOP").status_code == 404
    history = vic.get("/imports").text
    assert f'data-testid="batch-{own}"' in history and f'data-testid="batch-{shop_batch}"' not in history
    listed = vic.get("/api/v1/imports").json()
    assert [b["id"] for b in listed["items"]] == [own] and listed["paging"]["total"] == 1


def test_a_supervisor_reads_the_history_but_may_not_import_and_a_collector_sees_none(app: FastAPI) -> None:
    batch_id = upload(login_client(app, "ada"), gbk_placement(2))
    sue, alice = login_client(app, "sue"), login_client(app, "alice")

    assert f'data-testid="batch-{batch_id}"' in sue.get("/imports").text
    assert 'data-testid="import-form"' not in sue.get("/imports").text
    refused = sue.post("/imports", data={"creditor": "BANK"}, files={"file": ("p.csv", b"a", "text/csv")})
    assert refused.status_code == 403
    assert alice.get("/imports").status_code == 403
    assert alice.get(f"/imports/{batch_id}").status_code == 403


def test_a_file_of_another_type_or_too_large_is_refused_before_anything_is_kept(
    app: FastAPI, engine: Engine, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    admin = login_client(app, "ada")
    pdf = admin.post(
        "/imports",
        data={"creditor": "BANK", "kind": "accounts", "mode": "strict"},
        files={"file": ("p.pdf", b"%PDF-1.4\n", "application/pdf")},
    )
    disguised = admin.post(
        "/imports",
        data={"creditor": "BANK", "kind": "accounts", "mode": "strict"},
        files={"file": ("p.xlsx", b"not a workbook", "text/csv")},
    )
    use_settings(monkeypatch, documents_dir=str(tmp_path / "documents"), import_max_bytes="100")
    large = admin.post(
        "/api/v1/imports",
        data={"creditor": "BANK", "kind": "accounts", "mode": "strict"},
        files={"file": ("p.csv", gbk_placement(5), "text/csv")},
    )
    assert (pdf.status_code, disguised.status_code, large.status_code) == (422, 422, 422)
    assert 'data-testid="import-error"' in pdf.text
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(t.import_batches)).scalar_one() == 0
        assert conn.execute(select(func.count()).select_from(t.documents)).scalar_one() == 0


def test_the_api_imports_a_file_and_pages_the_history_with_its_true_count(app: FastAPI) -> None:
    admin = login_client(app, "ada")
    ids = [upload(admin, gbk_placement(1, first=600 + i, prefix=f"A{i}")) for i in range(3)]

    answer = admin.post(
        "/api/v1/imports",
        data={"creditor": "BANK", "kind": "accounts", "mode": "lenient"},
        files={"file": ("api.csv", gbk_placement(2, first=700), "text/csv")},
    )
    assert answer.status_code == 202
    new = answer.json()
    assert new["status"] in ("queued", "running", "done") and new["filename"] == "api.csv"
    finished(new["id"])
    page = admin.get("/api/v1/imports?creditor=BANK&per_page=2&page=2").json()
    assert page["paging"]["total"] == 4 and page["paging"]["pages"] == 2
    assert [b["id"] for b in page["items"]] == ids[:2][::-1]
    report = admin.get(f"/api/v1/imports/{new['id']}").json()["report"]
    assert json.loads(json.dumps(report))["created"] == 2


def test_a_file_that_cannot_be_read_fails_with_its_reason(app: FastAPI) -> None:
    admin = login_client(app, "ada")
    batch_id = upload(admin, "名字,地址\n张三,北京\n".encode("gbk"), mode="strict")

    page = admin.get(f"/imports/{batch_id}").text

    assert 'data-status="failed"' in page
    failed = re.search(r'data-testid="batch-failed">(.*?)</div>', page, re.S)
    assert failed is not None and "no header row found" in failed.group(1)


def test_the_jobs_run_a_batch_no_thread_took_and_fail_one_a_dead_process_left_running(
    app: FastAPI, engine: Engine, floor: Floor
) -> None:
    from datetime import UTC, datetime, timedelta

    from sqlalchemy import update

    from huikuan.services.import_jobs import StartImport, start_import
    from huikuan.services.jobs import run_due

    with floor.uow as uow:
        orphan = start_import(
            uow, floor.viewer("vic"), StartImport("BANK", "accounts", True, "o.csv", gbk_placement(2))
        )
        dead = start_import(
            uow, floor.viewer("vic"), StartImport("BANK", "accounts", True, "d.csv", gbk_placement(1))
        )
    now = datetime.now(UTC)
    b = t.import_batches.c
    with engine.begin() as conn:
        conn.execute(
            update(t.import_batches).where(b.id == orphan).values(started_at=now - timedelta(minutes=5))
        )
        conn.execute(
            update(t.import_batches)
            .where(b.id == dead)
            .values(status="running", started_at=now - timedelta(hours=7))
        )

    done = run_due(engine, now=now, only="imports")["imports"]

    assert done == {"ran": 1, "interrupted": 1}
    with engine.connect() as conn:
        status = dict(conn.execute(select(b.id, b.status).where(b.id.in_([orphan, dead]))).all())
    assert status == {orphan: "done", dead: "failed"}
    assert accounts_of(engine) == 2
    assert "interrupted" in login_client(app, "vic").get(f"/imports/{dead}").text
