"""The people: debtors, their related parties and contact points, the same person placed by several
creditors, holds, acknowledgments and the versions of what the gate reads."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Date,
    ForeignKey,
    Index,
    String,
    Table,
    Text,
    text,
)

from huikuan.storage.tables.base import Id, fk, id_column, metadata
from huikuan.storage.types import Sealed, UTCDateTime

debtors = Table(
    "debtors",
    metadata,
    id_column(),
    fk("creditor_id", "creditors.id"),
    Column("name", String(200), nullable=False),
    # Sealed (huikuan.sealing); found by its keyed hash, shown by its mask: lists never open it.
    Column("national_id", Sealed()),
    Column("national_id_hash", String(64)),
    Column("national_id_masked", String(40)),
    Column("birth_date", Date),
    Column("language", String(10), nullable=False, default="zh"),
    Column("time_zone", String(64)),
    Column("address_country", String(2)),
    Column("address_region", String(40)),
    Column("cease", Boolean, nullable=False, default=False),
    Column("disputed", Boolean, nullable=False, default=False),
    Column("attorney", Boolean, nullable=False, default=False),
    Column("deceased", Boolean, nullable=False, default=False),
    Column("hardship", Boolean, nullable=False, default=False),
    Column("bankruptcy", Boolean, nullable=False, default=False),
    Column("employer_prohibits", Boolean, nullable=False, default=False),
    Column("opt_out_channels", JSON, nullable=False, default=list),
    Column("inconvenient_times", JSON, nullable=False, default=list),
    # The debtor's own statements (services/preferences.py): places inconvenient for contact ("workplace"),
    # and consent to electronic communications with when and how it was given (or withdrawn: False).
    Column("inconvenient_places", JSON),  # null: none stated
    Column("electronic_consent", Boolean),
    Column("electronic_consent_at", UTCDateTime),
    Column("electronic_consent_how", String(200)),
    Column("anonymised_at", UTCDateTime),  # set once its personal data is erased (services/anonymise.py)
    # Search keys (storage/search_keys.py, domain/search_keys.py): the name's normal form and its pinyin.
    # Byte order on PostgreSQL (collation "C"), as on SQLite: one index serves equality, prefix ranges
    # and the order of the results, whatever the database's collation.
    Column("name_key", String(200).with_variant(String(200, collation="C"), "postgresql")),
    Column("name_pinyin", String(400).with_variant(String(400, collation="C"), "postgresql")),
    Index("ix_debtors_creditor_national_id_hash", "creditor_id", "national_id_hash"),
    Index("ix_debtors_creditor_name", "creditor_id", "name"),
    Index("ix_debtors_national_id_hash", "national_id_hash"),  # the same person across creditors
    Index("ix_debtors_name_key", "name_key"),
    Index("ix_debtors_name_pinyin", "name_pinyin"),
    # The few debtors who leave every queue (services/queue_order.py `blocked`), read without a scan;
    # on SQLite the condition is written as SQLAlchemy writes the query's, or SQLite does not use it.
    Index(
        "ix_debtors_blocked",
        "id",
        sqlite_where=text("cease = 1 OR disputed = 1 OR deceased = 1"),
        postgresql_where=text("cease OR disputed OR deceased"),
    ),
)


parties = Table(
    "parties",
    metadata,
    id_column(),
    fk("debtor_id", "debtors.id", ondelete="CASCADE"),
    Column("role", String(20), nullable=False),
    Column("name", String(200), nullable=False),
    Column("liable", Boolean, nullable=False, default=False),
    Column("national_id", Sealed()),
    Column("relation", String(40)),
    Index("ix_parties_debtor", "debtor_id"),
)


contact_points = Table(
    "contact_points",
    metadata,
    id_column(),
    fk("debtor_id", "debtors.id", ondelete="CASCADE"),
    fk("party_id", "parties.id", nullable=True, ondelete="CASCADE"),
    Column("kind", String(12), nullable=False),
    Column("value", String(500), nullable=False),
    Column("status", String(16), nullable=False, default="unverified"),
    Column("source", String(20), nullable=False, default="placement"),
    Column("consent", Boolean, nullable=False, default=False),
    # Who added a point and when (null for imported ones: the import batch says), when and how consent
    # was given, when it was verified, why and when its status last changed (services/contact_points.py),
    # and whether it reaches the person at home or at work (a contact at work is the workplace rule's).
    Column("added_at", UTCDateTime),
    fk("added_by", "users.id", nullable=True),
    Column("consent_at", UTCDateTime),
    Column("consent_how", String(200)),
    Column("verified_at", UTCDateTime),
    Column("status_reason", String(20)),
    Column("status_at", UTCDateTime),
    Column("place", String(12)),
    # Search keys of a phone (storage/search_keys.py): its national digits and their last four.
    Column("phone_digits", String(32)),
    Column("phone_last4", String(4)),
    Index("ix_contact_points_debtor", "debtor_id"),
    Index("ix_contact_points_value", "kind", "value"),
    Index("ix_contact_points_phone_last4", "phone_last4"),
    Index("ix_contact_points_phone_digits", "phone_digits"),
)


# One person placed by several creditors (services/persons.py): each creditor's debtor stays its own row,
# linked to a person by the same national ID (at import) or by a supervisor who confirmed a phone and name.
# A person exists only while it links two or more debtors.
persons = Table(
    "persons",
    metadata,
    id_column(),
    Column("created_at", UTCDateTime, nullable=False),
)


person_members = Table(
    "person_members",
    metadata,
    Column("debtor_id", Id, ForeignKey("debtors.id", ondelete="CASCADE"), primary_key=True),
    fk("person_id", "persons.id", ondelete="CASCADE"),
    Column("how", String(16), nullable=False),  # national_id | confirmed
    Column("linked_at", UTCDateTime, nullable=False),
    fk("linked_by", "users.id", nullable=True),  # null: an import or the command line
    Index("ix_person_members_person", "person_id"),
)


# A debtor a supervisor unlinked is never linked again automatically (only by a supervisor's link).
person_unlinks = Table(
    "person_unlinks",
    metadata,
    Column("debtor_id", Id, ForeignKey("debtors.id", ondelete="CASCADE"), primary_key=True),
    Column("unlinked_at", UTCDateTime, nullable=False),
    fk("user_id", "users.id", nullable=True),
)


# Holds on collection with a start and an end (services/holds.py): a hardship pause, an attorney, a death,
# a bankruptcy, a cease request, a Breathing Space moratorium, a vulnerability. Open while ended_at is
# null; the gate reads an open hold until ends_at. The debtor's boolean columns of the same names are kept
# equal to "an open hold of this kind exists" in the same transaction.
holds = Table(
    "holds",
    metadata,
    id_column(),
    fk("debtor_id", "debtors.id", ondelete="CASCADE"),
    Column("kind", String(24), nullable=False),
    Column("started_at", UTCDateTime, nullable=False),
    Column("ends_at", UTCDateTime),  # the first instant it no longer holds; null: until it is ended
    Column("until", Date),  # the last day as stated, in the debtor's local time (ends_at is its end)
    Column("note", Text),
    Column("source", String(12), nullable=False),  # collector, debtor, creditor, import
    fk("set_by", "users.id", nullable=True),  # null: an import, a job or the command line
    fk("party_id", "parties.id", nullable=True, ondelete="SET NULL"),  # the attorney, the estate's side
    Column("ended_at", UTCDateTime),
    fk("ended_by", "users.id", nullable=True),
    Column("end_reason", String(200)),
    Index("ix_holds_debtor_ended_at", "debtor_id", "ended_at"),
)


# A written acknowledgment of a debt by the debtor (uk-conc: it restarts the limitation period, Limitation
# Act 1980 ss. 29-30): the day it was signed, who recorded it and a short note (where the document is).
acknowledgments = Table(
    "acknowledgments",
    metadata,
    id_column(),
    fk("account_id", "accounts.id"),
    Column("acknowledged_on", Date, nullable=False),
    Column("recorded_at", UTCDateTime, nullable=False),
    fk("user_id", "users.id", nullable=True),
    Column("note", String(200), nullable=False, default=""),
    Index("ix_acknowledgments_account", "account_id"),
)


# What the gate knew of a debtor, version by version (services/fact_history.py): each change of a
# debtor's facts adds the facts as they stand after it, valid from then until the next version. The first
# version of a debtor holds the facts before its first recorded change, valid from the beginning.
fact_versions = Table(
    "fact_versions",
    metadata,
    id_column(),
    fk("debtor_id", "debtors.id", ondelete="CASCADE"),
    Column("valid_from", UTCDateTime, nullable=False),
    Column("recorded_at", UTCDateTime, nullable=False),
    fk("user_id", "users.id", nullable=True),  # null: a job, an import or the command line
    Column("reason", String(60), nullable=False),  # what changed them: a code such as "hold.set"
    Column("facts", JSON, nullable=False),  # {"debtor": the gate's DebtorFacts JSON, "debts": {...}}
    Index("ix_fact_versions_debtor_valid_from", "debtor_id", "valid_from"),
)
