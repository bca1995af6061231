"""The demo portfolio (`huikuan demo`): four creditors, their real placement files, 90 days of history,
payments, users.

The placements and payments are written as the creditors would send them (GBK CSV with Chinese headers,
UTF-8 CSV with English ones) and go in through the import services, so the demo exercises the real
intake path. The history (calls, SMS, letters, visits, promises) is simulated per case within the
contact rules (08:00-21:00 local; at most three connected calls a day in China; at most seven call
attempts in seven days and none in the week after a conversation in the US) and written in bulk.
Everything follows from the seed and the date: the same seed on the same day gives the same portfolio.

Modules: people (made-up names, phones, addresses), portfolio (the creditors, their debtors and placement
files), history (the simulated 90 days, one case at a time: case_play its state, outcomes its draws and
texts, recorder the rows it writes), users (the floor's people and seats), load (everything written
through the import services).
"""

from __future__ import annotations

from huikuan.demo.load import load_demo
from huikuan.demo.portfolio import DEMO_PASSWORD

__all__ = ["DEMO_PASSWORD", "load_demo"]
