"""What the Compare page shows: two to five countries side by side, and why one ranks above another."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from risk.framework import PILLARS
from risk.gates import reason_label
from risk.i18n import INDICATOR, name_column, t
from risk.present.fit import WRAP_ROW_HEIGHT, Layout, column_px, fit
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


# -- what the page shows: the tables in the user's language, laid out to fit ---------------------
def _pillar_headers(lang: str) -> tuple[dict[str, str], dict[str, str]]:
    """Pillar headers by their short names (Gov., 政府支持), the full name as the tooltip."""
    return {p: t(f"col.{p}", lang) for p in PILLARS}, {p: t(f"metric.{p}", lang) for p in PILLARS}


def summary_view(summary: pd.DataFrame, lang: str) -> tuple[pd.DataFrame, Layout]:
    """The summary table as shown, and its layout: the name (the ISO3 code and the eligible tick
    are left out, the name and the reason say it), score, rank, interval, the pillars under their
    short names, the count of imputed values when a country has any, and the reason only when a
    compared country is not ranked (its rows then grow if a reason needs more than one line)."""
    frame = summary.assign(reason=[reason_label(r, lang) for r in summary["reason"]])
    short, full = _pillar_headers(lang)
    labels = {c: t(f"profile.col.{c}", lang) for c in ("name", "score", "rank", "interval")}
    labels |= short | {"imputed": t("profile.col.imputed", lang)}
    widths = {
        "name": column_px([*frame["name"], labels["name"]], 100),
        **{c: column_px([labels[c], "100.0"], 60) for c in ("score", "rank", "interval")},
        **{p: column_px([short[p], "100.0"], 70) for p in PILLARS},
    }
    if (frame["imputed"] > 0).any():
        widths["imputed"] = column_px([labels["imputed"]], 60)
    if not frame["reason"].astype(bool).any():
        return frame, fit(widths, "name", 0, labels, full)
    labels["reason"] = t("profile.col.reason", lang)
    widths["reason"] = column_px([labels["reason"]], 120)
    return frame, fit(widths, "reason", column_px(frame["reason"]), labels, full)


def reasons_view(
    reasons: pd.DataFrame, names: Mapping[str, str], lang: str
) -> tuple[pd.DataFrame, Layout]:
    """The why-one-ranks-above-another table as shown: countries by name, pillars by their short
    names; the indicator takes the width the others leave (its rows wrap when a name is longer)."""
    short, full = _pillar_headers(lang)
    frame = reasons.assign(
        higher=[str(names.get(c, c)) for c in reasons["higher"]],
        lower=[str(names.get(c, c)) for c in reasons["lower"]],
        pillar=[short.get(p, p) for p in reasons["pillar"]],
    )
    labels = {c: t(f"profile.col.{c}", lang) for c in ("higher", "lower", "gap", "indicator")}
    labels |= {"pillar": t("profile.col.pillar", lang)}
    labels |= {"difference": t("compare.col.difference", lang)}
    helps = {"difference": t("profile.col.difference", lang)}
    widths = {
        "higher": column_px([*frame["higher"], labels["higher"]], 80),
        "lower": column_px([*frame["lower"], labels["lower"]], 80),
        "gap": column_px([labels["gap"], "100.0"], 60),
        "indicator": 240,
        "pillar": column_px([*short.values(), labels["pillar"]], 60),
        "difference": column_px([labels["difference"], "100.00"], 70),
    }
    return frame, fit(widths, "indicator", column_px(frame["indicator"]), labels, helps)


def indicators_view(
    table: pd.DataFrame, codes: Sequence[str], names: Mapping[str, str], lang: str
) -> tuple[pd.DataFrame, Layout]:
    """The indicators side by side as shown: pillar (short name), indicator, unit and one column
    per country headed by its ISO3 code (its name as the tooltip); the indicator code and the
    best-country column stay in the data (the best value is marked in bold), not on screen. The
    indicator takes the width the others leave; rows wrap when a name or unit is longer."""
    short, _ = _pillar_headers(lang)
    frame = table.assign(pillar=[short.get(p, p) for p in table["pillar"]])
    labels = {c: t(f"profile.col.{c}", lang) for c in ("pillar", "indicator", "unit")}
    labels |= {c: c for c in codes}
    helps = {c: str(names.get(c, c)) for c in codes}
    unit_need = column_px([*frame["unit"], labels["unit"]])
    widths = {
        "pillar": column_px([*short.values(), labels["pillar"]], 60),
        "indicator": 220,
        "unit": unit_need,
        **{c: 96 for c in codes},  # "2.16 trillion", "5,523億"
    }
    need = column_px(frame["indicator"])
    layout = fit(widths, "indicator", need, labels, helps)
    if layout.row_height is not None:  # too narrow for one line each: the unit wraps too
        widths["unit"] = min(unit_need, 150)
        layout = fit(widths, "indicator", need, labels, helps)
        layout = Layout(layout.widths, WRAP_ROW_HEIGHT, layout.labels, layout.helps)
    return frame, layout
