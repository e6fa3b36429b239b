"""Digital infrastructure: hyperscaler cloud regions, submarine-cable landing points and cables.

Sources (each folder's PROVENANCE.md lists its quirks):
- `cloud_regions_cim`: TeleGeography Cloud Infrastructure Map, 8 providers, December 2024. Hong Kong
  is filed under "China" there; it is split out by metro name.
- `cloud_regions_dgl`: dgl/cloud-regions (OpenStreetMap, ODbL), July 2022; only the providers the
  CIM file lacks (Linode, Vultr) are taken from it.
- `telegeography_cables_v3_copy`: cable routes and landing points, 2025 vintage. Countries come only
  from the landing-point name ("City, Country"); Hong Kong and Macao points are labelled China and
  are reassigned by the nearest Natural Earth 1:50m polygon among China, Hong Kong and Macao.
- `telegeography_cables_2021`: owners and ready-for-service dates, joined on the cable slug.

Which cables land where is not in the v3 files; a cable is taken to land at a landing point when one
of its vertices lies within `LANDING_LINK_DEGREES` of the point (this reproduces the 2021 per-cable
landing lists for the cables present in both versions, apart from routes that changed since).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.geometry import mapping, shape
from shapely.geometry.base import BaseGeometry

from risk.errors import IngestError
from risk.harmonise import CountryMatcher, Harmonised
from risk.ingest.common import (
    CATALOGUE_COLUMNS,
    assert_known_iso3,
    assert_unique,
    finish_observations,
    round_coords,
)
from risk.ingest.sources import SOURCES

CIM = "cloud_regions_cim"
DGL = "cloud_regions_dgl"
CABLES_V3 = "telegeography_cables_v3_copy"
CABLES_2021 = "telegeography_cables_2021"

# Vintage years of the observations.
YEAR = {CIM: 2024, DGL: 2022, CABLES_V3: 2025}

# Provider names as the CIM file spells them -> (short name, origin).
CIM_PROVIDERS: dict[str, tuple[str, str]] = {
    "Amazon Web Services": ("AWS", "US"),
    "Microsoft Azure": ("Azure", "US"),
    "Google Cloud": ("Google", "US"),
    "Oracle Cloud": ("Oracle", "US"),
    "IBM Cloud": ("IBM", "US"),
    "Alibaba Cloud": ("Alibaba", "China"),
    "Huawei Cloud": ("Huawei", "China"),
    "Tencent Cloud": ("Tencent", "China"),
}
# dgl folders for providers the CIM file does not cover -> (short name, origin).
DGL_PROVIDERS: dict[str, tuple[str, str]] = {"linode": ("Linode", "US"), "vultr": ("Vultr", "US")}
# Metros the CIM file files under a country they are scored apart from.
CIM_METRO_COUNTRY = {"Hong Kong": "Hong Kong", "Macau": "Macao", "Macao": "Macao"}
# Internet top-level domains that are not the ISO alpha-2 code.
TLD_TO_ISO2 = {"uk": "GB"}

# Degrees (about 1 km): how close a cable vertex must be to a landing point to count as landing.
LANDING_LINK_DEGREES = 0.01
# Degrees: simplification of cable routes for the map layer, and coordinate decimals.
CABLE_TOLERANCE = 0.02
DECIMALS = 3
MAX_CABLE_BYTES = 420_000
# Landing points labelled China that may lie in Hong Kong or Macao (Natural Earth unit codes).
CHINA_SPLIT = ("CHN", "HKG", "MAC")

CLOUD_COLUMNS = [
    "provider",
    "provider_origin",
    "iso3",
    "city",
    "lat",
    "lon",
    "status",
    "region_code",
    "region_name",
    "zones",
    "source",
]
LANDING_COLUMNS = ["id", "name", "city", "iso3", "lat", "lon", "is_tbd", "source"]


@dataclass
class Infrastructure:
    """Derived infrastructure tables and the map layer of cable routes."""

    cloud_regions: pd.DataFrame
    landing_points: pd.DataFrame
    cables: dict[str, Any]
    observations: pd.DataFrame
    catalogue: pd.DataFrame
    harmonised: list[Harmonised] = field(default_factory=list)


# ---------------------------------------------------------------- cloud regions


def _read_json(path: Path) -> Any:
    if not path.exists():
        raise IngestError(f"infrastructure: file not found: {path}")
    with open(path, encoding="utf-8") as fh:
        return json.load(fh)


def parse_cim(data: dict[str, Any], matcher: CountryMatcher) -> tuple[pd.DataFrame, Harmonised]:
    """Provider-regions of the Cloud Infrastructure Map JSON, one row per provider and metro."""
    rows: list[dict[str, Any]] = []
    for metro in data.get("cloud_regions", []):
        city = str(metro["metro_area"]).strip()
        country = CIM_METRO_COUNTRY.get(city, str(metro["country"]).strip())
        for p in metro.get("cloud_service_providers", []):
            if p["name"] not in CIM_PROVIDERS:
                raise IngestError(
                    f"cloud regions: provider {p['name']!r} has no known origin; add it to "
                    "CIM_PROVIDERS",
                    rows=[{"provider": p["name"], "metro": city}],
                )
            short, origin = CIM_PROVIDERS[p["name"]]
            zones = p.get("zones")
            rows.append(
                {
                    "provider": short,
                    "provider_origin": origin,
                    "country": country,
                    "city": city,
                    "lat": float(metro["latitude"]),
                    "lon": float(metro["longitude"]),
                    "status": "in_service" if p.get("in_service") is True else "announced",
                    "region_code": p.get("cloud_region") or None,
                    "region_name": str(p.get("cloud_region_name") or "").strip() or None,
                    "zones": int(zones) if zones not in (None, "") else None,
                    "source": CIM,
                }
            )
    df = pd.DataFrame(rows, columns=[*CLOUD_COLUMNS, "country"])
    # Some metros are listed twice (Beijing, Tokyo, Washington, ...) with a second coordinate, and
    # a few regions twice within one metro: keep the first listing of each provider-region.
    key = ["provider", "country", "city", "region_code", "region_name"]
    df = df[~df.fillna({"region_code": "", "region_name": ""}).duplicated(key)]
    harmonised = matcher.match(df["country"], CIM)
    df["iso3"] = df["country"].map(harmonised.iso3)
    return df.drop(columns="country"), harmonised


def parse_dgl(
    frames: dict[str, pd.DataFrame], matcher: CountryMatcher
) -> tuple[pd.DataFrame, Harmonised]:
    """Rows of the dgl CSVs (keyed by provider folder) for providers the CIM file lacks."""
    parts = []
    for folder, df in sorted(frames.items()):
        short, origin = DGL_PROVIDERS[folder]
        tld = df["country_tld"].str.strip().str.lower()
        parts.append(
            pd.DataFrame(
                {
                    "provider": short,
                    "provider_origin": origin,
                    "code": tld.map(lambda t: TLD_TO_ISO2.get(t, t.upper())),
                    "city": df["location_name"].str.split(",").str[0].str.strip(),
                    "lat": pd.to_numeric(df["lat"], errors="coerce"),
                    "lon": pd.to_numeric(df["lon"], errors="coerce"),
                    # The dgl lists hold regions that existed when they were compiled.
                    "status": "in_service",
                    "region_code": df["region"].str.strip(),
                    "region_name": df["location_name"].str.strip(),
                    "zones": None,
                    "source": DGL,
                }
            )
        )
    df = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=["code"])
    harmonised = matcher.match(df["code"], DGL)
    df["iso3"] = df["code"].map(harmonised.iso3)
    return df.drop(columns="code").reindex(columns=CLOUD_COLUMNS), harmonised


def _finish_cloud(df: pd.DataFrame) -> pd.DataFrame:
    out = df.dropna(subset=["iso3", "lat", "lon"]).copy()
    out["zones"] = out["zones"].astype("Int64")
    for col in ("provider", "provider_origin", "iso3", "city", "status", "source"):
        out[col] = out[col].astype(str)
    out["region_code"] = out["region_code"].astype("string")
    out["region_name"] = out["region_name"].astype("string")
    out["lat"] = out["lat"].astype("float64")
    out["lon"] = out["lon"].astype("float64")
    out = out.sort_values(["provider", "iso3", "city", "region_code"], na_position="last")
    return out[CLOUD_COLUMNS].reset_index(drop=True)


# -------------------------------------------------------------- landing points


def _country_part(name: str, matcher: CountryMatcher) -> str:
    """The country part of "City[, State], Country"; two parts when they form one name.

    Splitting on the last comma breaks names such as "Congo, Dem. Rep."; the last two parts are
    tried first and kept when the matcher knows them.
    """
    parts = [p.strip() for p in str(name).split(",")]
    if len(parts) >= 3:
        pair = f"{parts[-2]}, {parts[-1]}"
        if matcher.name(pair)[0]:
            return pair
    return parts[-1]


def _city_part(name: str, country: str) -> str:
    text = str(name).strip()
    if text.endswith(country):
        text = text[: -len(country)].rstrip().rstrip(",").strip()
    return text.split(",")[0].strip() if text else text


def parse_landing_points(
    fc: dict[str, Any],
    matcher: CountryMatcher,
    china_split: dict[str, BaseGeometry] | None = None,
) -> tuple[pd.DataFrame, Harmonised]:
    """Landing points with ISO3 from their names; China-labelled points near Hong Kong or Macao
    go to the nearest of the polygons in `china_split` (Natural Earth code -> geometry)."""
    rows = []
    for f in fc.get("features", []):
        props = f["properties"]
        lon, lat = f["geometry"]["coordinates"][:2]
        country = _country_part(props["name"], matcher)
        rows.append(
            {
                "id": props["id"],
                "name": props["name"],
                "city": _city_part(props["name"], country),
                "country": country,
                "lat": float(lat),
                "lon": float(lon),
                "is_tbd": bool(props.get("is_tbd", False)),
                "source": CABLES_V3,
            }
        )
    df = pd.DataFrame(rows, columns=[c for c in LANDING_COLUMNS if c != "iso3"] + ["country"])
    harmonised = matcher.match(df["country"], CABLES_V3)
    df["iso3"] = df["country"].map(harmonised.iso3)
    if china_split:
        df["iso3"] = _split_china(df, china_split, matcher)
    assert_unique(df, ["id"], "landing points")
    df = df.drop(columns="country").sort_values("id").reset_index(drop=True)
    for col in ("id", "name", "city", "source"):
        df[col] = df[col].astype(str)
    df["iso3"] = df["iso3"].astype("string")  # missing where the name was not matched
    return df[LANDING_COLUMNS], harmonised


def _split_china(
    df: pd.DataFrame, polygons: dict[str, BaseGeometry], matcher: CountryMatcher
) -> pd.Series:
    """ISO3 per point, with China-labelled points moved to the nearest of CHN / HKG / MAC."""
    codes = sorted(polygons)
    out = df["iso3"].copy()
    china = df.index[df["iso3"].eq("CHN")]
    for i in china:
        point = shapely.Point(df.at[i, "lon"], df.at[i, "lat"])
        nearest = min(codes, key=lambda c: (polygons[c].distance(point), c))
        out.at[i] = matcher.code(nearest) or "CHN"
    return out


def _china_polygons(raw: Path) -> dict[str, BaseGeometry]:
    path = raw / "natural_earth" / "ne_50m_admin_0_countries.zip"
    if not path.exists():
        raise IngestError(f"infrastructure: Natural Earth file not found at {path}")
    units = gpd.read_file(f"zip://{path}", columns=["ADM0_A3"], engine="pyogrio")
    units = units[units["ADM0_A3"].isin(CHINA_SPLIT)]
    found = {str(a): g for a, g in zip(units["ADM0_A3"], units.geometry, strict=True)}
    if sorted(found) != sorted(CHINA_SPLIT):
        raise IngestError(
            f"infrastructure: Natural Earth lacks one of {CHINA_SPLIT}; found {sorted(found)}"
        )
    return found


# ---------------------------------------------------------------------- cables


def link_cables(
    cables_fc: dict[str, Any], points: pd.DataFrame, degrees: float = LANDING_LINK_DEGREES
) -> pd.DataFrame:
    """(cable_id, landing_point_id) pairs: a cable vertex within `degrees` of the point."""
    pts = points[~points["is_tbd"]]
    if pts.empty:
        return pd.DataFrame(columns=["cable_id", "landing_point_id"])
    tree = shapely.STRtree(shapely.points(pts[["lon", "lat"]].to_numpy()))
    ids = pts["id"].to_numpy()
    pairs: set[tuple[str, str]] = set()
    for f in cables_fc.get("features", []):
        coords = [xy[:2] for line in _lines(f["geometry"]) for xy in line]
        if not coords:
            continue
        hits = tree.query(shapely.points(np.asarray(coords)), predicate="dwithin", distance=degrees)
        pairs.update((str(f["properties"]["id"]), str(ids[j])) for j in set(hits[1].tolist()))
    return (
        pd.DataFrame(sorted(pairs), columns=["cable_id", "landing_point_id"])
        .sort_values(["cable_id", "landing_point_id"])
        .reset_index(drop=True)
    )


def _lines(geometry: dict[str, Any]) -> list[list[list[float]]]:
    if geometry["type"] == "LineString":
        return [geometry["coordinates"]]
    if geometry["type"] == "MultiLineString":
        return list(geometry["coordinates"])
    return []


def _clean_owners(text: object) -> str | None:
    if not isinstance(text, str) or not text.strip():
        return None
    return ", ".join(p.strip() for p in text.split(",") if p.strip()) or None


def _clean_rfs(text: object) -> str | None:
    if text is None:
        return None
    value = re.sub(r"\s+", " ", str(text)).strip()
    return None if value.lower() in ("", "n.a.", "na", "n/a", "none") else value


def read_v2_attributes(folder: Path, slugs: Iterable[str]) -> dict[str, dict[str, str | None]]:
    """owners / rfs from the 2021 per-cable files for the slugs that have one."""
    out: dict[str, dict[str, str | None]] = {}
    for slug in sorted(set(slugs)):
        # Slugs come from the data; keep them to plain file names.
        if not re.fullmatch(r"[a-z0-9][a-z0-9-]*", slug):
            continue
        path = folder / f"{slug}.json"
        if path.exists():
            data = _read_json(path)
            out[slug] = {
                "owners": _clean_owners(data.get("owners")),
                "rfs": _clean_rfs(data.get("rfs")),
            }
    return out


def simplify_cables(
    fc: dict[str, Any],
    attributes: dict[str, dict[str, str | None]],
    tolerance: float = CABLE_TOLERANCE,
) -> dict[str, Any]:
    """One feature per cable id (parts joined), simplified and rounded; sorted by id."""
    by_id: dict[str, list[BaseGeometry]] = {}
    meta: dict[str, dict[str, Any]] = {}
    for f in sorted(fc.get("features", []), key=lambda f: str(f["properties"].get("feature_id"))):
        props = f["properties"]
        cid = str(props["id"])
        by_id.setdefault(cid, []).append(shape(f["geometry"]))
        meta.setdefault(cid, {"name": props.get("name"), "color": props.get("color")})
    features = []
    for cid in sorted(by_id):
        lines = [
            line
            for g in by_id[cid]
            for line in shapely.get_parts(g)
            if line.geom_type == "LineString"
        ]
        parts = []
        for line in lines:
            simple = line.simplify(tolerance, preserve_topology=False) if tolerance > 0 else line
            coords = _dedupe(round_coords(list(mapping(simple)["coordinates"]), DECIMALS))
            if len(coords) >= 2:
                parts.append(coords)
        if not parts:
            continue
        extra = attributes.get(cid, {})
        features.append(
            {
                "type": "Feature",
                "properties": {
                    "id": cid,
                    "name": meta[cid]["name"],
                    "color": meta[cid]["color"],
                    "owners": extra.get("owners"),
                    "rfs": extra.get("rfs"),
                },
                "geometry": {"type": "MultiLineString", "coordinates": parts},
            }
        )
    return {"type": "FeatureCollection", "features": features}


def _dedupe(coords: list[list[float]]) -> list[list[float]]:
    """Drop consecutive repeats that rounding can create."""
    out: list[list[float]] = []
    for xy in coords:
        if not out or xy != out[-1]:
            out.append(xy)
    return out


# ---------------------------------------------------------------- observations


def _counts(series: pd.Series, universe: Iterable[str]) -> pd.Series:
    counts = series.value_counts()
    return pd.Series({iso3: int(counts.get(iso3, 0)) for iso3 in sorted(set(universe))})


def derive_observations(
    cloud: pd.DataFrame, points: pd.DataFrame, links: pd.DataFrame, universe: Iterable[str]
) -> pd.DataFrame:
    """Per-country counts; countries without any get 0 (these sources list every region and
    landing point of what they cover, so absence is a true zero)."""
    universe = sorted(set(universe))
    frames = []
    live = cloud[cloud["status"].eq("in_service")]
    for origin, code in (("US", "us"), ("China", "china"), ("other", "other")):
        rows = live[live["provider_origin"].eq(origin)]
        counts = _counts(rows["iso3"], universe)
        cim_countries = set(rows.loc[rows["source"].eq(CIM), "iso3"])
        dgl_countries = set(rows.loc[rows["source"].eq(DGL), "iso3"])
        for iso3, value in counts.items():
            # A count that rests on the 2022 dgl rows alone carries that source and year.
            source = DGL if iso3 in dgl_countries and iso3 not in cim_countries else CIM
            frames.append((str(iso3), f"cloud.regions_{code}", YEAR[source], value, source))
    real = points[~points["is_tbd"] & points["iso3"].notna()]
    for iso3, value in _counts(real["iso3"], universe).items():
        frames.append((str(iso3), "cables.landing_points", YEAR[CABLES_V3], value, CABLES_V3))
    landed = links.merge(real[["id", "iso3"]], left_on="landing_point_id", right_on="id")
    distinct = landed.drop_duplicates(["cable_id", "iso3"])["iso3"]
    for iso3, value in _counts(distinct, universe).items():
        frames.append((str(iso3), "cables.cables", YEAR[CABLES_V3], value, CABLES_V3))
    df = pd.DataFrame(frames, columns=["iso3", "indicator", "year", "value", "source"])
    parts = [finish_observations(g, str(s)) for s, g in df.groupby("source", sort=True)]
    out = pd.concat(parts, ignore_index=True)
    return out.sort_values(["indicator", "iso3", "year"]).reset_index(drop=True)


def catalogue() -> pd.DataFrame:
    """The indicators this step derives, with names, units, sources and licences."""
    both = f"{CIM}; {DGL}"
    licence_both = f"{SOURCES[CIM].licence}; {SOURCES[DGL].licence}"
    cloud_note = (
        "In-service provider-regions (one per provider and metro) located in the country: "
        "TeleGeography Cloud Infrastructure Map (December 2024: AWS, Azure, Google, Oracle, IBM, "
        "Alibaba, Huawei, Tencent) plus Linode and Vultr from dgl/cloud-regions (July 2022). "
        "Announced regions are not counted. These maps list every region of those providers, so a "
        "country without one is recorded as 0."
    )
    rows = [
        (
            "cloud.regions_us",
            "Cloud regions of US providers",
            "美國雲端業者區域數",
            "count",
            both,
            licence_both,
            cloud_note + " US providers: AWS, Azure, Google, Oracle, IBM, Linode, Vultr.",
            "better",
        ),
        (
            "cloud.regions_china",
            "Cloud regions of Chinese providers",
            "中國雲端業者區域數",
            "count",
            CIM,
            SOURCES[CIM].licence,
            cloud_note + " Chinese providers: Alibaba, Huawei, Tencent. Read as alignment with "
            "China, hence higher is worse for a US-led export.",
            "worse",
        ),
        (
            "cloud.regions_other",
            "Cloud regions of other providers",
            "其他雲端業者區域數",
            "count",
            both,
            licence_both,
            cloud_note + " Other providers: none of the providers in these sources is "
            "headquartered outside the US and China, so the count is 0 everywhere.",
            "better",
        ),
        (
            "cables.landing_points",
            "Submarine cable landing points",
            "海底電纜登陸點數",
            "count",
            CABLES_V3,
            SOURCES[CABLES_V3].licence,
            "Submarine-cable landing points in the country (TeleGeography, 2025 copy of the v3 "
            "data; points marked 'to be determined' are left out). Hong Kong and Macao points, "
            "labelled China in the source, are assigned by location. Every country without a "
            "landing point in the map is recorded as 0.",
            "better",
        ),
        (
            "cables.cables",
            "Submarine cables landing",
            "登陸海底電纜數",
            "count",
            CABLES_V3,
            SOURCES[CABLES_V3].licence,
            "Distinct submarine cables with a landing point in the country (TeleGeography, 2025 "
            "copy). A cable is taken to land at a point when its route passes within about 1 km "
            f"({LANDING_LINK_DEGREES} degrees) of it. Countries without any are recorded as 0.",
            "better",
        ),
    ]
    return pd.DataFrame(rows, columns=CATALOGUE_COLUMNS)


# ------------------------------------------------------------------------ build


def _read_dgl(raw: Path) -> dict[str, pd.DataFrame]:
    frames = {}
    for folder in DGL_PROVIDERS:
        path = raw / DGL / folder / "data.csv"
        if not path.exists():
            raise IngestError(f"infrastructure: file not found: {path}")
        frames[folder] = pd.read_csv(path, dtype=str, keep_default_na=False)
    return frames


def dumps_cables(fc: dict[str, Any]) -> str:
    """Compact, deterministic JSON text of the cable layer."""
    return json.dumps(fc, ensure_ascii=False, separators=(",", ":"), sort_keys=True)


def build_infrastructure(raw: Path, matcher: CountryMatcher) -> Infrastructure:
    """Load the cloud-region and cable sources, key them by ISO3 and derive per-country counts."""
    cim, h_cim = parse_cim(_read_json(raw / CIM / "regions.json"), matcher)
    dgl, h_dgl = parse_dgl(_read_dgl(raw), matcher)
    cloud = _finish_cloud(pd.concat([cim, dgl], ignore_index=True))

    v3 = raw / CABLES_V3
    points, h_lp = parse_landing_points(
        _read_json(v3 / "landing-point-geo.json"), matcher, _china_polygons(raw)
    )
    cable_geo = _read_json(v3 / "cable-geo.json")
    links = link_cables(cable_geo, points)
    slugs = [str(f["properties"]["id"]) for f in cable_geo.get("features", [])]
    attributes = read_v2_attributes(raw / CABLES_2021 / "api_v2" / "cable", slugs)
    cables = simplify_cables(cable_geo, attributes)

    observations = derive_observations(cloud, points, links, matcher.known)
    result = Infrastructure(
        cloud_regions=cloud,
        landing_points=points,
        cables=cables,
        observations=observations,
        catalogue=catalogue(),
        harmonised=[h_cim, h_dgl, h_lp],
    )
    _check(result, matcher)
    return result


def _check(infra: Infrastructure, matcher: CountryMatcher) -> None:
    assert_known_iso3(infra.cloud_regions, matcher.known, "cloud regions")
    assert_known_iso3(infra.landing_points, matcher.known, "landing points")
    assert_unique(infra.observations, ["iso3", "indicator", "year"], "infrastructure observations")
    size = len(dumps_cables(infra.cables).encode("utf-8"))
    if size > MAX_CABLE_BYTES:
        raise IngestError(
            f"cables: {size:,} bytes exceeds {MAX_CABLE_BYTES:,}; raise CABLE_TOLERANCE"
        )
    bad_status = set(infra.cloud_regions["status"]) - {"in_service", "announced"}
    if bad_status:
        raise IngestError(f"cloud regions: unexpected status values {sorted(bad_status)}")
