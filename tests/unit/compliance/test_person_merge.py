"""merge_person_facts: the facts of every debtor of one person bind each of them, the strictest wins."""

from __future__ import annotations

import typing
from dataclasses import fields, replace
from datetime import UTC, datetime, time
from typing import Any

import pytest

from huikuan.compliance.model import Address, DebtorFacts, Flags, Hold, HoldKind, InconvenientTime
from huikuan.compliance.person import (
    FLAG_MERGES,
    UnmergedField,
    facts_from_elsewhere,
    merge_flags,
    merge_person_facts,
)
from huikuan.domain.enums import Channel


def _strict_value(name: str, kind: Any) -> Any:
    """A value of a Flags field stricter than its default, by the field's type. A type this does not know
    fails the test: teach it here, and teach merge_person_facts how to merge the new field."""
    origin = typing.get_origin(kind) or kind
    if kind is bool:
        return True
    if origin is frozenset:
        return frozenset({Channel.SMS})
    if name == "holds":
        return (Hold(HoldKind.HARDSHIP, datetime(2027, 2, 1, tzinfo=UTC)),)
    raise AssertionError(f"Flags.{name} has type {kind}: say here what a stricter value is")


def test_every_field_of_flags_set_for_another_debtor_of_the_person_binds_this_one() -> None:
    hints = typing.get_type_hints(Flags)
    for f in fields(Flags):
        strict = _strict_value(f.name, hints[f.name])
        other = replace(Flags(), **{f.name: strict})
        merged = merge_flags(Flags(), [other])
        assert getattr(merged, f.name) == strict, f"Flags.{f.name} of another debtor does not bind"
        kept = merge_flags(replace(Flags(), **{f.name: strict}), [Flags()])
        assert getattr(kept, f.name) == strict, f"Flags.{f.name} of the debtor itself is lost"


def test_every_field_of_the_facts_is_either_merged_or_the_debtors_own() -> None:
    own = DebtorFacts(phones=("+8613800000001",), address=Address("CN", "11"), time_zone="Asia/Shanghai")
    other = DebtorFacts(phones=("+8613900000002",), address=Address("CN", "31"), time_zone="Asia/Urumqi")
    merged = merge_person_facts(own, [other])  # raises UnmergedField for a field nobody merges
    assert {f.name for f in fields(DebtorFacts)} >= {"phones", "address", "time_zone"}
    assert (merged.phones, merged.address, merged.time_zone) == (own.phones, own.address, own.time_zone)


def test_a_field_without_a_merge_fails_loudly(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delitem(FLAG_MERGES, "attorney")
    with pytest.raises(UnmergedField, match="Flags.attorney"):
        merge_flags(Flags(), [Flags(attorney=True)])


def test_opt_outs_and_inconvenient_times_of_all_the_persons_debtors_are_united() -> None:
    evening = InconvenientTime(time(18), time(22))
    work = InconvenientTime(time(9), time(18))
    own = DebtorFacts(inconvenient_times=(evening,), flags=Flags(opt_out=frozenset({Channel.SMS})))
    others = [
        DebtorFacts(inconvenient_times=(work, evening), flags=Flags(opt_out=frozenset({Channel.EMAIL}))),
        DebtorFacts(flags=Flags(cease=True)),
    ]
    merged = merge_person_facts(own, others)
    assert merged.inconvenient_times == (evening, work)
    assert merged.flags.opt_out == {Channel.SMS, Channel.EMAIL}
    assert merged.flags.cease and not merged.flags.attorney


def test_a_debtor_with_no_other_placement_keeps_its_facts_as_they_are() -> None:
    own = DebtorFacts(flags=Flags(disputed=True))
    assert merge_person_facts(own, []) is own


def test_the_facts_from_elsewhere_are_named_by_kind_never_by_value() -> None:
    own = DebtorFacts(flags=Flags(opt_out=frozenset({Channel.SMS})))
    other = DebtorFacts(
        inconvenient_times=(InconvenientTime(time(9), time(18)),),
        flags=Flags(attorney=True, opt_out=frozenset({Channel.EMAIL, Channel.SMS})),
    )
    merged = merge_person_facts(own, [other])
    assert facts_from_elsewhere(own, merged) == ["inconvenient_times", "attorney", "opt_out.email"]
    assert facts_from_elsewhere(own, own) == []
