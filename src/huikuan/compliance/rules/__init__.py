"""The rule functions by stable id; each says whether it blocks at an instant and when it would stop."""

from __future__ import annotations

from huikuan.compliance.rules.base import Block, Rule
from huikuan.compliance.rules.calls import call_frequency, daily_call_cap, post_conversation
from huikuan.compliance.rules.facts import (
    attorney,
    automated_text_consent,
    cease,
    channel_opt_out,
    dispute,
    electronic_safe_harbour,
    time_barred,
    workplace,
)
from huikuan.compliance.rules.holds import bankruptcy, breathing_space, deceased, hardship
from huikuan.compliance.rules.hours import contact_hours, designated_inconvenient_time
from huikuan.compliance.rules.notices import validation_notice
from huikuan.compliance.rules.third_party import third_party_disclosure, third_party_repeat

RULES: dict[str, Rule] = {
    "contact-hours": contact_hours,
    "designated-inconvenient-time": designated_inconvenient_time,
    "call-frequency": call_frequency,
    "post-conversation": post_conversation,
    "daily-call-cap": daily_call_cap,
    "cease": cease,
    "deceased": deceased,
    "bankruptcy": bankruptcy,
    "hardship": hardship,
    "breathing-space": breathing_space,
    "attorney": attorney,
    "workplace": workplace,
    "channel-opt-out": channel_opt_out,
    "automated-text-consent": automated_text_consent,
    "electronic-safe-harbour": electronic_safe_harbour,
    "dispute": dispute,
    "third-party-disclosure": third_party_disclosure,
    "third-party-repeat": third_party_repeat,
    "time-barred": time_barred,
    "validation-notice": validation_notice,
}

# Rules that read the instant; the others depend on facts alone, so a block by one of them is final.
TIMED = frozenset(
    {
        "contact-hours",
        "designated-inconvenient-time",
        "call-frequency",
        "post-conversation",
        "daily-call-cap",
        "validation-notice",
    }
)

__all__ = ["RULES", "TIMED", "Block", "Rule"]
