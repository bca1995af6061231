"""Where a person may be: the plausible time zones from their phones, address and stated zone."""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache

import phonenumbers
from phonenumbers import COUNTRY_CODE_TO_REGION_CODE
from phonenumbers import timezone as phone_tz
from phonenumbers.tzdata import TIMEZONE_DATA, TIMEZONE_LONGEST_PREFIX

from huikuan.compliance.model import Address, Request
from huikuan.domain.enums import Channel

_NY, _CHI, _DEN, _PHX = "America/New_York", "America/Chicago", "America/Denver", "America/Phoenix"
_LA, _ANC, _ADAK, _HNL = "America/Los_Angeles", "America/Anchorage", "America/Adak", "Pacific/Honolulu"

# fmt: off
# Representative zones: a zone that keeps the same rules as another (Detroit, Boise) is left out.
# A state split between zones maps to all of them, so the gate honours every plausible one.
US_STATES: dict[str, tuple[str, ...]] = {
    "AL": (_CHI,), "AK": (_ANC, _ADAK), "AZ": (_PHX, _DEN), "AR": (_CHI,), "CA": (_LA,), "CO": (_DEN,),
    "CT": (_NY,), "DE": (_NY,), "DC": (_NY,), "FL": (_NY, _CHI), "GA": (_NY,), "HI": (_HNL,),
    "ID": (_DEN, _LA), "IL": (_CHI,), "IN": (_NY, _CHI), "IA": (_CHI,), "KS": (_CHI, _DEN),
    "KY": (_NY, _CHI), "LA": (_CHI,), "ME": (_NY,), "MD": (_NY,), "MA": (_NY,), "MI": (_NY, _CHI),
    "MN": (_CHI,), "MS": (_CHI,), "MO": (_CHI,), "MT": (_DEN,), "NE": (_CHI, _DEN), "NV": (_LA, _DEN),
    "NH": (_NY,), "NJ": (_NY,), "NM": (_DEN,), "NY": (_NY,), "NC": (_NY,), "ND": (_CHI, _DEN),
    "OH": (_NY,), "OK": (_CHI,), "OR": (_LA, _DEN), "PA": (_NY,), "RI": (_NY,), "SC": (_NY,),
    "SD": (_CHI, _DEN), "TN": (_NY, _CHI), "TX": (_CHI, _DEN), "UT": (_DEN,), "VT": (_NY,), "VA": (_NY,),
    "WA": (_LA,), "WV": (_NY,), "WI": (_CHI,), "WY": (_DEN,),
    "PR": ("America/Puerto_Rico",), "VI": ("America/St_Thomas",), "GU": ("Pacific/Guam",),
    "MP": ("Pacific/Saipan",), "AS": ("Pacific/Pago_Pago",),
}
US_STATE_NAMES: dict[str, str] = {
    "ALABAMA": "AL", "ALASKA": "AK", "ARIZONA": "AZ", "ARKANSAS": "AR", "CALIFORNIA": "CA", "COLORADO": "CO",
    "CONNECTICUT": "CT", "DELAWARE": "DE", "DISTRICT OF COLUMBIA": "DC", "FLORIDA": "FL", "GEORGIA": "GA",
    "HAWAII": "HI", "IDAHO": "ID", "ILLINOIS": "IL", "INDIANA": "IN", "IOWA": "IA", "KANSAS": "KS",
    "KENTUCKY": "KY", "LOUISIANA": "LA", "MAINE": "ME", "MARYLAND": "MD", "MASSACHUSETTS": "MA",
    "MICHIGAN": "MI", "MINNESOTA": "MN", "MISSISSIPPI": "MS", "MISSOURI": "MO", "MONTANA": "MT",
    "NEBRASKA": "NE", "NEVADA": "NV", "NEW HAMPSHIRE": "NH", "NEW JERSEY": "NJ", "NEW MEXICO": "NM",
    "NEW YORK": "NY", "NORTH CAROLINA": "NC", "NORTH DAKOTA": "ND", "OHIO": "OH", "OKLAHOMA": "OK",
    "OREGON": "OR", "PENNSYLVANIA": "PA", "RHODE ISLAND": "RI", "SOUTH CAROLINA": "SC", "SOUTH DAKOTA": "SD",
    "TENNESSEE": "TN", "TEXAS": "TX", "UTAH": "UT", "VERMONT": "VT", "VIRGINIA": "VA", "WASHINGTON": "WA",
    "WEST VIRGINIA": "WV", "WISCONSIN": "WI", "WYOMING": "WY", "PUERTO RICO": "PR", "GUAM": "GU",
}
_TOR, _WPG, _EDM = "America/Toronto", "America/Winnipeg", "America/Edmonton"
_VAN, _HFX = "America/Vancouver", "America/Halifax"
CA_PROVINCES: dict[str, tuple[str, ...]] = {
    "NL": ("America/St_Johns", _HFX), "NS": (_HFX,), "NB": (_HFX,), "PE": (_HFX,), "QC": (_TOR, _HFX),
    "ON": (_TOR, _WPG), "MB": (_WPG,), "SK": ("America/Regina", _EDM), "AB": (_EDM,), "BC": (_VAN, _EDM),
    "YT": ("America/Whitehorse",), "NT": (_EDM,), "NU": ("America/Iqaluit", _WPG, _EDM),
}
CN_PROVINCES: dict[str, tuple[str, ...]] = {
    # Xinjiang keeps Beijing time officially, but local "Xinjiang time" (UTC+6) is in wide use.
    "XJ": ("Asia/Shanghai", "Asia/Urumqi"), "65": ("Asia/Shanghai", "Asia/Urumqi"),
    "HK": ("Asia/Hong_Kong",), "MO": ("Asia/Macau",), "TW": ("Asia/Taipei",),
}
COUNTRIES: dict[str, tuple[str, ...]] = {
    "US": (_NY, _CHI, _DEN, _PHX, _LA, _ANC, _HNL),
    "CA": ("America/St_Johns", _HFX, _TOR, _WPG, "America/Regina", _EDM, _VAN),
    "CN": ("Asia/Shanghai", "Asia/Urumqi"),
    "GB": ("Europe/London",), "IE": ("Europe/Dublin",), "HK": ("Asia/Hong_Kong",), "MO": ("Asia/Macau",),
    "TW": ("Asia/Taipei",), "SG": ("Asia/Singapore",), "JP": ("Asia/Tokyo",), "KR": ("Asia/Seoul",),
    "IN": ("Asia/Kolkata",), "DE": ("Europe/Berlin",), "FR": ("Europe/Paris",), "MX": (
        "America/Mexico_City", "America/Cancun", "America/Chihuahua", "America/Hermosillo", "America/Tijuana",
    ),
    "AU": ("Australia/Sydney", "Australia/Brisbane", "Australia/Adelaide", "Australia/Darwin",
           "Australia/Perth"),
}
# fmt: on
_SUBDIVISIONS: dict[str, dict[str, tuple[str, ...]]] = {"US": US_STATES, "CA": CA_PROVINCES}


@lru_cache(maxsize=512)
def country_zones(country: str) -> tuple[str, ...]:
    """Every zone of a country: the table above, else what phonenumbers knows for its calling code."""
    country = country.upper()
    if country in COUNTRIES:
        return _norm(COUNTRIES[country])
    code = phonenumbers.country_code_for_region(country)
    if not code:
        return ()
    zones = phone_tz.time_zones_for_geographical_number(
        phonenumbers.PhoneNumber(country_code=code, national_number=0)
    )
    return _norm(zones)


def _norm(zones: Iterable[str]) -> tuple[str, ...]:
    """Sorted, unique, known zones: every source gives its zones in this form, so equal sets are equal."""
    return tuple(sorted({z for z in zones if z != phone_tz.UNKNOWN_TIMEZONE}))


@lru_cache(maxsize=4096)
def address_zones(address: Address, fallback_country: str) -> tuple[str, ...]:
    return _norm(_address_zones(address, fallback_country))


def _address_zones(address: Address, fallback_country: str) -> tuple[str, ...]:
    country = (address.country or fallback_country).strip().upper()
    region = (address.region or "").strip().upper()
    if region.startswith(country + "-"):
        region = region[len(country) + 1 :]
    if country == "US":
        region = US_STATE_NAMES.get(region, region)
    if country == "CN":
        # Every mainland province but Xinjiang keeps Beijing time only.
        if region in CN_PROVINCES:
            return CN_PROVINCES[region]
        if not region or "XINJIANG" in region or "新疆" in region:
            return COUNTRIES["CN"]
        return ("Asia/Shanghai",)
    table = _SUBDIVISIONS.get(country)
    if table is not None and region in table:
        return table[region]
    return country_zones(country)


def phone_zones(number: str, fallback_country: str) -> tuple[str, ...]:
    """The zones of a number's area, else of its country (by calling code); () if it is no number.

    The zone follows from the number's leading digits alone (phonenumbers' zone data is a prefix map),
    so the answer is the same for every number of an area and costs a few dictionary look-ups.
    """
    if number[1:].isdigit() and number[:1] == "+" and number.isascii() and 8 <= len(number) <= 16:
        digits: str | None = number[1:]
    else:
        digits = _e164_digits(number) or _parsed_digits(number, fallback_country)
    if digits is None:
        return ()
    prefix = digits[:TIMEZONE_LONGEST_PREFIX]
    found = _prefix_cache.get(prefix)
    if found is None:
        if len(_prefix_cache) > 65536:
            _prefix_cache.clear()
        found = _prefix_cache[prefix] = _prefix_zones(prefix)
    return found


_prefix_cache: dict[str, tuple[str, ...]] = {}
_SEPARATORS = str.maketrans("", "", " -().")


def _e164_digits(number: str) -> str | None:
    text = number.strip()
    if not text.startswith("+"):
        return None
    digits = text[1:].translate(_SEPARATORS)
    return digits if digits.isascii() and digits.isdigit() and 7 <= len(digits) <= 15 else None


@lru_cache(maxsize=65536)
def _parsed_digits(number: str, fallback_country: str) -> str | None:
    """A number in national or free format, read by phonenumbers as if dialled in the pack's country."""
    try:
        parsed = phonenumbers.parse(number, fallback_country)
    except phonenumbers.NumberParseException:
        return None
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)[1:]


def _prefix_zones(digits: str) -> tuple[str, ...]:
    code = next((int(digits[:n]) for n in (1, 2, 3) if int(digits[:n]) in COUNTRY_CODE_TO_REGION_CODE), None)
    if code is None:
        return ()
    for n in range(len(digits), len(str(code)), -1):
        zones = TIMEZONE_DATA.get(digits[:n])
        if zones is not None:
            return _norm(zones)
    # Only the calling code is known: its zones that lie in the code's main region (+1 is the US, not
    # Guam or Jamaica; +44 is Great Britain), or all of them where the table does not know the region.
    everywhere = TIMEZONE_DATA.get(str(code), ())
    region = COUNTRY_CODE_TO_REGION_CODE[code][0]
    home = set(COUNTRIES.get(region, ()))
    return _norm(z for z in everywhere if z in home) or _norm(everywhere) or country_zones(region)


def plausible_zones(
    phones: tuple[str, ...], address: Address | None, time_zone: str | None, country: str
) -> tuple[str, ...]:
    """Every zone any fact points to; with no usable fact, every zone of the pack's country."""
    parts: list[tuple[str, ...]] = []
    for number in phones:
        # A number that tells nothing is no evidence of where the person is not: the whole country.
        parts.append(phone_zones(number, country) or country_zones(country))
    if address is not None and (address.country or address.region):
        parts.append(address_zones(address, country))
    if time_zone:
        parts.append((time_zone,))
    if not parts:
        return country_zones(country)
    first = parts[0]
    if all(part == first for part in parts):
        return first
    return _union(tuple(parts))


@lru_cache(maxsize=4096)
def _union(parts: tuple[tuple[str, ...], ...]) -> tuple[str, ...]:
    return tuple(sorted({zone for part in parts for zone in part}))


def request_zones(request: Request, country: str) -> tuple[str, ...]:
    """The zones for this contact: the party's own location facts if given, else the debtor's."""
    party = request.party
    if party.has_own_location:
        phones, address, zone = party.phones, party.address, party.time_zone
    else:
        facts = request.debtor
        phones, address, zone = facts.phones, facts.address, facts.time_zone
    if party.to and request.channel in _PHONE_CHANNELS and party.to not in phones:
        phones = (*phones, party.to)
    return plausible_zones(phones, address, zone, country)


_PHONE_CHANNELS = frozenset({Channel.CALL, Channel.VOICEMAIL, Channel.SMS})
