"""Electricity and connectivity: Ember yearly overview, OWID internet users, WRI power capacity."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from risk.errors import IngestError
from risk.harmonise import CountryMatcher
from risk.ingest.common import require_columns
from risk.ingest.obs_common import SourceResult, entry, finish, match_codes, parse_numbers

EMBER_COLUMNS: dict[str, tuple[str, str, str, str, str, str]] = {
    # column: (code, name_en, name_zh, unit, description, higher_is)
    "demand_twh": (
        "ember.demand_twh",
        "Electricity demand",
        "電力需求",
        "TWh",
        "Ember yearly electricity demand (generation plus net imports), TWh. The newest year "
        "differs by country (2022, 2023 or 2024).",
        "better",
    ),
    "demand_mwh_per_capita": (
        "ember.demand_mwh_per_capita",
        "Electricity demand per capita",
        "人均電力需求",
        "MWh per person",
        "Ember yearly electricity demand per person, MWh.",
        "better",
    ),
    "emissions_intensity_gco2_per_kwh": (
        "ember.carbon_intensity",
        "Carbon intensity of electricity generation",
        "電力碳排放強度",
        "gCO2/kWh",
        "Ember carbon intensity of electricity generation, grams of CO2 per kWh.",
        "worse",
    ),
}

OWID_FILE = "share-of-individuals-using-the-internet.csv"
GPPD_FILE = "global_power_plant_database_country_summary.csv"
GPPD_YEAR = 2019


def read_ember(raw: Path, matcher: CountryMatcher) -> SourceResult:
    """Ember yearly overview; the 13 aggregates have an empty country_code."""
    path = raw / "ember_electricity" / "api_country_overview_yearly.csv"
    df = pd.read_csv(path, dtype=str, keep_default_na=False)
    require_columns(df, ["country_or_region", "country_code", "year", *EMBER_COLUMNS], "ember")
    df["year"] = parse_numbers(df["year"], "ember year")
    frames = []
    for column, (code, *_rest) in EMBER_COLUMNS.items():
        part = df[["country_code", "country_or_region", "year"]].copy()
        part["value"] = parse_numbers(df[column], f"ember {column}")
        part["indicator"] = code
        frames.append(part)
    long = pd.concat(frames, ignore_index=True)
    kept, harmonised = match_codes(
        long, "country_code", "country_or_region", "ember_electricity", matcher
    )
    catalogue = [
        entry(code, name_en, name_zh, unit, "ember_electricity", description, higher_is)
        for code, name_en, name_zh, unit, description, higher_is in EMBER_COLUMNS.values()
    ]
    return SourceResult(finish(kept, "ember_electricity"), catalogue, harmonised)


def read_owid(raw: Path, matcher: CountryMatcher) -> SourceResult:
    """OWID internet users, semicolon-separated; OWID_KOS -> XKX, OWID_WRL and uncoded groups dropped."""
    path = raw / "internet_users_owid" / OWID_FILE
    df = pd.read_csv(path, sep=";", dtype=str, keep_default_na=False)
    require_columns(df, ["Entity", "Code", "Year"], "internet_users_owid")
    value_cols = [c for c in df.columns if c not in ("Entity", "Code", "Year")]
    if len(value_cols) != 1:
        raise IngestError(f"internet_users_owid: expected one value column, found {value_cols}")
    df["year"] = parse_numbers(df["Year"], "internet_users_owid Year")
    df["value"] = parse_numbers(df[value_cols[0]], "internet_users_owid value")
    df["indicator"] = "owid.internet_users"
    kept, harmonised = match_codes(df, "Code", "Entity", "internet_users_owid", matcher)
    catalogue = [
        entry(
            "owid.internet_users",
            "Individuals using the Internet",
            "網際網路使用者比例",
            "% of population",
            "internet_users_owid",
            "Share of the population using the Internet (ITU via World Bank, republished by Our "
            "World in Data). Early-year zeros mean no Internet use, not missing data. No Taiwan.",
            "better",
        )
    ]
    return SourceResult(finish(kept, "internet_users_owid"), catalogue, harmonised)


def read_gppd(raw: Path, matcher: CountryMatcher) -> SourceResult:
    """Installed capacity per country from the GPPD v1.3.0 summary; count 0 means no data."""
    path = raw / "wri_gppd" / GPPD_FILE
    df = pd.read_csv(path, dtype=str, keep_default_na=False)
    require_columns(df, ["iso_code", "country", "count", "total_capacity_gw"], "wri_gppd")
    count = parse_numbers(df["count"], "wri_gppd count")
    # A country with no plant in the database is unknown, not a country without power plants.
    df["value"] = parse_numbers(df["total_capacity_gw"], "wri_gppd total_capacity_gw").where(
        count > 0
    )
    df["year"] = GPPD_YEAR
    df["indicator"] = "gppd.capacity_gw"
    kept, harmonised = match_codes(df, "iso_code", "country", "wri_gppd", matcher)
    catalogue = [
        entry(
            "gppd.capacity_gw",
            "Installed power-plant capacity",
            "電廠總裝置容量",
            "GW",
            "wri_gppd",
            "Total installed capacity of the plants in the WRI Global Power Plant Database v1.3.0 "
            "(capacity data c. 2017-2019, stored as year 2019; the database is no longer "
            "maintained). Countries with no plant in the database are missing, not zero.",
            "better",
        )
    ]
    return SourceResult(finish(kept, "wri_gppd"), catalogue, harmonised)
