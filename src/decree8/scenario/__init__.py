"""Scenarios: a TOML script of accounts, deployments and steps, each step checked before and after.

```toml
title = "..."
[accounts]              # names for the chain's funded accounts (index into its account list)
issuer = 0
alice = 2

[[deploy]]
name = "registry"
template = "holder-registry"      # or contract = "UnrecordedToken" for a test-only mock
from = "operator"
params = { operator_registration = "HTP-2019-0777" }   # a value may name an account or deployment

[[step]]
as = "alice"
call = "token.transfer"           # deployment.function
args = { to = "bob", value = "10e18" }   # by ABI parameter name
value = "0"                       # wei sent with the call (amounts accept 2e18)
advance = "8d"                    # move the clock first (s, m, h, d)
at = "2024-09-20"                 # or: the next block's time (a day, 00:00 Minsk, or ISO 8601)
expect = "violation"              # or "ok", or "refused" (reverts for a reason that is no
                                  # rule in force); steps without expect are not scored
rules = ["HOLDER-IDENTIFIED"]     # the rules a planted violation must be caught under
send = true                       # send even when pre-flight flags it (shows the mined check)
note = "transfer to an unidentified address"
```
A top-level `start = "2024-09-16"` (a day, or an ISO 8601 time) starts the chain then: `decree8 run`
and `decree8 demo` open an in-process chain whose genesis block has that time (a history across a
law's entry into force); on a node already past that time the scenario is refused.
Special argument values: an account or deployment name gives its address; `"+365d"` in a
uint field gives now plus that duration; `"file:terms/x.md"` in a bytes32 field gives the keccak-256
of that file (relative to the scenario); other text in a bytes32 field is right-padded UTF-8.
"""

from decree8.scenario.load import load_scenario
from decree8.scenario.model import (
    EXPECTATIONS,
    STEP_GAS,
    DeploySpec,
    Scenario,
    ScenarioError,
    ScenarioResult,
    StepResult,
    StepSpec,
    parse_duration,
    parse_moment,
)
from decree8.scenario.run import resolve_scenario, run_scenario

__all__ = [
    "EXPECTATIONS",
    "STEP_GAS",
    "DeploySpec",
    "Scenario",
    "ScenarioError",
    "ScenarioResult",
    "StepResult",
    "StepSpec",
    "load_scenario",
    "parse_duration",
    "parse_moment",
    "resolve_scenario",
    "run_scenario",
]
