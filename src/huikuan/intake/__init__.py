"""Intake: reading creditors' placement and payment files into checked rows (pure; no database)."""

from huikuan.intake.errors import MappingError, PlacementFileError
from huikuan.intake.headers import load_mapping
from huikuan.intake.messages import reason_in, skip_reason_in
from huikuan.intake.payments import PAYMENT_SCHEMA, ParsedPayments, parse_payments
from huikuan.intake.placement import PLACEMENT_SCHEMA, ParsedPlacement, parse_placement
from huikuan.intake.report import RowError, SkippedRow

__all__ = [
    "PAYMENT_SCHEMA",
    "ParsedPayments",
    "parse_payments",
    "PLACEMENT_SCHEMA",
    "MappingError",
    "ParsedPlacement",
    "PlacementFileError",
    "RowError",
    "SkippedRow",
    "load_mapping",
    "parse_placement",
    "reason_in",
    "skip_reason_in",
]
