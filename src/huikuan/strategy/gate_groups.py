"""The grouping of the daily plan's cases for the gate: with no recent history and no flag that the pack
acts on, the gate's answer depends only on the pack, the plausible time zones (from the debtor's phones,
address and stated zone) and the scheduling zone, so such cases share the masks of their group, asked of
the gate once (`group_masks`); `triage` says which cases must be asked about one by one, and why.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import polars as pl
from phonenumbers.tzdata import TIMEZONE_DATA, TIMEZONE_LONGEST_PREFIX

from huikuan.compliance import Pack
from huikuan.compliance.location import phone_zones, plausible_zones
from huikuan.compliance.model import DebtorFacts
from huikuan.domain.enums import CONVERSATION_OUTCOMES
from huikuan.domain.portfolio import FLAG_BITS, OUTCOME_CODES, QUARTERS_PER_DAY, Portfolio
from huikuan.strategy.api import ALLOWED_SCHEMA
from huikuan.strategy.features import CALL_CODES
from huikuan.strategy.gate_facts import creditor_pack, stored_address
from huikuan.strategy.hour_masks import ACTION_CHANNELS, Subject, day_hours, exhaustive_mask, request_maker


@dataclass(frozen=True)
class PackInfo:
    """A creditor's pack and how far back (in quarter hours) its history can block a call today."""

    pack: Pack
    lookback_quarters: int


def pack_infos(portfolio: Portfolio) -> dict[int, PackInfo]:
    """Each creditor's pack (with its overrides) and lookback, by creditor id."""
    out = {}
    for cid, c in portfolio.creditors.items():
        pack = creditor_pack(c["pack"], c["pack_overrides"])
        out[cid] = PackInfo(pack, _lookback_days(pack) * QUARTERS_PER_DAY + 4)
    return out


def _lookback_days(pack: Pack) -> int:
    """How far back history can block a call today under this pack (the gate's own slack included)."""
    s = pack.settings
    days = 1
    if pack.enabled("call-frequency"):
        days = max(days, s.window_days, s.consent_days)
    if pack.enabled("post-conversation"):
        days = max(days, s.conversation_days, s.consent_days)
    return days + 3


@dataclass(frozen=True)
class Group:
    """Cases the gate answers alike when nothing but their location counts: the same pack, the same
    plausible zones and the same scheduling zone. `facts` places a debtor in those zones."""

    pack: Pack
    facts: DebtorFacts
    zone: str


def case_groups(portfolio: Portfolio, infos: dict[int, PackInfo]) -> tuple[pl.DataFrame, list[Group]]:
    """Each case's group (case_id, group), found without asking anything per debtor.

    A phone's zones depend only on its first digits, so they are looked up once per prefix; a debtor's
    phones then reduce to the distinct zone sets they give, and `plausible_zones` is asked once per
    distinct (zone sets, address, stated zone, country), with one representative number per set.
    """
    packs = {info.pack.fingerprint: info.pack for info in infos.values()}
    cases = portfolio.cases.with_columns(
        pl.col("creditor_id")
        .replace_strict({cid: info.pack.fingerprint for cid, info in infos.items()}, return_dtype=pl.Utf8)
        .alias("fingerprint"),
    )
    phones = portfolio.phones.join(cases.select("debtor_id", "fingerprint"), on="debtor_id").with_columns(
        _phone_key(pl.col("value")).alias("key")
    )
    keys = phones.group_by("fingerprint", "key").agg(pl.col("value").first().alias("rep"))
    # A number's zones can depend on the pack's country (a number not in E.164 form is read as dialled
    # there), so a zone set is known by (country, zones) and its representative is read in that country.
    zone_sets: dict[tuple[str, tuple[str, ...]], int] = {}
    reps: dict[int, str] = {}
    ids = []
    for fp, rep in keys.select("fingerprint", "rep").iter_rows():
        country = packs[fp].country
        zid = zone_sets.setdefault((country, phone_zones(rep, country)), len(zone_sets))
        reps.setdefault(zid, rep)
        ids.append(zid)
    keys = keys.with_columns(pl.Series("zone_set", ids, dtype=pl.Int32))
    with_sets = phones.join(keys.select("fingerprint", "key", "zone_set"), on=["fingerprint", "key"])
    if len(zone_sets) <= 62:
        # A debtor's zone sets as the bits of one integer: an OR per debtor, no list per group.
        bit = pl.lit(2, dtype=pl.Int64).pow(pl.col("zone_set").cast(pl.Int64))
        signatures = with_sets.group_by("debtor_id").agg(bit.bitwise_or().cast(pl.Utf8).alias("sig"))
    else:
        signatures = with_sets.group_by("debtor_id").agg(
            pl.col("zone_set").unique().sort().cast(pl.Utf8).str.join(",").alias("sig")
        )
    cases = cases.join(signatures, on="debtor_id", how="left").with_columns(pl.col("sig").fill_null(""))
    parts = ["fingerprint", "sig", "address_country", "address_region", "debtor_zone", "time_zone"]
    distinct = cases.select(parts).unique()
    index: dict[tuple[str, tuple[str, ...], str], int] = {}
    groups: list[Group] = []
    numbers = []
    for fp, sig, country, region, stated, zone in distinct.iter_rows():
        pack = packs[fp]
        facts = DebtorFacts(
            phones=tuple(reps[z] for z in _zone_set_ids(sig, len(zone_sets))),
            address=stored_address(country, region),
            time_zone=stated,
        )
        zones = plausible_zones(facts.phones, facts.address, facts.time_zone, pack.country)
        key = (fp, zones, zone)
        if key not in index:
            index[key] = len(groups)
            groups.append(Group(pack, facts, zone))
        numbers.append(index[key])
    distinct = distinct.with_columns(pl.Series("group", numbers, dtype=pl.Int32))
    return cases.join(distinct, on=parts, nulls_equal=True).select("case_id", "group"), groups


def _zone_set_ids(sig: str, count: int) -> list[int]:
    """The zone sets of a signature: the bits of an integer (up to 62 sets), else a comma list."""
    if not sig:
        return []
    if count <= 62:
        bits = int(sig)
        return [i for i in range(count) if bits >> i & 1]
    return [int(z) for z in sig.split(",")]


def _phone_key(value: pl.Expr) -> pl.Expr:
    """A key that two numbers share only if `phone_zones` gives them the same zones.

    For a number in E.164 form the zones follow from the longest prefix (of 4 to 9 digits) found in
    phonenumbers' zone table, else from the first 3 digits (which hold the calling code); any other text
    is its own key.
    """
    digits = value.str.slice(1)
    found = [
        pl.when(digits.str.slice(0, n).is_in(sorted(k for k in TIMEZONE_DATA if len(k) == n))).then(
            digits.str.slice(0, n)
        )
        for n in range(TIMEZONE_LONGEST_PREFIX, 3, -1)
    ]
    e164 = value.str.contains(r"^\+\d{7,15}$")
    return (
        pl.when(e164)
        .then(pl.lit("E") + pl.coalesce(*found, digits.str.slice(0, 3)))
        .otherwise(pl.lit("R") + value)
    )


def group_masks(groups: list[Group], portfolio: Portfolio) -> pl.DataFrame:
    """Each group's mask and rule per action, asked of the gate hour by hour with no history or flag."""
    out: dict[str, list[Any]] = {"group": [], "action": [], "hour_mask": [], "rule": []}
    for number, group in enumerate(groups):
        hours = day_hours(portfolio.day, group.zone, portfolio.now)
        for action, channel in ACTION_CHANNELS.items():
            subject = Subject(request_maker(0, group.facts, channel, 0), (), group.pack)
            mask, rule = exhaustive_mask(subject, hours, portfolio.day)
            out["group"].append(number)
            out["action"].append(action)
            out["hour_mask"].append(mask)
            out["rule"].append(rule)
    schema = {"group": pl.Int32, **{k: v for k, v in ALLOWED_SCHEMA.items() if k != "case_id"}}
    return pl.DataFrame(out, schema=schema)


# How far back a connected call can count towards a daily cap: the local day of any instant from now on
# began at most 25 hours before now (a day with a clock change), plus an hour of margin.
_CAP_BACK = 26 * 4 + 4


def _days_back(days: int) -> int:
    """Quarter hours back from now to the local midnight `days` days ago, in any zone, with margin."""
    return (days + 2) * QUARTERS_PER_DAY + 4


def triage(portfolio: Portfolio, infos: dict[int, PackInfo]) -> pl.DataFrame:
    """Which cases the gate must be asked about one by one, and why: facts, history or exhaustive.

    History counts the debtor's events in each rule's own window (a generous one): a case whose counts
    cannot reach a rule's limit cannot be blocked by that rule.
    """
    settings = _triage_settings(infos)
    conversation = [OUTCOME_CODES[o] for o in CONVERSATION_OUTCOMES]
    consent, not_connected = OUTCOME_CODES["consent"], OUTCOME_CODES["not_connected"]
    call = pl.col("channel").is_in(list(CALL_CODES))
    out = pl.col("outbound")
    age = pl.col("age")
    furthest = max(info.lookback_quarters for info in infos.values())
    recent = (
        portfolio.events.filter(
            pl.col("debtor") & (age <= furthest) & (pl.col("outcome") != OUTCOME_CODES["refused_by_gate"])
        )
        .join(portfolio.cases.select("case_id", "creditor_id"), on="case_id")
        .join(settings.select("creditor_id", "calls_back", "talk_back", "consent_back"), on="creditor_id")
        .group_by("case_id")
        .agg(
            (call & out & (pl.col("outcome") != not_connected) & (age <= pl.col("calls_back")))
            .sum()
            .alias("attempts"),
            (call & pl.col("outcome").is_in(conversation) & (age <= pl.col("talk_back")))
            .sum()
            .alias("conversations"),
            (call & out & pl.col("outcome").is_in([*conversation, consent]) & (age <= _CAP_BACK))
            .sum()
            .alias("connected"),
            ((pl.col("outcome") == consent) & (age <= pl.col("consent_back"))).sum().alias("consents"),
        )
    )
    frame = (
        portfolio.cases.select("case_id", "creditor_id", "flags")
        .join(settings, on="creditor_id")
        .join(recent, on="case_id", how="left")
        .with_columns(pl.col("attempts", "conversations", "connected", "consents").fill_null(0))
    )
    # A case whose person other creditors placed too is asked about alone: the facts and the calls of
    # the person's other cases (merged by debtor_facts and gate_history) are not in its own counts.
    linked = (pl.col("flags") & FLAG_BITS["linked"]) > 0
    history = (
        ((pl.col("max_calls") > 0) & (pl.col("attempts") >= pl.col("max_calls")))
        | (pl.col("post_on") & (pl.col("conversations") > 0))
        | ((pl.col("cap") > 0) & (pl.col("connected") >= pl.col("cap")))
        | linked
    )
    return frame.select(
        "case_id",
        ((pl.col("flags") & pl.col("fact_bits")) > 0).alias("facts"),
        history.alias("history"),
        (
            (pl.col("times_on") & (pl.col("flags") & FLAG_BITS["inconvenient"] > 0))
            | (history & pl.col("consent_on") & (pl.col("consents") > 0))
        ).alias("exhaustive"),
    )


def _triage_settings(infos: dict[int, PackInfo]) -> pl.DataFrame:
    """Per creditor, what its pack makes the triage look at: the flags it acts on (fact_bits), the limits of
    the call-count rules and how far back, in quarter hours, each counts."""
    rows = []
    for cid, info in infos.items():
        p, s = info.pack, info.pack.settings
        rows.append(
            {
                "creditor_id": cid,
                "fact_bits": (
                    # Every open hold is asked about case by case: its end, not its kind, decides.
                    FLAG_BITS["held"]
                    | (FLAG_BITS["cease"] if p.enabled("cease") else 0)
                    | (FLAG_BITS["deceased"] if p.enabled("deceased") else 0)
                    | (FLAG_BITS["bankruptcy"] if p.enabled("bankruptcy") else 0)
                    | (FLAG_BITS["disputed"] if p.enabled("dispute") else 0)
                    | (FLAG_BITS["attorney"] if p.enabled("attorney") else 0)
                    | (FLAG_BITS["opted_out"] if p.enabled("channel-opt-out") else 0)
                ),
                "times_on": p.enabled("designated-inconvenient-time"),
                "max_calls": s.max_calls if p.enabled("call-frequency") and s.max_calls > 0 else 0,
                "calls_back": _days_back(s.window_days),
                "post_on": p.enabled("post-conversation"),
                "talk_back": _days_back(s.conversation_days),
                "cap": s.daily_cap if p.enabled("daily-call-cap") else 0,
                "consent_on": p.enabled("call-frequency") or p.enabled("post-conversation"),
                "consent_back": _days_back(s.consent_days),
            }
        )
    return pl.DataFrame(
        rows,
        schema={
            "creditor_id": pl.Int64,
            "fact_bits": pl.Int64,
            "times_on": pl.Boolean,
            "max_calls": pl.Int32,
            "calls_back": pl.Int32,
            "post_on": pl.Boolean,
            "talk_back": pl.Int32,
            "cap": pl.Int32,
            "consent_on": pl.Boolean,
            "consent_back": pl.Int32,
        },
    )


__all__ = ["Group", "PackInfo", "case_groups", "group_masks", "pack_infos", "triage"]
