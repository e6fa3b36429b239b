"""Indicators derived from other observations (bloc balance, recent Chinese investment, ...)."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from risk.gates import in_force

# US-aligned and China-aligned groupings used by the bloc-balance indicator (countries table flags).
US_BLOCS: tuple[str, ...] = (
    "bloc_nato",
    "bloc_us_mnna",
    "bloc_five_eyes",
    "bloc_quad",
    "bloc_g7",
    "bloc_oecd",
    "bloc_eu",
)
CHINA_BLOCS: tuple[str, ...] = ("bloc_brics", "bloc_sco", "bloc_bri")
CGIT_WINDOW_YEARS = 5
PARTNERSHIPS_CODE = "derived.us_ai_partnerships"


# --------------------------------------------------------------------------------------
# Preparation (once per data version and as-of year)
# --------------------------------------------------------------------------------------
def _wide(obs: pd.DataFrame, code: str) -> pd.DataFrame:
    sub = obs[obs["indicator"] == code]
    return sub.pivot_table(index="iso3", columns="year", values="value", aggfunc="last")


def _long(wide: pd.DataFrame, code: str, source: str) -> pd.DataFrame:
    out = wide.stack().rename("value").reset_index()
    out.columns = ["iso3", "year", "value"]
    out = out[np.isfinite(out["value"].astype(float))]
    out["indicator"] = code
    out["source"] = source
    return out


def partnerships_in_force(table: pd.DataFrame, as_of: date) -> pd.Series:
    """Which US AI agreements apply on `as_of`: signed on or before it and not ended (the dating
    rule of the export-control groups)."""
    dated = pd.DataFrame(
        {
            "effective_from": table["signed"],
            "effective_to": table.get("effective_to", pd.Series(None, index=table.index)),
        },
        index=table.index,
    )
    return in_force(dated, as_of)


def partnership_counts(
    countries: pd.DataFrame, partnerships: pd.DataFrame | None, as_of: date
) -> pd.DataFrame:
    """derived.us_ai_partnerships: the US AI agreements a country has signed by `as_of` and not left
    (one per agreement; every country gets a row, zero when it has none)."""
    n = pd.Series(0.0, index=countries["iso3"].astype(str))
    if partnerships is not None and not partnerships.empty:
        counts = (
            partnerships[partnerships_in_force(partnerships, as_of)]
            .groupby("iso3")["agreement"]
            .nunique()
            .astype(float)
        )
        n = n.add(counts.reindex(n.index).fillna(0.0), fill_value=0.0)
    return pd.DataFrame(
        {
            "iso3": n.index,
            "indicator": PARTNERSHIPS_CODE,
            "year": as_of.year,
            "value": n.to_numpy(dtype=float),
            "source": "us_ai_partnerships",
        }
    )


def derive_indicators(
    countries: pd.DataFrame,
    observations: pd.DataFrame,
    as_of_year: int,
    partnerships: pd.DataFrame | None = None,
    as_of: date | None = None,
) -> pd.DataFrame:
    """Indicators computed from other tables; long form like the observations.

    - derived.bloc_balance: US-aligned minus China-aligned memberships (current, from countries).
    - derived.fx_change_3y: annualised % change of LCU per US$ over three years (depreciation > 0).
    - derived.current_account_pct_gdp, derived.reserves_months_imports: same-year ratios.
    - derived.cloud_china_share: Chinese providers' regions / all cloud regions (0 if none).
    - derived.cgit_5y_pct_gdp: recorded Chinese investment + construction over the last five
      years of the tracker, as % of GDP (no recorded deal counts as zero).
    - derived.us_devfin_access: 1 if not high income (World Bank classification).
    - derived.us_ai_partnerships: US AI agreements signed by the as-of date (`partnership_counts`).
    """
    frames: list[pd.DataFrame] = [
        partnership_counts(countries, partnerships, as_of or date(as_of_year, 12, 31))
    ]
    c = countries.set_index("iso3")
    us = [b for b in US_BLOCS if b in c.columns]
    cn = [b for b in CHINA_BLOCS if b in c.columns]
    if us or cn:
        bal = c[us].fillna(False).astype(int).sum(axis=1) - c[cn].fillna(False).astype(int).sum(
            axis=1
        )
        frames.append(
            pd.DataFrame(
                {
                    "iso3": bal.index,
                    "year": as_of_year,
                    "value": bal.to_numpy(dtype=float),
                    "indicator": "derived.bloc_balance",
                    "source": "curated",
                }
            )
        )
    if "income_group" in c.columns:
        inc = c["income_group"].dropna()
        frames.append(
            pd.DataFrame(
                {
                    "iso3": inc.index,
                    "year": as_of_year,
                    "value": (inc != "High income").to_numpy(dtype=float),
                    "indicator": "derived.us_devfin_access",
                    "source": "wb_income_class",
                }
            )
        )
    obs = observations
    fx = _wide(obs, "wdi.pa.nus.fcrf")
    if not fx.empty:
        lagged = fx.T.shift(3).T  # value three columns (years) earlier, when years are contiguous
        years = np.asarray(fx.columns, dtype=int)
        contiguous = pd.Series(years - np.roll(years, 3) == 3, index=fx.columns)
        ratio = (fx / lagged).where(contiguous, axis=1)
        change = (np.sign(ratio) * np.abs(ratio) ** (1 / 3) - 1) * 100
        frames.append(_long(change, "derived.fx_change_3y", "wdi"))
    gdp = _wide(obs, "wdi.ny.gdp.mktp.cd")
    cab = _wide(obs, "wdi.bn.cab.xoka.cd")
    if not gdp.empty and not cab.empty:
        frames.append(_long(cab / gdp * 100, "derived.current_account_pct_gdp", "wdi"))
    res = _wide(obs, "wdi.fi.res.totl.cd")
    imp = _wide(obs, "wdi.ne.imp.gnfs.zs")
    if not gdp.empty and not res.empty and not imp.empty:
        monthly_imports = imp / 100 * gdp / 12
        frames.append(_long(res / monthly_imports, "derived.reserves_months_imports", "wdi"))
    clouds = [_wide(obs, f"cloud.regions_{k}") for k in ("us", "china", "other")]
    if not any(w.empty for w in clouds):
        total = clouds[0].add(clouds[1], fill_value=0).add(clouds[2], fill_value=0)
        share = (clouds[1].reindex_like(total).fillna(0) / total).where(total > 0, 0.0)
        frames.append(_long(share, "derived.cloud_china_share", "cloud_regions_cim"))
    cg = obs[obs["indicator"].isin(["cgit.investment_usd_m", "cgit.construction_usd_m"])]
    if not cg.empty and not gdp.empty:
        end = min(int(cg["year"].max()), as_of_year)
        window = cg[(cg["year"] > end - CGIT_WINDOW_YEARS) & (cg["year"] <= end)]
        total = window.groupby("iso3")["value"].sum()
        gdp_end = gdp.loc[:, [y for y in gdp.columns if y <= end]]
        gdp_latest = gdp_end.ffill(axis=1).iloc[:, -1] if gdp_end.shape[1] else pd.Series()
        share = total.reindex(gdp_latest.index).fillna(0.0) / (gdp_latest / 1e6) * 100
        share = share.dropna()
        frames.append(
            pd.DataFrame(
                {
                    "iso3": share.index,
                    "year": end,
                    "value": share.to_numpy(dtype=float),
                    "indicator": "derived.cgit_5y_pct_gdp",
                    "source": "aei_cgit",
                }
            )
        )
    if not frames:
        return pd.DataFrame(columns=["iso3", "indicator", "year", "value", "source"])
    out = pd.concat(frames, ignore_index=True)
    out["year"] = out["year"].astype(int)
    return out[["iso3", "indicator", "year", "value", "source"]]
