"""One person, one set of facts: what a person placed by several creditors stated, and their holds, bind
every one of their cases.

`merge_person_facts` gives the facts the gate reads for one debtor from its own and those of the other
debtors linked to the same person (services/persons.py): the strictest reading wins. A flag set for any
of them is set (cease, dispute, attorney, deceased ...), opt-outs and designated inconvenient times are
united; the debtor's own phones, address and zone stay its own, because they say where this debtor row
is reached, which the other placements may know differently.

Each field is merged by the function named for it in FLAG_MERGES or FACT_MERGES. A field of Flags or
DebtorFacts that is in neither makes the merge fail loudly (and the unit test that walks every field),
so that a fact added later cannot be silently left to one creditor's case.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import fields, replace
from typing import Any

from huikuan.compliance.model import DebtorFacts, Flags

Merge = Callable[[Any, Sequence[Any]], Any]


def any_set(own: Any, others: Sequence[Any]) -> bool:
    """A yes/no fact: set if any debtor of the person has it."""
    return bool(own) or any(bool(o) for o in others)


def united(own: frozenset[Any], others: Sequence[frozenset[Any]]) -> frozenset[Any]:
    """A set of statements (opt-outs): every one any debtor of the person made."""
    out = set(own)
    for other in others:
        out |= other
    return frozenset(out)


def joined(own: tuple[Any, ...], others: Sequence[tuple[Any, ...]]) -> tuple[Any, ...]:
    """A list of statements (inconvenient times): the debtor's own first, then the others' not yet in it."""
    out = list(own)
    for other in others:
        out.extend(x for x in other if x not in out)
    return tuple(out)


def keep_own(own: Any, _others: Sequence[Any]) -> Any:
    return own


FLAG_MERGES: dict[str, Merge] = {
    "cease": any_set,
    "disputed": any_set,
    "attorney": any_set,
    "deceased": any_set,
    "employer_prohibits": any_set,
    "opt_out": united,
    "bankruptcy": any_set,
    "holds": joined,  # every open hold of the person, each with its own end
}

# Where this debtor row is reached stays its own; what the person stated is merged.
FACT_MERGES: dict[str, Merge] = {
    "phones": keep_own,
    "address": keep_own,
    "time_zone": keep_own,
    "inconvenient_times": joined,
    "inconvenient_places": united,
    "flags": lambda own, others: merge_flags(own, list(others)),
}


class UnmergedField(Exception):
    """A field of the gate's facts that no merge names: add it to FLAG_MERGES or FACT_MERGES."""


def _merged(kind: type, merges: dict[str, Merge], own: Any, others: Sequence[Any]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for f in fields(kind):
        merge = merges.get(f.name)
        if merge is None:
            raise UnmergedField(f"{kind.__name__}.{f.name} has no merge across a person's debtors")
        values[f.name] = merge(getattr(own, f.name), [getattr(o, f.name) for o in others])
    return values


def merge_flags(own: Flags, others: list[Flags]) -> Flags:
    if not others:
        return own
    return replace(own, **_merged(Flags, FLAG_MERGES, own, others))


def merge_person_facts(own: DebtorFacts, others: list[DebtorFacts]) -> DebtorFacts:
    """The facts that bind this debtor: its own, tightened by those of the other debtors of its person."""
    if not others:
        return own
    return replace(own, **_merged(DebtorFacts, FACT_MERGES, own, others))


def facts_from_elsewhere(own: DebtorFacts, merged: DebtorFacts) -> list[str]:
    """The kinds of fact that bind the debtor only because another debtor of its person has them, as
    codes: a flag's name ("cease"), a set's member ("opt_out.sms"), another field's name
    ("inconvenient_times"). Never a value: they are shown to whoever sees this case."""
    kinds: list[str] = []
    for f in fields(DebtorFacts):
        if f.name == "flags":
            continue
        if getattr(own, f.name) != getattr(merged, f.name):
            kinds.append(f.name)
    for f in fields(Flags):
        mine, bound = getattr(own.flags, f.name), getattr(merged.flags, f.name)
        if mine == bound:
            continue
        if isinstance(bound, frozenset):
            kinds.extend(f"{f.name}.{x}" for x in sorted(str(v) for v in bound - mine))
        else:
            kinds.append(f.name)
    return kinds


__all__ = [
    "facts_from_elsewhere",
    "FACT_MERGES",
    "FLAG_MERGES",
    "UnmergedField",
    "merge_flags",
    "merge_person_facts",
]
