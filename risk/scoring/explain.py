"""`explain`: how one country's score was formed, indicator by indicator."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from risk.errors import RiskError
from risk.framework import (
    PILLARS,
)
from risk.scoring.result import ScoreResult
from risk.scoring.steps import GEOMETRIC_FLOOR, Core


# --------------------------------------------------------------------------------------
# Explanation
# --------------------------------------------------------------------------------------
def weighted_contributions(result: ScoreResult) -> tuple[np.ndarray, np.ndarray]:
    """Every country's effective indicator weights (share of its index) and contributions, as
    countries x indicators matrices: arithmetic = weight x normalised; geometric = the index split
    in proportion to weight x ln(normalised). A row's contributions add up to its index (before
    penalties)."""
    core: Core = result.steps["core"]
    norm = result.steps["normalised"]
    avail = core.available
    w = np.where(avail, core.w_ind[None, :], 0.0)
    onehot = core.pillars[:, None] == np.arange(len(PILLARS))[None, :]
    pil_tot = w @ onehot
    pw = np.where(pil_tot > 0, core.w_pil[None, :], 0.0)
    total_pw = pw.sum(axis=1, keepdims=True)
    pw = np.divide(pw, total_pw, out=np.zeros_like(pw), where=total_pw > 0)
    with np.errstate(invalid="ignore", divide="ignore"):
        share = np.where(avail, w / pil_tot[:, core.pillars] * pw[:, core.pillars], 0.0)
    if result.spec.aggregation == "geometric":
        index = np.asarray(result.steps["index"], dtype=float)
        logs = share * np.log(np.maximum(np.nan_to_num(norm), GEOMETRIC_FLOOR))
        total = logs.sum(axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            contrib = np.where((total > 0)[:, None], index[:, None] * logs / total[:, None], 0.0)
    else:
        contrib = share * np.nan_to_num(norm)
    return share, contrib


def explain(result: ScoreResult, iso3: str) -> pd.DataFrame:
    """How one country's score was formed: one row per indicator, plus a penalty row.

    Columns: pillar, code, name_en, name_zh, raw, year, source, imputed, transformed, treated,
    normalised, weight (effective share of the index), contribution. Contributions add up to the
    score: arithmetic = weight x normalised; geometric = the score split in proportion to
    weight x ln(normalised).
    """
    prep = result.prepared
    code = iso3.upper()
    hits = np.flatnonzero(prep.iso3 == code)
    if hits.size == 0:
        raise RiskError(f"{code} is not a scored country (territories are not scored)")
    i = int(hits[0])
    core: Core = result.steps["core"]
    avail = core.available[i]
    shares, contributions = weighted_contributions(result)
    share, contrib = shares[i], contributions[i]
    norm = result.steps["normalised"][i]
    index = float(result.steps["index"][i])
    fw = prep.framework.indicators
    out = pd.DataFrame(
        {
            "pillar": fw["pillar"].to_numpy(dtype=object),
            "code": fw["code"].to_numpy(dtype=object),
            "name_en": fw["name_en"].to_numpy(dtype=object),
            "name_zh": fw["name_zh"].to_numpy(dtype=object),
            "raw": prep.raw[i],
            "year": np.where(prep.years[i] > 0, prep.years[i], 0),
            "source": prep.sources[i],
            "imputed": np.isnan(prep.transformed[i]) & avail,
            "transformed": prep.transformed[i],
            "treated": result.steps["treated"][i],
            "normalised": np.where(avail, norm, np.nan),
            "weight": share,
            "contribution": contrib,
        }
    )
    out["year"] = out["year"].astype("Int64").where(out["year"] > 0, pd.NA)
    pen = float(result.table["penalty"].iloc[i])
    score = float(result.table["score"].iloc[i])
    adjust = score - index  # the penalty, as actually applied (scores never go below zero)
    if pen > 0 or adjust != 0:
        out.loc[len(out)] = {
            "pillar": "",
            "code": "penalty",
            "name_en": "Penalty: small market, export control, scenario",
            "name_zh": "扣分：小型市場、出口管制、情境",
            "raw": pen,
            "year": pd.NA,
            "source": "",
            "imputed": False,
            "transformed": np.nan,
            "treated": np.nan,
            "normalised": np.nan,
            "weight": 0.0,
            "contribution": adjust,
        }
    return out


def median_normalised(result: ScoreResult) -> np.ndarray:
    """The median country's normalised value of each indicator (NaN where no country has one),
    computed once per result and kept in its steps (every country's drivers compare with it)."""
    median = result.steps.get("median_normalised")
    if median is None:
        core: Core = result.steps["core"]
        norm = result.steps["normalised"]
        with np.errstate(invalid="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # an indicator no country has
            median = np.nanmedian(np.where(core.available, norm, np.nan), axis=0)
        result.steps["median_normalised"] = median
    return median


def drivers(result: ScoreResult, iso3: str, k: int = 3) -> tuple[list[str], list[str]]:
    """A country's strongest and weakest indicators (codes, at most `k` each): those whose
    normalised value, times their share of the index, is furthest above (below) the median
    country's. Only observed values count; an imputed value is never a reason."""
    prep = result.prepared
    hits = np.flatnonzero(prep.iso3 == iso3.upper())
    if hits.size == 0:
        raise RiskError(f"{iso3} is not a scored country (territories are not scored)")
    i = int(hits[0])
    core: Core = result.steps["core"]
    norm = result.steps["normalised"]
    observed = core.available[i] & ~np.isnan(prep.transformed[i])
    w = np.where(core.available[i], core.w_ind, 0.0)
    pil_tot = np.bincount(core.pillars, weights=w, minlength=len(PILLARS))
    pw = np.where(pil_tot > 0, core.w_pil, 0.0)
    pw = pw / pw.sum() if pw.sum() > 0 else pw
    with np.errstate(invalid="ignore", divide="ignore"):
        share = np.where(core.available[i], w / pil_tot[core.pillars] * pw[core.pillars], 0.0)
    median = median_normalised(result)
    edge = np.where(observed & (share > 0), share * (norm[i] - np.nan_to_num(median)), 0.0)
    codes = prep.framework.codes
    order = np.argsort(-edge, kind="stable")
    strong = [codes[j] for j in order[:k] if edge[j] > 0]
    weak = [codes[j] for j in order[::-1][:k] if edge[j] < 0]
    return strong, weak
