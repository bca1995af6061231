"""The rules a pack sets and their parameters: each parameter's kind, how it is read from TOML and which
way a creditor's tightening may move it (compliance/pack.py holds the pack itself)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import time
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
    # 0 switches the cap off, so lowering it to 0 would loosen: see check_tighter.
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
INFO_KEYS = frozenset({"source", "note"})


class PackError(HuikuanError):
    """A rule pack or a tightening file is missing, malformed or names an unknown rule or parameter."""


class PackLoosening(PackError):
    """A creditor's override would loosen a pack; a creditor may only tighten one."""


@dataclass(frozen=True, slots=True)
class RuleSettings:
    enabled: bool
    params: Mapping[str, Param]
    source: str


def coerce(path: str, spec: ParamSpec, raw: object) -> Param:
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


def check_tighter(path: str, spec: ParamSpec, old: Param, new: Param) -> None:
    loose: str | None = None
    if spec.tighter == "later" and secs(new) < secs(old):
        loose = f"{new} is earlier than the pack's {old}"
    elif spec.tighter == "earlier" and secs(new) > secs(old):
        loose = f"{new} is later than the pack's {old}"
    elif spec.tighter == "lower" and as_int(new) > as_int(old):
        loose = f"{new} is more than the pack's {old}"
    elif spec.tighter == "higher" and as_int(new) < as_int(old):
        loose = f"{new} is less than the pack's {old}"
    elif spec.tighter == "subset" and not set(as_roles(new)) <= set(as_roles(old)):
        extra = sorted(set(as_roles(new)) - set(as_roles(old)))
        loose = f"adds {', '.join(extra)}, which the pack does not allow"
    elif spec.tighter == "cap" and (
        (as_int(new) == 0 and as_int(old) > 0) or (as_int(old) > 0 and as_int(new) > as_int(old))
    ):
        loose = "0 switches the cap off" if as_int(new) == 0 else f"{new} is more than the pack's {old}"
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


def secs(value: Param) -> int:
    parsed = parse_hhmm(value) if isinstance(value, str) else None
    assert parsed is not None
    return parsed


def as_int(value: Param) -> int:
    assert isinstance(value, int)
    return value


def as_roles(value: Param) -> tuple[str, ...]:
    assert isinstance(value, tuple)
    return value


def jsonable(value: object) -> object:
    if isinstance(value, tuple | list):
        return list(value)
    if isinstance(value, time):
        return value.strftime("%H:%M")
    return value


def tighten_rules(
    rules: Mapping[str, RuleSettings], overrides: Mapping[str, object]
) -> tuple[dict[str, RuleSettings], list[str]]:
    """The rules with a creditor's stricter settings, and the changes made (`rule.key=value`); raises
    PackLoosening for any loosening."""
    unknown = set(overrides) - {"rules", "creditor", "note"}
    if unknown:
        raise PackError(f"{sorted(unknown)[0]}: unknown key in a tightening (expected [rules.<rule-id>])")
    table = overrides.get("rules", {})
    if not isinstance(table, Mapping):
        raise PackError("rules: expected a table of rule ids")
    out = dict(rules)
    changes: list[str] = []
    for rule_id, change in table.items():
        if rule_id not in PARAMS:
            raise PackError(f"{rule_id}: unknown rule (known: {', '.join(RULE_IDS)})")
        if not isinstance(change, Mapping):
            raise PackError(f"{rule_id}: expected a table of parameters")
        out[rule_id] = _tighten_rule(rule_id, out[rule_id], change, changes)
    return out, changes


def _tighten_rule(
    rule_id: str, base: RuleSettings, change: Mapping[str, object], changes: list[str]
) -> RuleSettings:
    """One rule with a creditor's stricter settings; each change is added to `changes`."""
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
        elif key in INFO_KEYS:
            continue
        elif key in PARAMS[rule_id]:
            spec = PARAMS[rule_id][key]
            value = coerce(path, spec, raw)
            # Against a rule that is off, any setting is stricter than none.
            if base.enabled:
                check_tighter(path, spec, params[key], value)
            params[key] = value
        else:
            raise PackError(f"{path}: unknown parameter")
        changes.append(f"{path}={jsonable(raw)}")
    return RuleSettings(enabled, MappingProxyType(params), base.source)
