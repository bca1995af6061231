"""A creditor in the administration: adding one (services/creditors.add_creditor, as `huikuan creditor add`
does), its details, its negotiation authority per role (creditors.authority_policy, read by
services/arrangement_terms.authority), and its compliance pack with the creditor's tightening
(creditors.pack and pack_overrides, checked by compliance/pack.Pack.tightened: a tightening never switches
an enabled rule off nor loosens a parameter).

Administrators change; supervisors read. Every change is audited with the names of what changed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import available_timezones

from sqlalchemy import select

from huikuan.compliance.pack import Pack, load_overrides, load_pack
from huikuan.compliance.pack_params import PackError
from huikuan.errors import InvalidInput, NotFound
from huikuan.services.access import Viewer, require_admin, require_supervisor
from huikuan.services.arrangement_terms import LIMITS, authority
from huikuan.services.creditors import KNOWN_PACKS, add_creditor, set_retention_years
from huikuan.services.retention import policy_of
from huikuan.storage import tables as t
from huikuan.storage.audit import record
from huikuan.storage.uow import UnitOfWork

# The roles whose authority a creditor sets (an administrator has none to set: it has no limit; a viewer
# may offer nothing).
AUTHORITY_ROLES = ("collector", "supervisor")
# The bounds of each limit: basis points of the balance, or a count of instalments.
LIMIT_BOUNDS = {
    "max_discount_bp": (0, 10_000),
    "max_instalments": (1, 120),
    "min_first_payment_bp": (0, 10_000),
}


@dataclass(frozen=True)
class NewCreditor:
    code: str
    name: str
    region: str = "CN"
    currency: str = "CNY"
    pack: str = "cn"
    time_zone: str | None = None
    retention_years: int | None = None


@dataclass(frozen=True)
class CreditorDetails:
    """What may change of a creditor after it is added (its code, currency and region stay)."""

    name: str
    time_zone: str
    retention_years: int | None = None
    # A sandbox creditor's messages are never handed to a provider (None: unchanged).
    sandbox: bool | None = None


def create(uow: UnitOfWork, viewer: Viewer | None, cmd: NewCreditor, now: datetime) -> int:
    """Adds a creditor (an administrator; None: the command line, run by the server's operator); its id.
    Audited; commits."""
    if viewer is not None:
        require_admin(viewer)
    if not cmd.name.strip():
        raise InvalidInput("creditor name: must not be empty")
    creditor = add_creditor(
        uow,
        cmd.code,
        cmd.name.strip(),
        region=cmd.region,
        currency=cmd.currency,
        pack=cmd.pack,
        time_zone=cmd.time_zone or None,
    )
    if cmd.retention_years is not None:
        set_retention_years(uow, creditor.code, cmd.retention_years)
    assert creditor.id is not None  # flushed by add_creditor
    creditor_id = int(creditor.id)
    fields = ["code", "name", "region", "currency", "pack", "time_zone"]
    _audit(
        uow,
        viewer,
        "creditor.create",
        creditor_id,
        now,
        fields + ["retention_years"] * (cmd.retention_years is not None),
    )
    uow.commit()
    return creditor_id


def detail(uow: UnitOfWork, viewer: Viewer, creditor_id: int) -> dict[str, Any]:
    """The creditor, its retention in force, its authority per role (the defaults filled in) and its pack
    with the tightening as TOML text."""
    require_supervisor(viewer)
    row = _row(uow, creditor_id)
    policy = dict(row.authority_policy or {})
    return {
        "creditor": {
            k: v for k, v in row._mapping.items() if k not in ("authority_policy", "pack_overrides")
        },
        "retention": policy_of(row.pack, row.retention_years),
        "authority": {role: authority(policy, role) for role in AUTHORITY_ROLES},
        "overrides": dict(row.pack_overrides or {}),
        "overrides_text": overrides_toml(dict(row.pack_overrides or {})),
        "packs": KNOWN_PACKS,
    }


def update(
    uow: UnitOfWork, viewer: Viewer, creditor_id: int, details: CreditorDetails, now: datetime
) -> list[str]:
    """Changes the creditor's details; the names of the fields that changed. Audited; commits."""
    require_admin(viewer)
    row = _row(uow, creditor_id)
    name, zone = details.name.strip(), details.time_zone.strip()
    if not name:
        raise InvalidInput("creditor name: must not be empty")
    if zone not in available_timezones():
        raise InvalidInput("time zone: {zone!r} is not a known IANA zone", zone=zone)
    changed = [
        f for f, old, new in (("name", row.name, name), ("time_zone", row.time_zone, zone)) if old != new
    ]
    if changed:
        c = t.creditors.c
        uow.session.execute(t.creditors.update().where(c.id == creditor_id).values(name=name, time_zone=zone))
    if details.retention_years != row.retention_years:
        set_retention_years(uow, row.code, details.retention_years)
        changed.append("retention_years")
    if details.sandbox is not None and details.sandbox != row.sandbox:
        c = t.creditors.c
        uow.session.execute(t.creditors.update().where(c.id == creditor_id).values(sandbox=details.sandbox))
        changed.append("sandbox")
    if changed:
        _audit(uow, viewer, "creditor.update", creditor_id, now, changed)
    uow.commit()
    return changed


def set_sandbox(uow: UnitOfWork, viewer: Viewer | None, code: str, sandbox: bool, now: datetime) -> bool:
    """Marks the creditor (by code) sandbox or not: a sandbox creditor's messages are never handed to a
    provider. Whether it changed; audited; commits. The command line passes no viewer."""
    if viewer is not None:
        require_admin(viewer)
    c = t.creditors.c
    row = uow.session.execute(select(c.id, c.sandbox).where(c.code == code.strip())).one_or_none()
    if row is None:
        raise NotFound("no creditor with code {code!r}", code=code)
    if bool(row.sandbox) == sandbox:
        return False
    uow.session.execute(t.creditors.update().where(c.id == row.id).values(sandbox=sandbox))
    _audit(uow, viewer, "creditor.update", row.id, now, ["sandbox"])
    uow.commit()
    return True


def set_authority(
    uow: UnitOfWork, viewer: Viewer, creditor_id: int, role: str, limits: dict[str, int], now: datetime
) -> list[str]:
    """Sets a role's limits for this creditor (every limit of arrangement_terms.LIMITS, within its bounds);
    the names of the limits that changed. Audited; commits."""
    require_admin(viewer)
    row = _row(uow, creditor_id)
    if role not in AUTHORITY_ROLES:
        raise InvalidInput(
            "role: {role!r} is not one of {roles}", role=role, roles=", ".join(AUTHORITY_ROLES)
        )
    for name in LIMITS:
        low, high = LIMIT_BOUNDS[name]
        value = limits.get(name)
        if value is None or isinstance(value, bool) or not low <= value <= high:
            raise InvalidInput("{limit}: a whole number from {low} to {high}", limit=name, low=low, high=high)
    policy = dict(row.authority_policy or {})
    before = authority(policy, role) or {}
    policy[role] = {name: int(limits[name]) for name in LIMITS}
    changed = [name for name in LIMITS if before.get(name) != limits[name]]
    uow.session.execute(
        t.creditors.update().where(t.creditors.c.id == creditor_id).values(authority_policy=policy)
    )
    _audit(uow, viewer, "creditor.authority", creditor_id, now, changed, role=role)
    uow.commit()
    return changed


def tightened_pack(pack: str, overrides_text: str) -> tuple[Pack, dict[str, Any]]:
    """The pack with the tightening typed as TOML ([rules.<rule-id>] tables), and the tightening as stored;
    InvalidInput says what is refused (a loosening, an unknown rule or parameter, bad TOML)."""
    if pack not in KNOWN_PACKS:
        raise InvalidInput("pack: {pack!r} is not one of {packs}", pack=pack, packs=", ".join(KNOWN_PACKS))
    try:
        overrides = _plain(load_overrides(overrides_text)) if overrides_text.strip() else {}
        return (load_pack(pack).tightened(overrides) if overrides else load_pack(pack)), overrides
    except PackError as exc:
        raise InvalidInput("Tightening refused: {reason}", reason=str(exc)) from None


def set_pack(
    uow: UnitOfWork, viewer: Viewer, creditor_id: int, pack: str, overrides_text: str, now: datetime
) -> list[str]:
    """Sets the creditor's pack and tightening; the names of what changed (pack, and each rule whose
    tightening changed). Audited; commits."""
    require_admin(viewer)
    row = _row(uow, creditor_id)
    _pack, overrides = tightened_pack(pack, overrides_text)
    old_rules = dict((row.pack_overrides or {}).get("rules", {}))
    new_rules = dict(overrides.get("rules", {}))
    changed = ["pack"] * (pack != row.pack) + sorted(
        f"rules.{rule}"
        for rule in set(old_rules) | set(new_rules)
        if old_rules.get(rule) != new_rules.get(rule)
    )
    uow.session.execute(
        t.creditors.update()
        .where(t.creditors.c.id == creditor_id)
        .values(pack=pack, pack_overrides=overrides)
    )
    if changed:
        _audit(uow, viewer, "creditor.pack", creditor_id, now, changed)
    uow.commit()
    return changed


def overrides_toml(overrides: dict[str, Any]) -> str:
    """A stored tightening as the TOML an administrator types: [rules.<rule-id>] tables."""
    lines: list[str] = []
    for rule, params in sorted(dict(overrides.get("rules", {})).items()):
        lines.append(f"[rules.{rule}]")
        for key, value in dict(params).items():
            lines.append(f"{key} = {_toml_value(value)}")
        lines.append("")
    return "\n".join(lines).strip()


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    return '"' + str(value).replace("\\", "\\\\").replace('"', '\\"') + '"'


def _plain(value: Any) -> Any:
    """TOML's values as JSON keeps them: a time of day as "HH:MM"."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if hasattr(value, "strftime"):
        return value.strftime("%H:%M")
    return value


def _row(uow: UnitOfWork, creditor_id: int) -> Any:
    c = t.creditors.c
    row = uow.session.execute(
        select(
            c.id,
            c.code,
            c.name,
            c.region,
            c.currency,
            c.pack,
            c.time_zone,
            c.retention_years,
            c.sandbox,
            c.authority_policy,
            c.pack_overrides,
        ).where(c.id == creditor_id)
    ).one_or_none()
    if row is None:
        raise NotFound("No creditor with id {id}", id=creditor_id)
    return row


def _audit(
    uow: UnitOfWork,
    viewer: Viewer | None,
    action: str,
    creditor_id: int,
    now: datetime,
    changed: list[str],
    **extra: str,
) -> None:
    record(
        uow.session,
        at=now,
        user_id=viewer.user_id if viewer else None,
        action=action,
        entity="creditor",
        entity_id=creditor_id,
        detail={"changed": changed, **extra},
    )
