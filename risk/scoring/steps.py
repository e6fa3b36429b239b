"""The scoring steps, each a pure vectorised function of (data, spec):

screen -> impute -> treat_outliers -> normalise -> weights -> aggregate -> gates -> rank"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar, cast

import numpy as np

from risk.errors import SpecError
from risk.framework import (
    PILLARS,
    Framework,
)
from risk.gates import (
    GateResult,
)
from risk.scoring.matrix import Prepared
from risk.spec import ScoreSpec

T = TypeVar("T")

# Skewness and kurtosis thresholds that mark an indicator for outlier treatment (as in COINr).
SKEW_LIMIT = 2.0
KURT_LIMIT = 3.5
MAX_WINSORISED = 5
GEOMETRIC_FLOOR = 1.0  # geometric means need positive inputs: scores are floored at 1 (of 100)
RANK_DECIMALS = 9  # scores are rounded before ranking so float noise never splits a tie


# --------------------------------------------------------------------------------------
# Steps (vectorised, pure)
# --------------------------------------------------------------------------------------
def effective_weights(framework: Framework, spec: ScoreSpec) -> tuple[np.ndarray, np.ndarray]:
    """Indicator weights (framework defaults overridden by the spec) and pillar weights."""
    w = framework.indicators["weight"].to_numpy(dtype=float).copy()
    pos = {c: i for i, c in enumerate(framework.codes)} if spec.indicator_weights else {}
    for code, weight in spec.indicator_weights:
        if code not in pos:
            raise SpecError(f"unknown indicator in weights: {code!r}")
        w[pos[code]] = weight
    pw = dict(spec.pillar_weights)
    return w, np.array([pw[p] for p in PILLARS], dtype=float)


def pillar_index(framework: Framework) -> np.ndarray:
    """Pillar number (position in PILLARS) of each indicator."""
    return framework.indicators["pillar"].map({p: i for i, p in enumerate(PILLARS)}).to_numpy(int)


@dataclass(frozen=True)
class Screen:
    indicator_coverage: np.ndarray  # share of scored countries with an observed value
    kept: np.ndarray  # bool: indicator passes its coverage threshold
    weights: np.ndarray  # indicator weights after screening (dropped -> 0)
    country_coverage: np.ndarray  # share of the index weight observed, per country
    pillar_coverage: np.ndarray  # (n, 4) share of each pillar's weight observed


def screen(
    observed: np.ndarray,
    weights: np.ndarray,
    pillar_weights: np.ndarray,
    pillars: np.ndarray,
    min_coverage: np.ndarray,
) -> Screen:
    """Drop indicators below their coverage threshold; measure each country's observed weight."""
    cov = observed.mean(axis=0) if observed.shape[0] else np.zeros(observed.shape[1])
    kept = cov >= min_coverage
    w = np.where(kept, weights, 0.0)
    onehot = np.eye(len(PILLARS))[pillars]  # (k, P)
    pw_tot = onehot.T @ w  # total indicator weight per pillar
    with np.errstate(invalid="ignore", divide="ignore"):
        pcov = (observed * w) @ onehot / pw_tot
    pcov = np.where(pw_tot > 0, pcov, np.nan)
    active = (pw_tot > 0) * pillar_weights
    n = observed.shape[0]
    ccov = np.nansum(pcov * active, axis=1) / active.sum() if active.sum() > 0 else np.zeros(n)
    return Screen(cov, kept, w, ccov, pcov)


def _nanmedian_cols(block: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Median and count of the non-missing values of each column (sorting puts NaN last)."""
    ordered = np.sort(block, axis=0)
    counts = (~np.isnan(block)).sum(axis=0)
    cols = np.arange(block.shape[1])
    lo = ordered[np.maximum((counts - 1) // 2, 0), cols]
    hi = ordered[np.minimum(counts // 2, block.shape[0] - 1), cols]
    med = np.where(counts > 0, (lo + hi) / 2, np.nan)
    return med, counts


def impute(values: np.ndarray, group_codes: np.ndarray, method: str) -> np.ndarray:
    """Fill gaps with the median of the country's region x income cell (at least 3 peers), else
    its income group, else its region, else all countries; 'none' leaves gaps (re-weighting)."""
    if method == "none":
        return values
    out = values.copy()
    if not np.isnan(out).any():
        return out
    for level in range(group_codes.shape[1]):
        codes = group_codes[:, level]
        for g in np.unique(codes[codes >= 0]):
            rows = np.flatnonzero(codes == g)
            sub = out[rows]
            gap = np.isnan(sub)
            if not gap.any():
                continue
            med, counts = _nanmedian_cols(values[rows])
            med = np.where(counts >= 3, med, np.nan)
            out[rows] = np.where(gap, med[None, :], sub)
    still = np.isnan(out)
    if still.any():
        overall, _ = _nanmedian_cols(values)
        out = np.where(still, overall[None, :], out)
    return out


def _skew_kurt(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Population skewness and excess kurtosis of each column, ignoring NaN (0 if constant)."""
    n = (~np.isnan(x)).sum(axis=0).astype(float)
    with np.errstate(all="ignore"):
        mean = np.nansum(x, axis=0) / n
        d = np.nan_to_num(x - mean)
        d2 = d * d
        m2 = d2.sum(axis=0) / n
        m3 = (d2 * d).sum(axis=0) / n
        m4 = (d2 * d2).sum(axis=0) / n
        skew = m3 / m2**1.5
        kurt = m4 / m2**2 - 3
    return np.nan_to_num(skew), np.nan_to_num(kurt)


def _skew_kurt_1d(obs: np.ndarray) -> tuple[float, float]:
    d = obs - obs.mean()
    d2 = d * d
    m2 = d2.mean()
    if not m2 > 0:
        return 0.0, 0.0
    return float((d2 * d).mean() / m2**1.5), float((d2 * d2).mean() / m2**2 - 3)


@dataclass(frozen=True)
class Treatment:
    values: np.ndarray
    winsorised: np.ndarray  # bool cells changed by winsorisation
    method: np.ndarray  # per indicator: "", "winsorised", "log"


def treat_outliers(values: np.ndarray, method: str) -> Treatment:
    """COINr-style treatment: where |skew| > 2 and kurtosis > 3.5, winsorise up to five points;
    if the indicator is still skewed, undo that and take a shifted log instead."""
    k = values.shape[1]
    kinds = np.full(k, "", dtype=object)
    changed = np.zeros(values.shape, dtype=bool)
    if method == "none":
        return Treatment(values, changed, kinds)
    out = values.copy()
    skew, kurt = _skew_kurt(out)
    for j in np.flatnonzero((np.abs(skew) > SKEW_LIMIT) & (kurt > KURT_LIMIT)):
        raw = values[:, j]
        ok = ~np.isnan(raw)
        obs = raw[ok].copy()
        s = skew[j]
        treated = False
        for _ in range(MAX_WINSORISED):
            if s > 0:
                top = obs.max()
                below = obs[obs < top]
                if below.size == 0:
                    treated = True
                    break
                obs[obs == top] = below.max()
            else:
                bot = obs.min()
                above = obs[obs > bot]
                if above.size == 0:
                    treated = True
                    break
                obs[obs == bot] = above.min()
            s, kt = _skew_kurt_1d(obs)
            if not (abs(s) > SKEW_LIMIT and kt > KURT_LIMIT):
                treated = True
                break
        if treated:
            kinds[j] = "winsorised"
            col = raw.copy()
            col[ok] = obs
            changed[:, j] = ok & (col != raw)
        else:
            # Still skewed after the maximum: a log compresses the tail without dropping order.
            if skew[j] > 0:
                col = np.log(raw - np.nanmin(raw) + 1)
            else:
                col = -np.log(np.nanmax(raw) - raw + 1)
            kinds[j] = "log"
        out[:, j] = col
    return Treatment(out, changed, kinds)


def normalise(values: np.ndarray, direction: np.ndarray, method: str) -> np.ndarray:
    """Put every indicator on a 0-100 scale where higher is better for the exporter.

    minmax: (x - min) / (max - min); zscore: 50 + 10 z (unbounded); rank: percentile rank;
    goalposts: min-max between the 5th and 95th percentiles, clipped to 0-100.
    A constant indicator scores 50 for everyone.
    """
    x = values * direction[None, :]  # flip "lower is better" indicators first
    if method == "rank":
        return _percentile_rank(x)
    if method not in ("minmax", "goalposts", "zscore"):
        raise SpecError(f"unknown normalisation {method!r}")
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN indicators are expected
        if method == "zscore":
            mu, sd = np.nanmean(x, axis=0), np.nanstd(x, axis=0)
            z = np.where(sd > 0, (x - mu) / np.where(sd > 0, sd, 1.0), 0.0)
            return np.where(np.isnan(x), np.nan, 50 + 10 * z)
        if method == "minmax":
            lo, hi = np.nanmin(x, axis=0), np.nanmax(x, axis=0)
        else:
            lo, hi = _nanpercentile_cols(x, 5), _nanpercentile_cols(x, 95)
        span = hi - lo
        scaled = np.where(span > 0, (x - lo) / np.where(span > 0, span, 1.0) * 100, 50.0)
    if method == "goalposts":
        scaled = np.clip(scaled, 0, 100)
    return np.where(np.isnan(x), np.nan, scaled)


def _nanpercentile_cols(x: np.ndarray, q: float) -> np.ndarray:
    """`np.nanpercentile(x, q, axis=0)` (linear interpolation) for every column at once: one sort
    instead of a Python-level loop over columns. An all-NaN column gives NaN."""
    s = np.sort(x, axis=0)  # NaN sorts last
    m = (~np.isnan(x)).sum(axis=0)
    pos = q / 100 * np.maximum(m - 1, 0)
    below = np.floor(pos).astype(int)
    above = np.minimum(below + 1, np.maximum(m - 1, 0))
    cols = np.arange(x.shape[1])
    lo, hi = s[below, cols], s[above, cols]
    with np.errstate(invalid="ignore"):
        out = lo + (hi - lo) * (pos - below)
    return np.where(m > 0, out, np.nan)


def _average_ranks(x: np.ndarray) -> np.ndarray:
    """Ranks 1..n of each column, ties sharing the mean of their places (what
    `scipy.stats.rankdata(x, axis=0, method="average")` gives, without importing scipy.stats,
    which costs the app's first start about a second)."""
    n = x.shape[0]
    order = np.argsort(x, axis=0, kind="stable")
    ordered = np.take_along_axis(x, order, axis=0)
    place = np.arange(n)[:, None]
    starts = np.ones(x.shape, dtype=bool)  # a place that begins a run of equal values
    starts[1:] = ordered[1:] != ordered[:-1]
    ends = np.ones(x.shape, dtype=bool)  # ... and one that ends it
    ends[:-1] = starts[1:]
    first = np.maximum.accumulate(np.where(starts, place, 0), axis=0)
    last = np.flip(np.minimum.accumulate(np.flip(np.where(ends, place, n - 1), 0), axis=0), 0)
    ranks = np.empty(x.shape, dtype=float)
    np.put_along_axis(ranks, order, 0.5 * (first + last + 2), axis=0)
    return ranks


def _percentile_rank(x: np.ndarray) -> np.ndarray:
    """Percentile rank 0-100 per column (ties share their average rank); NaN stays NaN; a column
    with one value scores 50. All columns at once: missing cells sort last as +inf, so they never
    change the ranks of the observed ones (values are finite after treatment)."""
    ok = ~np.isnan(x)
    m = ok.sum(axis=0)
    r = _average_ranks(np.where(ok, x, np.inf))
    with np.errstate(invalid="ignore", divide="ignore"):
        out = np.where(m > 1, (r - 1) / np.where(m > 1, m - 1, 1) * 100, 50.0)
    return np.where(ok, out, np.nan)


def aggregate_batch(
    norm: np.ndarray,
    available: np.ndarray,
    pillars: np.ndarray,
    w_ind: np.ndarray,
    w_pil: np.ndarray,
    geometric: bool,
    *,
    with_pillars: bool = True,
) -> tuple[np.ndarray, np.ndarray | None]:
    """Scores for a batch of weight vectors at once.

    norm, available: (n, k); w_ind: (d, k); w_pil: (d, P). Within a pillar, indicator weights are
    renormalised over the indicators a country has; pillars likewise (arithmetic or geometric
    means, inputs floored at 1 for the geometric one). Returns (index (n, d), pillar scores
    (n, d, P) or None).
    """
    n, d = norm.shape[0], w_ind.shape[0]
    npil = len(PILLARS)
    x = np.where(available, norm, 0.0)
    if geometric:
        # Means of logs: inputs >= 1 so each log-mean is >= 0 and is the log of the pillar score.
        x = np.where(available, np.log(np.maximum(x, GEOMETRIC_FLOOR)), 0.0)
    av = available.astype(float)
    pil = np.full((n, d, npil), np.nan) if with_pillars else None
    num = np.zeros((n, d))
    den = np.zeros((n, d))
    for p in range(npil):
        cols = np.flatnonzero(pillars == p)
        if cols.size == 0:
            continue
        wt = np.ascontiguousarray(w_ind[:, cols].T)  # (kp, d)
        pnum = x[:, cols] @ wt
        pden = av[:, cols] @ wt
        has = pden > 0
        val = np.divide(pnum, pden, out=np.zeros_like(pnum), where=has)
        wp = w_pil[:, p][None, :]
        if has.all():
            num += val * wp
            den += wp
        else:
            num += np.where(has, val * wp, 0.0)
            den += np.where(has, wp, 0.0)
        if pil is not None:
            pil[:, :, p] = np.where(has, np.exp(val) if geometric else val, np.nan)
    with np.errstate(invalid="ignore", divide="ignore"):
        idx = num / den
    if geometric:
        idx = np.exp(idx)
    return idx, pil


def rank_desc(scores: np.ndarray, rankable: np.ndarray) -> np.ndarray:
    """Competition ranks (1 = best, ties share the best place) per column, among rankable rows;
    other rows get NaN. scores: (n, d)."""
    return rank_desc_t(scores.T, rankable).T


def rank_desc_t(scores_t: np.ndarray, rankable: np.ndarray) -> np.ndarray:
    """As `rank_desc`, for scores laid out (draws, countries): rows are contiguous in memory."""
    d, n = scores_t.shape
    out = np.full((d, n), np.nan)
    cols = np.flatnonzero(rankable)
    if cols.size == 0:
        return out
    s = np.round(scores_t[:, cols], RANK_DECIMALS)
    s = np.where(np.isnan(s), np.inf, -s)  # ascending sort of -score puts the best first
    # equal scores share the best place whatever their order, so an unstable sort (several times
    # faster than a stable one) gives the same ranks
    order = np.argsort(s, axis=1)
    sorted_s = np.take_along_axis(s, order, axis=1)
    pos = np.arange(cols.size)[None, :]
    start = np.ones_like(sorted_s, dtype=bool)
    start[:, 1:] = sorted_s[:, 1:] != sorted_s[:, :-1]
    first = np.maximum.accumulate(np.where(start, pos, 0), axis=1) + 1
    ranks = np.empty_like(first)
    np.put_along_axis(ranks, order, first, axis=1)
    out[:, cols] = ranks
    return out


@dataclass(frozen=True)
class Core:
    """The spec-dependent intermediate results the point score and the Monte Carlo share."""

    screen: Screen
    imputed: np.ndarray
    treatment: Treatment
    available: np.ndarray
    w_ind: np.ndarray
    w_pil: np.ndarray
    pillars: np.ndarray
    direction: np.ndarray
    methods: tuple[str, str] = ("", "")  # (imputation, outlier treatment) behind `treatment`


def shared(prep: Prepared, key: tuple[str, ...], build: Callable[[], T]) -> T:
    """A result that depends only on the prepared matrix and `key` (never on weights), built once
    and kept with the matrix (`Prepared.shared`); callers must not modify it."""
    if key not in prep.shared:
        value = build()
        for arr in _arrays(value):
            arr.setflags(write=False)  # shared by every result: a write would be a bug
        prep.shared[key] = value
    return cast(T, prep.shared[key])


def _arrays(value: object) -> list[np.ndarray]:
    if isinstance(value, np.ndarray):
        return [value]
    if isinstance(value, tuple):
        return [a for v in value for a in _arrays(v)]
    if isinstance(value, Treatment):
        return [value.values, value.winsorised, value.method]
    return []


def _imputed_treated(
    prep: Prepared, imputation: str, outliers: str
) -> tuple[np.ndarray, Treatment]:
    imp = impute(prep.transformed, prep.group_codes, imputation)
    return imp, treat_outliers(imp, outliers)


def core_steps(prep: Prepared, spec: ScoreSpec, imputation: str | None = None) -> Core:
    """screen -> impute -> treat outliers, with the effective weights. Imputation and treatment do
    not depend on the weights: they are computed once per matrix and methods."""
    fw = prep.framework
    w, pw = effective_weights(fw, spec)
    pillars = shared(prep, ("pillars",), lambda: pillar_index(fw))
    observed = shared(prep, ("observed",), lambda: ~np.isnan(prep.transformed))
    min_cov = shared(prep, ("min_coverage",), lambda: fw.indicators["min_coverage"].to_numpy(float))
    scr = screen(observed, w, pw, pillars, min_cov)
    methods = (imputation or spec.imputation, spec.outliers)
    imp, treat = shared(prep, ("treated", *methods), lambda: _imputed_treated(prep, *methods))
    available = ~np.isnan(treat.values) & (scr.weights > 0)[None, :]
    direction = shared(prep, ("direction",), lambda: fw.indicators["direction"].to_numpy(float))
    return Core(scr, imp, treat, available, scr.weights, pw, pillars, direction, methods)


def normalised(prep: Prepared, core: Core, method: str) -> np.ndarray:
    """`normalise` of a core's treated values: once per matrix, methods and normalisation."""
    return shared(
        prep,
        ("normalised", *core.methods, method),
        lambda: normalise(core.treatment.values, core.direction, method),
    )


def penalties(spec: ScoreSpec, gates: GateResult, small_market: np.ndarray) -> np.ndarray:
    """Points subtracted for a small market (`small_market`: each country's share of the
    discount), D:1/D:3/D:4 groups in force and, in the diffusion scenario, tier 2."""
    pen = (
        spec.small_market_penalty * small_market
        + spec.d_group_penalty * gates.penalty_groups.astype(float)
    )
    if spec.scenario == "diffusion_tiers":
        pen = pen + np.where(gates.tier == "2", spec.tier2_penalty, 0.0)
    return pen


def finish_scores(index: np.ndarray, penalty: np.ndarray) -> np.ndarray:
    """Subtract penalties (never below zero). index: (n, d)."""
    return np.maximum(index - penalty[:, None], 0.0)


def rankable_mask(spec: ScoreSpec, gates: GateResult, coverage: np.ndarray) -> np.ndarray:
    ok = gates.eligible.copy()
    if spec.low_coverage == "exclude":
        ok &= coverage >= spec.coverage_threshold
    return ok
