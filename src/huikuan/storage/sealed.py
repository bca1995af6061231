"""What a writer stores for a national ID: the sealed value, its lookup hash and its mask.

Every writer of `debtors.national_id` goes through here: a placement's bulk load (`lookup_hashes`,
`sealed_ids` and `masks` over its frame), a single row written with the ORM or a Core statement
(`national_id_columns`), the migration that sealed the IDs already on file. `parties.national_id` (a
guarantor's) is only sealed: nothing looks it up or shows it.
"""

from __future__ import annotations

import polars as pl

from huikuan.domain.national_id import mask_national_id, normalise_national_id
from huikuan.sealing import Keyring, keyring, lookup_hash, seal

COLUMNS = ("national_id", "national_id_hash", "national_id_masked")


def national_id_columns(value: str | None, *, keys: Keyring | None = None) -> dict[str, str | None]:
    """The three debtor columns for one ID as given (None or blank: all three None)."""
    if value is None or not normalise_national_id(value):
        return dict.fromkeys(COLUMNS)
    ring = keys or keyring()
    normal = normalise_national_id(value)
    return {
        "national_id": seal(normal, keys=ring),
        "national_id_hash": lookup_hash(normal, keys=ring),
        "national_id_masked": mask_national_id(normal),
    }


def lookup_hashes(ids: pl.Series, *, keys: Keyring | None = None) -> pl.Series:
    """The lookup hash of each ID (null stays null), computed once per distinct ID."""
    ring = keys or keyring()
    distinct = ids.drop_nulls().unique()
    found = {v: lookup_hash(v, keys=ring) for v in distinct.to_list()}
    return ids.replace_strict(found, default=None, return_dtype=pl.Utf8).alias(ids.name)


def sealed_ids(ids: pl.Series, *, keys: Keyring | None = None) -> pl.Series:
    """Each ID sealed (null stays null); every value gets a nonce of its own."""
    ring = keys or keyring()
    values = [None if v is None else seal(normalise_national_id(v), keys=ring) for v in ids.to_list()]
    return pl.Series(ids.name, values, dtype=pl.Utf8)


def masks(ids: pl.Series) -> pl.Series:
    """The mask of each ID (null stays null), computed once per distinct ID."""
    found = {v: mask_national_id(v) for v in ids.drop_nulls().unique().to_list()}
    return ids.replace_strict(found, default=None, return_dtype=pl.Utf8).alias(ids.name)


__all__ = ["COLUMNS", "lookup_hashes", "masks", "national_id_columns", "sealed_ids"]
