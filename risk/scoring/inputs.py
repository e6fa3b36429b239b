"""The tables scoring reads (`Inputs`), loaded from a store at one data version."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from risk.errors import RiskError
from risk.gates import (
    COUNTRIES_OF_CONCERN,
)
from risk.store.protocol import ReadStore


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
    partnerships: pd.DataFrame | None = None  # US AI partnerships, dated (risk/data)


def load_inputs(store: ReadStore) -> Inputs:
    """Read the scoring inputs from a store at its data version."""
    names = (
        "countries",
        "observations",
        "export_controls",
        "diffusion_tiers",
        "indicators",
        "framework_overrides",
        "us_partnerships",
    )
    available = set(store.tables())
    frames = {n: store.table(n) if n in available else None for n in names}
    version = str(store.data_version)
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
        partnerships=frames["us_partnerships"],
    )


def scored_countries(countries: pd.DataFrame) -> pd.DataFrame:
    """Sovereign states plus Hong Kong and Macau (gated, but shown); territories are not scored."""
    sov = countries["sovereign"].fillna(False).astype(bool)
    keep = sov | countries["iso3"].isin(COUNTRIES_OF_CONCERN)
    return countries[keep].sort_values("iso3").reset_index(drop=True)
