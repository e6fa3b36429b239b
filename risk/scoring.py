"""The scoring pipeline: a chain of named, pure steps from observations to ranked scores.

Once per data version and as-of year the long observations become a dense countries x indicators
matrix (`prepare`: derive -> select latest within age -> transform). Every scoring run then goes
through vectorised steps over that matrix, each a pure function of (data, spec):

    screen -> impute -> treat_outliers -> normalise -> weights -> aggregate -> gates -> rank

Each step's output is kept in `ScoreResult.steps` so any number can be inspected and explained.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field, replace
from datetime import date
from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd

from risk.errors import RiskError, SpecError
from risk.framework import (
    PILLARS,
    Framework,
    load_framework,
    validate_framework,
    validate_presets,
)
from risk.gates import (
    COUNTRIES_OF_CONCERN,
    REASON_LOW_COVERAGE,
    GateResult,
    apply_gates,
)
from risk.paths import DATASETS_DIR
from risk.spec import ScoreSpec

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
# Skewness and kurtosis thresholds that mark an indicator for outlier treatment (as in COINr).
SKEW_LIMIT = 2.0
KURT_LIMIT = 3.5
MAX_WINSORISED = 5
GEOMETRIC_FLOOR = 1.0  # geometric means need positive inputs: scores are floored at 1 (of 100)
RANK_DECIMALS = 9  # scores are rounded before ranking so float noise never splits a tie
RESULT_COLUMNS: tuple[str, ...] = (
    "iso3",
    "name_en",
    "name_zh_tw",
    "score",
    "rank",
    "eligible",
    "reason",
    *PILLARS,
    "rank_p05",
    "rank_median",
    "rank_p95",
    "coverage",
)


# --------------------------------------------------------------------------------------
# Inputs
# --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Inputs:
    """The tables scoring reads, and the data version they come from."""

    countries: pd.DataFrame
    observations: pd.DataFrame
    export_controls: pd.DataFrame
    diffusion_tiers: pd.DataFrame
    data_version: str
    indicators: pd.DataFrame | None = None
    framework_overrides: pd.DataFrame | None = None  # framework rows added by published uploads


def with_overrides(framework: Framework, overrides: pd.DataFrame | None) -> Framework:
    """The framework with uploaded rows added (a row with an existing code replaces it)."""
    if overrides is None or overrides.empty:
        return framework
    base = framework.indicators
    extra = overrides.astype(object).where(overrides.notna(), None)
    merged = pd.concat(
        [base[~base["code"].isin(set(extra["code"]))].astype(object), extra[list(base.columns)]],
        ignore_index=True,
    )
    indicators = validate_framework(merged.astype(str).replace({"None": "", "nan": ""}))
    return Framework(indicators, validate_presets(_presets_frame(framework), indicators))


def _presets_frame(framework: Framework) -> pd.DataFrame:
    rows = [
        (name, kind, key, str(w))
        for name, p in framework.presets.items()
        for kind, pairs in (("pillar", p.pillar_weights), ("indicator", p.indicator_weights))
        for key, w in pairs
    ]
    return pd.DataFrame(rows, columns=["preset", "kind", "key", "weight"])


def load_inputs(store: Any | None = None) -> Inputs:
    """Read the scoring inputs from the store (or, without a store, from `datasets/` directly)."""
    names = (
        "countries",
        "observations",
        "export_controls",
        "diffusion_tiers",
        "indicators",
        "framework_overrides",
    )
    if store is None:
        try:
            from risk.store import open_store

            store = open_store()
        except RiskError:
            store = None
    if store is not None:
        available = set(store.tables())
        frames = {n: store.table(n) if n in available else None for n in names}
        version = str(store.data_version)
    else:
        frames = {}
        for n in names:
            path = DATASETS_DIR / f"{n}.parquet"
            frames[n] = pd.read_parquet(path) if path.exists() else None
        version = "unversioned"
    for required in names[:3]:
        if frames[required] is None:
            raise RiskError(f"table {required} is missing: run `python -m risk build` first")
    tiers = frames["diffusion_tiers"]
    if tiers is None:
        tiers = pd.DataFrame({"iso3": [], "tier": []})
    return Inputs(
        countries=frames["countries"],  # type: ignore[arg-type]
        observations=frames["observations"],  # type: ignore[arg-type]
        export_controls=frames["export_controls"],  # type: ignore[arg-type]
        diffusion_tiers=tiers,
        data_version=version,
        indicators=frames["indicators"],
        framework_overrides=frames["framework_overrides"],
    )


def scored_countries(countries: pd.DataFrame) -> pd.DataFrame:
    """Sovereign states plus Hong Kong and Macau (gated, but shown); territories are not scored."""
    sov = countries["sovereign"].fillna(False).astype(bool)
    keep = sov | countries["iso3"].isin(COUNTRIES_OF_CONCERN)
    return countries[keep].sort_values("iso3").reset_index(drop=True)


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


def derive_indicators(
    countries: pd.DataFrame, observations: pd.DataFrame, as_of_year: int
) -> pd.DataFrame:
    """Indicators computed from other tables; long form like the observations.

    - derived.bloc_balance: US-aligned minus China-aligned memberships (current, from countries).
    - derived.fx_change_3y: annualised % change of LCU per US$ over three years (depreciation > 0).
    - derived.current_account_pct_gdp, derived.reserves_months_imports: same-year ratios.
    - derived.cloud_china_share: Chinese providers' regions / all cloud regions (0 if none).
    - derived.cgit_5y_pct_gdp: recorded Chinese investment + construction over the last five
      years of the tracker, as % of GDP (no recorded deal counts as zero).
    - derived.us_devfin_access: 1 if not high income (World Bank classification).
    """
    frames: list[pd.DataFrame] = []
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


def select_latest(
    observations: pd.DataFrame,
    iso3: np.ndarray,
    codes: list[str],
    max_age: np.ndarray,
    absent_is_zero: np.ndarray,
    as_of_year: int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each country's newest value per indicator no later than the as-of year and within its age.

    Returns (values, years, sources) matrices; missing cells are NaN / 0 / "". Indicators from
    complete registries (`absent_is_zero`) count a country without a record as zero, dated to the
    registry's year.
    """
    n, k = len(iso3), len(codes)
    values = np.full((n, k), np.nan)
    years = np.zeros((n, k), dtype=np.int64)
    sources = np.full((n, k), "", dtype=object)
    age_of = dict(zip(codes, max_age, strict=True))
    obs = observations[observations["indicator"].isin(codes) & observations["iso3"].isin(iso3)]
    obs = obs[(obs["year"] <= as_of_year) & np.isfinite(obs["value"].astype(float))]
    limit = obs["indicator"].map(age_of).astype(int)
    obs = obs[as_of_year - obs["year"] <= limit]
    obs = obs.sort_values(["indicator", "iso3", "year"]).drop_duplicates(
        ["indicator", "iso3"], keep="last"
    )
    ri = pd.Index(iso3).get_indexer(obs["iso3"])
    ci = pd.Index(codes).get_indexer(obs["indicator"])
    values[ri, ci] = obs["value"].to_numpy(dtype=float)
    years[ri, ci] = obs["year"].to_numpy(dtype=np.int64)
    sources[ri, ci] = obs["source"].astype(str).to_numpy(dtype=object)
    for j in np.flatnonzero(absent_is_zero):
        have = ~np.isnan(values[:, j])
        if have.any():
            fill = ~have
            values[fill, j] = 0.0
            years[fill, j] = years[have, j].max()
            sources[fill, j] = sources[have, j][0]
    return values, years, sources


def apply_transforms(
    values: np.ndarray, transforms: list[str], population: np.ndarray
) -> np.ndarray:
    """Framework transforms: log (positive values only), log1p (counts), per capita (per million)."""
    out = values.copy()
    with np.errstate(divide="ignore", invalid="ignore"):
        for j, tf in enumerate(transforms):
            col = values[:, j]
            if tf == "log":
                out[:, j] = np.where(col > 0, np.log(np.where(col > 0, col, 1.0)), np.nan)
            elif tf == "log1p":
                out[:, j] = np.where(col > -1, np.log1p(np.where(col > -1, col, 0.0)), np.nan)
            elif tf == "per_capita":
                out[:, j] = col / population * 1e6
    return out


@dataclass(frozen=True)
class Prepared:
    """The dense matrix for one data version and as-of year, plus country attributes."""

    data_version: str
    as_of_year: int
    framework: Framework
    countries: pd.DataFrame  # scored countries, sorted by iso3
    iso3: np.ndarray
    raw: np.ndarray  # latest values (countries x indicators)
    years: np.ndarray
    sources: np.ndarray
    transformed: np.ndarray
    group_codes: np.ndarray  # (n, 3): region x income cell, income group, region (ints)

    @cached_property
    def codes(self) -> list[str]:
        return self.framework.codes


def _group_codes(countries: pd.DataFrame) -> np.ndarray:
    region = countries["region"].astype(object).where(countries["region"].notna(), None)
    income = countries.get("income_group", pd.Series(None, index=countries.index)).astype(object)
    income = income.where(income.notna(), None)
    cell = pd.Series(list(zip(region, income, strict=True)), index=countries.index).astype(str)
    out = np.column_stack(
        [
            pd.factorize(cell.where(income.notna() & region.notna()))[0],
            pd.factorize(income)[0],
            pd.factorize(region)[0],
        ]
    )
    return out.astype(np.int64)


def prepare(inputs: Inputs, framework: Framework | None = None, as_of_year: int = 0) -> Prepared:
    """Derive, select the latest value within age, and transform: the per-version matrix."""
    fw = framework or load_framework()
    year = as_of_year or date.today().year
    countries = scored_countries(inputs.countries)
    iso3 = countries["iso3"].astype(str).to_numpy(dtype=object)
    obs = inputs.observations[["iso3", "indicator", "year", "value", "source"]].copy()
    obs["year"] = obs["year"].astype(int)
    obs["value"] = obs["value"].astype(float)
    derived = derive_indicators(inputs.countries, obs, year)
    allobs = pd.concat([obs, derived], ignore_index=True)
    ind = fw.indicators
    raw, years, sources = select_latest(
        allobs,
        iso3,
        fw.codes,
        ind["max_age_years"].to_numpy(),
        ind["absent_is_zero"].to_numpy(dtype=bool),
        year,
    )
    pop, _, _ = select_latest(
        obs, iso3, ["wdi.sp.pop.totl"], np.array([10]), np.array([False]), year
    )
    transformed = apply_transforms(raw, list(ind["transform"]), pop[:, 0])
    return Prepared(
        data_version=inputs.data_version,
        as_of_year=year,
        framework=fw,
        countries=countries,
        iso3=iso3,
        raw=raw,
        years=years,
        sources=sources,
        transformed=transformed,
        group_codes=_group_codes(countries),
    )


# --------------------------------------------------------------------------------------
# Steps (vectorised, pure)
# --------------------------------------------------------------------------------------
def effective_weights(framework: Framework, spec: ScoreSpec) -> tuple[np.ndarray, np.ndarray]:
    """Indicator weights (framework defaults overridden by the spec) and pillar weights."""
    codes = framework.codes
    w = framework.indicators["weight"].to_numpy(dtype=float).copy()
    pos = {c: i for i, c in enumerate(codes)}
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
            lo, hi = np.nanpercentile(x, 5, axis=0), np.nanpercentile(x, 95, axis=0)
        span = hi - lo
        scaled = np.where(span > 0, (x - lo) / np.where(span > 0, span, 1.0) * 100, 50.0)
    if method == "goalposts":
        scaled = np.clip(scaled, 0, 100)
    return np.where(np.isnan(x), np.nan, scaled)


def _percentile_rank(x: np.ndarray) -> np.ndarray:
    """Percentile rank 0-100 per column (ties share their average rank); NaN stays NaN."""
    out = np.full(x.shape, np.nan)
    for j in range(x.shape[1]):
        col = x[:, j]
        ok = ~np.isnan(col)
        m = int(ok.sum())
        if m == 0:
            continue
        if m == 1:
            out[ok, j] = 50.0
            continue
        r = pd.Series(col[ok]).rank(method="average").to_numpy()
        out[ok, j] = (r - 1) / (m - 1) * 100
    return out


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
    order = np.argsort(s, axis=1, kind="stable")
    sorted_s = np.take_along_axis(s, order, axis=1)
    pos = np.arange(cols.size)[None, :]
    start = np.ones_like(sorted_s, dtype=bool)
    start[:, 1:] = sorted_s[:, 1:] != sorted_s[:, :-1]
    first = np.maximum.accumulate(np.where(start, pos, 0), axis=1) + 1
    ranks = np.empty_like(first)
    np.put_along_axis(ranks, order, first, axis=1)
    out[:, cols] = ranks
    return out


# --------------------------------------------------------------------------------------
# Running a spec
# --------------------------------------------------------------------------------------
@dataclass
class ScoreResult:
    """A scored spec: the per-country table, every step's output, and warnings."""

    spec: ScoreSpec
    table: pd.DataFrame
    prepared: Prepared
    steps: dict[str, Any] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    def step_frame(self, name: str) -> pd.DataFrame:
        """A countries x indicators step output (raw, years, transformed, imputed, treated,
        normalised) as a frame."""
        value = self.steps[name]
        return pd.DataFrame(
            value, index=pd.Index(self.prepared.iso3, name="iso3"), columns=self.prepared.codes
        )


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


def core_steps(prep: Prepared, spec: ScoreSpec, imputation: str | None = None) -> Core:
    """screen -> impute -> treat outliers, with the effective weights."""
    fw = prep.framework
    w, pw = effective_weights(fw, spec)
    pillars = pillar_index(fw)
    observed = ~np.isnan(prep.transformed)
    scr = screen(observed, w, pw, pillars, fw.indicators["min_coverage"].to_numpy(float))
    imp = impute(prep.transformed, prep.group_codes, imputation or spec.imputation)
    treat = treat_outliers(imp, spec.outliers)
    available = ~np.isnan(treat.values) & (scr.weights > 0)[None, :]
    direction = fw.indicators["direction"].to_numpy(float)
    return Core(scr, imp, treat, available, scr.weights, pw, pillars, direction)


def penalties(spec: ScoreSpec, gates: GateResult) -> np.ndarray:
    """Points subtracted for D:1/D:3/D:4 groups in force and, in the diffusion scenario, tier 2."""
    pen = spec.d_group_penalty * gates.penalty_groups.astype(float)
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


class ScoringEngine:
    """Scores specs against one data version; caches the prepared matrix per as-of year."""

    def __init__(self, inputs: Inputs, framework: Framework | None = None):
        self.inputs = inputs
        self.framework = with_overrides(framework or load_framework(), inputs.framework_overrides)
        self._prepared: dict[int, Prepared] = {}
        self._gates: dict[tuple[str, bool, str], GateResult] = {}

    @classmethod
    def from_store(cls, store: Any | None = None) -> ScoringEngine:
        return cls(load_inputs(store))

    @property
    def data_version(self) -> str:
        return self.inputs.data_version

    def prepared(self, as_of_year: int) -> Prepared:
        if as_of_year not in self._prepared:
            self._prepared[as_of_year] = prepare(self.inputs, self.framework, as_of_year)
        return self._prepared[as_of_year]

    def gates(self, prep: Prepared, spec: ScoreSpec) -> GateResult:
        key = (spec.as_of, spec.include_conflicts, spec.scenario)
        if key not in self._gates:
            self._gates[key] = apply_gates(
                prep.iso3,
                self.inputs.export_controls,
                date.fromisoformat(spec.as_of),
                include_conflicts=spec.include_conflicts,
                diffusion_tiers=self.inputs.diffusion_tiers,
                scenario=spec.scenario,
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
        prep = self.prepared(date.fromisoformat(spec.as_of).year)
        result = score_prepared(prep, spec, self.gates(prep, spec))
        result.warnings[:0] = warns
        if monte_carlo and spec.mc_draws > 0:
            from risk.robustness import monte_carlo as run_mc

            mc = run_mc(result, spec.mc_draws)
            t = result.table
            t["rank_p05"], t["rank_median"], t["rank_p95"] = mc.p05, mc.median, mc.p95
            result.steps["monte_carlo"] = mc
        return result


def score_prepared(prep: Prepared, spec: ScoreSpec, gates: GateResult) -> ScoreResult:
    """The point score of a spec on a prepared matrix: every step, vectorised."""
    core = core_steps(prep, spec)
    norm = normalise(core.treatment.values, core.direction, spec.normalisation)
    geometric = spec.aggregation == "geometric"
    index, pil_batch = aggregate_batch(
        norm, core.available, core.pillars, core.w_ind[None, :], core.w_pil[None, :], geometric
    )
    assert pil_batch is not None
    pil = pil_batch
    pen = penalties(spec, gates)
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


_ENGINES: dict[str, ScoringEngine] = {}


def engine(store: Any | None = None) -> ScoringEngine:
    """The process-wide engine for the store's current data version (inputs read once)."""
    if store is None:
        try:
            from risk.store import open_store

            store = open_store()
        except RiskError:
            store = None
    version = str(store.data_version) if store is not None else None
    if version is not None and version in _ENGINES:
        return _ENGINES[version]
    framework = None
    if store is not None:
        from risk.versions import framework_for  # uploaded indicators join the framework

        framework = framework_for(store)
    eng = ScoringEngine(load_inputs(store), framework)
    _ENGINES.clear()
    _ENGINES[eng.data_version] = eng
    return eng


def score(spec: ScoreSpec, eng: ScoringEngine | None = None) -> ScoreResult:
    """Score a spec (on the store's current data unless an engine is given)."""
    return (eng or engine()).score(spec)


def result_table(result: ScoreResult, columns: tuple[str, ...] = RESULT_COLUMNS) -> pd.DataFrame:
    """The per-country table in rank order (ranked first, then the rest by score)."""
    t = result.table.sort_values(["rank", "score"], ascending=[True, False], na_position="last")
    extra = [c for c in t.columns if c not in columns]
    return t[list(columns) + extra].reset_index(drop=True)
