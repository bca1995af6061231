"""The portfolio simulator: hidden debtor behaviour, the real compliance gate, any strategy, day by day.

run(scenario, strategy, days, seed) -> Result      (world.py)
load(path) -> Scenario                              (scenario.py; ScenarioError on a bad file)
"""

from huikuan.simulate.result import Result
from huikuan.simulate.scenario import Scenario, ScenarioError, from_dict, load
from huikuan.simulate.world import run

__all__ = ["Result", "Scenario", "ScenarioError", "from_dict", "load", "run"]
