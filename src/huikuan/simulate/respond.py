"""How simulated debtors respond: answer, promise, pay, break, dispute, complain. Pure functions of the
hidden traits, the recent contact history and a random generator; the world applies their results.

The shapes below are the simulator's assumptions; their scale is set by the scenario (behaviour.*), whose
defaults follow calibration.md where it has a figure. The portfolio means the defaults are calibrated to
(promise given a conversation 0.35, promise kept 0.6, right-party contact per attempt 20-26% early) are
reported by every run, so a scenario's calibration can be checked, not assumed.
"""

from __future__ import annotations

import numpy as np

from huikuan.simulate.population import F64, I64, WEEKDAYS


def answer_probability(
    base: F64, curve_at_hour: F64, weekday: I64, recent_attempts: I64, fatigue: float
) -> F64:
    """P(the debtor answers) for calls at a local hour and weekday, after `recent_attempts` in 3 days."""
    p = base * curve_at_hour * WEEKDAYS[weekday] * fatigue ** np.asarray(recent_attempts, dtype=np.float64)
    return np.asarray(np.clip(p, 0.0, 0.95), dtype=np.float64)


def willingness_factor(ability: F64, willingness: F64) -> F64:
    """Relative promise propensity; averages about 1 over a typical portfolio."""
    return (0.3 + 1.4 * willingness) * (0.7 + 0.6 * ability)


def keep_factor(willingness: F64) -> F64:
    """Relative chance of keeping a promise; averages about 1."""
    return 0.5 + willingness


def payment_share(rng: np.random.Generator, ability: F64) -> F64:
    """Share of the balance paid when a debtor pays of their own accord (or after a nudge): in full half
    the time when able, else a part."""
    n = len(ability)
    full = rng.random(n) < 0.5
    able = ability >= 0.5
    return np.where(able, np.where(full, 1.0, rng.uniform(0.3, 0.6, n)), rng.uniform(0.15, 0.4, n))


def overcontact(contacts_7d: I64, factor: float) -> F64:
    """Complaint multiplier: grows by `factor` per contact beyond 3 in the last 7 days."""
    extra = np.maximum(np.asarray(contacts_7d, dtype=np.float64) - 3.0, 0.0)
    return np.asarray((1.0 + factor) ** extra, dtype=np.float64)


def daily_self_pay(base_30d: F64, ability: F64, willingness: F64) -> F64:
    """P(paying today with no contact), from a 30-day probability for an average debtor."""
    m = np.clip(4.0 * ability * willingness, 0.1, 3.0)
    p30 = 1.0 - (1.0 - base_30d) ** m
    return 1.0 - (1.0 - p30) ** (1.0 / 30.0)


def promise_share(rng: np.random.Generator, able: np.ndarray) -> F64:
    """Share of the balance promised: in full half the time by those able to pay, else a first part; those
    unable promise a part they may not manage (unless a hardship plan is set up instead)."""
    n = len(able)
    return np.where(
        able, np.where(rng.random(n) < 0.5, 1.0, rng.uniform(0.3, 0.6, n)), rng.uniform(0.3, 0.6, n)
    )
