"""The people of a placement file besides the debtors' accounts: the debtors' contact points not yet on
file, and the related parties (guarantors, co-borrowers, employers, contacts) with their contact points.
A party or a contact point already on file is not added twice.
"""

from __future__ import annotations

import polars as pl
from sqlalchemy import Connection, select

from huikuan.domain.enums import PartyRole
from huikuan.domain.relations import RELATION_ROLES
from huikuan.sealing import keyring
from huikuan.storage import tables as t
from huikuan.storage.bulk import allocate_ids, load_frame, read_frame
from huikuan.storage.sealed import sealed_ids


def debtor_contacts(conn: Connection, creditor_id: int, frame: pl.DataFrame) -> pl.DataFrame:
    """The debtors' phones, emails and addresses not yet on file (`row`, `debtor_id`, `kind`, `value`)."""
    phones = frame.select(
        "row", "debtor_id", pl.col("phones").alias("value"), pl.col("phone_kinds").alias("kind")
    ).explode(["value", "kind"])
    others = [
        frame.select("row", "debtor_id", pl.col(col).alias("value"), pl.lit(kind).alias("kind"))
        for col, kind in (("email", "email"), ("address", "address"))
    ]
    wanted = pl.concat([phones, *others], how="vertical_relaxed").filter(
        pl.col("value").is_not_null() & (pl.col("value") != "")
    )
    cp, d = t.contact_points.c, t.debtors.c
    existing = read_frame(
        conn,
        select(cp.debtor_id, cp.kind, cp.value)
        .join(t.debtors, d.id == cp.debtor_id)
        .where(d.creditor_id == creditor_id, cp.party_id.is_(None)),
        {"debtor_id": pl.Int64, "kind": pl.Utf8, "value": pl.Utf8},
    )
    return wanted.join(existing, on=["debtor_id", "kind", "value"], how="anti").unique(
        ["debtor_id", "kind", "value"], keep="first", maintain_order=True
    )


def _party_frames(frame: pl.DataFrame) -> pl.DataFrame:
    base = ["row", "debtor_id"]
    null = pl.lit(None, dtype=pl.Utf8)
    liable = [
        frame.select(
            *base,
            pl.lit(role.value).alias("role"),
            pl.col(f"{role.value}_name").alias("name"),
            pl.lit(True).alias("liable"),
            (pl.col("guarantor_national_id") if role is PartyRole.GUARANTOR else null).alias("national_id"),
            null.alias("relation"),
            pl.col(f"{role.value}_phone").alias("phone"),
            pl.col(f"{role.value}_phone_kind").alias("phone_kind"),
            null.alias("address"),
        )
        for role in (PartyRole.GUARANTOR, PartyRole.CO_BORROWER)
    ]
    employer = frame.select(
        *base,
        pl.lit(PartyRole.EMPLOYER.value).alias("role"),
        pl.col("employer").alias("name"),
        pl.lit(False).alias("liable"),
        null.alias("national_id"),
        null.alias("relation"),
        null.alias("phone"),
        null.alias("phone_kind"),
        pl.col("employer_address").alias("address"),
    )
    contacts = (
        frame.select(*base, "contacts")
        .explode("contacts")
        .filter(pl.col("contacts").is_not_null())
        .unnest("contacts")
        .select(
            *base,
            pl.col("relation")
            .str.strip_chars()
            .str.to_lowercase()
            .replace_strict({k: v.value for k, v in RELATION_ROLES.items()}, default="emergency_contact")
            .alias("role"),
            pl.coalesce("name", "phone").alias("name"),
            pl.lit(False).alias("liable"),
            null.alias("national_id"),
            pl.col("relation"),
            pl.col("phone"),
            pl.col("phone_kind"),
            null.alias("address"),
        )
    )
    return pl.concat([*liable, employer, contacts], how="vertical_relaxed").filter(
        pl.col("name").is_not_null() & (pl.col("name") != "")
    )


def write_parties(
    conn: Connection, creditor_id: int, frame: pl.DataFrame
) -> tuple[pl.DataFrame, int, pl.DataFrame]:
    """Inserts the new parties; returns their rows, their count and their contact points not yet on file."""
    wanted = _party_frames(frame)
    p, d, cp = t.parties.c, t.debtors.c, t.contact_points.c
    existing = read_frame(
        conn,
        select(p.id, p.debtor_id, p.role, p.name)
        .join(t.debtors, d.id == p.debtor_id)
        .where(d.creditor_id == creditor_id),
        {"party_id": pl.Int64, "debtor_id": pl.Int64, "role": pl.Utf8, "name": pl.Utf8},
    )
    key = ["debtor_id", "role", "name"]
    new = wanted.join(existing, on=key, how="anti").unique(key, keep="first", maintain_order=True)
    ids = allocate_ids(conn, t.parties, new.height)
    new = new.with_columns(ids, sealed_ids(new["national_id"], keys=keyring()))
    load_frame(
        conn, t.parties, new.select("id", "debtor_id", "role", "name", "liable", "national_id", "relation")
    )

    all_parties = pl.concat([existing, new.select(pl.col("id").alias("party_id"), *key)])
    with_ids = wanted.join(all_parties, on=key, how="left")
    phones = with_ids.select(
        "row",
        "debtor_id",
        "party_id",
        pl.col("phone").alias("value"),
        pl.col("phone_kind").fill_null("landline").alias("kind"),  # read by intake, as the debtor's
    ).filter(pl.col("value").is_not_null() & (pl.col("value") != ""))
    points = pl.concat(
        [
            phones,
            with_ids.select(
                "row",
                "debtor_id",
                "party_id",
                pl.col("address").alias("value"),
                pl.lit("address").alias("kind"),
            ).filter(pl.col("value").is_not_null() & (pl.col("value") != "")),
        ]
    )
    schema = {"party_id": pl.Int64, "kind": pl.Utf8, "value": pl.Utf8}
    existing_points = (
        read_frame(
            conn,
            select(cp.party_id, cp.kind, cp.value)
            .join(t.debtors, d.id == cp.debtor_id)
            .where(d.creditor_id == creditor_id, cp.party_id.is_not(None)),
            schema,
        )
        if existing.height  # a creditor's first file: no party has contact points yet
        else pl.DataFrame(schema=schema)
    )
    new_points = points.join(existing_points, on=["party_id", "kind", "value"], how="anti").unique(
        ["party_id", "kind", "value"], keep="first", maintain_order=True
    )
    return new.select("row"), new.height, new_points
