"""Disputes and complaints: their vocabularies, their steps, and each pack's deadlines with their sources.

A dispute stops collection of what it names while it is not closed, where the pack says so:

- us-reg-f: only a written dispute inside the validation period (which ends 30 days after the validation
  notice is assumed received, 5 business days after mailing, 12 CFR 1006.34(b)(5)) stops collection of
  the disputed amount until verification is mailed (FDCPA 809(b); 12 CFR 1006.38(d)(2)). While the
  mailing date is not recorded the end of the period is unknown and a written dispute counts as inside
  it: the protective reading. An oral dispute is recorded and answered but does not stop collection.
- cn: no statute sets the pause; the house rule is that collection of a disputed account pauses while
  the dispute is open, however it was raised.
- uk-conc: CONC 7.14.1R: a firm must suspend steps to recover a debt the customer disputes on valid
  grounds (or what may be valid grounds) and investigate; collection pauses while the dispute is open.

The `answer_days` of a dispute is the target for sending verification (or the answer): us-reg-f 30 days,
the period within which a furnisher must investigate a direct dispute (12 CFR 1022.43(e)(3), the same as
FCRA 611(a)(1)); cn and uk-conc set no period in law, so the house target is that of a complaint (15
days, 8 weeks).

Complaints must be answered by the pack's deadline: cn 15 days (the CBIRC/NFRA rules on handling
consumer complaints in banking and insurance, 银行业保险业消费投诉处理管理办法 (2020): a decision within 15
days of accepting the complaint); CFPB 15 days (the CFPB's company portal expects a response within 15
days, a final one within 60); uk-conc 8 weeks (DISP 1.6.2R: a final response within eight weeks of
receipt).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum


class DisputeVia(StrEnum):
    CONTACT = "contact"
    MESSAGE_REPLY = "message_reply"
    LETTER = "letter"
    PORTAL = "portal"
    CREDITOR = "creditor"


class DisputeStatus(StrEnum):
    OPEN = "open"
    VERIFICATION_REQUESTED = "verification_requested"
    VERIFICATION_RECEIVED = "verification_received"
    RESOLVED = "resolved"  # the debt is owed as placed: collection resumes, the debtor is told
    UPHELD = "upheld"  # the debtor was right: the account is closed or adjusted


OPEN_DISPUTE = (DisputeStatus.OPEN, DisputeStatus.VERIFICATION_REQUESTED, DisputeStatus.VERIFICATION_RECEIVED)
CLOSED_DISPUTE = (DisputeStatus.RESOLVED, DisputeStatus.UPHELD)

# Which status may follow which (a step is refused otherwise).
DISPUTE_STEPS: dict[DisputeStatus, tuple[DisputeStatus, ...]] = {
    DisputeStatus.OPEN: (DisputeStatus.VERIFICATION_REQUESTED, DisputeStatus.UPHELD),
    DisputeStatus.VERIFICATION_REQUESTED: (DisputeStatus.VERIFICATION_RECEIVED, DisputeStatus.UPHELD),
    DisputeStatus.VERIFICATION_RECEIVED: (DisputeStatus.RESOLVED, DisputeStatus.UPHELD),
    DisputeStatus.RESOLVED: (),
    DisputeStatus.UPHELD: (),
}


class ComplaintChannel(StrEnum):
    CALL = "call"
    LETTER = "letter"
    EMAIL = "email"
    MESSAGE = "message"
    PORTAL = "portal"
    REGULATOR = "regulator"
    CREDITOR = "creditor"


class ComplaintCategory(StrEnum):
    CONDUCT = "conduct"  # how a collector spoke or behaved
    CONTACT = "contact"  # too often, at a bad time or place, a third party told
    AMOUNT = "amount"  # the amount or the fees
    PRIVACY = "privacy"
    OTHER = "other"


class Regulator(StrEnum):
    NONE = "none"
    CN_12378 = "cn_12378"  # the CBIRC/NFRA consumer hotline
    CN_PBOC = "cn_pboc"  # the People's Bank of China 12363
    CFPB = "cfpb"
    FOS = "fos"  # the UK Financial Ombudsman Service
    FCA = "fca"


class ComplaintStatus(StrEnum):
    RECEIVED = "received"
    ACKNOWLEDGED = "acknowledged"
    ANSWERED = "answered"
    CLOSED = "closed"


OPEN_COMPLAINT = (ComplaintStatus.RECEIVED, ComplaintStatus.ACKNOWLEDGED, ComplaintStatus.ANSWERED)

COMPLAINT_STEPS: dict[ComplaintStatus, tuple[ComplaintStatus, ...]] = {
    ComplaintStatus.RECEIVED: (
        ComplaintStatus.ACKNOWLEDGED,
        ComplaintStatus.ANSWERED,
        ComplaintStatus.CLOSED,
    ),
    ComplaintStatus.ACKNOWLEDGED: (ComplaintStatus.ANSWERED, ComplaintStatus.CLOSED),
    ComplaintStatus.ANSWERED: (ComplaintStatus.CLOSED,),
    ComplaintStatus.CLOSED: (),
}


@dataclass(frozen=True, slots=True)
class DisputeRule:
    """How a pack treats a dispute: whether it stops collection, and when its answer is due."""

    written_only: bool  # only a written dispute stops collection
    in_validation_period_only: bool  # only one raised inside the validation period
    answer_days: int
    source: str


DISPUTE_RULES: dict[str, DisputeRule] = {
    "us-reg-f": DisputeRule(True, True, 30, "FDCPA 809(b); 12 CFR 1006.38(d)(2); 12 CFR 1022.43(e)(3)"),
    "cn": DisputeRule(False, False, 15, "house rule: collection of a disputed account pauses"),
    "uk-conc": DisputeRule(False, False, 56, "CONC 7.14.1R; target as DISP 1.6.2R"),
}
# A pack not listed (a creditor's own) is treated as strictly as any: every dispute stops collection.
_STRICTEST = DisputeRule(False, False, 15, "no rule for this pack: every dispute pauses collection")

COMPLAINT_DAYS: dict[str, tuple[int, str]] = {
    "cn": (15, "银行业保险业消费投诉处理管理办法 (2020): 15 days"),
    "us-reg-f": (15, "CFPB company portal: a response within 15 days"),
    "uk-conc": (56, "DISP 1.6.2R: a final response within eight weeks"),
}


def dispute_rule(pack: str) -> DisputeRule:
    return DISPUTE_RULES.get(pack, _STRICTEST)


def stops_collection(pack: str, *, written: bool, opened_on: date, validation_ends_on: date | None) -> bool:
    """Whether a dispute raised on `opened_on` stops collection under `pack`. An unknown end of the
    validation period counts as not yet reached (the protective reading)."""
    rule = dispute_rule(pack)
    if rule.written_only and not written:
        return False
    if rule.in_validation_period_only and validation_ends_on is not None:
        return opened_on <= validation_ends_on
    return True


def dispute_deadline(pack: str, opened_on: date) -> date:
    return opened_on + timedelta(days=dispute_rule(pack).answer_days)


def complaint_due(pack: str, received_on: date) -> date:
    days, _source = COMPLAINT_DAYS.get(pack, (15, ""))
    return received_on + timedelta(days=days)
