"""Every key a simulator scenario may set, with its default, range, meaning and the public figure behind
it (`SPEC`), and the names the scenario's tables use (stages, message channels, hour types).

`scenario.py` reads and checks files against this; `docs/simulator.md` is generated from it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from huikuan.domain.enums import Product

STAGES = ("early", "mid", "late")
CHANNELS = ("sms", "email", "wechat", "letter")
HOUR_TYPES = ("evening", "daytime", "flat", "midday")


@dataclass(frozen=True)
class Param:
    default: Any
    lo: float | None = None
    hi: float | None = None
    kind: str = "float"  # float, int, str, date, zone, pack, shares, table, bool
    keys: tuple[str, ...] = ()  # allowed keys of a table (empty: any, checked by kind)
    doc: str = ""
    source: str = ""


CAL = "calibration.md"
NONE = "no sourced figure: an assumption"

SPEC: dict[str, dict[str, Param]] = {
    "scenario": {
        "name": Param("default", kind="str", doc="label in the result"),
        "debtors": Param(10_000, 10, 2_000_000, "int", doc="number of debtors (one case each)"),
        "start": Param("2026-03-02", kind="date", doc="first simulated day (a Monday)"),
        "pack": Param("cn", kind="pack", doc="compliance rule pack the gate applies"),
        "policy": Param(
            ["dispute", "cease"],
            kind="rules",
            doc="rules the creditor switches on over the pack (a tightening; never a loosening)",
            source="compliance.md: cn adopts cease and dispute where the creditor's policy does",
        ),
        "currency": Param("CNY", kind="str", doc="currency of balances and costs"),
        "floor_zone": Param("Asia/Shanghai", kind="zone", doc="time zone of the collection floor"),
        "plan_hour": Param(7, 0, 23, "int", doc="local hour of the floor at which the day is planned"),
        "learn": Param(True, kind="bool", doc="refit the payment model on the simulated outcomes"),
        "refit_every": Param(15, 1, 365, "int", doc="days between refits of the payment model"),
    },
    "portfolio": {
        "zones": Param(
            {"Asia/Shanghai": 0.93, "Asia/Urumqi": 0.07},
            kind="shares",
            doc="debtors' time zones",
            source="Xinjiang holds about 2% of China's population; Urumqi-time users are "
            "over-weighted here to exercise the two-zone rule",
        ),
        "xinjiang_in_beijing_time": Param(
            0.02,
            0,
            1,
            doc="share of Asia/Shanghai debtors with a Xinjiang address (the gate then honours both zones)",
            source=NONE,
        ),
        "languages": Param({"zh": 0.97, "en": 0.03}, kind="shares", doc="debtors' languages", source=NONE),
        "products": Param(
            {"credit_card": 0.45, "consumer_loan": 0.25, "microloan": 0.30},
            kind="shares",
            keys=tuple(p.value for p in Product),
            doc="product of each case",
            source=NONE,
        ),
        "stages": Param(
            {"early": 0.25, "mid": 0.40, "late": 0.35},
            kind="shares",
            keys=STAGES,
            doc="days past due at placement: early 1-30, mid 31-90, late 91-720",
            source=NONE,
        ),
        "balance_median": Param(
            {"credit_card": 8_000.0, "consumer_loan": 15_000.0, "microloan": 2_000.0},
            kind="table",
            keys=tuple(p.value for p in Product),
            lo=1,
            hi=1e8,
            doc="median balance by product, major units",
            source=NONE,
        ),
        "balance_sigma": Param(0.8, 0.05, 3, doc="log-normal spread of balances", source=NONE),
        "has_mobile": Param(0.95, 0, 1, doc="share with a working mobile number", source=NONE),
        "has_email": Param(0.30, 0, 1, doc="share with an email address", source=NONE),
        "has_wechat": Param(0.60, 0, 1, doc="share reachable on WeChat", source=NONE),
        "has_address": Param(0.85, 0, 1, doc="share with a postal address", source=NONE),
        "districts": Param(30, 1, 10_000, "int", doc="districts for field-visit grouping"),
        "inconvenient_share": Param(
            0.0,
            0,
            1,
            doc="share who designated 09:00-17:00 as inconvenient (only packs with that rule enforce it)",
            source=NONE,
        ),
    },
    "debtors": {
        "ability": Param(
            {"early": 0.60, "mid": 0.45, "late": 0.30},
            kind="table",
            keys=STAGES,
            lo=0.01,
            hi=0.99,
            doc="mean hidden ability to pay (Beta) by stage",
            source="lifetime recovery 7-12% once charged off vs 40-60% early self-cure "
            f"({CAL}): ability falls with age",
        ),
        "willingness": Param(
            {"early": 0.65, "mid": 0.50, "late": 0.35},
            kind="table",
            keys=STAGES,
            lo=0.01,
            hi=0.99,
            doc="mean hidden willingness to pay (Beta) by stage",
            source=NONE,
        ),
        "concentration": Param(4.0, 0.5, 100, doc="Beta concentration (a+b) of ability and willingness"),
        "answer_rate": Param(
            {"early": 0.26, "mid": 0.16, "late": 0.06},
            kind="table",
            keys=STAGES,
            lo=0.001,
            hi=0.9,
            doc="mean right-party contact per call attempt over working hours",
            source=f"20-26% early stage; 0.5-5% per dial after charge-off ({CAL})",
        ),
        "answer_concentration": Param(3.0, 0.5, 100, doc="Beta concentration of each debtor's answer rate"),
        "hour_types": Param(
            {"evening": 0.40, "daytime": 0.25, "flat": 0.25, "midday": 0.10},
            kind="shares",
            keys=HOUR_TYPES,
            doc="answering-hour profiles",
            source=NONE,
        ),
        "evening_peak": Param(
            2.0,
            1.0,
            5.0,
            doc="population answer rate at 18-19h over the 12-13h low",
            source=f"late afternoon/early evening about twice the midday low ({CAL})",
        ),
        "hour_noise": Param(
            0.25, 0, 2, doc="log-normal spread of each debtor's hour-of-day answer rates", source=NONE
        ),
        "hours_inverted": Param(
            False,
            kind="bool",
            doc="each debtor's answering hours mirrored over 09-20h (evening answerers answer in the "
            "morning): a world whose hours disagree with the planner's prior",
            source=NONE,
        ),
        "read": Param(
            {"sms": 0.55, "email": 0.25, "wechat": 0.65, "letter": 0.70},
            kind="table",
            keys=CHANNELS,
            lo=0,
            hi=1,
            doc="mean chance a message is read (Beta, conc. 3)",
            source=NONE,
        ),
    },
    "behaviour": {
        "promise_given_rpc": Param(
            0.35,
            0,
            1,
            doc="P(promise) given a right-party conversation, portfolio mean",
            source=f"no credible public figure: default 0.35 ({CAL})",
        ),
        "promise_kept": Param(
            0.60,
            0,
            1,
            doc="P(promise kept), portfolio mean",
            source=f"0.5-0.7 commonly quoted: default 0.6 ({CAL})",
        ),
        "reminder_lift": Param(
            0.10, 0, 1, doc="added to P(kept) by a contact within 2 days before due", source=NONE
        ),
        "repeat_refusal": Param(
            0.5,
            0,
            1,
            doc="promise chance factor after a conversation without promise in the last 7 days",
            source=NONE,
        ),
        "answer_fatigue": Param(
            0.85, 0.1, 1, doc="answer chance factor per call attempt in the last 3 days", source=NONE
        ),
        "self_pay_30d": Param(
            {"early": 0.08, "mid": 0.02, "late": 0.005},
            kind="table",
            keys=STAGES,
            lo=0,
            hi=1,
            doc="P(pay within 30 days, no contact) for an average debtor",
            source=f"early self-cure 40-60% over months; 7-12% lifetime late ({CAL})",
        ),
        "nudge": Param(
            {"sms": 0.04, "email": 0.02, "wechat": 0.05, "letter": 0.15},
            kind="table",
            keys=CHANNELS,
            lo=0,
            hi=1,
            doc="P(pay soon) once read, able and willing debtor, early stage",
            source=f"letter: 26% -> 41% paid in one lender's A/B test ({CAL}); others: {NONE}",
        ),
        "stage_response": Param(
            {"early": 1.0, "mid": 0.6, "late": 0.3},
            kind="table",
            keys=STAGES,
            lo=0,
            hi=1,
            doc="response to messages by stage",
            source=NONE,
        ),
        "message_fatigue": Param(
            0.3, 0, 1, doc="nudge factor when a message was read in the last 7 days", source=NONE
        ),
        "visit_found": Param(0.45, 0, 1, doc="P(found at home) on a field visit", source=NONE),
        "visit_promise": Param(1.3, 0.5, 3, doc="promise chance factor face to face", source=NONE),
        "hardship_kept": Param(
            1.25,
            0.5,
            3,
            doc="P(kept) factor of an affordable instalment plan set up "
            "by a hardship-skilled collector for a debtor unable to pay in full",
            source="FCA CONC 7.3.4R (affordable proposals); the factor: " + NONE,
        ),
        "instalments": Param(6, 1, 60, "int", doc="monthly instalments of a hardship plan", source=NONE),
        "overpromise_kept": Param(
            0.6,
            0,
            1,
            doc="P(kept) factor when a debtor unable to pay promises more than they can",
            source=NONE,
        ),
        "dispute_per_rpc": Param(0.01, 0, 1, doc="P(dispute) per conversation", source=NONE),
        "dispute_days": Param(
            30, 1, 365, "int", doc="days a dispute stops collection (until verified)", source=NONE
        ),
        "complaint_per_contact": Param(0.0001, 0, 1, doc="P(complaint) per contact", source=NONE),
        "complaint_per_rpc": Param(0.0015, 0, 1, doc="P(complaint) per conversation", source=NONE),
        "overcontact": Param(
            0.6,
            0,
            10,
            doc="complaint chance grows by this factor per contact beyond 3 in 7 days",
            source="Regulation F presumes harassment beyond 7 calls in 7 days",
        ),
        "assess_noise": Param(
            0.15, 0, 1, doc="noise of a collector's ability/willingness assessment", source=NONE
        ),
    },
    "team": {
        "collectors": Param(
            12,
            0,
            100_000,
            "int",
            doc="phone collectors",
            source=f"about 494k USD collected per collector-year ({CAL}) at this portfolio's "
            "size and liquidation",
        ),
        "bilingual": Param(1, 0, 100_000, "int", doc="of whom speak the portfolio's first two languages"),
        "second_language_only": Param(0, 0, 100_000, "int", doc="of whom speak only the second language"),
        "hardship": Param(2, 0, 100_000, "int", doc="of whom are hardship-skilled"),
        "senior": Param(2, 0, 100_000, "int", doc="of whom are senior collectors"),
        "field": Param(2, 0, 100_000, "int", doc="field collectors (visits)"),
        "minutes": Param(
            400,
            0,
            1440,
            "int",
            doc="call minutes per collector-day",
            source=f"about 100 attempts per collector-day by hand ({CAL}) at 4 minutes",
        ),
        "minutes_per_call": Param(4.0, 0.5, 60, doc="minutes per call attempt", source=NONE),
        "shift_hours": Param(8, 1, 16, "int", doc="hours per shift"),
        "early_shift": Param(9, 0, 23, "int", doc="start of the early shift, floor's local hour"),
        "late_shift": Param(13, 0, 23, "int", doc="start of the late shift (every other collector)"),
        "visits_per_field_day": Param(4, 0, 100, "int", doc="visits per field collector-day", source=NONE),
        "sms": Param(1000, 0, 10_000_000, "int", doc="SMS budget per day"),
        "email": Param(500, 0, 10_000_000, "int", doc="email budget per day"),
        "wechat": Param(800, 0, 10_000_000, "int", doc="WeChat message budget per day"),
        "letters": Param(60, 0, 10_000_000, "int", doc="letters per day"),
    },
    "costs": {
        "call_minute": Param(
            1.8,
            0,
            1e6,
            doc="per collector-minute, major units",
            source=f"0.20-0.30 USD per collector-minute ({CAL}) at 7.2 CNY/USD",
        ),
        "sms": Param(0.04, 0, 1e6, doc="per SMS", source=f"0.004-0.008 USD ({CAL})"),
        "email": Param(0.01, 0, 1e6, doc="per email", source=NONE),
        "wechat": Param(0.02, 0, 1e6, doc="per WeChat template message", source=NONE),
        "letter": Param(5.0, 0, 1e6, doc="per letter", source=f"0.65-0.80 USD all-in ({CAL})"),
        "visit": Param(216.0, 0, 1e6, doc="per field visit", source=f"not sourced: default 30 USD ({CAL})"),
    },
}
