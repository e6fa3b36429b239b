"""Country polygons for the map: Natural Earth 1:50m, simplified, one feature per ISO3.

1:50m rather than 1:110m because the small states that matter here (Singapore, Bahrain, Hong Kong,
Malta) exist only at 1:50m. Every feature carries a single property, `iso3`; names, scores and
colours are merged in at run time (`risk.mapview`).

Keying rules, in order:
- `ISO_A3_EH`, mapped through the matcher so Natural Earth's own codes (SDS, SAH, PSX, ALD) become
  ISO3; where it is -99 the unit code `ADM0_A3` is tried (Kosovo: KOS -> XKX).
- Somaliland (SOL) is drawn as part of Somalia and Northern Cyprus (CYN) as part of Cyprus, as every
  statistical source reports them.
- Siachen Glacier (KAS) is dropped: an uninhabited area claimed by India and Pakistan, with no
  statistics of its own; giving it to either claimant would take a side, so it stays blank.
- Antarctica is dropped; units sharing a code (Australia and its Indian Ocean islets) are dissolved.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import geopandas as gpd
import shapely
from shapely.geometry import mapping
from shapely.geometry.base import BaseGeometry

from risk.errors import IngestError
from risk.harmonise import CountryMatcher
from risk.ingest.common import round_coords, write_json

NE_FILE = "ne_50m_admin_0_countries.zip"
# Degrees. Chosen so the GeoJSON lands near 500 kB (measured on NE 5.1.1 1:50m).
SIMPLIFY_TOLERANCE = 0.05
# Coordinates are snapped to this grid (3 decimals, about 100 m at the equator).
PRECISION = 0.001
DECIMALS = 3
MAX_BYTES = 600_000
# Natural Earth units drawn as part of another country.
MERGE_INTO = {"SOL": "SOM", "CYN": "CYP"}
# Natural Earth units left off the map, with the reason.
DROPPED = {
    "ATA": "Antarctica: no country statistics",
    "KAS": "Siachen Glacier: disputed by India and Pakistan, uninhabited, no statistics",
}
REQUIRED = ("SGP", "BHR", "HKG", "MLT", "TWN")


def _key(eh: str, adm0: str, matcher: CountryMatcher) -> str | None:
    """ISO3 for one Natural Earth unit, or None when it has no country code."""
    if adm0 in MERGE_INTO:
        return MERGE_INTO[adm0]
    if eh and eh != "-99":
        return matcher.code(eh)
    return matcher.code(adm0)


def _read_units(raw: Path) -> gpd.GeoDataFrame:
    path = raw / "natural_earth" / NE_FILE
    if not path.exists():
        raise IngestError(f"geometry: Natural Earth file not found at {path}")
    return gpd.read_file(f"zip://{path}", columns=["ADM0_A3", "ISO_A3_EH"], engine="pyogrio")


def _keyed_units(units: gpd.GeoDataFrame, matcher: CountryMatcher) -> gpd.GeoDataFrame:
    """Attach `iso3` to every unit; drop the documented exceptions; fail on anything unknown."""
    units = units[~units["ADM0_A3"].isin(DROPPED) & ~units["ISO_A3_EH"].isin(DROPPED)].copy()
    units["iso3"] = [
        _key(str(eh), str(adm0), matcher)
        for eh, adm0 in zip(units["ISO_A3_EH"], units["ADM0_A3"], strict=True)
    ]
    missing = units[units["iso3"].isna()]
    if not missing.empty:
        raise IngestError(
            "geometry: Natural Earth units without a known ISO3 code",
            rows=missing[["ADM0_A3", "ISO_A3_EH"]].to_dict("records"),
        )
    return units


def _dissolve(units: gpd.GeoDataFrame) -> dict[str, BaseGeometry]:
    """One geometry per ISO3; inputs are ordered so the union is the same on every run."""
    out: dict[str, BaseGeometry] = {}
    for iso3, group in units.sort_values(["iso3", "ADM0_A3"]).groupby("iso3", sort=True):
        geoms = list(group.geometry)
        merged = geoms[0] if len(geoms) == 1 else shapely.union_all(geoms)
        out[str(iso3)] = shapely.make_valid(merged) if not merged.is_valid else merged
    return out


def _polygonal(geom: BaseGeometry) -> BaseGeometry:
    """Keep only the polygon parts (snapping can leave stray lines or points in a collection)."""
    if geom.geom_type in ("Polygon", "MultiPolygon"):
        return geom
    parts = [g for g in shapely.get_parts(geom) if g.geom_type in ("Polygon", "MultiPolygon")]
    return shapely.union_all(parts) if parts else shapely.Polygon()


def _good(geom: BaseGeometry) -> bool:
    return (
        not geom.is_empty
        and geom.is_valid
        and geom.geom_type in ("Polygon", "MultiPolygon")
        and geom.area > 0
    )


def simplify_geometry(geom: BaseGeometry, tolerance: float) -> BaseGeometry:
    """Simplify, snap to the 3-decimal grid and orient rings (exterior counter-clockwise).

    If that leaves nothing valid (a small island state), the unsimplified shape is snapped instead.
    """
    for tol in (tolerance, 0.0):
        candidate = geom.simplify(tol, preserve_topology=True) if tol > 0 else geom
        candidate = _polygonal(shapely.set_precision(candidate, PRECISION, mode="valid_output"))
        if _good(candidate):
            return shapely.orient_polygons(candidate)
    raise IngestError("geometry: a polygon vanished even without simplification")


def _feature(iso3: str, geom: BaseGeometry) -> dict[str, Any]:
    shape = mapping(geom)
    return {
        "type": "Feature",
        "properties": {"iso3": iso3},
        "geometry": {
            "type": shape["type"],
            "coordinates": round_coords(shape["coordinates"], DECIMALS),
        },
    }


def _check(fc: dict[str, Any], matcher: CountryMatcher) -> None:
    keys = [f["properties"]["iso3"] for f in fc["features"]]
    if len(keys) != len(set(keys)):
        raise IngestError("geometry: an ISO3 code appears on more than one feature")
    unknown = sorted(set(keys) - matcher.known)
    if unknown:
        raise IngestError(
            "geometry: ISO3 codes not in the countries table", rows=[{"iso3": k} for k in unknown]
        )
    absent = [k for k in REQUIRED if k not in keys]
    if absent:
        raise IngestError(
            "geometry: small places that must be on the map are missing",
            rows=[{"iso3": k} for k in absent],
        )
    if "ATA" in keys:
        raise IngestError("geometry: Antarctica should have been dropped")
    size = len(dumps_geometry(fc).encode("utf-8"))
    if size > MAX_BYTES:
        raise IngestError(
            f"geometry: {size:,} bytes exceeds {MAX_BYTES:,}; raise SIMPLIFY_TOLERANCE"
        )


def features_from_units(
    units: gpd.GeoDataFrame, matcher: CountryMatcher, tolerance: float = SIMPLIFY_TOLERANCE
) -> list[dict[str, Any]]:
    """Key, dissolve and simplify Natural Earth-like units (columns ADM0_A3, ISO_A3_EH)."""
    keyed = _keyed_units(units, matcher)
    return [
        _feature(iso3, simplify_geometry(geom, tolerance))
        for iso3, geom in _dissolve(keyed).items()
    ]


def build_geometry(
    raw: Path, matcher: CountryMatcher, tolerance: float = SIMPLIFY_TOLERANCE
) -> dict[str, Any]:
    """Load Natural Earth 1:50m, key by ISO3 and simplify: a FeatureCollection sorted by iso3."""
    units = _read_units(raw)
    fc = {"type": "FeatureCollection", "features": features_from_units(units, matcher, tolerance)}
    _check(fc, matcher)
    return fc


def dumps_geometry(fc: dict[str, Any]) -> str:
    """The exact text `write_geometry` writes: compact, sorted keys, UTF-8."""
    return json.dumps(fc, ensure_ascii=False, separators=(",", ":"), sort_keys=True)


def write_geometry(fc: dict[str, Any], path: Path) -> Path:
    """Write the collection as compact, deterministic JSON."""
    return write_json(fc, path, compact=True)
