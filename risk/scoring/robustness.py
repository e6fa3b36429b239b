"""How much a ranking depends on the analyst's choices.

- Monte Carlo: redraw every weight (uniform, +/- `weight_noise` of its value) and, optionally, the
  imputation, normalisation and aggregation methods; score all countries per draw and report each
  country's 5th, 50th and 95th percentile rank.
- Drop-one audit: remove each indicator in turn and measure how far ranks move.
- Correlation check: flag negative correlations inside a pillar, near-duplicate indicators and
  indicators weakly related to their own pillar.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import pandas as pd

from risk.framework import PILLARS
from risk.scoring.result import ScoreResult
from risk.scoring.steps import (
    Core,
    aggregate_batch,
    core_steps,
    finish_scores,
    normalised,
    penalties,
    rank_desc,
    rank_desc_t,
    rankable_mask,
)
from risk.spec import AGGREGATIONS, IMPUTATIONS, ScoreSpec

MC_NORMALISATIONS: tuple[str, ...] = ("minmax", "zscore", "rank", "goalposts")
CHUNK = 2500  # draws per batch: keeps the (countries x draws x pillars) arrays in cache
NEGATIVE_R = -0.3
DUPLICATE_R = 0.9
WEAK_R = 0.2


@dataclass(frozen=True)
class MonteCarlo:
    """Rank percentiles per country (NaN where not ranked) and the draws behind them."""

    p05: np.ndarray
    median: np.ndarray
    p95: np.ndarray
    ranks: np.ndarray  # (countries, draws), NaN for countries not ranked
    methods: pd.DataFrame  # per draw: imputation, normalisation, aggregation


def draw_plan(
    n: int, seed: int, noise: float, vary: bool, spec_methods: tuple[str, str, str], k: int, p: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Weight multipliers (n, k), (n, p) and method indices for n draws, from one seeded stream."""
    rng = np.random.default_rng(seed)
    f_ind = rng.uniform(1 - noise, 1 + noise, size=(n, k)) if noise > 0 else np.ones((n, k))
    f_pil = rng.uniform(1 - noise, 1 + noise, size=(n, p)) if noise > 0 else np.ones((n, p))
    imp0, norm0, agg0 = spec_methods
    if vary:
        imp = rng.integers(0, len(IMPUTATIONS), size=n)
        nrm = rng.integers(0, len(MC_NORMALISATIONS), size=n)
        agg = rng.integers(0, len(AGGREGATIONS), size=n)
    else:
        imp = np.full(n, IMPUTATIONS.index(imp0))
        nrm = np.full(n, MC_NORMALISATIONS.index(norm0))
        agg = np.full(n, AGGREGATIONS.index(agg0))
    return f_ind, f_pil, imp, nrm, agg


def spec_draw_plan(
    spec: ScoreSpec, n_draws: int, k: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The seeded draw plan of a spec (its seed, weight noise and methods) for k indicators."""
    return draw_plan(
        n_draws,
        spec.seed,
        spec.weight_noise,
        spec.vary_methods,
        (spec.imputation, spec.normalisation, spec.aggregation),
        k,
        len(PILLARS),
    )


def draw_scores(
    result: ScoreResult, plan: tuple[np.ndarray, ...]
) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """Each batch of the plan's draws scored: (indices of the draws, scores draws x countries).

    Draws sharing an imputation and normalisation share that work; batches keep the
    (countries x draws x pillars) arrays small.
    """
    spec, prep = result.spec, result.prepared
    base: Core = result.steps["core"]
    f_ind, f_pil, imp, nrm, agg = plan
    w_ind = base.w_ind[None, :] * f_ind
    w_pil = base.w_pil[None, :] * f_pil
    pen = penalties(spec, result.steps["gates"], result.prepared.small_market)
    cores: dict[int, Core] = {}
    norms: dict[tuple[int, int], np.ndarray] = {}
    for combo in sorted(set(zip(imp.tolist(), nrm.tolist(), agg.tolist(), strict=True))):
        i_imp, i_nrm, i_agg = combo
        if i_imp not in cores:
            method = IMPUTATIONS[i_imp]
            cores[i_imp] = base if method == spec.imputation else core_steps(prep, spec, method)
        core = cores[i_imp]
        if (i_imp, i_nrm) not in norms:
            norms[(i_imp, i_nrm)] = normalised(prep, core, MC_NORMALISATIONS[i_nrm])
        norm = norms[(i_imp, i_nrm)]
        draws = np.flatnonzero((imp == i_imp) & (nrm == i_nrm) & (agg == i_agg))
        geometric = AGGREGATIONS[i_agg] == "geometric"
        for start in range(0, draws.size, CHUNK):
            sel = draws[start : start + CHUNK]
            index, _ = aggregate_batch(
                norm,
                core.available,
                core.pillars,
                w_ind[sel],
                w_pil[sel],
                geometric,
                with_pillars=False,
            )
            yield sel, finish_scores(index, pen).T


def rank_percentiles(ranks: np.ndarray, qs: tuple[float, ...]) -> np.ndarray:
    """`np.percentile(ranks, qs, axis=0)` (linear interpolation, the same floating-point steps)
    for a (draws, countries) table of whole-number ranks from 1, by counting each country's ranks
    instead of partitioning its draws: several times faster, and the figures are identical."""
    d, c = ranks.shape
    if ranks.size and (ranks.min() < 1 or not np.array_equal(ranks, np.floor(ranks))):
        raise ValueError("rank_percentiles counts whole-number ranks from 1")
    top = int(ranks.max())
    flat = ranks.astype(np.intp) + np.arange(c)[None, :] * (top + 1)
    counts = np.bincount(flat.ravel(), minlength=c * (top + 1)).reshape(c, top + 1)
    at_or_above = np.cumsum(counts, axis=1)  # per country: draws ranked at each place or better
    virtual = (d - 1) * (np.asarray(qs, dtype=float) / 100)  # each percentile's place in order
    before = np.where(virtual >= d - 1, d - 1, np.floor(virtual)).astype(np.intp)
    after = np.where(virtual >= d - 1, d - 1, before + 1)
    gamma = virtual - before
    out = np.empty((len(qs), c))
    for i, t in enumerate(gamma):
        # the k-th smallest rank (k from 0) is the number of places with at most k draws at or
        # above them
        a = (at_or_above <= before[i]).sum(axis=1).astype(float)
        b = (at_or_above <= after[i]).sum(axis=1).astype(float)
        diff = b - a
        out[i] = b - diff * (1 - t) if t >= 0.5 else a + diff * t  # numpy's interpolation
    return out


def monte_carlo(result: ScoreResult, n_draws: int) -> MonteCarlo:
    """Rank intervals for the spec of `result` over `n_draws` seeded draws."""
    spec, prep = result.spec, result.prepared
    base: Core = result.steps["core"]
    plan = spec_draw_plan(spec, n_draws, len(base.w_ind))
    imp, nrm, agg = plan[2:]
    rankable = rankable_mask(spec, result.steps["gates"], base.screen.country_coverage)
    n = len(prep.iso3)
    ranks_t = np.full((n_draws, n), np.nan)  # draws x countries: each draw's ranks contiguous
    for sel, scores_t in draw_scores(result, plan):
        ok = rankable & np.isfinite(scores_t).all(axis=0)
        ranks_t[sel] = rank_desc_t(scores_t, ok)
    p05 = np.full(n, np.nan)
    med = np.full(n, np.nan)
    p95 = np.full(n, np.nan)
    rows = np.flatnonzero(~np.isnan(ranks_t).any(axis=0)) if n_draws else np.array([], dtype=int)
    if rows.size:
        q = rank_percentiles(ranks_t[:, rows], (5, 50, 95))
        p05[rows], med[rows], p95[rows] = q
    methods = pd.DataFrame(
        {
            "imputation": np.array(IMPUTATIONS)[imp],
            "normalisation": np.array(MC_NORMALISATIONS)[nrm],
            "aggregation": np.array(AGGREGATIONS)[agg],
        }
    )
    return MonteCarlo(p05, med, p95, ranks_t.T, methods)


def drop_one(result: ScoreResult) -> pd.DataFrame:
    """Rank shifts when each active indicator is removed (its weight set to zero)."""
    core: Core = result.steps["core"]
    gates = result.steps["gates"]
    spec, prep = result.spec, result.prepared
    active = np.flatnonzero(core.w_ind > 0)
    if active.size == 0:
        return pd.DataFrame(columns=["code", "pillar", "mean_abs_shift", "max_shift", "most_moved"])
    w = np.repeat(core.w_ind[None, :], active.size, axis=0)
    w[np.arange(active.size), active] = 0.0
    pw = np.repeat(core.w_pil[None, :], active.size, axis=0)
    norm = result.steps["normalised"]
    index, _ = aggregate_batch(
        norm, core.available, core.pillars, w, pw, spec.aggregation == "geometric"
    )
    scores = finish_scores(index, penalties(spec, gates, prep.small_market))
    base_rank = result.table["rank"].to_numpy(float)
    ok = ~np.isnan(base_rank)
    ranks = rank_desc(scores, ok & np.isfinite(scores).all(axis=1))
    shift = np.abs(ranks[ok] - base_rank[ok, None])
    iso = prep.iso3[ok]
    fw = prep.framework.indicators
    return (
        pd.DataFrame(
            {
                "code": fw["code"].to_numpy(dtype=object)[active],
                "pillar": fw["pillar"].to_numpy(dtype=object)[active],
                "mean_abs_shift": shift.mean(axis=0) if shift.size else np.zeros(active.size),
                "max_shift": shift.max(axis=0) if shift.size else np.zeros(active.size),
                "most_moved": iso[shift.argmax(axis=0)] if shift.size else "",
            }
        )
        .sort_values("mean_abs_shift", ascending=False)
        .reset_index(drop=True)
    )


def correlations(result: ScoreResult) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Pearson correlations of the active indicators (observed values only) and the flags."""
    core: Core = result.steps["core"]
    prep = result.prepared
    active = np.flatnonzero(core.w_ind > 0)
    codes = [prep.codes[j] for j in active]
    observed = ~np.isnan(prep.transformed[:, active])
    norm = np.where(observed, result.steps["normalised"][:, active], np.nan)
    frame = pd.DataFrame(norm, columns=codes)
    corr = frame.corr(min_periods=10)
    pillar_of = {prep.codes[j]: PILLARS[core.pillars[j]] for j in active}
    pil_scores = pd.DataFrame(result.steps["pillars"], columns=list(PILLARS))
    flags: list[dict[str, object]] = []
    for a_i, a in enumerate(codes):
        for b in codes[a_i + 1 :]:
            r = corr.at[a, b]
            if not np.isfinite(r):
                continue
            if pillar_of[a] == pillar_of[b] and r < NEGATIVE_R:
                flags.append({"flag": "negative_within_pillar", "a": a, "b": b, "r": float(r)})
            if abs(r) >= DUPLICATE_R:
                flags.append({"flag": "near_duplicate", "a": a, "b": b, "r": float(r)})
        r_p = frame[a].corr(pil_scores[pillar_of[a]], min_periods=10)
        if np.isfinite(r_p) and r_p < WEAK_R:
            flags.append(
                {"flag": "weak_link_to_pillar", "a": a, "b": pillar_of[a], "r": float(r_p)}
            )
    return corr, pd.DataFrame(flags, columns=["flag", "a", "b", "r"])
