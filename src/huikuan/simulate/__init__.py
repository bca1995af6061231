"""The portfolio simulator: hidden debtor behaviour, the real compliance gate, any strategy, day by day.

run(scenario, strategy, days, seed) -> Result      (world.py: the day loop; team.py, state.py, debtors.py,
                                                     learning.py, clock.py: its parts)
load(path) -> Scenario                              (scenario.py; ScenarioError on a bad file; the keys in
                                                     scenario_spec.py)
"""

from huikuan.simulate.result import Result
from huikuan.simulate.scenario import Scenario, ScenarioError, from_dict, load
from huikuan.simulate.world import run

__all__ = ["Result", "Scenario", "ScenarioError", "from_dict", "load", "run"]
