"""A plain pandas, row-by-row implementation of the scoring pipeline: the benchmark baseline.

It computes the same numbers as `risk.scoring` (a test checks this), the way a first version
would: loops over countries with `iterrows`, dictionaries of weights, one pandas rank per draw.
It exists only so the benchmark can show what vectorising buys; nothing else should call it.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from risk.framework import PILLARS
from risk.gates import GateResult
from risk.scoring.matrix import Prepared
from risk.scoring.robustness import MC_NORMALISATIONS, spec_draw_plan
from risk.scoring.steps import (
    GEOMETRIC_FLOOR,
    KURT_LIMIT,
    MAX_WINSORISED,
    RANK_DECIMALS,
    SKEW_LIMIT,
    effective_weights,
    penalties,
)
from risk.spec import AGGREGATIONS, IMPUTATIONS, ScoreSpec


def _frame(prep: Prepared) -> pd.DataFrame:
    return pd.DataFrame(prep.transformed, index=list(prep.iso3), columns=prep.codes)


def _impute(df: pd.DataFrame, prep: Prepared, method: str) -> pd.DataFrame:
    if method == "none":
        return df
    groups = pd.DataFrame(prep.group_codes, index=df.index, columns=["cell", "income", "region"])
    medians = []
    for level in groups.columns:
        counts = df.groupby(groups[level]).count()
        med = df.groupby(groups[level]).median()
        medians.append((level, med.where(counts >= 3)))
    overall = df.median()
    out = df.copy()
    for iso, row in df.iterrows():
        for code, value in row.items():
            if not pd.isna(value):
                continue
            fill = math.nan
            for level, med in medians:
                g = groups.at[iso, level]
                if g >= 0 and g in med.index and not pd.isna(med.at[g, code]):
                    fill = med.at[g, code]
                    break
            if pd.isna(fill):
                fill = overall[code]
            out.at[iso, code] = fill
    return out


def _moments(s: pd.Series) -> tuple[float, float]:
    s = s.dropna()
    d = s - s.mean()
    m2 = (d**2).mean()
    if not m2 > 0:
        return 0.0, 0.0
    return float((d**3).mean() / m2**1.5), float((d**4).mean() / m2**2 - 3)


def _treat(df: pd.DataFrame, method: str) -> pd.DataFrame:
    if method == "none":
        return df
    out = df.copy()
    for code in df.columns:
        col = df[code].copy()
        skew, kurt = _moments(col)
        if not (abs(skew) > SKEW_LIMIT and kurt > KURT_LIMIT):
            continue
        s = skew
        done = False
        for _ in range(MAX_WINSORISED):
            obs = col.dropna()
            if s > 0:
                top = obs.max()
                below = obs[obs < top]
                if below.empty:
                    done = True
                    break
                col[col == top] = below.max()
            else:
                bot = obs.min()
                above = obs[obs > bot]
                if above.empty:
                    done = True
                    break
                col[col == bot] = above.min()
            s, k = _moments(col)
            if not (abs(s) > SKEW_LIMIT and k > KURT_LIMIT):
                done = True
                break
        if not done:
            raw = df[code]
            col = np.log(raw - raw.min() + 1) if skew > 0 else -np.log(raw.max() - raw + 1)
        out[code] = col
    return out


def _normalise(df: pd.DataFrame, direction: dict[str, float], method: str) -> pd.DataFrame:
    out = df.copy()
    for code in df.columns:
        x = df[code] * direction[code]
        if method == "rank":
            m = x.notna().sum()
            r = x.rank(method="average")
            out[code] = (r - 1) / (m - 1) * 100 if m > 1 else r * 0 + 50
            continue
        if method == "zscore":
            sd = x.std(ddof=0)
            out[code] = 50 + 10 * (x - x.mean()) / sd if sd > 0 else x * 0 + 50
            continue
        lo, hi = (x.min(), x.max()) if method == "minmax" else (x.quantile(0.05), x.quantile(0.95))
        for iso, v in x.items():
            if pd.isna(v):
                continue
            val = (v - lo) / (hi - lo) * 100 if hi > lo else 50.0
            out.at[iso, code] = min(max(val, 0.0), 100.0) if method == "goalposts" else val
    return out


def _aggregate(
    norm: pd.DataFrame,
    pillar_of: dict[str, str],
    w_ind: dict[str, float],
    w_pil: dict[str, float],
    geometric: bool,
) -> pd.Series:
    scores = {}
    for iso, row in norm.iterrows():
        pillar_vals = {}
        for p in PILLARS:
            num = den = 0.0
            for code, v in row.items():
                w = w_ind[code]
                if pillar_of[code] != p or w <= 0 or pd.isna(v):
                    continue
                num += w * (math.log(max(v, GEOMETRIC_FLOOR)) if geometric else v)
                den += w
            if den > 0:
                pillar_vals[p] = math.exp(num / den) if geometric else num / den
        num = den = 0.0
        for p, v in pillar_vals.items():
            num += w_pil[p] * (math.log(max(v, GEOMETRIC_FLOOR)) if geometric else v)
            den += w_pil[p]
        scores[iso] = (math.exp(num / den) if geometric else num / den) if den > 0 else math.nan
    return pd.Series(scores)


def _rank(scores: pd.Series, rankable: pd.Series) -> pd.Series:
    s = scores[rankable].round(RANK_DECIMALS)
    return s.rank(ascending=False, method="min").reindex(scores.index)


def baseline_score(
    prep: Prepared, spec: ScoreSpec, gates: GateResult, rankable: np.ndarray
) -> pd.DataFrame:
    """Score and rank every country, row by row."""
    df = _frame(prep)
    fw = prep.framework.indicators
    w, pw = effective_weights(prep.framework, spec)
    cover = df.notna().mean()
    w_ind = {
        c: (float(w[j]) if cover[c] >= fw["min_coverage"].iloc[j] else 0.0)
        for j, c in enumerate(prep.codes)
    }
    pillar_of = dict(zip(prep.codes, fw["pillar"], strict=True))
    direction = dict(zip(prep.codes, fw["direction"].astype(float), strict=True))
    treated = _treat(_impute(df, prep, spec.imputation), spec.outliers)
    norm = _normalise(treated, direction, spec.normalisation)
    idx = _aggregate(
        norm, pillar_of, w_ind, dict(zip(PILLARS, pw, strict=True)), spec.aggregation == "geometric"
    )
    pen = pd.Series(penalties(spec, gates, prep.small_market), index=df.index)
    score = (idx - pen).clip(lower=0)
    rank = _rank(score, pd.Series(rankable, index=df.index))
    return pd.DataFrame({"score": score, "rank": rank})


def baseline_monte_carlo(
    prep: Prepared, spec: ScoreSpec, gates: GateResult, rankable: np.ndarray, n_draws: int
) -> pd.DataFrame:
    """Rank percentiles over n draws, one row-by-row scoring per draw."""
    df = _frame(prep)
    fw = prep.framework.indicators
    w, pw = effective_weights(prep.framework, spec)
    cover = df.notna().mean()
    w0 = {
        c: (float(w[j]) if cover[c] >= fw["min_coverage"].iloc[j] else 0.0)
        for j, c in enumerate(prep.codes)
    }
    pillar_of = dict(zip(prep.codes, fw["pillar"], strict=True))
    direction = dict(zip(prep.codes, fw["direction"].astype(float), strict=True))
    f_ind, f_pil, imp, nrm, agg = spec_draw_plan(spec, n_draws, len(prep.codes))
    pen = pd.Series(penalties(spec, gates, prep.small_market), index=df.index)
    ok = pd.Series(rankable, index=df.index)
    norms: dict[tuple[int, int], pd.DataFrame] = {}
    ranks = {}
    for d in range(n_draws):
        key = (int(imp[d]), int(nrm[d]))
        if key not in norms:
            treated = _treat(_impute(df, prep, IMPUTATIONS[key[0]]), spec.outliers)
            norms[key] = _normalise(treated, direction, MC_NORMALISATIONS[key[1]])
        wi = {c: w0[c] * f_ind[d, j] for j, c in enumerate(prep.codes)}
        wp = {p: pw[i] * f_pil[d, i] for i, p in enumerate(PILLARS)}
        idx = _aggregate(norms[key], pillar_of, wi, wp, AGGREGATIONS[agg[d]] == "geometric")
        ranks[d] = _rank((idx - pen).clip(lower=0), ok)
    r = pd.DataFrame(ranks)
    return pd.DataFrame(
        {
            "rank_p05": r.quantile(0.05, axis=1),
            "rank_median": r.quantile(0.5, axis=1),
            "rank_p95": r.quantile(0.95, axis=1),
        }
    )
