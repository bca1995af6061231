"""The original creditor of a debt that was sold or assigned (issue 18): read from the placement file's
`original_creditor` column (原债权人), changed by a later placement, and shown on the debtor's own page and
on the case page beside the account."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine, select, update
from tests.support.debtor_portal import answer_check, debtor_browser, right_answers
from tests.support.factories import GOOD_ROWS, HEADER, cli, cli_json
from tests.support.floor import Floor
from tests.support.web import login_client

from huikuan.services.debtor_links import create_link
from huikuan.storage import tables as t
from huikuan.web.app import create_app

SOLD_BY = "某消费金融有限公司"


def _file(path: Path, rows: list[str]) -> str:
    """A placement file of the factories' rows with the column 原债权人 added."""
    path.write_bytes(("\r\n".join([HEADER + ",原债权人", *rows]) + "\r\n").encode("gbk"))
    return str(path)


def _originals(engine: Engine) -> dict[str, str | None]:
    a = t.accounts.c
    with engine.connect() as conn:
        return {
            r.external_ref: r.original_creditor
            for r in conn.execute(select(a.external_ref, a.original_creditor))
        }


def test_the_placement_files_original_creditor_is_kept_per_account_and_follows_a_new_placement(
    engine: Engine, db_env: str, tmp_path: Path
) -> None:
    del db_env  # the command line's database
    assert cli("creditor", "add", "BANK", "--name", "某资产管理公司", "--region", "CN").exit_code == 0
    rows = [GOOD_ROWS[0] + f",{SOLD_BY}", GOOD_ROWS[1] + ",", GOOD_ROWS[2] + ",另一家银行"]
    code, report = cli_json("import", "accounts", _file(tmp_path / "p.csv", rows), "--creditor", "BANK")
    assert code == 0 and report["errors"] == [], report
    assert _originals(engine) == {"HT-001": SOLD_BY, "HT-002": None, "HT-003": "另一家银行"}
    code, report = cli_json(
        "import", "accounts", _file(tmp_path / "q.csv", [GOOD_ROWS[0] + ",某银行"]), "--creditor", "BANK"
    )
    assert code == 0 and report["updated"] == 1, report
    assert _originals(engine)["HT-001"] == "某银行"


@pytest.fixture
def sold(floor: Floor) -> Floor:
    account = floor.cases[0].account_ids[0]
    floor.uow.session.execute(
        update(t.accounts).where(t.accounts.c.id == account).values(original_creditor=SOLD_BY)
    )
    floor.uow.commit()
    return floor


def test_the_debtor_sees_the_original_creditor_of_a_sold_debt_on_their_own_page(
    sold: Floor, db_env: str
) -> None:
    link = create_link(sold.uow, sold.cases[0].id)
    site = debtor_browser(create_app(db_env), "zh_CN")
    assert answer_check(site, link.token, right_answers(1)).status_code == 303
    page = site.get("/d").text
    assert "原债权人" in page and SOLD_BY in page


def test_the_case_page_names_the_original_creditor_beside_the_account(sold: Floor, db_env: str) -> None:
    alice = login_client(create_app(db_env), "alice")
    page = alice.get(f"/cases/{sold.cases[0].id}/panels/debts").text
    assert "Original creditor" in page and SOLD_BY in page
    assert "Original creditor" not in alice.get(f"/cases/{sold.cases[1].id}/panels/debts").text
