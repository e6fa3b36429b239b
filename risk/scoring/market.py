"""Market size: a target must be big enough to buy AI infrastructure.

Per-capita and quality indicators alone let microstates outrank large markets. The rule: a country
whose economy is below US$100 bn (latest GDP in current US$ within five years) loses up to
`ScoreSpec.small_market_penalty` points, scaled on a log scale from nothing at US$100 bn to the full
discount at US$1 bn or less. A country with a known large AI cluster (Epoch AI) is not discounted:
its build-out shows that the market exists. A country with no recent GDP figure is discounted in full
if fewer than one million people live there, else by half.
"""

from __future__ import annotations

import numpy as np

FULL_SIZE_GDP = 100e9  # no discount at or above this economy size (current US$)
MIN_GDP = 1e9  # the full discount at or below it
SMALL_POPULATION = 1_000_000
GDP_CODE = "wdi.ny.gdp.mktp.cd"
POP_CODE = "wdi.sp.pop.totl"
CLUSTERS_CODE = "epoch.clusters"
MAX_AGE_YEARS = 5


def small_market_share(gdp: np.ndarray, population: np.ndarray, clusters: np.ndarray) -> np.ndarray:
    """Share (0-1) of the small-market discount each country takes (none when the data carries no
    GDP series at all: the rule cannot be applied)."""
    if not np.isfinite(gdp).any():
        return np.zeros(len(gdp))
    with np.errstate(divide="ignore", invalid="ignore"):
        span = np.log10(FULL_SIZE_GDP) - np.log10(MIN_GDP)
        share = np.clip((np.log10(FULL_SIZE_GDP) - np.log10(gdp)) / span, 0.0, 1.0)
    unknown = ~np.isfinite(share)
    tiny = ~(population >= SMALL_POPULATION)  # NaN population counts as tiny
    share = np.where(unknown, np.where(tiny, 1.0, 0.5), share)
    return np.where(np.nan_to_num(clusters) > 0, 0.0, share)
