"""The fields of the decision contract (compliance/contract_parse.py reads a request with them): each
reader checks one JSON value and raises InvalidRequest naming the field's path; instants are written back
in UTC by format_instant."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, datetime, time
from enum import StrEnum
from functools import cache
from typing import Any, TypeVar
from zoneinfo import available_timezones

from huikuan.compliance.model import PLACES
from huikuan.errors import HuikuanError

E = TypeVar("E", bound=StrEnum)
T = TypeVar("T")


class InvalidRequest(HuikuanError):
    """A request that does not follow the decision contract; the message starts with the field's path."""

    def __init__(self, path: str, problem: str) -> None:
        super().__init__(f"{path}: {problem}")
        self.path = path
        self.problem = problem


def format_instant(at: datetime) -> str:
    return at.astimezone(UTC).isoformat().replace("+00:00", "Z")


def read_weekday(value: Any, path: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 7:
        raise InvalidRequest(path, "expected an ISO weekday, 1 (Monday) to 7 (Sunday)")
    return value


def read_place(value: Any, path: str) -> str:
    if value not in PLACES:
        raise InvalidRequest(path, f"expected one of {', '.join(sorted(PLACES))}")
    return str(value)


def read_object(value: Any, path: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise InvalidRequest(path, "expected an object")
    return value


def check_known(obj: Mapping[str, Any], allowed: frozenset[str], path: str) -> None:
    # An unknown key is refused, not ignored: a misspelt flag ("ceased") must not pass as absent.
    for key in obj:
        if key not in allowed:
            raise InvalidRequest(f"{path}.{key}" if path else str(key), "unknown field")


def required(obj: Mapping[str, Any], key: str, path: str) -> Any:
    value = obj.get(key)
    if value is None:
        raise InvalidRequest(f"{path}.{key}" if path else key, "required")
    return value


def read_list(value: Any, path: str, item: Callable[[Any, str], T]) -> list[T]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise InvalidRequest(path, "expected a list")
    return [item(v, f"{path}[{i}]") for i, v in enumerate(value)]


def read_string(value: Any, path: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise InvalidRequest(path, "expected a non-empty string")
    return value


def read_optional_string(value: Any, path: str) -> str | None:
    return None if value is None else read_string(value, path)


def read_flag(value: Any, path: str) -> bool:
    if value is None:
        return False
    if not isinstance(value, bool):
        raise InvalidRequest(path, "expected a boolean")
    return value


def read_enum(value: Any, path: str, kind: type[E]) -> E:
    if isinstance(value, str):
        try:
            return kind(value)
        except ValueError:
            pass
    raise InvalidRequest(path, f"expected one of {', '.join(m.value for m in kind)}")


def read_instant(value: Any, path: str) -> datetime:
    problem = "expected an ISO-8601 date and time with a UTC offset, e.g. 2026-03-02T15:15:00Z"
    if not isinstance(value, str):
        raise InvalidRequest(path, problem)
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise InvalidRequest(path, problem) from None
    if parsed.tzinfo is None or "T" not in value.upper():
        raise InvalidRequest(path, problem)
    return parsed.astimezone(UTC)


def read_time_of_day(value: Any, path: str) -> time:
    problem = "expected a local time of day as HH:MM"
    if not isinstance(value, str) or len(value) not in (5, 8):
        raise InvalidRequest(path, problem)
    try:
        parsed = time.fromisoformat(value)
    except ValueError:
        raise InvalidRequest(path, problem) from None
    if parsed.tzinfo is not None:
        raise InvalidRequest(path, problem)
    return parsed


@cache
def _zones() -> frozenset[str]:
    return frozenset(available_timezones())


def read_zone(value: Any, path: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or value not in _zones():
        raise InvalidRequest(path, "expected an IANA time zone name, e.g. America/New_York")
    return value
