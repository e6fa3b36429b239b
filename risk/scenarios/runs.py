"""Runs: score the base world and each scenario world, and compare ranks."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd

from risk.scenarios.kinds import Scenario, apply_scenarios
from risk.scenarios.worlds import base_world, score_world
from risk.scoring.changes import MEANINGFUL_MOVE
from risk.scoring.engine import ScoringEngine
from risk.scoring.result import ScoreResult, result_table
from risk.spec import ScoreSpec

CURRENT = "current"
COMBINED = "combined"


# --------------------------------------------------------------------------------------
# Rank changes
# --------------------------------------------------------------------------------------
@dataclass
class ScenarioRun:
    """Before and after: both results, the comparison table and what the scenarios did."""

    scenarios: tuple[Scenario, ...]
    before: ScoreResult
    after: ScoreResult
    table: pd.DataFrame
    notes: tuple[str, ...]


def compare(before: ScoreResult, after: ScoreResult) -> pd.DataFrame:
    """The after table (scoring columns, rank order) plus the before rank, score and eligibility.

    rank_change = rank_before - rank: positive means the country moved up the ranking.
    """
    table = result_table(after)
    old = before.table.set_index("iso3")
    table["rank_before"] = table["iso3"].map(old["rank"]).astype(float)
    table["rank_change"] = table["rank_before"] - table["rank"].astype(float)
    table["score_before"] = table["iso3"].map(old["score"]).astype(float)
    table["score_change"] = table["score"].astype(float) - table["score_before"]
    table["eligible_before"] = table["iso3"].map(old["eligible"]).astype(bool)
    return table


def run(
    eng: ScoringEngine,
    spec: ScoreSpec,
    scenarios: Sequence[Scenario],
    *,
    monte_carlo: bool = True,
) -> ScenarioRun:
    """Score the spec as the data has it and under the scenarios, and compare."""
    world = base_world(eng, spec)
    before = score_world(world, monte_carlo=monte_carlo)
    after_world = apply_scenarios(world, scenarios)
    after = score_world(after_world, monte_carlo=monte_carlo) if scenarios else before
    return ScenarioRun(tuple(scenarios), before, after, compare(before, after), after_world.notes)


def change_counts(table: pd.DataFrame, threshold: int = MEANINGFUL_MOVE) -> dict[str, int]:
    """How many countries a scenario made ineligible, and moved up or down by at least `threshold`
    places (a country leaving the list shifts everyone below it by one: that is not a move)."""
    gated = table["eligible_before"].astype(bool) & ~table["eligible"].astype(bool)
    return {
        "newly_ineligible": int(gated.sum()),
        "up": int((table["rank_change"] >= threshold).sum()),
        "down": int((table["rank_change"] <= -threshold).sum()),
    }


def movers(table: pd.DataFrame, n: int = 10) -> pd.DataFrame:
    """The biggest movers: countries whose rank changed most, then those whose eligibility did."""
    t = table.assign(
        _abs=table["rank_change"].abs(),
        _gated=table["eligible"].astype(bool) != table["eligible_before"].astype(bool),
    )
    moved = t[(t["_abs"] > 0) | t["_gated"]]
    moved = moved.sort_values(["_gated", "_abs"], ascending=[True, False], na_position="last")
    ranked = moved[moved["_abs"].notna()].head(n)
    gated = moved[moved["_gated"]]
    return pd.concat([ranked, gated]).drop(columns=["_abs", "_gated"]).reset_index(drop=True)


def worlds(scenarios: Sequence[Scenario]) -> list[tuple[str, tuple[Scenario, ...]]]:
    """The states the allocation weighs equally: today, each scenario alone and, when there are
    several, all of them together."""
    out: list[tuple[str, tuple[Scenario, ...]]] = [(CURRENT, ())]
    out += [(s.to_text(), (s,)) for s in scenarios]
    if len(scenarios) > 1:
        out.append((COMBINED, tuple(scenarios)))
    return out
