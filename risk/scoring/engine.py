"""The scoring pipeline: a chain of named, pure steps from observations to ranked scores.

Once per data version and as-of year the long observations become a dense countries x indicators
matrix (`prepare`: derive -> select latest within age -> transform). Every scoring run then goes
through vectorised steps over that matrix, each a pure function of (data, spec):

    screen -> impute -> treat_outliers -> normalise -> weights -> aggregate -> gates -> rank

Each step's output is kept in `ScoreResult.steps` so any number can be inspected and explained."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Any

import numpy as np
import pandas as pd

from risk.framework import (
    PILLARS,
    Framework,
    load_framework,
)
from risk.gates import (
    REASON_LOW_COVERAGE,
    GateResult,
    apply_gates,
)
from risk.scoring.inputs import Inputs, load_inputs
from risk.scoring.matrix import Prepared, prepare
from risk.scoring.result import ScoreResult
from risk.scoring.robustness import monte_carlo as run_mc
from risk.scoring.steps import (
    aggregate_batch,
    core_steps,
    effective_weights,
    finish_scores,
    normalised,
    penalties,
    rank_desc,
    rankable_mask,
)
from risk.spec import ScoreSpec
from risk.store.protocol import ReadStore, Store


class ScoringEngine:
    """Scores specs against one data version; caches the prepared matrix per as-of year."""

    def __init__(self, inputs: Inputs, framework: Framework | None = None):
        """`framework` defaults to the bundled one; the inputs' uploaded rows are merged into it."""
        self.inputs = inputs
        self.framework = (framework or load_framework()).with_overrides(inputs.framework_overrides)
        self._base_framework = framework
        self._prepared: dict[date, Prepared] = {}
        self._gates: dict[tuple[str, bool, str], GateResult] = {}

    def with_data(
        self, observations: pd.DataFrame, framework_overrides: pd.DataFrame | None
    ) -> ScoringEngine:
        """An engine over the same data with other observations and uploaded framework rows (what an
        upload would change, before it is published)."""
        inputs = replace(
            self.inputs, observations=observations, framework_overrides=framework_overrides
        )
        return ScoringEngine(inputs, self._base_framework)

    @property
    def data_version(self) -> str:
        return self.inputs.data_version

    def prepared(self, as_of: date) -> Prepared:
        """The matrix as of a date (dated facts such as agreements count from their day)."""
        if as_of not in self._prepared:
            self._prepared[as_of] = prepare(self.inputs, self.framework, as_of)
        return self._prepared[as_of]

    def gates(self, prep: Prepared, spec: ScoreSpec) -> GateResult:
        key = (spec.as_of, spec.include_conflicts, spec.scenario)
        if key not in self._gates:
            self._gates[key] = gates_for(
                prep, spec, self.inputs.export_controls, self.inputs.diffusion_tiers
            )
        return self._gates[key]

    def resolve(self, spec: ScoreSpec) -> tuple[ScoreSpec, list[str]]:
        """Pin the data version into the spec; warn if it was made on other data."""
        warns: list[str] = []
        if spec.data_version and spec.data_version != self.data_version:
            warns.append(
                f"the spec was made on data version {spec.data_version}; scored on "
                f"{self.data_version}"
            )
        return replace(spec, data_version=self.data_version), warns

    def score(self, spec: ScoreSpec, *, monte_carlo: bool = True) -> ScoreResult:
        """Run the whole pipeline (and, unless turned off, the Monte Carlo rank intervals)."""
        spec, warns = self.resolve(spec)
        prep = self.prepared(date.fromisoformat(spec.as_of))
        result = run_pipeline(prep, spec, self.gates(prep, spec), monte_carlo=monte_carlo)
        result.warnings[:0] = warns
        return result


def gates_for(
    prep: Prepared, spec: ScoreSpec, export_controls: pd.DataFrame, diffusion_tiers: pd.DataFrame
) -> GateResult:
    """The export-control gates of a spec's date and scenario over a prepared matrix."""
    return apply_gates(
        prep.iso3,
        export_controls,
        date.fromisoformat(spec.as_of),
        include_conflicts=spec.include_conflicts,
        diffusion_tiers=diffusion_tiers,
        scenario=spec.scenario,
    )


def run_pipeline(
    prep: Prepared, spec: ScoreSpec, gates: GateResult, *, monte_carlo: bool = True
) -> ScoreResult:
    """The whole pipeline on a prepared matrix, and (unless turned off) the Monte Carlo rank
    intervals. The engine scores through this, and so does a scenario's edited world."""
    result = score_prepared(prep, spec, gates)
    if monte_carlo and spec.mc_draws > 0:
        mc = run_mc(result, spec.mc_draws)
        t = result.table
        t["rank_p05"], t["rank_median"], t["rank_p95"] = mc.p05, mc.median, mc.p95
        result.steps["monte_carlo"] = mc
    return result


def score_prepared(prep: Prepared, spec: ScoreSpec, gates: GateResult) -> ScoreResult:
    """The point score of a spec on a prepared matrix: every step, vectorised."""
    core = core_steps(prep, spec)
    norm = normalised(prep, core, spec.normalisation)
    geometric = spec.aggregation == "geometric"
    index, pil_batch = aggregate_batch(
        norm, core.available, core.pillars, core.w_ind[None, :], core.w_pil[None, :], geometric
    )
    assert pil_batch is not None
    pil = pil_batch
    pen = penalties(spec, gates, prep.small_market)
    scores = finish_scores(index, pen)[:, 0]
    coverage = core.screen.country_coverage
    rankable = rankable_mask(spec, gates, coverage) & np.isfinite(scores)
    ranks = rank_desc(scores[:, None], rankable)[:, 0]
    reason = gates.reason.copy()
    low = gates.eligible & (coverage < spec.coverage_threshold)
    if spec.low_coverage == "exclude":
        reason[low] = REASON_LOW_COVERAGE
    c = prep.countries
    cols: dict[str, Any] = {
        "iso3": prep.iso3,
        "name_en": c["name_en"].astype(str).to_numpy(),
        "name_zh_tw": c["name_zh_tw"].astype(str).to_numpy(),
        "score": scores,
        "rank": ranks,
        "eligible": gates.eligible,
        "reason": reason,
    }
    for p, name in enumerate(PILLARS):
        cols[name] = pil[:, 0, p]
    cols["rank_p05"] = ranks
    cols["rank_median"] = ranks
    cols["rank_p95"] = ranks
    cols["coverage"] = coverage
    for p, name in enumerate(PILLARS):
        cols[f"coverage_{name}"] = core.screen.pillar_coverage[:, p]
    cols["low_coverage"] = low
    cols["imputed"] = (np.isnan(prep.transformed) & core.available).sum(axis=1)
    cols["penalty"] = pen
    cols["ear_groups"] = gates.groups
    cols["ear_conflicts"] = gates.conflicts
    cols["diffusion_tier"] = gates.tier
    cols["data_version"] = np.full(len(prep.iso3), prep.data_version, dtype=object)
    table = pd.DataFrame(cols)
    warns: list[str] = []
    dropped = np.flatnonzero(~core.screen.kept & (effective_weights(prep.framework, spec)[0] > 0))
    for j in dropped:
        warns.append(
            f"{prep.codes[j]} left out: only {core.screen.indicator_coverage[j]:.0%} of countries "
            f"have a value within {int(prep.framework.indicators['max_age_years'].iloc[j])} years"
        )
    steps: dict[str, Any] = {
        "raw": prep.raw,
        "years": prep.years,
        "transformed": prep.transformed,
        "screen": core.screen,
        "imputed": core.imputed,
        "treatment": core.treatment,
        "treated": core.treatment.values,
        "normalised": norm,
        "available": core.available,
        "weights": (core.w_ind, core.w_pil),
        "pillars": pil[:, 0, :],
        "index": index[:, 0],
        "gates": gates,
        "core": core,
    }
    return ScoreResult(spec, table, prep, steps, warns)


def engine_for(store: Store, version: str | None = None) -> ScoringEngine:
    """The scoring engine over one data version of a store (default: its current version), with
    that version's framework. Every caller builds engines here; the app caches them per version
    (`ui.cache`), a command builds one per run."""
    view: ReadStore = store.at(version) if version and version != store.data_version else store
    return ScoringEngine(load_inputs(view))
