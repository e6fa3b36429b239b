"""The long-form observations table (iso3, indicator, year, value, source) and its indicator catalogue.

One reader per raw source folder (modules `obs_*`); each keeps every year available, keeps only rows
whose country is in the countries table, and reports what it set aside. This step concatenates
them and asserts the invariants the scorer relies on.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from risk.errors import IngestError
from risk.harmonise import CountryMatcher, Harmonised
from risk.ingest.common import (
    CATALOGUE_COLUMNS,
    OBSERVATION_COLUMNS,
    assert_known_iso3,
    assert_unique,
)
from risk.ingest.obs_cgit import read_cgit
from risk.ingest.obs_common import SourceResult
from risk.ingest.obs_energy import read_ember, read_gppd, read_owid
from risk.ingest.obs_epoch import read_epoch
from risk.ingest.obs_indices import read_egov, read_oxford
from risk.ingest.obs_ratings import read_ratings
from risk.ingest.obs_unga import read_unga
from risk.ingest.obs_worldbank import read_wdi, read_wgi

Reader = Callable[[Path, CountryMatcher], SourceResult]

# Source id (= raw folder name) -> reader, in the order the catalogue lists them.
READERS: dict[str, Reader] = {
    "wdi": read_wdi,
    "wgi": read_wgi,
    "oxford_ai_readiness": read_oxford,
    "un_egov": read_egov,
    "unga_ideal_points": read_unga,
    "ember_electricity": read_ember,
    "internet_users_owid": read_owid,
    "sovereign_ratings": read_ratings,
    "aei_cgit": read_cgit,
    "wri_gppd": read_gppd,
    "epoch_gpu_clusters": read_epoch,
}

# Fewest distinct countries each real source must yield (measured coverage, with some slack).
DEFAULT_MIN_COUNTRIES: dict[str, int] = {
    "wdi": 200,
    "wgi": 200,
    "oxford_ai_readiness": 190,
    "un_egov": 190,
    "unga_ideal_points": 185,
    "ember_electricity": 190,
    "internet_users_owid": 190,
    "sovereign_ratings": 130,
    "aei_cgit": 150,
    "wri_gppd": 160,
    # Epoch lists clusters in 37 countries; absence is a known zero, not a gap.
    "epoch_gpu_clusters": 35,
}

_CJK_RE = re.compile(r"[\u4e00-\u9fff]")


@dataclass
class ObservationsResult:
    """Observations of every source, one catalogue row per indicator, one harmonisation per source."""

    observations: pd.DataFrame
    catalogue: pd.DataFrame
    harmonised: list[Harmonised]


def _check_catalogue(catalogue: pd.DataFrame, observations: pd.DataFrame) -> None:
    assert_unique(catalogue, ["code"], "indicator catalogue")
    blank = catalogue[
        catalogue[CATALOGUE_COLUMNS].isna().any(axis=1)
        | (catalogue[CATALOGUE_COLUMNS].astype(str).apply(lambda s: s.str.strip()) == "").any(
            axis=1
        )
    ]
    if not blank.empty:
        raise IngestError(
            "indicator catalogue: rows with an empty field",
            rows=blank[["code"]].to_dict("records"),
        )
    not_zh = catalogue[~catalogue["name_zh"].str.contains(_CJK_RE)]
    if not not_zh.empty:
        raise IngestError(
            "indicator catalogue: name_zh has no Chinese characters",
            rows=not_zh[["code", "name_zh"]].to_dict("records"),
        )
    orphans = sorted(set(observations["indicator"]) - set(catalogue["code"]))
    if orphans:
        raise IngestError(
            "observations: indicators missing from the catalogue",
            rows=[{"indicator": o} for o in orphans],
        )
    empty = sorted(set(catalogue["code"]) - set(observations["indicator"]))
    if empty:
        raise IngestError(
            "indicator catalogue: indicators without any observation",
            rows=[{"code": c} for c in empty],
        )


def _check_coverage(observations: pd.DataFrame, minimum: Mapping[str, int]) -> None:
    counts = observations.groupby("source")["iso3"].nunique()
    short = [
        {"source": source, "countries": int(counts.get(source, 0)), "expected_at_least": need}
        for source, need in minimum.items()
        if int(counts.get(source, 0)) < need
    ]
    if short:
        raise IngestError("observations: sources cover fewer countries than expected", rows=short)


def build_observations(
    raw: Path,
    matcher: CountryMatcher,
    *,
    min_countries: Mapping[str, int] | None = None,
) -> ObservationsResult:
    """Read every indicator source under `raw` into one long table and its catalogue.

    `min_countries` overrides the per-source coverage floor (the defaults fit the real folders;
    tests on small fixtures pass `{}`).
    """
    results: dict[str, SourceResult] = {}
    for source, reader in READERS.items():
        result = reader(raw, matcher)
        result.harmonised.source = source
        results[source] = result

    observations = pd.concat(
        [r.observations for r in results.values()], ignore_index=True
    ).reset_index(drop=True)
    observations = observations[OBSERVATION_COLUMNS].sort_values(["indicator", "iso3", "year"])
    observations = observations.reset_index(drop=True)
    assert_unique(observations, ["iso3", "indicator", "year"], "observations")
    assert_known_iso3(observations, matcher.known, "observations")

    catalogue = pd.DataFrame(
        [row for r in results.values() for row in r.catalogue], columns=CATALOGUE_COLUMNS
    )
    _check_catalogue(catalogue, observations)
    _check_coverage(observations, DEFAULT_MIN_COUNTRIES if min_countries is None else min_countries)
    return ObservationsResult(
        observations=observations,
        catalogue=catalogue.reset_index(drop=True),
        harmonised=[r.harmonised for r in results.values()],
    )
