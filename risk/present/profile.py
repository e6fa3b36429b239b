"""Country profile and comparison: everything a one-page account of a country needs, as tables.

`build_profile` assembles one country's profile from a scored result and the store's tables:
names, eligibility with the export-control groups in force and their dates, AI Diffusion tier
history, blocs and Taiwan flags, score, rank and rank interval, each pillar against the medians of
the country's region and income group, every indicator (value, unit, year, normalised score,
percentile, imputed flag, source), key time series, cloud regions, cable landings and the policy
timeline entries that bear on it, its AI clusters (Epoch AI) and its US AI agreements. `compare_*` do the same for two to five countries side by side.
The page, the brief and the command line all read these; nothing here renders."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import numpy as np
import pandas as pd

from risk.errors import RiskError
from risk.framework import PILLARS
from risk.gates import GATE_GROUPS, PENALTY_GROUPS, in_force
from risk.i18n import INDICATOR, label_or, name_column, t, unit_label
from risk.ingest.sources import SOURCES
from risk.scoring.derived import partnerships_in_force
from risk.scoring.explain import explain
from risk.scoring.result import ScoreResult, ranked_count
from risk.store.protocol import Store
from risk.text import cell_text, fmt_number, safe_link, to_float

MIN_SERIES_YEARS = 3
TABLES: tuple[str, ...] = (
    "countries",
    "observations",
    "export_controls",
    "diffusion_tiers",
    "blocs",
    "taiwan_relations",
    "policy_timeline",
    "cloud_regions",
    "landing_points",
    "ai_clusters",
    "us_partnerships",
)
# Epoch AI lists large clusters only: a country it does not list has no known large AI cluster.
CLUSTER_COLUMNS: tuple[str, ...] = (
    "name",
    "status",
    "h100e",
    "power_mw",
    "owner",
    "first_operational",
    "certainty",
    "link",
    "counted",
)
PARTNERSHIP_COLUMNS: tuple[str, ...] = (
    "agreement",
    "kind",
    "signed",
    "in_force",
    "source_title",
    "link",
)


@dataclass(frozen=True)
class Profile:
    """One country's profile; every frame is plain data (numbers stay numbers)."""

    iso3: str
    name_en: str
    name_zh_tw: str
    region: str
    subregion: str
    income_group: str
    business_region: str
    data_version: str
    as_of: str
    score: float
    rank: float  # NaN when not ranked
    ranked: int  # how many countries are ranked
    rank_p05: float
    rank_median: float
    rank_p95: float
    eligible: bool
    reason: str
    ear_groups: str
    ear_conflicts: str
    penalty: float
    coverage: float
    low_coverage: bool
    flags: dict[str, bool]
    export_controls: pd.DataFrame
    diffusion: pd.DataFrame
    blocs: pd.DataFrame
    taiwan: pd.DataFrame
    pillars: pd.DataFrame
    indicators: pd.DataFrame
    series: pd.DataFrame
    cloud: pd.DataFrame
    landings: pd.DataFrame
    policy: pd.DataFrame
    clusters: pd.DataFrame
    partnerships: pd.DataFrame
    warnings: list[str] = field(default_factory=list)

    def name(self, lang: str) -> str:
        return self.name_en if lang == "en" else self.name_zh_tw

    def other_name(self, lang: str) -> str:
        return self.name_zh_tw if lang == "en" else self.name_en

    @property
    def imputed_count(self) -> int:
        return int(self.indicators["imputed"].sum())

    def interval_text(self) -> str:
        if any(np.isnan(v) for v in (self.rank_p05, self.rank_p95)):
            return "–"
        return f"{int(self.rank_p05)}–{int(self.rank_p95)}"

    def rank_text(self) -> str:
        return "–" if np.isnan(self.rank) else f"{int(self.rank)} / {self.ranked}"


# -- small helpers ---------------------------------------------------------------------------
def _rows(table: pd.DataFrame | None, iso3: str) -> pd.DataFrame:
    if table is None or table.empty or "iso3" not in table.columns:
        return pd.DataFrame()
    return table[table["iso3"].astype(str) == iso3].reset_index(drop=True)


def scored_iso3(result: ScoreResult) -> list[str]:
    """ISO3 codes a profile can be built for (the scored countries)."""
    return [str(c) for c in result.prepared.iso3]


# -- parts -----------------------------------------------------------------------------------
def export_control_rows(table: pd.DataFrame | None, iso3: str, as_of: date) -> pd.DataFrame:
    """The country's export-control rows, with whether each is in force on `as_of` and its role."""
    rows = _rows(table, iso3)
    cols = ["group", "role", "in_force", "status", "effective_from", "effective_to", "notes"]
    if rows.empty:
        return pd.DataFrame(columns=cols)
    status = rows.get("status", pd.Series("listed", index=rows.index)).astype(str)
    role = [
        "gate" if g in GATE_GROUPS else "penalty" if g in PENALTY_GROUPS else "listed"
        for g in rows["group_code"].astype(str)
    ]
    out = pd.DataFrame(
        {
            "group": rows["group_code"].astype(str),
            "role": np.where(status == "CONFLICT", "conflict", role),
            "in_force": in_force(rows, as_of).to_numpy(bool) & (status != "CONFLICT").to_numpy(),
            "status": status,
            "effective_from": [cell_text(v) for v in rows["effective_from"]],
            "effective_to": [cell_text(v) for v in rows["effective_to"]],
            "notes": [cell_text(v) for v in rows.get("notes", [""] * len(rows))],
        }
    )
    return out.sort_values("group").reset_index(drop=True)


def diffusion_rows(table: pd.DataFrame | None, iso3: str) -> pd.DataFrame:
    """The country's AI Diffusion tiers over time (tier, from, to, notes)."""
    rows = _rows(table, iso3)
    cols = ["tier", "effective_from", "effective_to", "notes"]
    if rows.empty:
        return pd.DataFrame(columns=cols)
    out = pd.DataFrame({c: [cell_text(v) for v in rows.get(c, [""] * len(rows))] for c in cols})
    return out.sort_values("effective_from").reset_index(drop=True)


def bloc_rows(table: pd.DataFrame | None, iso3: str) -> pd.DataFrame:
    """The country's bloc memberships with dates (bloc key in lower case, as the i18n keys)."""
    rows = _rows(table, iso3)
    cols = ["bloc", "joined", "exited", "disputed"]
    if rows.empty:
        return pd.DataFrame(columns=cols)
    out = pd.DataFrame(
        {
            "bloc": rows["bloc"].astype(str).str.lower(),
            "joined": [cell_text(v) for v in rows.get("joined", [""] * len(rows))],
            "exited": [cell_text(v) for v in rows.get("exited", [""] * len(rows))],
            "disputed": rows.get("disputed", pd.Series(False, index=rows.index))
            .fillna(False)
            .astype(bool),
        }
    )
    return out.sort_values("bloc").reset_index(drop=True)


def taiwan_rows(table: pd.DataFrame | None, iso3: str) -> pd.DataFrame:
    """The country's relations with Taiwan (diplomatic ally, New Southbound Policy...)."""
    rows = _rows(table, iso3)
    cols = ["relation", "as_of", "notes"]
    if rows.empty:
        return pd.DataFrame(columns=cols)
    return pd.DataFrame({c: [cell_text(v) for v in rows.get(c, [""] * len(rows))] for c in cols})


def country_flags(country: Mapping[str, Any], blocs: pd.DataFrame) -> dict[str, bool]:
    """Belt and Road, New Southbound Policy and diplomatic-ally flags."""
    current = blocs[blocs["exited"] == ""] if not blocs.empty else blocs
    return {
        "bri": bool(country.get("bloc_bri")) or ("bri" in set(current.get("bloc", []))),
        "new_southbound_policy": bool(country.get("new_southbound_policy")),
        "diplomatic_ally": bool(country.get("diplomatic_ally")),
    }


def pillar_benchmarks(result: ScoreResult, countries: pd.DataFrame, iso3: str) -> pd.DataFrame:
    """Each pillar: the country's score, and the medians of its region and income group.

    Medians are over the scored countries of that region / income group (the country included).
    """
    table = result.table.merge(countries[["iso3", "region", "income_group"]], on="iso3", how="left")
    row = table[table["iso3"] == iso3]
    if row.empty:
        raise RiskError(f"{iso3} is not a scored country")
    region, income = row["region"].iloc[0], row["income_group"].iloc[0]
    same_region = table[table["region"] == region] if isinstance(region, str) else table.iloc[:0]
    same_income = (
        table[table["income_group"] == income] if isinstance(income, str) else table.iloc[:0]
    )
    out = []
    for p in ("score", *PILLARS):
        out.append(
            {
                "pillar": p,
                "country": to_float(row[p].iloc[0]),
                "region_median": to_float(same_region[p].median()),
                "income_median": to_float(same_income[p].median()),
                "region_n": int(same_region[p].notna().sum()),
                "income_n": int(same_income[p].notna().sum()),
            }
        )
    return pd.DataFrame(out)


def percentiles(result: ScoreResult, iso3: str) -> np.ndarray:
    """Per indicator, the share (0-100) of countries with a value that this country does at least
    as well as (ties count half); normalised scores point the better way, so higher is better."""
    hits = np.flatnonzero(result.prepared.iso3 == iso3)
    if hits.size == 0:
        raise RiskError(f"{iso3} is not a scored country")
    norm = np.asarray(result.steps["normalised"], dtype=float)
    mine = norm[int(hits[0])]
    out = np.full(norm.shape[1], np.nan)
    for j in range(norm.shape[1]):
        col = norm[:, j]
        col = col[~np.isnan(col)]
        if col.size == 0 or np.isnan(mine[j]):
            continue
        below = float((col < mine[j]).sum())
        ties = float((col == mine[j]).sum())
        out[j] = 100.0 * (below + 0.5 * ties) / col.size
    return out


def indicator_rows(result: ScoreResult, iso3: str, lang: str) -> pd.DataFrame:
    """Every framework indicator for the country: value, unit, year, normalised, percentile,
    imputed flag, source, weight and contribution to the score."""
    lines = explain(result, iso3)
    lines = lines[lines["code"] != "penalty"].reset_index(drop=True)
    fw = result.prepared.framework.indicators.set_index("code")
    pct = percentiles(result, iso3)
    name_col = name_column(lang, INDICATOR)
    return pd.DataFrame(
        {
            "pillar": lines["pillar"].astype(str),
            "code": lines["code"].astype(str),
            "indicator": lines[name_col].astype(str),
            "value": pd.to_numeric(lines["raw"], errors="coerce"),
            "unit": [unit_label(cell_text(fw["unit"].get(c, "")), lang) for c in lines["code"]],
            "year": lines["year"].astype("Int64"),
            "normalised": pd.to_numeric(lines["normalised"], errors="coerce"),
            # A percentile needs a value: observed, or imputed (and then flagged).
            "percentile": np.where(
                lines["raw"].notna().to_numpy() | lines["imputed"].to_numpy(bool),
                pct[: len(lines)],
                np.nan,
            ),
            "imputed": lines["imputed"].astype(bool),
            "source": [cell_text(s) for s in lines["source"]],
            "weight": pd.to_numeric(lines["weight"], errors="coerce"),
            "contribution": pd.to_numeric(lines["contribution"], errors="coerce"),
        }
    )


def key_series(
    observations: pd.DataFrame | None,
    result: ScoreResult,
    iso3: str,
    lang: str,
    per_pillar: int = 1,
) -> pd.DataFrame:
    """Yearly values of the key indicators: per pillar, the most heavily weighted indicators that
    have at least `MIN_SERIES_YEARS` years of observations for the country."""
    cols = ["pillar", "code", "indicator", "unit", "year", "value"]
    obs = _rows(observations, iso3)
    if obs.empty:
        return pd.DataFrame(columns=cols)
    fw = result.prepared.framework.indicators
    years = obs.groupby("indicator")["year"].nunique()
    name_col = name_column(lang, INDICATOR)
    parts = []
    for pillar in PILLARS:
        block = fw[(fw["pillar"] == pillar) & (fw["weight"] > 0)]
        block = block[block["code"].map(lambda c: years.get(c, 0) >= MIN_SERIES_YEARS)]
        for _, ind in (
            block.sort_values("weight", ascending=False, kind="stable").head(per_pillar).iterrows()
        ):
            s = obs[obs["indicator"] == ind["code"]].sort_values("year")
            parts.append(
                pd.DataFrame(
                    {
                        "pillar": pillar,
                        "code": ind["code"],
                        "indicator": str(ind[name_col]),
                        "unit": unit_label(cell_text(ind["unit"]), lang),
                        "year": s["year"].astype(int).to_numpy(),
                        "value": s["value"].astype(float).to_numpy(),
                    }
                )
            )
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=cols)


def cloud_rows(table: pd.DataFrame | None, iso3: str) -> pd.DataFrame:
    rows = _rows(table, iso3)
    cols = ["provider", "provider_origin", "city", "region_code", "region_name", "status", "zones"]
    if rows.empty:
        return pd.DataFrame(columns=cols)
    out = rows[[c for c in cols if c in rows.columns]].copy()
    return out.sort_values(["provider", "city"]).reset_index(drop=True)


def landing_rows(table: pd.DataFrame | None, iso3: str) -> pd.DataFrame:
    rows = _rows(table, iso3)
    cols = ["name", "city", "lat", "lon"]
    if rows.empty:
        return pd.DataFrame(columns=cols)
    return rows[[c for c in cols if c in rows.columns]].sort_values("name").reset_index(drop=True)


def cluster_rows(table: pd.DataFrame | None, iso3: str) -> pd.DataFrame:
    """The country's GPU clusters (Epoch AI): counted ones first, then the biggest first.

    `link` is the source address when it is a web link ('' otherwise); `weight` is the certainty
    weight the planned-compute indicator applies. Empty when Epoch lists none: a known zero."""
    rows = _rows(table, iso3)
    if rows.empty:
        return pd.DataFrame(columns=[*CLUSTER_COLUMNS, "weight"])

    def col(name: str) -> list[str]:
        return [cell_text(v) for v in rows.get(name, [""] * len(rows))]

    out = pd.DataFrame(
        {
            "name": col("name"),
            "status": col("status"),
            "h100e": pd.to_numeric(rows.get("h100e"), errors="coerce"),
            "power_mw": pd.to_numeric(rows.get("power_mw"), errors="coerce"),
            "owner": col("owner"),
            "first_operational": col("first_operational"),
            "certainty": col("certainty"),
            "link": [safe_link(v) or "" for v in rows.get("source_link", [""] * len(rows))],
            "counted": rows.get("counted", pd.Series(True, index=rows.index))
            .fillna(False)
            .astype(bool),
            "weight": pd.to_numeric(rows.get("weight"), errors="coerce"),
        }
    )
    out = out.sort_values(
        ["counted", "h100e", "name"], ascending=[False, False, True], na_position="last"
    )
    return out.reset_index(drop=True)


def buildout_totals(clusters: pd.DataFrame) -> dict[str, float]:
    """Counted clusters, existing and planned H100-equivalents (planned weighted by certainty, as
    the epoch.* indicators are)."""
    counted = clusters[clusters["counted"].astype(bool)] if not clusters.empty else clusters
    if counted.empty:
        return {"clusters": 0.0, "existing": 0.0, "planned": 0.0}
    size = pd.to_numeric(counted["h100e"], errors="coerce").fillna(0.0)
    weight = pd.to_numeric(counted["weight"], errors="coerce").fillna(1.0)
    planned = counted["status"] == "Planned"
    return {
        "clusters": float(len(counted)),
        "existing": float(size[~planned].sum()),
        "planned": float((size * weight)[planned].sum()),
    }


def first_link(sources: Any) -> str | None:
    """The first web link of a source cell that may list several ("url | repo path | url")."""
    return next((link for part in cell_text(sources).split("|") if (link := safe_link(part))), None)


def partnership_rows(table: pd.DataFrame | None, iso3: str, as_of: date) -> pd.DataFrame:
    """The country's US AI agreements, oldest first, with whether each is in force on `as_of`."""
    rows = _rows(table, iso3)
    if rows.empty:
        return pd.DataFrame(columns=list(PARTNERSHIP_COLUMNS))
    out = pd.DataFrame(
        {
            "agreement": [cell_text(v) for v in rows["agreement"]],
            "kind": [cell_text(v) for v in rows.get("kind", [""] * len(rows))],
            "signed": [cell_text(v)[:10] for v in rows["signed"]],
            "in_force": partnerships_in_force(rows, as_of).to_numpy(bool),
            "source_title": [cell_text(v) for v in rows.get("source_title", [""] * len(rows))],
            "link": [first_link(v) or "" for v in rows.get("source_url", [""] * len(rows))],
        }
    )
    return out.sort_values(["signed", "agreement"], kind="stable").reset_index(drop=True)


def _mentions(text: str, names: list[tuple[str, str]]) -> set[str]:
    """ISO3 codes whose English name appears in `text` (longest names first, whole words)."""
    found: set[str] = set()
    rest = text
    for name, code in names:
        pattern = r"\b" + re.escape(name) + r"\b"
        if re.search(pattern, rest):
            found.add(code)
            rest = re.sub(pattern, " ", rest)
    return found


def policy_rows(timeline: pd.DataFrame | None, countries: pd.DataFrame, iso3: str) -> pd.DataFrame:
    """Policy timeline entries bearing on the country: those naming it ('country') and those
    naming no country at all, which apply to every target ('general')."""
    cols = ["date", "scope", "event", "notes", "source"]
    if timeline is None or timeline.empty:
        return pd.DataFrame(columns=cols)
    names = sorted(
        ((str(n), str(c)) for n, c in zip(countries["name_en"], countries["iso3"], strict=True)),
        key=lambda p: -len(p[0]),
    )
    out = []
    for rec in timeline.to_dict("records"):
        text = f"{cell_text(rec.get('event'))} {cell_text(rec.get('notes'))}"
        named = _mentions(text, names)
        if named and iso3 not in named:
            continue
        out.append(
            {
                "date": cell_text(rec.get("date")),
                "scope": "country" if iso3 in named else "general",
                "event": cell_text(rec.get("event")),
                "notes": cell_text(rec.get("notes")),
                "source": cell_text(rec.get("source")),
            }
        )
    frame = pd.DataFrame(out, columns=cols)
    return frame.sort_values("date", ascending=False, kind="stable").reset_index(drop=True)


# -- the profile -----------------------------------------------------------------------------
def build_profile(
    result: ScoreResult, tables: Mapping[str, pd.DataFrame | None], iso3: str, lang: str
) -> Profile:
    """The profile of `iso3` under the scored spec `result`, from the store's tables."""
    code = iso3.strip().upper()
    table = result.table.set_index("iso3")
    if code not in table.index:
        raise RiskError(f"{code} is not a scored country (territories are not scored)")
    row = table.loc[code]
    countries = tables.get("countries")
    if countries is None:
        raise RiskError("the countries table is missing")
    crow = countries[countries["iso3"] == code]
    country: dict[str, Any] = crow.iloc[0].to_dict() if not crow.empty else {}
    as_of = date.fromisoformat(result.spec.as_of)
    blocs = bloc_rows(tables.get("blocs"), code)
    ranked = ranked_count(result.table)
    return Profile(
        iso3=code,
        name_en=str(row["name_en"]),
        name_zh_tw=str(row["name_zh_tw"]),
        region=cell_text(country.get("region")),
        subregion=cell_text(country.get("subregion")),
        income_group=cell_text(country.get("income_group")),
        business_region=cell_text(country.get("business_region")),
        data_version=str(result.spec.data_version),
        as_of=result.spec.as_of,
        score=to_float(row["score"]),
        rank=to_float(row["rank"]),
        ranked=ranked,
        rank_p05=to_float(row["rank_p05"]),
        rank_median=to_float(row["rank_median"]),
        rank_p95=to_float(row["rank_p95"]),
        eligible=bool(row["eligible"]),
        reason=cell_text(row["reason"]),
        ear_groups=cell_text(row["ear_groups"]),
        ear_conflicts=cell_text(row["ear_conflicts"]),
        penalty=to_float(row["penalty"]),
        coverage=to_float(row["coverage"]),
        low_coverage=bool(row["low_coverage"]),
        flags=country_flags(country, blocs),
        export_controls=export_control_rows(tables.get("export_controls"), code, as_of),
        diffusion=diffusion_rows(tables.get("diffusion_tiers"), code),
        blocs=blocs,
        taiwan=taiwan_rows(tables.get("taiwan_relations"), code),
        pillars=pillar_benchmarks(result, countries, code),
        indicators=indicator_rows(result, code, lang),
        series=key_series(tables.get("observations"), result, code, lang),
        cloud=cloud_rows(tables.get("cloud_regions"), code),
        landings=landing_rows(tables.get("landing_points"), code),
        policy=policy_rows(tables.get("policy_timeline"), countries, code),
        clusters=cluster_rows(tables.get("ai_clusters"), code),
        partnerships=partnership_rows(tables.get("us_partnerships"), code, as_of),
        warnings=list(result.warnings),
    )


def store_tables(store: Store, version: str | None = None) -> dict[str, pd.DataFrame | None]:
    """The tables a profile reads, from a store (missing tables are None)."""
    available = set(store.tables())
    return {n: store.table(n, version) if n in available else None for n in TABLES}


# -- what the page and the brief show --------------------------------------------------------
def _grouped(value: float, digits: int) -> str:
    return "–" if np.isnan(value) else f"{value:,.{digits}f}"


def cluster_view(clusters: pd.DataFrame, lang: str) -> pd.DataFrame:
    """The clusters table as the page shows it: status and certainty in `lang`, sizes as grouped
    text ("–" when Epoch gives none; the rows are already in order)."""
    out = clusters[list(CLUSTER_COLUMNS)]
    return out.assign(
        status=[label_or(f"cluster.status.{s}", lang, s) for s in out["status"]],
        h100e=[_grouped(v, 0) for v in out["h100e"]],
        power_mw=[_grouped(v, 1) for v in out["power_mw"]],
        certainty=[label_or(f"cluster.certainty.{c}", lang, c) for c in out["certainty"]],
        # a cluster without a web link of its own: its record in Epoch's database
        link=[v or SOURCES["epoch_gpu_clusters"].url for v in out["link"]],
    )


def partnership_view(partnerships: pd.DataFrame, lang: str) -> pd.DataFrame:
    """The US agreements table as the page shows it: the kind in `lang`."""
    return partnerships.assign(
        kind=[label_or(f"us_deal.kind.{k}", lang, k) for k in partnerships["kind"]]
    )


def epoch_citation(lang: str) -> str:
    """Epoch AI's attribution, as its licence asks, with a note on the clusters not counted."""
    src = SOURCES["epoch_gpu_clusters"]
    return t("profile.clusters_cite", lang, attribution=src.attribution, licence=src.licence)


def buildout_summary(
    clusters: pd.DataFrame, lang: str, key: str = "profile.buildout_summary"
) -> str:
    """One sentence on the counted clusters (how many, existing and planned H100-equivalents)."""
    total = buildout_totals(clusters)
    return t(
        key,
        lang,
        n=int(total["clusters"]),
        existing=fmt_number(total["existing"], lang),
        planned=fmt_number(total["planned"], lang),
    )
