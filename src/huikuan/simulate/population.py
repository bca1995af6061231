"""The simulated portfolio: what the planner can see of each debtor, and what only the world knows.

Hidden: ability and willingness to pay, the answer rate and the answering-hour profile (a type,
evening / daytime / flat / midday, with individual noise), the chance each channel's message is read.
Visible: balance, days past due, product, language, time zone and address region, the means of contact.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from huikuan.compliance import load_pack
from huikuan.simulate.scenario import Scenario
from huikuan.simulate.scenario_spec import CHANNELS, HOUR_TYPES, STAGES

F64 = NDArray[np.float64]
I64 = NDArray[np.int64]

# Relative answer rates by local hour (sales-call data, calibration.md: late afternoon and early evening
# about twice the midday low), before the per-type shapes; hours outside 08-21 barely matter (the gate).
POPULATION_HOURS = np.array(
    [
        0.3,
        0.2,
        0.2,
        0.2,
        0.2,
        0.3,
        0.5,
        0.7,
        0.85,
        0.8,
        0.75,
        0.7,
        0.6,
        0.6,
        0.7,
        0.8,
        0.95,
        1.1,
        1.2,
        1.2,
        1.1,
        0.9,
        0.7,
        0.5,
    ]
)
# Mid-week better than Monday and Tuesday (calibration.md), Monday first.
WEEKDAYS = np.array([0.92, 0.95, 1.06, 1.06, 1.01, 1.0, 0.97])
WORK_HOURS = np.arange(9, 21)


def _type_shapes() -> F64:
    h = np.arange(24)
    day = (h >= 9) & (h <= 16)
    evening = (h >= 17) & (h <= 21)
    lunch = (h >= 11) & (h <= 14)
    return np.stack(
        [
            np.where(day, 0.6, np.where(evening, 1.7, 0.9)),  # evening: at work by day
            np.where(day, 1.4, np.where(evening, 0.6, 1.0)),  # daytime: at home by day
            np.ones(24),  # flat
            np.where(lunch, 1.8, 0.8),  # midday: answers at lunch
        ]
    )


def mirrored_hours(curve: F64) -> F64:
    """Each row's working hours (09-20h) in reverse order: the rate at 20h moves to 09h, 19h to 10h and so
    on; the hours outside stay. The average over working hours is unchanged."""
    out = curve.copy()
    out[..., WORK_HOURS] = curve[..., WORK_HOURS[::-1]]
    return out


def _curves(shares: dict[str, float], peak: float) -> tuple[F64, F64]:
    """Per type, the hour-of-day curve (normalised so the mixture averages 1 over working hours) and the
    exponent applied to the population shape so that the mixture's 18-19h / 12-13h ratio is `peak`."""
    shapes = _type_shapes()
    w = np.array([shares.get(t, 0.0) for t in HOUR_TYPES])

    def mix(gamma: float) -> F64:
        curves = shapes * POPULATION_HOURS[None, :] ** gamma
        return np.asarray(w @ curves, dtype=np.float64)

    def ratio(gamma: float) -> float:
        m = mix(gamma)
        return float(m[18:20].mean() / m[12:14].mean())

    lo, hi = 0.0, 8.0
    if ratio(lo) >= peak:
        gamma = lo
    else:
        for _ in range(60):
            mid = (lo + hi) / 2
            lo, hi = (mid, hi) if ratio(mid) < peak else (lo, mid)
        gamma = (lo + hi) / 2
    curves = shapes * POPULATION_HOURS[None, :] ** gamma
    norm = (w @ curves)[WORK_HOURS].mean()
    return curves / norm, np.array([gamma])


CN_REGIONS = ("BJ", "SH", "GD", "JS", "ZJ", "SD", "HEN", "SC", "HUB", "HUN", "FJ", "AH")
US_REGIONS = {
    "America/New_York": ("NY", "NJ", "PA", "GA", "NC", "OH", "MA", "VA"),
    "America/Chicago": ("IL", "TX", "MN", "MO", "WI", "AL", "LA"),
    "America/Denver": ("CO", "UT", "NM", "MT"),
    "America/Phoenix": ("AZ",),
    "America/Los_Angeles": ("CA", "WA", "NV"),
}


@dataclass
class Population:
    n: int
    case_id: I64
    zones: list[str]
    zone: I64
    region: list[str]
    country: str
    languages: list[str]
    language: I64
    products: list[str]
    product: I64
    dpd: I64
    balance: I64  # minor units, at placement
    has_mobile: NDArray[np.bool_]
    has_email: NDArray[np.bool_]
    has_wechat: NDArray[np.bool_]
    has_address: NDArray[np.bool_]
    district: list[str]
    inconvenient: NDArray[np.bool_]
    # Hidden.
    ability: F64
    willingness: F64
    answer: F64  # mean answer rate over working hours
    hour_type: I64
    hour_curve: F64  # (n, 24) relative answer rate by local hour
    read: dict[str, F64]

    def stage(self) -> I64:
        return np.where(self.dpd <= 30, 0, np.where(self.dpd <= 90, 1, 2)).astype(np.int64)


def _pick(rng: np.random.Generator, shares: dict[str, float], n: int) -> tuple[list[str], I64]:
    names = list(shares)
    p = np.array([shares[k] for k in names])
    return names, rng.choice(len(names), size=n, p=p / p.sum()).astype(np.int64)


def _beta(rng: np.random.Generator, mean: F64, conc: float) -> F64:
    m = np.clip(mean, 1e-3, 1 - 1e-3)
    return np.asarray(rng.beta(m * conc, (1 - m) * conc), dtype=np.float64)


def generate(sc: Scenario, seed: int) -> Population:
    """The scenario's population, drawn from `seed`: what the planner sees, then what only the world knows."""
    rng = np.random.default_rng([seed, 20260302])
    n = sc.i("scenario.debtors")
    zones, zone = _pick(rng, sc.table("portfolio.zones"), n)
    languages, language = _pick(rng, sc.table("portfolio.languages"), n)
    products, product = _pick(rng, sc.table("portfolio.products"), n)
    stages, stage_pick = _pick(rng, sc.table("portfolio.stages"), n)
    stage = np.array([STAGES.index(s) for s in stages])[stage_pick]
    dpd = np.select(
        [stage == 0, stage == 1], [rng.integers(1, 31, n), rng.integers(31, 91, n)], rng.integers(91, 721, n)
    ).astype(np.int64)
    medians = sc.table("portfolio.balance_median")
    median = np.array([medians[p] for p in products])[product]
    balance = np.maximum(np.round(rng.lognormal(np.log(median), sc.f("portfolio.balance_sigma"))), 100) * 100
    country = load_pack(sc.s("scenario.pack")).country
    regions = _regions(rng, zones, zone, sc.f("portfolio.xinjiang_in_beijing_time"))
    hidden = _hidden(sc, rng, stage)
    n_districts = sc.i("portfolio.districts")
    district = [f"D{d:03d}" for d in rng.integers(0, n_districts, n)]
    return Population(
        n=n,
        case_id=np.arange(1, n + 1, dtype=np.int64),
        zones=zones,
        zone=zone,
        region=regions,
        country=country,
        languages=languages,
        language=language,
        products=products,
        product=product,
        dpd=dpd,
        balance=balance.astype(np.int64),
        has_mobile=rng.random(n) < sc.f("portfolio.has_mobile"),
        has_email=rng.random(n) < sc.f("portfolio.has_email"),
        has_wechat=rng.random(n) < sc.f("portfolio.has_wechat"),
        has_address=rng.random(n) < sc.f("portfolio.has_address"),
        district=district,
        inconvenient=rng.random(n) < sc.f("portfolio.inconvenient_share"),
        **hidden,
    )


def _regions(rng: np.random.Generator, zones: list[str], zone: I64, xj: float) -> list[str]:
    """Each debtor's address region, in its zone (a share `xj` of Beijing-time debtors in Xinjiang)."""
    n = len(zone)
    regions: list[str] = []
    region_draw = rng.random(n)
    region_pick = rng.integers(0, 1 << 30, n)
    for i in range(n):
        z = zones[zone[i]]
        if z in US_REGIONS:
            options = US_REGIONS[z]
            regions.append(options[region_pick[i] % len(options)])
        elif z == "Asia/Urumqi" or (z == "Asia/Shanghai" and region_draw[i] < xj):
            regions.append("XJ")
        else:
            regions.append(CN_REGIONS[region_pick[i] % len(CN_REGIONS)])
    return regions


def _hidden(sc: Scenario, rng: np.random.Generator, stage: NDArray[np.int64]) -> dict[str, Any]:
    """What only the world knows of each debtor: ability and willingness to pay, the answer rate and
    the answering hours, the chance each channel's message is read."""
    n = len(stage)
    st_ability = sc.table("debtors.ability")
    st_will = sc.table("debtors.willingness")
    conc = sc.f("debtors.concentration")
    ability = _beta(rng, np.array([st_ability[s] for s in STAGES])[stage], conc)
    willingness = _beta(rng, np.array([st_will[s] for s in STAGES])[stage], conc)
    rates = sc.table("debtors.answer_rate")
    answer = _beta(rng, np.array([rates[s] for s in STAGES])[stage], sc.f("debtors.answer_concentration"))
    type_names, hour_type = _pick(rng, sc.table("debtors.hour_types"), n)
    type_index = np.array([HOUR_TYPES.index(t) for t in type_names])[hour_type]
    curves, _ = _curves(sc.table("debtors.hour_types"), sc.f("debtors.evening_peak"))
    noise = rng.lognormal(0.0, sc.f("debtors.hour_noise"), (n, 24))
    noise /= noise[:, WORK_HOURS].mean(axis=1, keepdims=True)
    hour_curve = curves[type_index] * noise
    if sc.b("debtors.hours_inverted"):
        hour_curve = mirrored_hours(hour_curve)
    reads = sc.table("debtors.read")
    return {
        "ability": ability,
        "willingness": willingness,
        "answer": answer,
        "hour_type": type_index.astype(np.int64),
        "hour_curve": hour_curve,
        "read": {ch: _beta(rng, np.full(n, reads[ch]), 3.0) for ch in CHANNELS},
    }
