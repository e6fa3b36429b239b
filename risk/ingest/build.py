"""`python -m risk build`: every ingest step in order, then the manifest and SOURCES.md.

Deterministic: the same raw files give byte-identical outputs (no timestamps, sorted rows, fixed
writer options), so the manifest's sha256s double as a data version.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from risk.errors import IngestError
from risk.harmonise import CountryMatcher, Harmonised
from risk.ingest.common import (
    CATALOGUE_COLUMNS,
    assert_known_iso3,
    assert_unique,
    sha256_file,
    write_json,
    write_parquet,
)
from risk.ingest.countries import build_country_tables
from risk.ingest.geometry import build_geometry, write_geometry
from risk.ingest.infrastructure import build_infrastructure
from risk.ingest.obs_epoch import read_clusters
from risk.ingest.observations import build_observations
from risk.ingest.partnerships import build_partnerships
from risk.ingest.sources import SOURCES


@dataclass
class BuildResult:
    out: Path
    files: dict[str, dict[str, object]] = field(default_factory=dict)
    unmatched: pd.DataFrame = field(default_factory=pd.DataFrame)

    def summary(self) -> str:
        lines = [
            f"{name}: {meta['rows']} rows, sha256 {str(meta['sha256'])[:12]}"
            for name, meta in self.files.items()
        ]
        lines.append(
            f"unmatched source names: {len(self.unmatched)} (see harmonisation_report.csv)"
        )
        return "\n".join(lines)


def _record(result: BuildResult, path: Path, rows: int, sources: Iterable[str]) -> None:
    ids = sorted(set(sources))
    result.files[path.name] = {
        "sha256": sha256_file(path),
        "rows": int(rows),
        "sources": [
            {
                "id": s,
                "repository": SOURCES[s].repository,
                "commit": SOURCES[s].commit,
                "licence": SOURCES[s].licence,
                "open_licence": SOURCES[s].open_licence,
                "vintage": SOURCES[s].vintage,
            }
            for s in ids
        ],
    }


def _catalogue(parts: list[pd.DataFrame], observations: pd.DataFrame) -> pd.DataFrame:
    cat = pd.concat(parts, ignore_index=True)
    missing = [c for c in CATALOGUE_COLUMNS if c not in cat.columns]
    if missing:
        raise IngestError(f"indicator catalogue: missing columns {missing}")
    cat = cat[CATALOGUE_COLUMNS]
    assert_unique(cat, ["code"], "indicators")
    empty = cat[cat[["name_en", "name_zh", "unit", "source", "licence"]].isna().any(axis=1)]
    if not empty.empty:
        raise IngestError(
            "indicators: rows with an empty name, unit, source or licence",
            rows=empty[["code"]].to_dict("records"),
        )
    cover = observations.groupby("indicator").agg(
        year_min=("year", "min"),
        year_max=("year", "max"),
        countries=("iso3", "nunique"),
        rows=("value", "size"),
    )
    orphans = sorted(set(observations["indicator"]) - set(cat["code"]))
    if orphans:
        raise IngestError(
            "observations: indicators missing from the catalogue",
            rows=[{"indicator": o} for o in orphans],
        )
    cat = cat.merge(cover, left_on="code", right_index=True, how="inner")
    cat["year_min"] = cat["year_min"].astype("int32")
    cat["year_max"] = cat["year_max"].astype("int32")
    cat["countries"] = cat["countries"].astype("int32")
    cat["rows"] = cat["rows"].astype("int64")
    # A catalogue row may name several sources ("a; b"): it is open only if all of them are.
    cat["open_licence"] = cat["source"].map(
        lambda s: all(SOURCES[p.strip()].open_licence for p in s.split(";"))
    )
    return cat.sort_values("code").reset_index(drop=True)


def _harmonisation_report(results: list[Harmonised]) -> pd.DataFrame:
    frames = [r.report() for r in results]
    frames = [f for f in frames if not f.empty]
    if not frames:
        return pd.DataFrame(columns=["source", "name", "status"])
    return (
        pd.concat(frames, ignore_index=True)
        .sort_values(["status", "source", "name"])
        .reset_index(drop=True)
    )


def build(raw: Path, curated: Path, out: Path) -> BuildResult:
    """Run every step: countries, observations, infrastructure, AI clusters, geometry; then manifest
    and SOURCES.md."""

    for folder in (raw, curated):
        if not folder.is_dir():
            raise IngestError(
                f"source folder not found: {folder} (pass --raw/--curated or set RISK_SHARED_DATA)"
            )
    out.mkdir(parents=True, exist_ok=True)
    result = BuildResult(out=out)

    # 1. countries and the curated country-keyed tables
    ct = build_country_tables(raw, curated)
    known = set(ct.countries["iso3"])
    country_tables = {
        "countries": (
            ct.countries,
            [
                "country_codes",
                "pycountry",
                "wb_income_class",
                "natural_earth",
                "curated",
                "bri_gfdc",
            ],
        ),
        "country_names": (ct.names, ["country_codes", "pycountry"]),
        "export_controls": (ct.export_controls, ["curated"]),
        "diffusion_tiers": (ct.diffusion_tiers, ["curated"]),
        "blocs": (ct.blocs, ["curated", "bri_gfdc"]),  # Belt and Road rows transcribe GFDC
        "taiwan_relations": (ct.taiwan_relations, ["curated"]),
        "policy_timeline": (ct.timeline, ["curated"]),
        "us_partnerships": (build_partnerships(set(ct.countries["iso3"])), ["us_ai_partnerships"]),
    }
    for name, (df, sources) in country_tables.items():
        if "iso3" in df.columns:
            assert_known_iso3(df, known, name)
        path = write_parquet(df, out / f"{name}.parquet")
        _record(result, path, len(df), sources)
    matcher = CountryMatcher(ct.names, known)

    # 2. indicator observations from every source
    obs = build_observations(raw, matcher)
    # 3. infrastructure: cloud regions, landing points, cables (+ per-country counts)
    infra = build_infrastructure(raw, matcher)

    observations = pd.concat([obs.observations, infra.observations], ignore_index=True)
    observations = observations.sort_values(["indicator", "iso3", "year"]).reset_index(drop=True)
    assert_unique(observations, ["iso3", "indicator", "year"], "observations")
    assert_known_iso3(observations, known, "observations")
    path = write_parquet(observations, out / "observations.parquet")
    _record(result, path, len(observations), observations["source"].unique())

    catalogue = _catalogue([obs.catalogue, infra.catalogue], observations)
    path = write_parquet(catalogue, out / "indicators.parquet")
    _record(
        result, path, len(catalogue), {p.strip() for s in catalogue["source"] for p in s.split(";")}
    )

    for name, df in (
        ("cloud_regions", infra.cloud_regions),
        ("landing_points", infra.landing_points),
    ):
        assert_known_iso3(df, known, name)
        path = write_parquet(df, out / f"{name}.parquet")
        _record(result, path, len(df), df["source"].unique())
    # The clusters behind the epoch.* observations (their harmonisation is reported there).
    clusters, _ = read_clusters(raw, matcher)
    assert_known_iso3(clusters, known, "ai_clusters")
    path = write_parquet(clusters, out / "ai_clusters.parquet")
    _record(result, path, len(clusters), clusters["source"].unique())
    path = write_geometry(infra.cables, out / "cables.geojson")
    _record(
        result,
        path,
        len(infra.cables["features"]),
        ["telegeography_cables_v3_copy", "telegeography_cables_2021"],
    )

    # 4. geometry
    fc = build_geometry(raw, matcher)
    geo_iso = [f["properties"]["iso3"] for f in fc["features"]]
    bad = sorted(set(geo_iso) - known)
    if bad:
        raise IngestError(
            "geometry: features keyed by unknown ISO3", rows=[{"iso3": b} for b in bad]
        )
    path = write_geometry(fc, out / "countries.geojson")
    _record(result, path, len(fc["features"]), ["natural_earth"])

    # 5. harmonisation report: every source name that was set aside or not matched
    report = _harmonisation_report(obs.harmonised + infra.harmonised + ct.harmonised)
    report_path = out / "harmonisation_report.csv"
    report.to_csv(report_path, index=False, lineterminator="\n")
    result.unmatched = report[report["status"] == "unmatched"]

    # 6. manifest and SOURCES.md
    write_json(
        {"tables": result.files, "sources": {k: v.as_dict() for k, v in sorted(SOURCES.items())}},
        out / "manifest.json",
    )
    write_sources_md(out / "SOURCES.md", result)
    return result


def write_sources_md(path: Path, result: BuildResult) -> None:
    """A human-readable list of every source: publisher, copy used, licence, vintage, attribution."""
    used: dict[str, list[str]] = {}
    for table, meta in result.files.items():
        for src in meta["sources"]:  # type: ignore[attr-defined]
            used.setdefault(src["id"], []).append(table)
    lines = [
        "# Sources and licences",
        "",
        "Every table in this folder is derived by `python -m risk build` from the public sources below.",
        "`manifest.json` records each table's sha256, row count and sources. Sources marked **not open**",
        "have no open licence: the app labels them and keeps them optional.",
        "",
        "| source | publisher | licence | vintage | used in |",
        "| --- | --- | --- | --- | --- |",
    ]
    for sid in sorted(used):
        s = SOURCES[sid]
        licence = s.licence if s.open_licence else f"**not open** — {s.licence}"
        lines.append(
            f"| {s.title} (`{sid}`) | {s.publisher} | {licence} | {s.vintage} | {', '.join(sorted(set(used[sid])))} |"
        )
    lines += ["", "## Attribution and provenance", ""]
    for sid in sorted(used):
        s = SOURCES[sid]
        copy = f"`{s.repository}`" + (f" at commit `{s.commit}`" if s.commit else "")
        url = f" <{s.url}>" if s.url else ""
        lines.append(f"- **{s.title}** — {s.attribution}.{url} Copy used: {copy}.")
    live = [sid for sid in sorted(SOURCES) if sid not in used]
    if live:
        lines += ["", "## Optional live sources (nothing bundled)", ""]
        for sid in live:
            s = SOURCES[sid]
            licence = s.licence if s.open_licence else f"**not open** — {s.licence}"
            lines.append(
                f"- **{s.title}** ({s.publisher}) — {licence}. {s.vintage}. {s.attribution}."
            )
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
