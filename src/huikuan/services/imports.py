"""Importing a creditor's placement and payment files: parse, check, then write all or nothing."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import polars as pl
from sqlalchemy import insert, select, update

from huikuan.domain.commission import default_terms
from huikuan.errors import ImportRejected, InvalidInput
from huikuan.files import private_opener
from huikuan.intake import load_mapping, parse_payments, parse_placement
from huikuan.intake.messages import reason
from huikuan.intake.placement import ParsedPlacement
from huikuan.intake.recalls import parse_recalls
from huikuan.intake.report import RowError, SkippedRow
from huikuan.services import notices
from huikuan.services.account_status import end_accounts
from huikuan.services.clock import floor_today
from huikuan.services.creditors import get_creditor
from huikuan.services.fact_history import changing_facts
from huikuan.services.money_terms import terms_history
from huikuan.services.persons import link_by_national_id
from huikuan.spreadsheet import csv_writer
from huikuan.storage import audit
from huikuan.storage import tables as t
from huikuan.storage.holds import write_scrub_holds
from huikuan.storage.payment_writer import CreditorTerms, Refused, write_payments
from huikuan.storage.placement_writer import WriteCounts, write_placement
from huikuan.storage.uow import UnitOfWork

# Called with each stage ("parse", "match", "write"); "write" also with the rows read.
Progress = Callable[..., None]


@dataclass
class ImportReport:
    """What an import did; `to_dict()` is the `--json` report."""

    kind: str
    file: str
    creditor: str
    mode: str
    encoding: str
    rows_read: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    skipped: int = 0
    written: bool = False
    errors: list[dict[str, Any]] = field(default_factory=list)
    skipped_rows: list[dict[str, Any]] = field(default_factory=list)
    columns: dict[str, str] = field(default_factory=dict)
    ignored_columns: list[str] = field(default_factory=list)
    rejects_file: str | None = None
    details: dict[str, int] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _errors(errors: list[RowError]) -> list[dict[str, Any]]:
    return [
        {
            "row": e.row,
            "column": e.column,
            "value": e.value,
            "code": e.code,
            "reason": e.reason,
            "detail": e.detail,
        }
        for e in sorted(errors, key=lambda e: (e.row, e.column))
    ]


def _skips(skipped: list[SkippedRow]) -> list[dict[str, Any]]:
    return [{"row": s.row, "reason": s.reason} for s in skipped]


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _write_rejects(path: Path, cells: pl.DataFrame, errors: list[RowError], target: Path | None) -> Path:
    """The rejected rows as the creditor wrote them, with the reasons in an extra column."""
    out = target or path.with_name(f"{path.stem}.rejects.csv")
    reasons: dict[int, list[str]] = {}
    for e in sorted(errors, key=lambda e: (e.row, e.column)):
        reasons.setdefault(e.row, []).append(e.reason)
    headers = [c for c in cells.columns if c != "row"] if cells.height else []
    by_row = {r["row"]: r for r in cells.iter_rows(named=True)} if cells.height else {}
    with open(out, "w", encoding="utf-8-sig", newline="", opener=private_opener) as fh:
        writer = csv_writer(fh)
        writer.writerow(["row", *headers, "reason"])
        for row, why in sorted(reasons.items()):
            original = by_row.get(row, {})
            writer.writerow([row, *(original.get(h) for h in headers), "; ".join(why)])
    return out


def _take_rows(parsed: ParsedPlacement) -> pl.DataFrame:
    """The parsed rows, leaving the writer the only reference so that it can release them as it goes."""
    rows, parsed.rows = parsed.rows, pl.DataFrame()
    return rows


def _mode(strict: bool) -> str:
    return "strict" if strict else "lenient"


def import_accounts(
    uow: UnitOfWork,
    path: Path,
    creditor_code: str,
    *,
    strict: bool = True,
    mapping_file: Path | None = None,
    sheet: str | None = None,
    as_of: date | None = None,
    rejects: Path | None = None,
    progress: Progress | None = None,
    batch_id: int | None = None,
) -> ImportReport:
    """Imports a placement file. Strict: any bad row rejects the file (ImportRejected, nothing written)."""
    say = progress or (lambda *_: None)
    if not path.is_file():
        raise InvalidInput("file: {path} does not exist", path=str(path))
    creditor = get_creditor(uow, creditor_code)
    mapping = dict(creditor.header_mapping)
    if mapping_file is not None:
        mapping.update(load_mapping(mapping_file))
    say("parse")
    parsed = parse_placement(
        path,
        region=creditor.region,
        currency=creditor.currency,
        as_of=as_of or floor_today(),
        mapping=mapping,
        sheet=sheet,
    )
    errors = list(parsed.errors)
    say("check", parsed.rows_read)
    report = _checked_report("accounts", path, creditor, parsed, errors, strict=strict, rejects=rejects)
    conn = uow.session.connection()
    counts = write_placement(
        conn,
        creditor.id or 0,
        creditor.region,
        _take_rows(parsed),
        placed_on=floor_today(datetime.now(UTC)),
        step=say,
    )
    say("links")
    _placement_written(uow, creditor.id or 0, counts, report)
    if mapping_file is not None:
        conn.execute(
            update(t.creditors).where(t.creditors.c.id == creditor.id).values(header_mapping=mapping)
        )
    _record_batch(uow, creditor.id or 0, "accounts", path, report, batch_id)
    report.written = True
    uow.commit()
    return report


def _placement_written(uow: UnitOfWork, creditor_id: int, counts: WriteCounts, report: ImportReport) -> None:
    """After the placement's rows are written: links the same people, refreshes the creditor's notices,
    sets holds on the scrubbed accounts, and counts it all into `report`."""
    # The same person placed by other creditors: linked by national ID once for the whole batch.
    linked = link_by_national_id(uow, creditor_id)
    report.created, report.updated, report.unchanged = counts.created, counts.updated, counts.unchanged
    notices.refresh_creditor(uow.session.connection(), creditor_id)
    report.details = {
        "debtors_created": counts.debtors_created,
        "parties_created": counts.parties_created,
        "contact_points_created": counts.contact_points_created,
        "persons_linked": linked,
    }
    if counts.scrubs.height:
        report.details["holds_set"] = _scrub(uow, creditor_id, counts.scrubs)


def import_payments(
    uow: UnitOfWork,
    path: Path,
    creditor_code: str,
    *,
    strict: bool = True,
    mapping_file: Path | None = None,
    sheet: str | None = None,
    rejects: Path | None = None,
    progress: Progress | None = None,
    batch_id: int | None = None,
) -> ImportReport:
    """Imports payments; a payment reference seen before counts once, an unknown account is an error row."""
    say = progress or (lambda *_: None)
    if not path.is_file():
        raise InvalidInput("file: {path} does not exist", path=str(path))
    creditor = get_creditor(uow, creditor_code)
    mapping = load_mapping(mapping_file) if mapping_file is not None else dict(creditor.header_mapping)
    say("parse")
    parsed = parse_payments(
        path,
        region=creditor.region,
        currency=creditor.currency,
        tz=creditor.time_zone,
        mapping=mapping,
        sheet=sheet,
    )
    conn = uow.session.connection()
    say("match", parsed.rows_read)
    outcome = write_payments(conn, creditor.id or 0, parsed.rows, tz=creditor.time_zone, dry_run=True)
    errors = [*parsed.errors, *(_row_error(e) for e in outcome.errors)]
    report = _checked_report("payments", path, creditor, parsed, errors, strict=strict, rejects=rejects)
    say("write")
    region, history = terms_history(conn, creditor.id or 0)
    terms = CreditorTerms(history, default_terms(region, date.min))
    done = write_payments(
        conn, creditor.id or 0, parsed.rows, tz=creditor.time_zone, dry_run=False, terms=terms
    )
    report.created, report.unchanged = done.created, done.unchanged
    notices.refresh_creditor(conn, creditor.id or 0)
    _record_batch(uow, creditor.id or 0, "payments", path, report, batch_id)
    report.written = True
    uow.commit()
    return report


def import_recalls(
    uow: UnitOfWork,
    path: Path,
    creditor_code: str,
    *,
    strict: bool = True,
    mapping_file: Path | None = None,
    sheet: str | None = None,
    rejects: Path | None = None,
    progress: Progress | None = None,
    batch_id: int | None = None,
) -> ImportReport:
    """Imports a recall or closure file: each named open account leaves collection at once
    (services/account_status.py); an account already ended is unchanged; an unknown one is an error row."""
    say = progress or (lambda *_: None)
    if not path.is_file():
        raise InvalidInput("file: {path} does not exist", path=str(path))
    creditor = get_creditor(uow, creditor_code)
    mapping = load_mapping(mapping_file) if mapping_file is not None else dict(creditor.header_mapping)
    say("parse")
    parsed = parse_recalls(path, region=creditor.region, mapping=mapping, sheet=sheet)
    say("match", parsed.rows_read)
    conn = uow.session.connection()
    a = t.accounts.c
    refs = parsed.rows.get_column("external_ref").to_list()
    known = {
        r.external_ref: (int(r.id), r.status)
        for start in range(0, len(refs), 5_000)
        for r in conn.execute(
            select(a.id, a.external_ref, a.status).where(
                a.creditor_id == creditor.id, a.external_ref.in_(refs[start : start + 5_000])
            )
        )
    }
    unknown = [
        RowError(row, "external_ref", ref, "unknown_account", reason("unknown_account", "external_ref", ref))
        for row, ref in parsed.rows.select("row", "external_ref").iter_rows()
        if ref not in known
    ]
    errors = [*parsed.errors, *unknown]
    report = _checked_report("recalls", path, creditor, parsed, errors, strict=strict, rejects=rejects)
    say("write")
    batch = _record_batch(uow, creditor.id or 0, "recalls", path, report, batch_id)
    now = datetime.now(UTC)
    ended: set[int] = set()
    by_change: dict[tuple[str, str], list[int]] = {}
    for ref, why, action in parsed.rows.select("external_ref", "reason", "action").iter_rows():
        if ref in known and known[ref][1] == "open":
            status = "recalled" if action == "recall" else "closed"
            by_change.setdefault((status, why), []).append(known[ref][0])
    for (status, why), ids in sorted(by_change.items()):
        done = end_accounts(conn, ids, to_status=status, reason=why, at=now, user_id=None, batch_id=batch)
        ended |= set(done.accounts)
    report.updated = len(ended)
    report.unchanged = parsed.rows.height - len(unknown) - len(ended)
    report.details = {"accounts_ended": len(ended)}
    _finish_batch(uow, batch, report)
    report.written = True
    uow.commit()
    return report


def _scrub(uow: UnitOfWork, creditor_id: int, scrubs: pl.DataFrame) -> int:
    """The file's scrub flags take effect at once: holds with source "import" (bankrupt, deceased,
    attorney, cease) and the disputed flag, with a version of the facts of each debtor they changed."""
    now = datetime.now(UTC)
    debtors = scrubs["debtor_id"].to_list()
    with changing_facts(uow, debtors, user_id=None, reason="import.scrub", at=now):
        count = write_scrub_holds(uow.session.connection(), creditor_id, scrubs, now)
        audit.record(
            uow.session,
            at=now,
            user_id=None,
            action="hold.import",
            entity="creditor",
            entity_id=creditor_id,
            detail={"holds": count, "debtors": len(debtors)},
        )
    return count


def _checked_report(
    kind: str,
    path: Path,
    creditor: Any,
    parsed: Any,
    errors: list[RowError],
    *,
    strict: bool,
    rejects: Path | None,
) -> ImportReport:
    """The report of a parsed file with its row errors: refused whole in strict mode (ImportRejected);
    in lenient mode the bad rows are written to the rejects file beside it."""
    report = ImportReport(
        kind=kind,
        file=str(path),
        creditor=creditor.code,
        mode=_mode(strict),
        encoding=parsed.encoding,
        rows_read=parsed.rows_read,
        rejected=len({e.row for e in errors}),
        skipped=len(parsed.skipped),
        errors=_errors(errors),
        skipped_rows=_skips(parsed.skipped),
        columns=dict(parsed.columns),
        ignored_columns=list(parsed.ignored_columns),
    )
    if errors and strict:
        raise ImportRejected(
            f"{report.rejected} bad row(s) in {path.name}; nothing was imported (strict mode)", report
        )
    if errors:
        report.rejects_file = str(_write_rejects(path, parsed.rejected, errors, rejects))
    return report


def _finish_batch(uow: UnitOfWork, batch_id: int, report: ImportReport) -> None:
    summary = {k: v for k, v in report.to_dict().items() if k not in ("errors", "skipped_rows")}
    uow.session.connection().execute(
        update(t.import_batches).where(t.import_batches.c.id == batch_id).values(report=summary)
    )


def _record_batch(
    uow: UnitOfWork, creditor_id: int, kind: str, path: Path, report: ImportReport, batch_id: int | None
) -> int:
    """The batch's row: a new one, or the browser's (services/import_jobs.py), given its report."""
    now = datetime.now(UTC)
    summary = {k: v for k, v in report.to_dict().items() if k not in ("errors", "skipped_rows")}
    if batch_id is not None:
        _finish_batch(uow, batch_id, report)
        return batch_id
    query = (
        insert(t.import_batches)
        .values(
            creditor_id=creditor_id,
            kind=kind,
            filename=path.name,
            sha256=_sha256(path),
            started_at=now,
            finished_at=now,
            report=summary,
        )
        .returning(t.import_batches.c.id)
    )
    return int(uow.session.connection().execute(query).scalar_one())


def _row_error(refused: Refused) -> RowError:
    """A payment the writer could not take, as a row of the import report."""
    return RowError(
        refused.row,
        refused.column,
        refused.value,
        refused.code,
        reason(refused.code, refused.column, refused.value),
    )
