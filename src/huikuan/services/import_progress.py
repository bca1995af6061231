"""How far a running import has come, for its progress bar.

An import is one transaction made of steps that each handle the whole file at once (the rows are read,
checked and written as sets, not one by one), so its progress is the step it has reached: each kind of
file has its steps in order, each weighted by its usual share of the time (a placement's as timed on a
million rows; payments and recalls by estimate). A step reached means the ones before it are done.

The pipeline says each step as it starts (`note`). This process keeps it in memory, which every page
of the web process that runs the import reads at once, whatever the database; on PostgreSQL the step
is also written to the batch's row, so the pages of other processes see it too (SQLite has one writer,
the import itself, so there the row shows only "running" to another process).
"""

from __future__ import annotations

import threading

# (step, share of the time in percent) in the order the pipeline runs them; each kind's shares add to 100.
STEPS: dict[str, tuple[tuple[str, int], ...]] = {
    "accounts": (  # from the timed stages of a 1,000,000-row placement (docs/benchmarks-import.md)
        ("parse", 15),
        ("check", 2),
        ("people", 15),
        ("cases", 4),
        ("accounts", 9),
        ("contacts", 48),
        ("links", 7),  # and the commit
    ),
    "payments": (("parse", 30), ("match", 30), ("write", 40)),
    "recalls": (("parse", 40), ("match", 20), ("write", 40)),
}

_live: dict[int, str] = {}
_lock = threading.Lock()


def note(batch_id: int, step: str) -> None:
    """The batch has reached `step` (kept for this process's pages)."""
    with _lock:
        _live[batch_id] = step


def forget(batch_id: int) -> None:
    """The batch has ended: its row says how."""
    with _lock:
        _live.pop(batch_id, None)


def live_step(batch_id: int) -> str | None:
    """The step this process's thread of the batch has reached; None when no thread here runs it."""
    with _lock:
        return _live.get(batch_id)


def step_number(kind: str, step: str | None) -> tuple[int, int]:
    """(the step's number counting from 1, the number of steps); 0 for a step not yet known."""
    names = [name for name, _ in STEPS.get(kind, ())]
    return (names.index(step) + 1 if step in names else 0), len(names)


def percent(kind: str, status: str, step: str | None) -> int:
    """The progress bar's value: 100 once done, 0 before the first step, else the shares of the steps
    before the one reached."""
    if status == "done":
        return 100
    if status != "running" or step is None:
        return 0
    shares = STEPS.get(kind, ())
    names = [name for name, _ in shares]
    if step not in names:
        return 0
    return sum(share for _, share in shares[: names.index(step)])
