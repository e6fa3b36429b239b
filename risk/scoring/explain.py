"""`explain`: how one country's score was formed, indicator by indicator."""

from __future__ import annotations

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
    norm = result.steps["normalised"][i]
    avail = core.available[i]
    w = np.where(avail, core.w_ind, 0.0)
    pil_tot = np.bincount(core.pillars, weights=w, minlength=len(PILLARS))
    has_pil = pil_tot > 0
    pw = np.where(has_pil, core.w_pil, 0.0)
    pw = pw / pw.sum() if pw.sum() > 0 else pw
    with np.errstate(invalid="ignore", divide="ignore"):
        share = np.where(avail, w / pil_tot[core.pillars] * pw[core.pillars], 0.0)
    index = float(result.steps["index"][i])
    if result.spec.aggregation == "geometric":
        logs = share * np.log(np.maximum(np.nan_to_num(norm), GEOMETRIC_FLOOR))
        total = logs.sum()
        contrib = index * logs / total if total > 0 else np.zeros_like(logs)
    else:
        contrib = share * np.nan_to_num(norm)
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
            "name_en": "Export-control / scenario penalty",
            "name_zh": "出口管制／情境扣分",
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
