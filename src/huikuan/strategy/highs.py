"""A HiGHS solver that writes nothing.

highspy's `Highs` turns its callbacks on as it is made, and with them HiGHS's banner on standard output,
before any option can be set; a plan's `--json` on standard output must not carry it. Its core class, made
and silenced before it is used, says nothing.
"""

from __future__ import annotations

from typing import Any, cast

import highspy


def quiet() -> Any:
    """A HiGHS instance with its output off and one thread (the planner runs beside other work)."""
    h = cast(Any, highspy)._Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("threads", 1)
    return h
