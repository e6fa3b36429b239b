"""`prepare`: long observations -> the dense countries x indicators matrix of one as-of year
(derive -> select the latest value within its age limit -> transform)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd

from risk.framework import (
    Framework,
    load_framework,
)
from risk.scoring import market
from risk.scoring.derived import derive_indicators
from risk.scoring.inputs import Inputs, scored_countries


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
    small_market: np.ndarray  # each country's share (0-1) of the small-market discount
    # What every spec on this matrix shares and no weight changes (imputed, treated and
    # normalised values per method; the framework's columns as arrays), built on first use by
    # `risk.scoring.steps.shared` and never modified; an edited copy starts empty.
    shared: dict[tuple[str, ...], Any] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

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


def prepare(
    inputs: Inputs, framework: Framework | None = None, as_of: date | None = None
) -> Prepared:
    """Derive, select the latest value within age, and transform: the per-version matrix."""
    fw = framework or load_framework()
    as_of = as_of or date.today()
    year = as_of.year
    countries = scored_countries(inputs.countries)
    iso3 = countries["iso3"].astype(str).to_numpy(dtype=object)
    obs = inputs.observations[["iso3", "indicator", "year", "value", "source"]].copy()
    obs["year"] = obs["year"].astype(int)
    obs["value"] = obs["value"].astype(float)
    derived = derive_indicators(inputs.countries, obs, year, inputs.partnerships, as_of)
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
    size, _, _ = select_latest(
        obs,
        iso3,
        [market.POP_CODE, market.GDP_CODE, market.CLUSTERS_CODE],
        np.array([10, market.MAX_AGE_YEARS, 10]),
        np.array([False, False, True]),
        year,
    )
    pop = size[:, 0]
    transformed = apply_transforms(raw, list(ind["transform"]), pop)
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
        small_market=market.small_market_share(size[:, 1], pop, size[:, 2]),
    )
