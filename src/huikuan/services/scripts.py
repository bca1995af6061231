"""What a collector says: an opening and the answers to common objections, by case stage, segment and
language. Supervisors edit them (table `scripts`); everyone else reads them.

`script_for` looks for the stage's script for the segment, then for any segment (''), in that language,
and falls back to the scripts Huikuan ships (default_scripts.toml). A script names the creditor and the
collector with the placeholders {creditor} and {collector}, filled when it is shown for a case.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any

from sqlalchemy import delete, insert, select, update

from huikuan.channels.suit import mentions_suit
from huikuan.domain.enums import CaseStage
from huikuan.errors import Forbidden, InvalidInput
from huikuan.i18n import LOCALES, gettext, normalize_locale
from huikuan.services.access import Viewer, require_supervisor, visible_case
from huikuan.services.clock import floor_today
from huikuan.services.notices import time_barred_case
from huikuan.storage import tables as t
from huikuan.storage.audit import record
from huikuan.storage.uow import UnitOfWork
from huikuan.strategy.segments import SEGMENTS

DEFAULTS_FILE = Path(__file__).with_name("default_scripts.toml")
PLACEHOLDERS = ("creditor", "collector")
STAGES = tuple(s.value for s in CaseStage)
OPENING_MAX = 4000
ANSWER_MAX = 2000
OBJECTION_MAX = 200
OBJECTIONS_MAX = 20
_PLACEHOLDER = re.compile(r"\{([^{}]*)\}")


@dataclass(frozen=True)
class Objection:
    objection: str
    answer: str


@dataclass(frozen=True)
class Script:
    stage: str
    segment: str  # '' = any segment
    locale: str
    opening: str
    objections: tuple[Objection, ...]
    source: str  # "custom": edited by a supervisor; "default": shipped with Huikuan
    updated_by: str | None = None
    updated_at: datetime | None = None
    time_barred: bool = False  # shown for a time-barred debt: nothing in it mentions suit

    def filled(self, *, creditor: str, collector: str) -> Script:
        """The script with {creditor} and {collector} replaced (nothing else is touched)."""

        def fill(text: str) -> str:
            return text.replace("{creditor}", creditor).replace("{collector}", collector)

        return replace(
            self,
            opening=fill(self.opening),
            objections=tuple(Objection(fill(o.objection), fill(o.answer)) for o in self.objections),
        )


@cache
def _defaults() -> dict[str, Any]:
    with DEFAULTS_FILE.open("rb") as fh:
        return tomllib.load(fh)


def default_script(stage: str, locale: str) -> Script:
    """The shipped script of the stage in the language (the `default` opening for a stage it lacks)."""
    shipped = _defaults()[normalize_locale(locale)]
    openings = shipped["openings"]
    objections = tuple(Objection(o["objection"], o["answer"]) for o in shipped["objections"])
    return Script(
        stage, "", normalize_locale(locale), openings.get(stage, openings["default"]), objections, "default"
    )


def _row_script(row: Any) -> Script:
    objections = tuple(Objection(str(o["objection"]), str(o["answer"])) for o in row.objections or [])
    return Script(
        row.stage, row.segment, row.locale, row.opening, objections, "custom", row.updated_by, row.updated_at
    )


def _query() -> Any:
    s, u = t.scripts.c, t.users.c
    return select(
        s.stage,
        s.segment,
        s.locale,
        s.opening,
        s.objections,
        u.display_name.label("updated_by"),
        s.updated_at,
    ).outerjoin(t.users, u.id == s.updated_by)


def script_for(uow: UnitOfWork, stage: str, segment: str | None, locale: str) -> Script:
    """The script for the stage and segment in the language: the segment's, else any segment's, else the
    shipped default."""
    _key(stage, segment or "", normalize_locale(locale))
    locale = normalize_locale(locale)
    s = t.scripts.c
    wanted = [segment, ""] if segment else [""]
    rows = uow.session.execute(
        _query().where(s.stage == stage, s.locale == locale, s.segment.in_(wanted))
    ).all()
    by_segment = {row.segment: row for row in rows}
    for name in wanted:
        if name in by_segment:
            return _row_script(by_segment[name])
    return default_script(stage, locale)


def case_script(uow: UnitOfWork, viewer: Viewer, case_id: int) -> Script:
    """The script for the case's stage and segment in the viewer's language, with the names filled in."""
    case = visible_case(uow, viewer, case_id)
    creditor = uow.session.execute(
        select(t.creditors.c.name).where(t.creditors.c.id == case.creditor_id)
    ).scalar_one()
    script = script_for(uow, case.stage, case.segment, viewer.locale)
    if time_barred_case(uow.session.connection(), case_id, floor_today()):
        script = without_suit(script, default_script(case.stage, viewer.locale))
    return script.filled(creditor=str(creditor), collector=_collector(uow, viewer, case))


def without_suit(script: Script, default: Script) -> Script:
    """The script for a time-barred debt: any answer that mentions suit left out, and an opening that does
    replaced by the shipped one (or left empty if that one does too)."""
    opening = script.opening
    if mentions_suit(opening):
        opening = "" if mentions_suit(default.opening) else default.opening
    kept = tuple(o for o in script.objections if not mentions_suit(f"{o.objection}\n{o.answer}"))
    return replace(script, opening=opening, objections=kept, time_barred=True)


def _collector(uow: UnitOfWork, viewer: Viewer, case: Any) -> str:
    """Who says the script: the viewer when it works cases; for a read-only viewer (who calls no one),
    the collector the case is assigned to, else a marker that the collector's name goes there."""
    if not viewer.read_only:
        return viewer.display_name
    name = uow.session.execute(
        select(t.users.c.display_name).where(t.users.c.id == case.assigned_user_id)
    ).scalar()
    return str(name) if name else gettext("[collector]", viewer.locale)


def require_floor(viewer: Viewer) -> None:
    """The scripts page is the floor's: a creditor's read-only viewer, who calls no one, is refused (it
    still sees a case's script on the case page)."""
    if viewer.read_only:
        raise Forbidden("The scripts page is for the agency's collectors and supervisors")


def list_scripts(uow: UnitOfWork, locale: str | None = None) -> list[Script]:
    """Every stage's script for any segment (edited or shipped) and every segment's own, by stage."""
    locales = [normalize_locale(locale)] if locale else list(LOCALES)
    rows = uow.session.execute(_query().where(t.scripts.c.locale.in_(locales))).all()
    custom = {(r.stage, r.segment, r.locale): _row_script(r) for r in rows}
    out = []
    for stage in STAGES:
        for loc in locales:
            key = (stage, "", loc)
            out.append(custom.pop(key) if key in custom else default_script(stage, loc))
            out.extend(custom.pop((stage, seg, loc)) for seg in SEGMENTS if (stage, seg, loc) in custom)
    return out


def _key(stage: str, segment: str, locale: str) -> tuple[str, str, str]:
    if stage not in STAGES:
        raise InvalidInput("stage: {value} is not one of {choices}", value=stage, choices=", ".join(STAGES))
    if segment and segment not in SEGMENTS:
        raise InvalidInput(
            "segment: {value} is not one of {choices}", value=segment, choices=", ".join(SEGMENTS)
        )
    if locale not in LOCALES:
        raise InvalidInput(
            "language: {value} is not one of {choices}", value=locale, choices=", ".join(LOCALES)
        )
    return stage, segment, locale


_TOO_LONG = {
    "opening": "opening: at most {max} characters",
    "objection": "objection: at most {max} characters",
    "answer": "answer: at most {max} characters",
}
_NOT_A_PLACEHOLDER = {
    "opening": "opening: {{{name}}} is not a placeholder; use {{creditor}} or {{collector}}",
    "objection": "objection: {{{name}}} is not a placeholder; use {{creditor}} or {{collector}}",
    "answer": "answer: {{{name}}} is not a placeholder; use {{creditor}} or {{collector}}",
}


def _checked_text(text: str, limit: int, what: str) -> str:
    text = text.replace("\r\n", "\n").strip()
    if len(text) > limit:
        raise InvalidInput(_TOO_LONG[what], max=limit)
    for name in _PLACEHOLDER.findall(text):
        if name not in PLACEHOLDERS:
            raise InvalidInput(_NOT_A_PLACEHOLDER[what], name=name)
    return text


def save_script(
    uow: UnitOfWork,
    viewer: Viewer,
    *,
    stage: str,
    segment: str = "",
    locale: str,
    opening: str,
    objections: list[tuple[str, str]] | list[dict[str, str]],
) -> None:
    """Stores a supervisor's script for the stage, segment ('' = any) and language, replacing any before.

    Objections are (objection, answer) pairs; a pair left entirely empty is dropped."""
    require_supervisor(viewer)
    key = _key(stage, segment or "", locale)
    text = _checked_text(opening, OPENING_MAX, "opening")
    if not text:
        raise InvalidInput("opening: a script needs an opening")
    pairs = []
    for item in objections:
        said, answer = (item["objection"], item["answer"]) if isinstance(item, dict) else item
        said = _checked_text(said or "", OBJECTION_MAX, "objection")
        answer = _checked_text(answer or "", ANSWER_MAX, "answer")
        if not said and not answer:
            continue
        if not said or not answer:
            raise InvalidInput("objections: each objection needs its answer")
        pairs.append({"objection": said, "answer": answer})
    if len(pairs) > OBJECTIONS_MAX:
        raise InvalidInput("objections: at most {max}", max=OBJECTIONS_MAX)
    s = t.scripts.c
    now = datetime.now(UTC)
    values = {"opening": text, "objections": pairs, "updated_by": viewer.user_id, "updated_at": now}
    where = (s.stage == key[0], s.segment == key[1], s.locale == key[2])
    done = uow.session.connection().execute(update(t.scripts).where(*where).values(**values)).rowcount
    if not done:
        uow.session.execute(insert(t.scripts).values(stage=key[0], segment=key[1], locale=key[2], **values))
    _audit(uow, viewer, "script.saved", key, now)
    uow.commit()


def reset_script(uow: UnitOfWork, viewer: Viewer, *, stage: str, segment: str = "", locale: str) -> bool:
    """Removes a supervisor's script: the stage falls back to any segment's, then to the shipped one."""
    require_supervisor(viewer)
    key = _key(stage, segment or "", locale)
    s = t.scripts.c
    gone = (
        uow.session.connection()
        .execute(delete(t.scripts).where(s.stage == key[0], s.segment == key[1], s.locale == key[2]))
        .rowcount
    )
    if gone:
        _audit(uow, viewer, "script.reset", key, datetime.now(UTC))
    uow.commit()
    return bool(gone)


def _audit(uow: UnitOfWork, viewer: Viewer, action: str, key: tuple[str, str, str], at: datetime) -> None:
    record(
        uow.session,
        at=at,
        user_id=viewer.user_id,
        action=action,
        entity="script",
        detail={"stage": key[0], "segment": key[1], "locale": key[2]},
    )
