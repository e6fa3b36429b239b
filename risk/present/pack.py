"""The board pack of a view, as plain data: cover, map, top-N table, one part per shortlisted
country and the scenario summary.

`build_pack` scores the view, applies its filters and gathers every word and number the deck shows,
in the interface language; `pack_pptx` and `pack_pdf` only lay it out, so the PowerPoint deck and the
PDF always say the same thing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import pandas as pd

from risk.errors import RiskError
from risk.filters import apply_filters
from risk.framework import PILLARS
from risk.gates import PENALTY_GROUPS, in_force
from risk.geo import load_geometry
from risk.i18n import INDICATOR, name_column, other_name_column, t
from risk.paths import DATASETS_DIR
from risk.present.brief import value_text
from risk.present.mapimage import choropleth_png, region_bounds
from risk.present.methodology import reason_sentence
from risk.present.overview import (
    Swatch,
    legend,
    map_properties,
    rank_interval,
    status_outlines,
)
from risk.present.settings import link_query, settings_rows
from risk.scenarios.kinds import Scenario, parse_scenarios
from risk.scenarios.runs import MEANINGFUL_MOVE, change_counts, run
from risk.scoring.explain import drivers, explain
from risk.scoring.result import ScoreResult, result_table
from risk.share import DEFAULT_TOP_N, ViewState
from risk.store.protocol import ReadStore
from risk.text import fmt_number, join_items, short_label

FORMATS: tuple[str, ...] = ("pptx", "pdf")
MIME = {
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "pdf": "application/pdf",
}
MAX_TOP = 50
BUILDOUT_CODES = {"existing": "epoch.h100e_existing", "planned": "epoch.h100e_planned"}


@dataclass(frozen=True)
class CountryPart:
    """One shortlisted country: headline, pillar scores, why it ranks here, risks and signals."""

    iso3: str
    title: str
    headline: str
    pillars: tuple[tuple[str, float], ...]  # (label, score 0-100; NaN when missing)
    reason: str
    risks: tuple[str, ...]
    signals: tuple[str, ...]


@dataclass(frozen=True)
class ScenarioPart:
    title: str
    scenarios: tuple[str, ...]  # one line per scenario, in words
    counts: str
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]  # the shortlisted countries before and after


@dataclass(frozen=True)
class Pack:
    """Everything the board pack shows, as text, numbers and one PNG."""

    lang: str
    as_of: str
    data_version: str
    title: str
    subtitle: str
    settings: tuple[tuple[str, str], ...]
    shortlist_line: str
    link: str
    map_title: str
    map_png: bytes
    map_note: str
    legend: tuple[Swatch, ...]
    table_title: str
    table_columns: tuple[str, ...]
    table_rows: tuple[tuple[str, ...], ...]
    countries: tuple[CountryPart, ...]
    scenario: ScenarioPart | None
    empty_note: str


def _score(value: Any) -> str:
    return "–" if value is None or pd.isna(value) else f"{float(value):.1f}"


def us_deals(partnerships: pd.DataFrame | None, as_of: date) -> dict[str, list[str]]:
    """Per country, the US AI agreements in force on `as_of` ("name (signed)"), oldest first."""
    if partnerships is None or partnerships.empty:
        return {}
    dated = pd.DataFrame(
        {
            "effective_from": partnerships["signed"],
            "effective_to": partnerships.get(
                "effective_to", pd.Series(None, index=partnerships.index)
            ),
        }
    )
    live = partnerships[in_force(dated, as_of).to_numpy(bool)]
    live = live.assign(signed=[str(v)[:10] for v in live["signed"]]).sort_values("signed")
    out: dict[str, list[str]] = {}
    for r in live.itertuples():
        out.setdefault(str(r.iso3), []).append(f"{r.agreement} ({r.signed})")
    return out


def buildout(observations: pd.DataFrame, year: int) -> dict[str, tuple[float, float]]:
    """Per country with known AI compute: (existing, planned) H100-equivalents, latest year up to
    `year` (the Epoch AI indicators)."""
    obs = observations[observations["indicator"].isin(list(BUILDOUT_CODES.values()))]
    obs = obs[obs["year"] <= year].sort_values("year")
    if obs.empty:
        return {}
    latest = obs.groupby(["iso3", "indicator"])["value"].last().unstack()
    out: dict[str, tuple[float, float]] = {}
    for iso3, row in latest.iterrows():
        existing = float(pd.to_numeric(row.get(BUILDOUT_CODES["existing"]), errors="coerce") or 0)
        planned = float(pd.to_numeric(row.get(BUILDOUT_CODES["planned"]), errors="coerce") or 0)
        existing, planned = (0.0 if v != v else v for v in (existing, planned))
        if existing > 0 or planned > 0:
            out[str(iso3)] = (existing, planned)
    return out


def _groups(value: Any) -> list[str]:
    return [g for g in str(value or "").split(";") if g and g.lower() not in {"nan", "none"}]


def table_flags(
    row: pd.Series, deals: dict[str, list[str]], built: dict[str, tuple[float, float]], lang: str
) -> str:
    """The short signals of the top-N table: export-control groups, US agreement, AI build-out."""
    flags = []
    groups = _groups(row.get("ear_groups"))
    if groups:
        flags.append(t("pack.flag.ear", lang, groups="/".join(groups)))
    if row["iso3"] in deals:
        flags.append(t("pack.flag.us_deal", lang))
    if row["iso3"] in built:
        flags.append(t("pack.flag.buildout", lang))
    return join_items(flags, lang)


def weak_items(result: ScoreResult, iso3: str, lang: str) -> list[str]:
    """The weakest indicators (against the median country) with their values, in words."""
    _, weak = drivers(result, iso3)
    if not weak:
        return []
    lines = explain(result, iso3).set_index("code")
    ind = result.prepared.framework.indicators.set_index("code")
    col = name_column(lang, INDICATOR)
    items = []
    for code in weak:
        name = short_label(ind.at[code, col])
        raw = lines.at[code, "raw"] if code in lines.index else float("nan")
        value = value_text(raw, str(ind.at[code, "unit"] or ""), lang)
        items.append(f"{name} {value}" if fmt_number(raw, lang) != "–" else name)
    return items


def country_part(
    result: ScoreResult,
    row: pd.Series,
    deals: dict[str, list[str]],
    built: dict[str, tuple[float, float]],
    lang: str,
) -> CountryPart:
    iso3 = str(row["iso3"])
    name, other = row[name_column(lang)], row[other_name_column(lang)]
    rank = "–" if pd.isna(row["rank"]) else str(int(row["rank"]))
    headline = t(
        "pack.country.headline",
        lang,
        rank=rank,
        interval=rank_interval(row.to_dict()),
        score=_score(row["score"]),
    )
    pillars = tuple((t(f"metric.{p}", lang), float(row[p])) for p in PILLARS)
    risks: list[str] = []
    groups = _groups(row.get("ear_groups"))
    if groups:
        line = t("pack.risk.ear", lang, groups=join_items(groups, lang))
        penalised = sum(g in PENALTY_GROUPS for g in groups)
        if penalised and result.spec.d_group_penalty:
            points = f"{penalised * result.spec.d_group_penalty:g}"
            line += t("pack.risk.penalty", lang, points=points)
        risks.append(line)
    else:
        risks.append(t("pack.risk.ear_none", lang))
    conflicts = _groups(row.get("ear_conflicts"))
    if conflicts:
        risks.append(t("pack.risk.conflict", lang, groups=join_items(conflicts, lang)))
    if str(row.get("diffusion_tier") or "") in {"2", "3"}:
        risks.append(t("pack.risk.tier", lang, tier=row["diffusion_tier"]))
    weak = weak_items(result, iso3, lang)
    if weak:
        risks.append(t("pack.risk.weak", lang, items=join_items(weak, lang)))
    imputed = int(row.get("imputed") or 0)
    if imputed:
        pct = f"{float(row['coverage']) * 100:.0f}%"
        risks.append(t("pack.risk.imputed", lang, n=imputed, pct=pct))
    signals: list[str] = []
    if iso3 in deals:
        signals.append(t("pack.signal.us_deal", lang, items=join_items(deals[iso3], lang)))
    if iso3 in built:
        existing, planned = built[iso3]
        signals.append(
            t(
                "pack.signal.buildout",
                lang,
                existing=fmt_number(existing, lang),
                planned=fmt_number(planned, lang),
            )
        )
    if not signals:
        signals.append(t("pack.signal.none", lang))
    return CountryPart(
        iso3=iso3,
        title=f"{rank}. {name}  {other} ({iso3})",
        headline=headline,
        pillars=pillars,
        reason=reason_sentence(result, iso3, lang),
        risks=tuple(risks),
        signals=tuple(signals),
    )


def scenario_text(scenario: Scenario, lang: str) -> str:
    params = ", ".join(f"{k}={v}" for k, v in scenario.params if v not in (None, ""))
    label = t(f"sc.kind.{scenario.kind}", lang)
    return f"{label} ({params})" if params else label


def scenario_part(
    engine: Any,
    view: ViewState,
    scenarios: Sequence[Scenario],
    shortlist: Sequence[str],
    lang: str,
) -> ScenarioPart:
    """How the scenarios move ranks: counts over all countries, and the shortlist before/after."""
    ran = run(engine, view.spec, scenarios, monte_carlo=False)
    counts = change_counts(ran.table)
    table = ran.table.set_index("iso3")
    rows = []
    for iso3 in shortlist:
        r = table.loc[iso3]
        before = "–" if pd.isna(r["rank_before"]) else str(int(r["rank_before"]))
        after = "–" if pd.isna(r["rank"]) else str(int(r["rank"]))
        change = "–" if pd.isna(r["rank_change"]) else f"{int(r['rank_change']):+d}"
        rows.append((str(r[name_column(lang)]), before, after, change))
    return ScenarioPart(
        title=t("pack.scenario.title", lang),
        scenarios=tuple(scenario_text(s, lang) for s in scenarios),
        counts=t(
            "pack.scenario.counts",
            lang,
            up=counts["up"],
            down=counts["down"],
            gated=counts["newly_ineligible"],
            n=MEANINGFUL_MOVE,
        ),
        columns=tuple(
            t(k, lang)
            for k in ("sc.col.name", "sc.col.rank_before", "sc.col.rank", "sc.col.rank_change")
        ),
        rows=tuple(rows),
    )


def build_pack(
    engine: Any,
    store: ReadStore,
    view: ViewState,
    *,
    top_n: int | None = None,
    scenarios: Sequence[Scenario] | str = (),
    geometry: dict[str, Any] | None = None,
) -> Pack:
    """The board pack of `view` in its language: the shortlist is the top `top_n` (default: the
    view's) of the rows its filters show. `scenarios` (objects or the `sc` link text) add the
    scenario summary."""
    lang = view.lang
    n = (view.top_n or DEFAULT_TOP_N) if top_n is None else top_n
    if not 1 <= n <= MAX_TOP:
        raise RiskError(f"the shortlist must hold 1 to {MAX_TOP} countries, not {n}")
    if isinstance(scenarios, str):
        scenarios = parse_scenarios(scenarios)
    result = engine.score(view.spec)
    version = str(result.spec.data_version)
    ranked = result_table(result)
    shown = apply_filters(store, ranked, view.filters)
    countries = store.table("countries")
    as_of = date.fromisoformat(view.spec.as_of)
    deals = us_deals(store.table("us_partnerships"), as_of)
    built = buildout(store.table("observations"), as_of.year)

    top = shown[shown["eligible"].astype(bool) & shown["rank"].notna()].head(n)
    metric = view.metric if view.metric in ranked.columns else "score"
    props, lo, hi = map_properties(ranked, countries, metric, set(shown["iso3"]), lang)
    colors = {str(r.iso3): list(r.fill_color) for r in props.itertuples()}
    geo = geometry or load_geometry(DATASETS_DIR / "countries.geojson")
    filtered = not view.filters.is_default()
    bounds = region_bounds(geo, set(shown["iso3"])) if filtered and not shown.empty else None
    # the app map's status borders: export-controlled and too-little-data countries
    outlines = {
        code: (color, px) for codes, color, px in status_outlines(ranked).values() for code in codes
    }
    png = choropleth_png(geo, colors, bounds=bounds, highlight=set(top["iso3"]), outlines=outlines)

    columns = (
        t("col.rank", lang),
        t("col.name", lang),
        t("col.score", lang),
        t("export.col.interval", lang),
        t("pack.col.flags", lang),
    )
    rows = tuple(
        (
            str(int(r["rank"])),
            str(r[name_column(lang)]),
            _score(r["score"]),
            rank_interval(r.to_dict()),
            table_flags(r, deals, built, lang),
        )
        for _, r in top.iterrows()
    )
    parts = tuple(country_part(result, r, deals, built, lang) for _, r in top.iterrows())
    names = join_items([str(x) for x in top[name_column(lang)]], lang)
    return Pack(
        lang=lang,
        as_of=view.spec.as_of,
        data_version=version,
        title=t("pack.title", lang),
        subtitle=t("pack.subtitle", lang, as_of=view.spec.as_of, version=version),
        settings=tuple(settings_rows(view, version, lang)),
        shortlist_line=t("pack.shortlist", lang, n=len(top))
        + ("：" if lang != "en" else ": ")
        + names,
        link="?" + link_query(view, version),
        map_title=t("pack.map.title", lang, metric=t(f"metric.{metric}", lang)),
        map_png=png,
        map_note=t("pack.map.faded", lang) if filtered else "",
        legend=tuple(legend(metric, lo, hi, lang)),
        table_title=t("pack.table.title", lang, n=len(top)),
        table_columns=columns,
        table_rows=rows,
        countries=parts,
        scenario=scenario_part(engine, view, scenarios, list(top["iso3"]), lang)
        if scenarios
        else None,
        empty_note=t("pack.empty", lang),
    )


def pack_file_name(view: ViewState, data_version: str, fmt: str) -> str:
    """A descriptive download name: board_pack_<as-of>_<data version>_<lang>.<fmt>."""
    safe = "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in data_version)
    return f"board_pack_{view.spec.as_of}_{safe}_{view.lang}.{fmt}"
