"""Writes a parsed placement into the database in bulk: debtors, cases, accounts, parties, contacts.

The parties and contact points are found in storage/placement_parties.py, the journal's entries written
by storage/placement_journal.py.

A row whose external_ref the creditor already placed updates that account and never creates a second
one; contact data already on file is not added twice, so the same file imported twice changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

import polars as pl
from sqlalchemy import Connection, and_, select

from huikuan.domain.regions import CN_PROVINCES
from huikuan.sealing import keyring
from huikuan.storage import tables as t
from huikuan.storage.bulk import allocate_ids, load_frame, read_frame, update_frame
from huikuan.storage.holds import scrubbed
from huikuan.storage.placement_journal import journal_placement
from huikuan.storage.placement_parties import debtor_contacts, write_parties
from huikuan.storage.sealed import lookup_hashes, masks, sealed_ids
from huikuan.storage.search_keys import debtor_keys, point_keys

# Account fields a new placement of the same reference may change.
ACCOUNT_FIELDS = [
    "product",
    "currency",
    "principal",
    "interest",
    "fees",
    "balance",
    "overdue_since",
    "last_payment_date",
    "last_payment_amount",
    "charge_off_date",
    "interest_rate_bp",
    "contract_date",
    "original_creditor",
]
_ACCOUNT_COLUMNS = ["row", "account_id", "debtor_id", "case_id", "external_ref", *ACCOUNT_FIELDS]
_ACCOUNT_SCHEMA = {
    "account_id": pl.Int64,
    "external_ref": pl.Utf8,
    "existing_debtor_id": pl.Int64,
    "old_product": pl.Utf8,
    "old_currency": pl.Utf8,
    "old_principal": pl.Int64,
    "old_interest": pl.Int64,
    "old_fees": pl.Int64,
    "old_balance": pl.Int64,
    "old_overdue_since": pl.Date,
    "old_last_payment_date": pl.Date,
    "old_last_payment_amount": pl.Int64,
    "old_charge_off_date": pl.Date,
    "old_interest_rate_bp": pl.Int64,
    "old_contract_date": pl.Date,
    "old_original_creditor": pl.Utf8,
}


@dataclass(frozen=True)
class WriteCounts:
    created: int
    updated: int
    unchanged: int
    debtors_created: int
    parties_created: int
    contact_points_created: int
    # The scrub flags set, per debtor (storage/holds.py scrubbed): the caller sets them as holds.
    scrubs: pl.DataFrame = field(default_factory=pl.DataFrame)


def write_placement(
    conn: Connection,
    creditor_id: int,
    region: str,
    rows: pl.DataFrame,
    *,
    placed_on: date | None = None,
    at: datetime | None = None,
    step: Callable[[str], None] | None = None,
) -> WriteCounts:
    """Inserts and updates in the caller's transaction; `rows` is the parser's frame of good rows.

    `placed_on` is the creditor's local day (a new account's placement day); `at` the instant of the
    journal's entries: one placement entry per currency opens the new accounts at their balance, one
    adjustment entry per currency records the balances the file changed (domain/ledger.py).

    Hand the frame over (keep no other reference to it): it is released before the contact points,
    the largest load, which keeps a million-row import's peak memory down. `step` is told each step as it
    starts (people, cases, accounts, contacts), for a progress bar.
    """
    say = step or (lambda _step: None)
    if rows.height == 0:
        return WriteCounts(0, 0, 0, 0, 0, 0)
    say("people")
    existing = _existing_accounts(conn, creditor_id)
    # A blank or absent optional amount is zero (placement-format.md); the balance is always given.
    rows = rows.with_columns(pl.col(c).fill_null(0) for c in ("principal", "interest", "fees"))
    frame = _attach(rows, existing, "external_ref")
    del rows  # `frame` shares its columns; no other reference keeps the parsed frame alive
    frame, debtors_created = _assign_debtors(conn, creditor_id, region, frame)
    scrubs = scrubbed(frame)
    say("cases")
    frame = _assign_cases(conn, creditor_id, frame)

    say("accounts")
    opened = _load_new_accounts(conn, creditor_id, frame, placed_on or date.today())
    changed = _update_changed(conn, creditor_id, frame, opened, at or datetime.now(UTC))

    created = opened.height
    del opened
    say("contacts")
    debtor_points = debtor_contacts(conn, creditor_id, frame)
    party_rows, parties_created, party_points = write_parties(conn, creditor_id, frame)
    old = frame.select("row", "account_id").filter(pl.col("account_id").is_not_null())
    del frame  # the parsed rows are not needed any more: free them before the largest load
    # The debtors' and the parties' contact points go in together: one load builds the table's indexes.
    points = _load_points(conn, debtor_points, party_points)

    touched = pl.concat([changed.select("row"), points.select("row"), party_rows]).unique()
    updated = old.join(touched, on="row", how="semi").height
    return WriteCounts(
        created=created,
        updated=updated,
        unchanged=old.height - updated,
        debtors_created=debtors_created,
        parties_created=parties_created,
        contact_points_created=points.height,
        scrubs=scrubs,
    )


def _update_changed(
    conn: Connection, creditor_id: int, frame: pl.DataFrame, opened: pl.DataFrame, at: datetime
) -> pl.DataFrame:
    """Updates the known accounts the file changed and journals the opened and the changed balances;
    the changed accounts."""
    changed = frame.select(*_ACCOUNT_COLUMNS, *(f"old_{f}" for f in ACCOUNT_FIELDS)).filter(
        pl.col("account_id").is_not_null() & _differs()
    )
    update_frame(conn, t.accounts, changed.select(pl.col("account_id").alias("id"), *ACCOUNT_FIELDS))
    journal_placement(
        conn,
        creditor_id,
        opened,
        changed.select("account_id", "currency", "balance", "old_currency", "old_balance"),
        at=at,
    )
    return changed


def _load_points(conn: Connection, debtor_points: pl.DataFrame, party_points: pl.DataFrame) -> pl.DataFrame:
    """Loads the debtors' and the parties' new contact points; the points loaded."""
    points = pl.concat([debtor_points, party_points], how="diagonal_relaxed")
    point_ids = allocate_ids(conn, t.contact_points, points.height)
    load_frame(
        conn,
        t.contact_points,
        points.with_columns(point_ids, pl.lit("placement").alias("source"))
        .hstack(point_keys(points["kind"], points["value"]).get_columns())
        .drop("row"),
    )
    return points


def _load_new_accounts(
    conn: Connection, creditor_id: int, frame: pl.DataFrame, placed_on: date
) -> pl.DataFrame:
    """Loads the accounts not yet on file, placed on `placed_on`; their ids, currencies and balances."""
    new_accounts = frame.select(_ACCOUNT_COLUMNS).filter(pl.col("account_id").is_null())
    ids = allocate_ids(conn, t.accounts, new_accounts.height)
    load_frame(
        conn,
        t.accounts,
        new_accounts.with_columns(
            ids,
            pl.lit(creditor_id).alias("creditor_id"),
            pl.lit("open").alias("status"),
            pl.lit(placed_on, dtype=pl.Date).alias("placed_on"),
        ).select(
            [
                "id",
                "creditor_id",
                "debtor_id",
                "case_id",
                "external_ref",
                *ACCOUNT_FIELDS,
                "status",
                "placed_on",
            ]
        ),
    )
    return new_accounts.select(pl.Series("account_id", ids), "currency", "balance")


def _existing_accounts(conn: Connection, creditor_id: int) -> pl.DataFrame:
    a = t.accounts.c
    query = select(
        a.id,
        a.external_ref,
        a.debtor_id,
        a.product,
        a.currency,
        a.principal,
        a.interest,
        a.fees,
        a.balance,
        a.overdue_since,
        a.last_payment_date,
        a.last_payment_amount,
        a.charge_off_date,
        a.interest_rate_bp,
        a.contract_date,
        a.original_creditor,
    ).where(a.creditor_id == creditor_id)
    return read_frame(conn, query, _ACCOUNT_SCHEMA)


def _attach(frame: pl.DataFrame, other: pl.DataFrame, on: str) -> pl.DataFrame:
    """A left join on a key unique in `other` that adds `other`'s columns without copying `frame`'s.

    Joining the whole parsed frame would gather every column (lists and structs included) into a
    new frame at each step; joining the key alone and adding the new columns shares the old ones.
    """
    found = frame.select(on).join(other, on=on, how="left", maintain_order="left")
    assert found.height == frame.height, f"{on} is not unique on the right of the join"
    return frame.hstack(found.drop(on).get_columns())


def _differs() -> pl.Expr:
    return pl.any_horizontal([pl.col(f).ne_missing(pl.col(f"old_{f}")) for f in ACCOUNT_FIELDS])


def _debtor_key() -> pl.Expr:
    """Rows of one debtor: the same national ID (by its lookup hash), else the same name and first phone."""
    return (
        pl.when(pl.col("national_id_hash").is_not_null())
        .then(pl.lit("id:") + pl.col("national_id_hash"))
        .when(pl.col("phones").list.len() > 0)
        .then(pl.lit("np:") + pl.col("debtor_name") + pl.lit("|") + pl.col("phones").list.first())
        .otherwise(pl.lit("ref:") + pl.col("external_ref"))
    )


def _assign_debtors(
    conn: Connection, creditor_id: int, region: str, frame: pl.DataFrame
) -> tuple[pl.DataFrame, int]:
    """The frame with each row's debtor (found, or made here, with its search keys), and how many were
    made."""
    d, cp = t.debtors.c, t.contact_points.c
    keys = keyring()
    by_id = read_frame(
        conn,
        select(d.id, d.national_id_hash).where(d.creditor_id == creditor_id, d.national_id_hash.is_not(None)),
        {"debtor_id": pl.Int64, "nid": pl.Utf8},
    ).select("debtor_id", (pl.lit("id:") + pl.col("nid")).alias("key"))
    by_phone = read_frame(
        conn,
        select(d.id, d.name, cp.value)
        .join(t.contact_points, and_(cp.debtor_id == d.id, cp.party_id.is_(None)))
        .where(d.creditor_id == creditor_id, cp.kind.in_(["mobile", "landline"])),
        {"debtor_id": pl.Int64, "name": pl.Utf8, "value": pl.Utf8},
    ).select("debtor_id", (pl.lit("np:") + pl.col("name") + pl.lit("|") + pl.col("value")).alias("key"))

    frame = frame.with_columns(lookup_hashes(frame["national_id"], keys=keys).alias("national_id_hash"))
    frame = frame.with_columns(_debtor_key().alias("debtor_key"))
    # A known account's debtor is authoritative, also for the other rows with the same key.
    from_accounts = frame.filter(pl.col("existing_debtor_id").is_not_null()).select(
        pl.col("existing_debtor_id").alias("debtor_id"), pl.col("debtor_key").alias("key")
    )
    known = pl.concat([from_accounts, by_id, by_phone]).unique("key", keep="first", maintain_order=True)
    frame = _attach(frame, known.rename({"key": "debtor_key"}), "debtor_key")

    fresh = (
        frame.select("debtor_key", "debtor_id", "debtor_name", "national_id", "national_id_hash", "address")
        .filter(pl.col("debtor_id").is_null())
        .unique("debtor_key", keep="first", maintain_order=True)
    )
    ids = allocate_ids(conn, t.debtors, fresh.height)
    new_debtors = fresh.select(
        ids,
        pl.lit(creditor_id).alias("creditor_id"),
        pl.col("debtor_name").alias("name"),
        pl.lit("zh" if region == "CN" else "en").alias("language"),
        pl.lit(region).alias("address_country"),
        _address_region(region).alias("address_region"),
        "debtor_key",
        "national_id_hash",
        masks(fresh["national_id"]).alias("national_id_masked"),
    ).with_columns(sealed_ids(fresh["national_id"], keys=keys))
    new_debtors = new_debtors.hstack(debtor_keys(new_debtors["name"]).get_columns())
    load_frame(conn, t.debtors, new_debtors.drop("debtor_key"))
    mapping = new_debtors.select(pl.col("id").alias("new_debtor_id"), "debtor_key")
    frame = _attach(frame, mapping, "debtor_key").with_columns(
        pl.coalesce("debtor_id", "new_debtor_id").alias("debtor_id")
    )
    return frame.drop("new_debtor_id"), new_debtors.height


def _address_region(region: str) -> pl.Expr:
    """A Chinese address names its province first; elsewhere the region stays unknown."""
    if region != "CN":
        return pl.lit(None, dtype=pl.Utf8)
    address = pl.col("address").str.strip_chars()
    found = pl.lit(None, dtype=pl.Utf8)
    for name, code in reversed(CN_PROVINCES.items()):
        found = pl.when(address.str.starts_with(name)).then(pl.lit(code)).otherwise(found)
    return found


def _assign_cases(conn: Connection, creditor_id: int, frame: pl.DataFrame) -> pl.DataFrame:
    c = t.cases.c
    existing = read_frame(
        conn,
        select(c.id, c.debtor_id).where(c.creditor_id == creditor_id),
        {"case_id": pl.Int64, "debtor_id": pl.Int64},
    )
    missing = frame.select("debtor_id").unique(maintain_order=True).join(existing, on="debtor_id", how="anti")
    ids = allocate_ids(conn, t.cases, missing.height)
    new_cases = missing.with_columns(
        ids, pl.lit(creditor_id).alias("creditor_id"), pl.lit("new").alias("stage")
    )
    load_frame(conn, t.cases, new_cases)
    all_cases = pl.concat([existing, new_cases.select(pl.col("id").alias("case_id"), "debtor_id")])
    return _attach(frame, all_cases, "debtor_id")
