"""The allocation's inputs: a shortlist's score draws in every scenario world."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from risk.scenarios.allocation import Allocation, Limits, allocate
from risk.scenarios.kinds import Scenario, apply_scenarios
from risk.scenarios.runs import CURRENT, worlds
from risk.scenarios.worlds import ScenarioError, base_world, score_world
from risk.scoring.engine import ScoringEngine
from risk.scoring.result import ScoreResult
from risk.scoring.robustness import draw_scores, spec_draw_plan
from risk.spec import ScoreSpec


# --------------------------------------------------------------------------------------
# Score draws for the allocation
# --------------------------------------------------------------------------------------
def score_draws(result: ScoreResult, n_draws: int) -> np.ndarray:
    """Scores (draws x countries) over the same seeded Monte Carlo plan as the rank intervals."""
    plan = spec_draw_plan(result.spec, n_draws, len(result.steps["core"].w_ind))
    out = np.full((n_draws, len(result.prepared.iso3)), np.nan)
    for sel, scores in draw_scores(result, plan):
        out[sel] = scores
    return out


@dataclass(frozen=True)
class AllocationInputs:
    """What `risk.allocation.allocate` needs, for a shortlist, across the scenario worlds."""

    iso3: tuple[str, ...]
    draws: np.ndarray  # (worlds x draws, countries); 0 where a world makes a country ineligible
    states: np.ndarray  # world label per draw
    eligible: np.ndarray  # ranked (eligible, enough coverage) in every world
    regions: tuple[str, ...]
    financial: np.ndarray  # lowest financial-pillar score across the worlds
    reasons: dict[str, tuple[str, str]]  # iso3 -> (gate reason, first world where it applies)

    def allocate(self, budget: float, limits: Limits) -> Allocation:
        """The mean-CVaR split of `budget` across this shortlist, in these worlds."""

        return allocate(
            self.draws,
            budget,
            self.iso3,
            eligible=self.eligible,
            regions=self.regions,
            financial=self.financial,
            states=self.states,
            limits=limits,
        )

    def reason_text(self, iso3: str) -> str:
        """Why a country is not eligible, in plain English ("" if it is)."""
        if iso3 not in self.reasons:
            return ""
        why, label = self.reasons[iso3]
        return why if label == CURRENT else f"{why} ({label})"


def allocation_inputs(
    eng: ScoringEngine,
    spec: ScoreSpec,
    scenarios: Sequence[Scenario],
    shortlist: Sequence[str],
    n_draws: int | None = None,
) -> AllocationInputs:
    """Score draws of the shortlist in every world (today, each scenario, all together)."""
    codes = [c.strip().upper() for c in shortlist if c.strip()]
    if not codes:
        raise ScenarioError("the shortlist is empty")
    base = base_world(eng, spec)
    known = {str(c): i for i, c in enumerate(base.prepared.iso3)}
    unknown = [c for c in codes if c not in known]
    if unknown:
        raise ScenarioError("not scored countries", rows=[{"iso3": c} for c in unknown])
    cols = np.array([known[c] for c in codes])
    d = int(n_draws if n_draws is not None else spec.mc_draws) or 1
    blocks, labels, fin = [], [], []
    eligible = np.ones(len(codes), dtype=bool)
    reasons: dict[str, tuple[str, str]] = {}
    for label, scs in worlds(scenarios):
        res = score_world(apply_scenarios(base, scs), monte_carlo=False)
        t = res.table
        ranked = t["rank"].notna().to_numpy()[cols]
        draws = score_draws(res, d)[:, cols]
        draws[:, ~ranked] = 0.0
        blocks.append(draws)
        labels += [label] * d
        fin.append(t["financial"].to_numpy(float)[cols])
        for k, c in enumerate(codes):
            if not ranked[k] and c not in reasons:
                why = str(t["reason"].iloc[cols[k]]) or "not ranked"
                reasons[c] = (why, label)
        eligible &= ranked
    c = base.prepared.countries
    region = c["business_region"] if "business_region" in c.columns else c["region"]
    regions = region.astype(str).to_numpy()[cols]
    return AllocationInputs(
        iso3=tuple(codes),
        draws=np.vstack(blocks),
        states=np.array(labels, dtype=object),
        eligible=eligible,
        regions=tuple(regions),
        financial=np.fmin.reduce(np.vstack(fin), axis=0),
        reasons=reasons,
    )


def top_eligible(table: pd.DataFrame, n: int) -> list[str]:
    """The ISO3 codes of the n best-ranked countries."""
    ranked = table[table["rank"].notna()].sort_values(["rank", "score"], ascending=[True, False])
    return [str(c) for c in ranked["iso3"].head(n)]
