"""Rule packs: versioned jurisdiction data loaded from TOML, and a creditor's tightening of one."""

from __future__ import annotations

import hashlib
import json
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import time
from functools import lru_cache
from importlib import resources
from types import MappingProxyType
from typing import Literal

from huikuan.compliance.model import Role
from huikuan.errors import HuikuanError

RULE_IDS: tuple[str, ...] = (
    "contact-hours",
    "designated-inconvenient-time",
    "call-frequency",
    "post-conversation",
    "daily-call-cap",
    "cease",
    "deceased",
    "bankruptcy",
    "hardship",
    "breathing-space",
    "attorney",
    "workplace",
    "channel-opt-out",
    "automated-text-consent",
    "electronic-safe-harbour",
    "dispute",
    "third-party-disclosure",
    "third-party-repeat",
    "time-barred",
    "validation-notice",
)

Param = int | str | tuple[str, ...]
# How a parameter moves when a creditor tightens it.
Direction = Literal["later", "earlier", "lower", "higher", "subset", "cap"]
Kind = Literal["time", "int", "roles"]


@dataclass(frozen=True, slots=True)
class ParamSpec:
    kind: Kind
    tighter: Direction
    minimum: int = 0


PARAMS: dict[str, dict[str, ParamSpec]] = {
    "contact-hours": {"start": ParamSpec("time", "later"), "end": ParamSpec("time", "earlier")},
    "designated-inconvenient-time": {},
    "call-frequency": {
        "max_calls": ParamSpec("int", "lower"),
        "window_days": ParamSpec("int", "higher", 1),
        "consent_days": ParamSpec("int", "lower"),
    },
    "post-conversation": {"days": ParamSpec("int", "higher", 1)},
    # 0 switches the cap off, so lowering it to 0 would loosen: see _check_tighter.
    "daily-call-cap": {"max_connected": ParamSpec("int", "cap")},
    "cease": {},
    "deceased": {"after_death_roles": ParamSpec("roles", "subset")},
    "bankruptcy": {},
    "hardship": {},
    "breathing-space": {},
    "attorney": {},
    "workplace": {},
    "channel-opt-out": {},
    "automated-text-consent": {},
    "electronic-safe-harbour": {},
    "dispute": {},
    "third-party-disclosure": {
        "collect_roles": ParamSpec("roles", "subset"),
        "locate_roles": ParamSpec("roles", "subset"),
    },
    "third-party-repeat": {"max_contacts": ParamSpec("int", "lower")},
    "time-barred": {},
    "validation-notice": {"days": ParamSpec("int", "lower")},
}
_INFO_KEYS = frozenset({"source", "note"})


class PackError(HuikuanError):
    """A rule pack or a tightening file is missing, malformed or names an unknown rule or parameter."""


class PackLoosening(PackError):
    """A creditor's override would loosen a pack; a creditor may only tighten one."""


@dataclass(frozen=True, slots=True)
class RuleSettings:
    enabled: bool
    params: Mapping[str, Param]
    source: str


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
                rid: {"enabled": r.enabled, **{k: _jsonable(v) for k, v in sorted(r.params.items())}}
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
        unknown = set(overrides) - {"rules", "creditor", "note"}
        if unknown:
            raise PackError(f"{sorted(unknown)[0]}: unknown key in a tightening (expected [rules.<rule-id>])")
        table = overrides.get("rules", {})
        if not isinstance(table, Mapping):
            raise PackError("rules: expected a table of rule ids")
        rules = dict(self.rules)
        changes: list[str] = []
        for rule_id, change in table.items():
            if rule_id not in PARAMS:
                raise PackError(f"{rule_id}: unknown rule (known: {', '.join(RULE_IDS)})")
            if not isinstance(change, Mapping):
                raise PackError(f"{rule_id}: expected a table of parameters")
            base = rules[rule_id]
            enabled = base.enabled
            params = dict(base.params)
            for key, raw in change.items():
                path = f"{rule_id}.{key}"
                if key == "enabled":
                    if not isinstance(raw, bool):
                        raise PackError(f"{path}: expected true or false")
                    if base.enabled and not raw:
                        raise PackLoosening(
                            f"{path}: the pack switches this rule on; a creditor may only "
                            "tighten a pack, not switch a rule off"
                        )
                    enabled = raw
                elif key in _INFO_KEYS:
                    continue
                elif key in PARAMS[rule_id]:
                    spec = PARAMS[rule_id][key]
                    value = _coerce(path, spec, raw)
                    # Against a rule that is off, any setting is stricter than none.
                    if base.enabled:
                        _check_tighter(path, spec, params[key], value)
                    params[key] = value
                else:
                    raise PackError(f"{path}: unknown parameter")
                changes.append(f"{path}={_jsonable(raw)}")
            rules[rule_id] = RuleSettings(enabled, MappingProxyType(params), base.source)
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
            params[key] = _coerce(f"{path}.{key}", spec, raw[key])
        extra = set(raw) - set(PARAMS[rule_id]) - _INFO_KEYS - {"enabled"}
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


def _coerce(path: str, spec: ParamSpec, raw: object) -> Param:
    if spec.kind == "time":
        if isinstance(raw, time):
            raw = raw.strftime("%H:%M")
        if not isinstance(raw, str) or parse_hhmm(raw) is None:
            raise PackError(f"{path}: expected a time of day as HH:MM")
        return raw
    if spec.kind == "int":
        if isinstance(raw, bool) or not isinstance(raw, int) or raw < spec.minimum:
            raise PackError(f"{path}: expected a whole number of at least {spec.minimum}")
        return raw
    if not isinstance(raw, list) or not all(isinstance(r, str) and r in Role._value2member_map_ for r in raw):
        raise PackError(f"{path}: expected a list of party roles ({', '.join(r.value for r in Role)})")
    return tuple(sorted(set(raw)))


def _check_tighter(path: str, spec: ParamSpec, old: Param, new: Param) -> None:
    loose: str | None = None
    if spec.tighter == "later" and _secs(new) < _secs(old):
        loose = f"{new} is earlier than the pack's {old}"
    elif spec.tighter == "earlier" and _secs(new) > _secs(old):
        loose = f"{new} is later than the pack's {old}"
    elif spec.tighter == "lower" and _int(new) > _int(old):
        loose = f"{new} is more than the pack's {old}"
    elif spec.tighter == "higher" and _int(new) < _int(old):
        loose = f"{new} is less than the pack's {old}"
    elif spec.tighter == "subset" and not set(_roles(new)) <= set(_roles(old)):
        extra = sorted(set(_roles(new)) - set(_roles(old)))
        loose = f"adds {', '.join(extra)}, which the pack does not allow"
    elif spec.tighter == "cap" and (
        (_int(new) == 0 and _int(old) > 0) or (_int(old) > 0 and _int(new) > _int(old))
    ):
        loose = "0 switches the cap off" if _int(new) == 0 else f"{new} is more than the pack's {old}"
    if loose:
        raise PackLoosening(f"{path}: {loose}; a creditor may only tighten a pack")


def parse_hhmm(text: str) -> int | None:
    """Seconds of day for "HH:MM" or "HH:MM:SS", or None if it is not one."""
    parts = text.split(":")
    if len(parts) not in (2, 3) or not all(p.isdigit() and len(p) == 2 for p in parts):
        return None
    h, m, s = (int(p) for p in (*parts, "00")[:3])
    if h > 23 or m > 59 or s > 59:
        return None
    return h * 3600 + m * 60 + s


def _secs(value: Param) -> int:
    parsed = parse_hhmm(value) if isinstance(value, str) else None
    assert parsed is not None
    return parsed


def _int(value: Param) -> int:
    assert isinstance(value, int)
    return value


def _roles(value: Param) -> tuple[str, ...]:
    assert isinstance(value, tuple)
    return value


def _jsonable(value: object) -> object:
    if isinstance(value, tuple | list):
        return list(value)
    if isinstance(value, time):
        return value.strftime("%H:%M")
    return value


def _settings(rules: Mapping[str, RuleSettings]) -> Settings:
    def p(rule: str, key: str) -> Param:
        return rules[rule].params[key]

    enabled = frozenset(r for r, s in rules.items() if s.enabled)
    return Settings(
        enabled=enabled,
        hours_start=_secs(p("contact-hours", "start")),
        hours_end=_secs(p("contact-hours", "end")),
        max_calls=_int(p("call-frequency", "max_calls")),
        window_days=_int(p("call-frequency", "window_days")),
        consent_days=_int(p("call-frequency", "consent_days")),
        conversation_days=_int(p("post-conversation", "days")),
        daily_cap=_int(p("daily-call-cap", "max_connected")),
        collect_roles=frozenset(Role(r) for r in _roles(p("third-party-disclosure", "collect_roles"))),
        locate_roles=frozenset(Role(r) for r in _roles(p("third-party-disclosure", "locate_roles"))),
        after_death_roles=frozenset(Role(r) for r in _roles(p("deceased", "after_death_roles"))),
        third_party_max=_int(p("third-party-repeat", "max_contacts")),
        validation_days=_int(p("validation-notice", "days")),
    )
