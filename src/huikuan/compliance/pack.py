"""Rule packs: versioned jurisdiction data loaded from TOML, and a creditor's tightening of one."""

from __future__ import annotations

import hashlib
import json
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from types import MappingProxyType

from huikuan.compliance.model import Role
from huikuan.compliance.pack_params import (
    INFO_KEYS,
    PARAMS,
    RULE_IDS,
    PackError,
    Param,
    RuleSettings,
    as_int,
    as_roles,
    coerce,
    jsonable,
    secs,
    tighten_rules,
)


@dataclass(frozen=True, slots=True)
class Settings:
    """The pack's parameters in the units the rules use (seconds of day, counts, role sets)."""

    enabled: frozenset[str]
    hours_start: int
    hours_end: int
    max_calls: int
    window_days: int
    consent_days: int
    conversation_days: int
    daily_cap: int
    collect_roles: frozenset[Role]
    locate_roles: frozenset[Role]
    after_death_roles: frozenset[Role]
    third_party_max: int
    validation_days: int


@dataclass(frozen=True, slots=True)
class Retention:
    """How long a closed debt's personal data is kept (`[obligations.retention]`): `years` after the
    debtor's last account closes by default, never less than `min_years` (a record-keeping duty)."""

    years: int
    min_years: int
    source: str


@dataclass(frozen=True, eq=False)
class Pack:
    name: str
    version: str
    title: str
    country: str
    country_zones: tuple[str, ...]
    rules: Mapping[str, RuleSettings]
    obligations: Mapping[str, Mapping[str, object]] = field(default_factory=dict)
    tightenings: tuple[str, ...] = ()
    settings: Settings = field(init=False, repr=False)
    fingerprint: str = field(init=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "settings", _settings(self.rules))
        if self.settings.hours_start >= self.settings.hours_end:
            raise PackError("contact-hours: start must be before end")
        canon = {
            "name": self.name,
            "version": self.version,
            "country_zones": list(self.country_zones),
            "rules": {
                rid: {"enabled": r.enabled, **{k: jsonable(v) for k, v in sorted(r.params.items())}}
                for rid, r in sorted(self.rules.items())
            },
        }
        digest = hashlib.sha256(json.dumps(canon, sort_keys=True).encode()).hexdigest()
        object.__setattr__(self, "fingerprint", digest[:16])

    def enabled(self, rule_id: str) -> bool:
        return rule_id in self.settings.enabled

    @property
    def retention(self) -> Retention:
        return _retention(self.name, self.obligations)

    def tightened(self, overrides: Mapping[str, object]) -> Pack:
        """This pack with a creditor's stricter settings; raises PackLoosening for any loosening."""
        rules, changes = tighten_rules(self.rules, overrides)
        return Pack(
            self.name,
            self.version,
            self.title,
            self.country,
            self.country_zones,
            MappingProxyType(rules),
            self.obligations,
            (*self.tightenings, *changes),
        )


def available_packs() -> tuple[str, ...]:
    folder = resources.files("huikuan.compliance").joinpath("packs")
    return tuple(sorted(p.name[:-5] for p in folder.iterdir() if p.name.endswith(".toml")))


@lru_cache(maxsize=32)
def load_pack(name: str) -> Pack:
    """The named pack (`us-reg-f`, `cn`, `uk-conc`), validated; PackError if unknown or malformed."""
    if name not in available_packs():
        raise PackError(f"pack: unknown pack {name!r} (available: {', '.join(available_packs())})")
    text = resources.files("huikuan.compliance").joinpath("packs").joinpath(f"{name}.toml").read_text("utf-8")
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise PackError(f"{name}.toml: {exc}") from exc
    return pack_from_dict(data)


def load_overrides(text: str) -> dict[str, object]:
    """A tightening file's TOML: [rules.<rule-id>] tables, the same shape as a pack's."""
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise PackError(f"tightening: not valid TOML: {exc}") from exc


def pack_from_dict(data: Mapping[str, object]) -> Pack:
    name = _str(data, "name")
    rules_table = data.get("rules")
    if not isinstance(rules_table, Mapping):
        raise PackError(f"{name}: missing [rules]")
    missing = [r for r in RULE_IDS if r not in rules_table]
    if missing:
        raise PackError(f"{name}: rules.{missing[0]}: missing (every pack lists every rule, on or off)")
    rules: dict[str, RuleSettings] = {}
    for rule_id, raw in rules_table.items():
        if rule_id not in PARAMS or not isinstance(raw, Mapping):
            raise PackError(f"{name}: rules.{rule_id}: unknown rule")
        path = f"{name}: rules.{rule_id}"
        enabled = raw.get("enabled")
        source = raw.get("source")
        if not isinstance(enabled, bool):
            raise PackError(f"{path}.enabled: expected true or false")
        if not isinstance(source, str) or not source:
            raise PackError(f"{path}.source: every rule names its source")
        params: dict[str, Param] = {}
        for key, spec in PARAMS[rule_id].items():
            if key not in raw:
                raise PackError(f"{path}.{key}: missing")
            params[key] = coerce(f"{path}.{key}", spec, raw[key])
        extra = set(raw) - set(PARAMS[rule_id]) - INFO_KEYS - {"enabled"}
        if extra:
            raise PackError(f"{path}.{sorted(extra)[0]}: unknown parameter")
        rules[rule_id] = RuleSettings(enabled, MappingProxyType(params), source)
    zones = data.get("country_zones")
    if not isinstance(zones, list) or not zones or not all(isinstance(z, str) for z in zones):
        raise PackError(f"{name}: country_zones: expected a list of zone names")
    obligations = data.get("obligations", {})
    if not isinstance(obligations, Mapping):
        raise PackError(f"{name}: obligations: expected tables")
    _retention(name, obligations)
    _announce(name, obligations)
    return Pack(
        name,
        _str(data, "version"),
        _str(data, "title"),
        _str(data, "country"),
        tuple(zones),
        MappingProxyType(rules),
        MappingProxyType(
            {k: MappingProxyType(dict(v)) for k, v in obligations.items() if isinstance(v, Mapping)}
        ),
    )


def _announce(name: str, obligations: Mapping[str, object]) -> None:
    """`[obligations.recording] announce`, when given, is true or false (services/calls.py plays the
    recording notice at the start of every call where it is true): a misspelt value is refused, never
    read as no notice."""
    table = obligations.get("recording")
    if isinstance(table, Mapping) and "announce" in table and not isinstance(table["announce"], bool):
        raise PackError(f"{name}: obligations.recording.announce: expected true or false")


def _retention(name: str, obligations: Mapping[str, object]) -> Retention:
    """The pack's `[obligations.retention]`: every pack says how long personal data is kept."""
    table = obligations.get("retention")
    if not isinstance(table, Mapping):
        raise PackError(f"{name}: obligations.retention: missing (every pack says how long data is kept)")
    years, minimum, source = table.get("years"), table.get("min_years"), table.get("source")
    for key, value in (("years", years), ("min_years", minimum)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise PackError(f"{name}: obligations.retention.{key}: expected a whole number of at least 1")
    assert isinstance(years, int) and isinstance(minimum, int)
    if minimum > years:
        raise PackError(f"{name}: obligations.retention: min_years is more than years")
    if not isinstance(source, str) or not source:
        raise PackError(f"{name}: obligations.retention.source: every figure names its source")
    return Retention(years, minimum, source)


def _str(data: Mapping[str, object], key: str) -> str:
    value = data.get(key)
    if not isinstance(value, str) or not value:
        raise PackError(f"{key}: expected a non-empty string")
    return value


def _settings(rules: Mapping[str, RuleSettings]) -> Settings:
    def p(rule: str, key: str) -> Param:
        return rules[rule].params[key]

    enabled = frozenset(r for r, s in rules.items() if s.enabled)
    return Settings(
        enabled=enabled,
        hours_start=secs(p("contact-hours", "start")),
        hours_end=secs(p("contact-hours", "end")),
        max_calls=as_int(p("call-frequency", "max_calls")),
        window_days=as_int(p("call-frequency", "window_days")),
        consent_days=as_int(p("call-frequency", "consent_days")),
        conversation_days=as_int(p("post-conversation", "days")),
        daily_cap=as_int(p("daily-call-cap", "max_connected")),
        collect_roles=frozenset(Role(r) for r in as_roles(p("third-party-disclosure", "collect_roles"))),
        locate_roles=frozenset(Role(r) for r in as_roles(p("third-party-disclosure", "locate_roles"))),
        after_death_roles=frozenset(Role(r) for r in as_roles(p("deceased", "after_death_roles"))),
        third_party_max=as_int(p("third-party-repeat", "max_contacts")),
        validation_days=as_int(p("validation-notice", "days")),
    )
