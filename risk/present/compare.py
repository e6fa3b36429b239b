"""What the Compare page shows: two to five countries side by side, and why one ranks above another."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from risk.framework import PILLARS
from risk.i18n import INDICATOR, name_column
from risk.present.profile import indicator_rows, scored_iso3
from risk.scoring.explain import explain
from risk.scoring.result import ScoreResult
from risk.text import cell_text, to_float

MAX_COMPARE = 5
MIN_COMPARE = 2


# -- comparison ------------------------------------------------------------------------------
def compare_codes(result: ScoreResult, codes: Sequence[str]) -> list[str]:
    """The compared set: known scored countries, upper case, no repeats, at most MAX_COMPARE."""
    known = set(scored_iso3(result))
    out = [c for c in dict.fromkeys(str(c).strip().upper() for c in codes) if c in known]
    return out[:MAX_COMPARE]


def compare_pillars(result: ScoreResult, codes: Sequence[str], lang: str) -> pd.DataFrame:
    """Long frame (iso3, name, pillar, value) of score and pillars for the compared countries."""
    table = result.table.set_index("iso3")
    rows = []
    for code in codes:
        r = table.loc[code]
        name = str(r[name_column(lang)])
        for p in ("score", *PILLARS):
            rows.append({"iso3": code, "name": name, "pillar": p, "value": to_float(r[p])})
    return pd.DataFrame(rows)


def compare_summary(result: ScoreResult, codes: Sequence[str], lang: str) -> pd.DataFrame:
    """One row per compared country: name, score, rank, interval, eligibility, pillars."""
    table = result.table.set_index("iso3")
    rows = []
    for code in codes:
        r = table.loc[code]
        lo, hi = to_float(r["rank_p05"]), to_float(r["rank_p95"])
        rows.append(
            {
                "iso3": code,
                "name": str(r[name_column(lang)]),
                "score": to_float(r["score"]),
                "rank": to_float(r["rank"]),
                "interval": "–" if np.isnan(lo) or np.isnan(hi) else f"{int(lo)}–{int(hi)}",
                "eligible": bool(r["eligible"]),
                "reason": cell_text(r["reason"]),
                **{p: to_float(r[p]) for p in PILLARS},
                "imputed": int(r["imputed"]),
            }
        )
    return pd.DataFrame(rows)


def compare_indicators(result: ScoreResult, codes: Sequence[str], lang: str) -> pd.DataFrame:
    """Indicators side by side: one value column per country (ISO3) and `best`, the ISO3 of the
    country with the best normalised score on that indicator (empty when none has one)."""
    frames = {c: indicator_rows(result, c, lang) for c in codes}
    first = frames[codes[0]]
    out = first[["pillar", "code", "indicator", "unit"]].copy()
    norms = pd.DataFrame({c: f["normalised"].to_numpy() for c, f in frames.items()})
    for c, f in frames.items():
        out[c] = f["value"].to_numpy()
    best = []
    for _, vals in norms.iterrows():
        v = pd.to_numeric(vals, errors="coerce")
        best.append(str(v.idxmax()) if v.notna().any() and v.nunique() > 1 else "")
    out["best"] = best
    return out.reset_index(drop=True)


def rank_reasons(
    result: ScoreResult, codes: Sequence[str], lang: str, top: int = 3
) -> pd.DataFrame:
    """Why each country ranks above the next one: per consecutive pair (by score), the indicators
    with the largest contribution differences in the higher country's favour.

    Columns: higher, lower, gap (score points), indicator, pillar, difference (points).
    """
    table = result.table.set_index("iso3")
    ordered = sorted(codes, key=lambda c: -np.nan_to_num(to_float(table.loc[c, "score"]), nan=-1))
    rows = []
    contrib = {c: explain(result, c).set_index("code") for c in ordered}
    name_col = name_column(lang, INDICATOR)
    for hi, lo in zip(ordered, ordered[1:], strict=False):
        a, b = contrib[hi], contrib[lo]
        diff = (a["contribution"] - b["contribution"].reindex(a.index).fillna(0.0)).sort_values(
            ascending=False
        )
        gap = to_float(table.loc[hi, "score"]) - to_float(table.loc[lo, "score"])
        for code, d in diff.head(top).items():
            if not d > 0:
                continue
            rows.append(
                {
                    "higher": hi,
                    "lower": lo,
                    "gap": gap,
                    "indicator": str(a.loc[code, name_col]),
                    "pillar": str(a.loc[code, "pillar"]),
                    "difference": float(d),
                }
            )
    return pd.DataFrame(
        rows, columns=["higher", "lower", "gap", "indicator", "pillar", "difference"]
    )
