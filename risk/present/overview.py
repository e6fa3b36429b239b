"""What the overview page shows, computed without Streamlit: map colours, legend, tooltip fields,
arcs from Taiwan, the ranked table's display columns, and the weight-slider arithmetic."""

from __future__ import annotations

import html
import math
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import replace
from datetime import date
from typing import Any, NamedTuple

import numpy as np
import pandas as pd

from risk.filters import apply_filters
from risk.framework import PILLARS
from risk.gates import (
    HOME,
    REASON_EXPORTER,
    REASON_HOME,
    REASON_LOW_COVERAGE,
    reason_label,
)
from risk.i18n import colon, name_column, other_name_column, t
from risk.present.fit import OVERVIEW_WIDTH, Layout, column_px
from risk.present.maps import (
    BUILDOUT_EXISTING_COLOR,
    BUILDOUT_PLANNED_COLOR,
    HOME_COLOR,
    NO_DATA_COLOR,
    ORIGIN_COLORS,
    US_DEAL_COLOR,
    Color,
)
from risk.scoring.derived import partnerships_in_force
from risk.share import Filters
from risk.store.protocol import ReadStore
from risk.text import fmt_number, to_float

# Sequential palette (ColorBrewer YlGnBu, 7 classes): light = low, dark = high.
PALETTE: list[Color] = [
    [255, 255, 204, 235],
    [199, 233, 180, 235],
    [127, 205, 187, 235],
    [65, 182, 196, 235],
    [29, 145, 192, 235],
    [34, 94, 168, 235],
    [12, 44, 132, 235],
]
INELIGIBLE_COLOR: Color = [150, 150, 150, 255]
# The programme's exporter (United States): a partner, not a target, and not export-controlled.
PARTNER_COLOR: Color = [118, 42, 131, 235]
LOW_COVERAGE_COLOR: Color = [248, 248, 248, 255]
FILTERED_OUT_ALPHA = 70

# Countries that are not ranked are told apart by their outline, not by shades of grey alone:
# export-controlled ones (gated) by a thick dark-red border, those with too little data by a thin
# dark one on a near-white fill; places without data stay plain grey. (colour, width in pixels)
GATED_OUTLINE: tuple[Color, float] = ([165, 15, 21, 255], 2.0)
LOW_COVERAGE_OUTLINE: tuple[Color, float] = ([82, 82, 82, 255], 1.0)
STATUS_OUTLINES: dict[str, tuple[Color, float]] = {
    "gated": GATED_OUTLINE,
    "low_coverage": LOW_COVERAGE_OUTLINE,
}


class Swatch(NamedTuple):
    """One legend entry: a label, its fill and, for the statuses drawn with one, its outline."""

    label: str
    color: Color
    outline: Color | None = None
    outline_px: float = 0.0


def country_status(iso3: str, eligible: object, reason: object) -> str:
    """How the map and the selected-country panel treat a country: home, not_scored (no score
    row, e.g. a territory), partner (the programme's exporter), gated (export-controlled, of
    concern, or a scenario's tier 3), low_coverage (too little data to rank) or eligible."""
    reasons = {p.strip() for p in str(reason or "").split(";") if p.strip()}
    if iso3 == HOME or REASON_HOME in reasons:
        return "home"
    if not isinstance(eligible, (bool, np.bool_)):
        return "not_scored"
    if REASON_EXPORTER in reasons:
        return "partner"
    if not eligible:
        return "gated"
    if REASON_LOW_COVERAGE in reasons:
        return "low_coverage"
    return "eligible"


def status_codes(scores: pd.DataFrame, statuses: Collection[str]) -> dict[str, list[str]]:
    """The ISO3 codes of `scores` in each of `statuses` (sorted; empty lists kept)."""
    out: dict[str, list[str]] = {s: [] for s in statuses}
    for iso3, eligible, reason in zip(
        scores["iso3"], scores["eligible"], scores["reason"], strict=True
    ):
        status = country_status(str(iso3), _bool_or_none(eligible), reason)
        if status in out:
            out[status].append(str(iso3))
    return {s: sorted(codes) for s, codes in out.items()}


def _bool_or_none(value: object) -> object:
    """A scores table's `eligible` cell as a bool (None when missing)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    return bool(value)  # type: ignore[arg-type]


def status_outlines(scores: pd.DataFrame) -> dict[str, tuple[list[str], Color, float]]:
    """The map's outline layers: status -> (ISO3 codes, outline colour, width in pixels)."""
    codes = status_codes(scores, STATUS_OUTLINES)
    return {s: (codes[s], *STATUS_OUTLINES[s]) for s in STATUS_OUTLINES}


def balance_weights(weights: Mapping[str, float], changed: str, total: int = 100) -> dict[str, int]:
    """Integer weights summing to `total` after one slider moved: the others share the remainder in
    proportion to their previous values (equally if they were all zero)."""
    new = max(0, min(total, int(round(weights[changed]))))
    others = [k for k in weights if k != changed]
    rest = total - new
    prev = np.array([max(0.0, float(weights[k])) for k in others])
    share = prev / prev.sum() if prev.sum() > 0 else np.full(len(others), 1 / len(others))
    raw = share * rest
    floors = np.floor(raw).astype(int)
    # largest remainders get the leftover points, so the sum is exact
    for i in np.argsort(-(raw - floors), kind="stable")[: rest - int(floors.sum())]:
        floors[i] += 1
    out = {changed: new}
    out.update({k: int(v) for k, v in zip(others, floors, strict=True)})
    return {k: out[k] for k in weights}


def color_for(value: float | None, lo: float, hi: float) -> Color:
    """Palette colour of a value on [lo, hi]; grey when missing."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return NO_DATA_COLOR
    span = hi - lo if hi > lo else 1.0
    pos = min(max((value - lo) / span, 0.0), 1.0)
    return PALETTE[min(int(pos * len(PALETTE)), len(PALETTE) - 1)]


def legend(metric: str, lo: float, hi: float, lang: str) -> list[Swatch]:
    """The legend: one swatch per palette class, then the countries that are not ranked (with
    the outlines the map draws them with), home and no data."""
    step = (hi - lo) / len(PALETTE) if hi > lo else 0.0
    items = [
        Swatch(f"{lo + i * step:.0f}–{lo + (i + 1) * step:.0f}", c) for i, c in enumerate(PALETTE)
    ]
    items += [
        Swatch(t("overview.legend.ineligible", lang), INELIGIBLE_COLOR, *GATED_OUTLINE),
        Swatch(t("overview.legend.partner", lang), PARTNER_COLOR),
        Swatch(t("overview.legend.low_coverage", lang), LOW_COVERAGE_COLOR, *LOW_COVERAGE_OUTLINE),
        Swatch(t("map.home", lang), HOME_COLOR),
        Swatch(t("map.no_data", lang), NO_DATA_COLOR),
    ]
    return items


def layer_legend(layers: set[str], lang: str) -> list[tuple[str, Color]]:
    """Legend entries for the point layers that are switched on."""

    items: list[tuple[str, Color]] = []
    if "cloud" in layers:
        items += [(t(f"overview.legend.cloud_{o}", lang), c) for o, c in ORIGIN_COLORS.items()]
    if "landings" in layers:
        items.append((t("layer.landings", lang), [60, 60, 60, 200]))
    if "cables" in layers:
        items.append((t("layer.cables", lang), [90, 90, 160, 200]))
    if "buildout" in layers:
        items += [
            (t("overview.legend.buildout_existing", lang), BUILDOUT_EXISTING_COLOR),
            (t("overview.legend.buildout_planned", lang), BUILDOUT_PLANNED_COLOR),
        ]
    if "us_deals" in layers:
        items.append((t("overview.legend.us_deals", lang), US_DEAL_COLOR))
    return items


BUILDOUT_CODES = {"existing": "epoch.h100e_existing", "planned": "epoch.h100e_planned"}


def buildout_points(observations: pd.DataFrame, countries: pd.DataFrame, year: int) -> pd.DataFrame:
    """Per country with any known AI compute: its label point and existing and planned
    H100-equivalents (the epoch.* indicators, latest year up to `year`)."""
    cols = ["iso3", "lon", "lat", *BUILDOUT_CODES]
    obs = observations[observations["indicator"].isin(list(BUILDOUT_CODES.values()))]
    obs = obs[obs["year"] <= year].sort_values("year")
    if obs.empty:
        return pd.DataFrame(columns=cols)
    latest = obs.groupby(["iso3", "indicator"])["value"].last().unstack()
    values = pd.DataFrame(
        {k: pd.to_numeric(latest.get(code), errors="coerce") for k, code in BUILDOUT_CODES.items()},
        index=latest.index,
    ).fillna(0.0)
    values = values[(values > 0).any(axis=1)]
    points = countries.set_index("iso3")[["lon", "lat"]].dropna()
    out = points.join(values, how="inner").reset_index()
    return out[cols].sort_values("iso3").reset_index(drop=True)


def us_deals_in_force(partnerships: pd.DataFrame | None, as_of: date) -> pd.DataFrame:
    """The US AI agreements in force on `as_of` (iso3, agreement, signed), oldest first."""
    cols = ["iso3", "agreement", "signed"]
    if partnerships is None or partnerships.empty:
        return pd.DataFrame(columns=cols)
    live = partnerships[partnerships_in_force(partnerships, as_of).to_numpy(bool)]
    out = live.assign(signed=[str(v)[:10] for v in live["signed"]])[cols]
    return out.sort_values(["iso3", "signed", "agreement"]).reset_index(drop=True)


NOTE_LAYERS = frozenset({"buildout", "us_deals"})


def layer_notes(
    layers: set[str],
    countries: pd.DataFrame,
    buildout: pd.DataFrame | None,
    deals: pd.DataFrame | None,
    lang: str,
) -> dict[str, str] | None:
    """Extra tooltip lines per country for the layers that are on (plain text, each line led by a
    newline so a country without any adds nothing); None when no layer adds any."""
    if not layers & NOTE_LAYERS:
        return None
    notes = {str(c): "" for c in countries["iso3"]}
    # A country without a symbol has no known cluster: saying so on every other country would
    # repeat the words on each of its polygon parts, for little.
    if "buildout" in layers and buildout is not None:
        for rec in buildout.itertuples():
            if str(rec.iso3) in notes:
                notes[str(rec.iso3)] += "\n" + t(
                    "overview.tooltip.buildout",
                    lang,
                    existing=fmt_number(rec.existing, lang),
                    planned=fmt_number(rec.planned, lang),
                )
    if "us_deals" in layers and deals is not None and not deals.empty:
        sep = "; " if lang == "en" else "；"
        for code, rows in deals.groupby("iso3"):
            items = sep.join(f"{r.agreement} ({r.signed})" for r in rows.itertuples())
            if str(code) in notes:
                notes[str(code)] += "\n" + t("overview.tooltip.us_deals", lang, items=items)
    return notes


def _swatch_html(item: Sequence[Any]) -> str:
    label, c, outline, px = Swatch(*item)
    if outline is None:  # a faint edge, so the lightest fills still show on white
        border = "1px solid rgba(0,0,0,0.25)"
    else:  # the map's outline, as thick as on the map
        border = f"{px:g}px solid rgb({outline[0]},{outline[1]},{outline[2]})"
    return (  # each swatch stays on the same line as its label
        f"<span style='white-space:nowrap'><span style='display:inline-block;width:12px;"
        f"height:12px;box-sizing:border-box;vertical-align:-1px;"
        f"background:rgba({c[0]},{c[1]},{c[2]},{c[3] / 255:.2f});"
        f"border:{border};margin:0 3px 0 10px'></span>{html.escape(str(label))}</span>"
    )


def legend_html(title: str, items: Sequence[Sequence[Any]], lang: str = "en") -> str:
    """A one-line legend of `Swatch`es or (label, colour) pairs; every label is escaped (labels
    are our strings, but stay safe anyway)."""
    swatches = " ".join(_swatch_html(item) for item in items)
    return f"<div style='font-size:0.8rem'>{html.escape(title)}{colon(lang)}{swatches}</div>"


def _fmt(value: object, digits: int = 1) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    return f"{float(value):.{digits}f}"  # type: ignore[arg-type]


def rank_interval(row: Mapping[str, object]) -> str:
    lo, hi = row.get("rank_p05"), row.get("rank_p95")
    if lo is None or hi is None or pd.isna(lo) or pd.isna(hi):  # None, NaN or <NA>
        return "–"
    return f"{int(lo)}–{int(hi)}"  # type: ignore[call-overload]


def map_properties(
    scores: pd.DataFrame,
    countries: pd.DataFrame,
    metric: str,
    visible: set[str],
    lang: str,
    notes: Mapping[str, str] | None = None,
) -> tuple[pd.DataFrame, float, float]:
    """Per-country feature properties (colour + tooltip text fields) and the colour range used.

    Every field the tooltip shows is plain text; the deck renders it in text mode. `notes` are the
    layers' extra tooltip lines per country (`layer_notes`).
    """
    iso3s = countries["iso3"].tolist()
    col = _aligned(scores, iso3s)  # each country's score row, as plain lists (fast for ~250)
    values = [to_float(v) for v in col(metric)]
    eligible, ranks = col("eligible"), col("rank")
    # the colour range spans the ranked countries (not those left out for too little data)
    yes = [isinstance(e, (bool, np.bool_)) and bool(e) for e in eligible]
    ranked = yes if "rank" not in scores else [not pd.isna(r) for r in ranks]
    span = [v for v, y, r in zip(values, yes, ranked, strict=True) if y and r and not math.isnan(v)]
    lo = float(min(span)) if span else 0.0
    hi = float(max(span)) if span else 100.0
    # column lists, not a dict per row: several times faster for some 250 countries
    colors, statuses = [], []
    fixed: dict[tuple[str, str], tuple[Color, str]] = {}  # (kind, reason): colour and status
    for iso3, ok, why, value in zip(iso3s, eligible, col("reason"), values, strict=True):
        reason = str(why or "")
        kind = country_status(iso3, ok, reason)
        if (kind, reason) not in fixed:
            fixed[(kind, reason)] = (_fixed_color(kind), _status_text(kind, reason, lang))
        color, status = fixed[(kind, reason)]
        if kind == "eligible":
            color = color_for(None if math.isnan(value) else value, lo, hi)
            if iso3 not in visible:
                color = [*color[:3], FILTERED_OUT_ALPHA]
        colors.append(color)
        statuses.append(status)
    out = pd.DataFrame(
        {
            "iso3": iso3s,
            "fill_color": colors,
            "name_zh_tw": countries["name_zh_tw"].tolist(),
            "name_en": countries["name_en"].tolist(),
            "metric_value": [_fmt(v) for v in values],
            "rank_text": ["–" if pd.isna(r) else str(int(r)) for r in ranks],
            "interval": [
                rank_interval({"rank_p05": a, "rank_p95": b})
                for a, b in zip(col("rank_p05"), col("rank_p95"), strict=True)
            ],
            "coverage_text": [
                "–" if pd.isna(c) else f"{float(c) * 100:.0f}%" for c in col("coverage")
            ],
            "status": statuses,
        }
    )
    if notes is not None:  # only when a layer adds lines: every byte is sent per polygon part
        out["notes"] = [notes.get(iso3, "") for iso3 in iso3s]
    return out, lo, hi


def _aligned(scores: pd.DataFrame, iso3s: list[str]) -> Callable[[str], list[Any]]:
    """A column of `scores` in the order of `iso3s` (None where a country has no row or the table
    no such column), as a plain list."""
    at = pd.Index(scores["iso3"]).get_indexer(iso3s)

    def column(name: str) -> list[Any]:
        if name not in scores:
            return [None] * len(at)
        values = scores[name].tolist()
        return [values[i] if i >= 0 else None for i in at]

    return column


def _fixed_color(kind: str) -> Color:
    """The map colour of a country whose colour does not depend on its value (an eligible one's
    does: `color_for`)."""
    if kind == "home":
        return HOME_COLOR
    if kind in ("not_scored", "eligible"):
        return NO_DATA_COLOR
    return {"partner": PARTNER_COLOR, "low_coverage": LOW_COVERAGE_COLOR}.get(
        kind, INELIGIBLE_COLOR
    )


def _status_text(kind: str, reason: str, lang: str) -> str:
    """The tooltip's status line of a country (`country_status` kind, its reasons)."""
    if kind == "home":
        return t("map.home", lang)
    if kind == "not_scored":
        return t("overview.not_scored", lang)
    if kind != "eligible":
        return t("overview.ineligible", lang, reason=reason_label(reason, lang))
    return t("overview.eligible", lang)


def tooltip_text(metric: str, lang: str, notes: bool = False) -> str:
    """The tooltip template (deck.gl text mode: placeholders are filled with plain text).

    The metric's label is the same on every country, so it lives here rather than in each row.
    With `notes`, the layers' lines (`layer_notes`) follow.
    """
    c = colon(lang)
    names = "{name_en} {name_zh_tw}" if lang == "en" else "{name_zh_tw} {name_en}"
    return (
        names
        + " ({iso3})\n"
        + t(f"metric.{metric}", lang)
        + c
        + "{metric_value}\n"
        + t("overview.tooltip.rank", lang)
        + c
        + "{rank_text} (90%"
        + c
        + "{interval})\n"
        + t("overview.tooltip.coverage", lang)
        + c
        + "{coverage_text}\n{status}"
        + ("{notes}" if notes else "")
    )


def arcs(scores: pd.DataFrame, countries: pd.DataFrame, top_n: int) -> pd.DataFrame:
    """Arcs from Taiwan to the top N ranked (eligible) countries."""
    points = countries.set_index("iso3")[["lon", "lat"]]
    if "TWN" not in points.index or top_n <= 0:
        return pd.DataFrame(columns=["iso3", "source", "target", "rank"])
    home = points.loc["TWN"].tolist()
    top = scores[scores["eligible"] & scores["rank"].notna()].nsmallest(top_n, "rank")
    rows = [
        {"iso3": r.iso3, "source": home, "target": points.loc[r.iso3].tolist(), "rank": int(r.rank)}
        for r in top.itertuples()
        if r.iso3 in points.index and not points.loc[r.iso3].isna().any()
    ]
    return pd.DataFrame(rows)


def _intervals(scores: pd.DataFrame) -> list[str]:
    """`rank_interval` of every row, from the two columns it reads (not a copy of each wide row)."""
    missing = pd.Series([None] * len(scores), index=scores.index, dtype=object)
    lo, hi = scores.get("rank_p05", missing), scores.get("rank_p95", missing)
    return [rank_interval({"rank_p05": a, "rank_p95": b}) for a, b in zip(lo, hi, strict=True)]


def table_view(
    scores: pd.DataFrame, lang: str, countries: pd.DataFrame | None = None
) -> pd.DataFrame:
    """The ranked table's display columns (numbers stay numbers; text is plain). They fit a
    1440-pixel screen without scrolling sideways: region and income group are filters and profile
    facts, not columns, and the reason column is left off when every row is eligible (it would be
    empty). `countries` is accepted for callers that pass it."""
    del countries
    out = pd.DataFrame(
        {
            "rank": scores["rank"],
            "name": scores[name_column(lang)],
            "name_other": scores[other_name_column(lang)],
            "iso3": scores["iso3"],
            "score": scores["score"],
            **{p: scores[p] for p in PILLARS},
            "interval": _intervals(scores),
            "coverage": scores["coverage"] * 100,
            "eligible": scores["eligible"],
            "reason": [reason_label(r, lang) for r in scores["reason"]],
        }
    )
    if scores["eligible"].astype(bool).all():
        out = out.drop(columns="reason")
    return out.reset_index(drop=True)


def search_hint(
    store: ReadStore,
    ranked: pd.DataFrame,
    filters: Filters,
    shown: pd.DataFrame,
    countries: pd.DataFrame,
    lang: str,
) -> str | None:
    """Why a searched country is missing from the table (None when nothing is missing).

    A match that every filter but eligibility lets through is named with the reason it is not
    ranked (and how to show it); any other match as excluded by another filter.
    """

    query = filters.search
    if not query.strip():
        return None
    matches = apply_filters(store, ranked, Filters(search=query, eligibility="all"))
    gated: set[str] = set()
    if filters.eligibility != "all":
        gated = set(apply_filters(store, ranked, replace(filters, eligibility="all"))["iso3"])
    hidden = matches[~matches["iso3"].isin(set(shown["iso3"]))]
    if hidden.empty:
        return None
    names = countries.set_index("iso3")[name_column(lang)]
    items, any_gated = [], False
    for rec in hidden.head(5).itertuples():
        if rec.iso3 in gated:
            any_gated = True
            why = reason_label(str(rec.reason), lang) if rec.reason else ""
            why = why or t("overview.not_ranked", lang)
        else:
            why = t("overview.filtered_out", lang)
        name = names.get(rec.iso3, rec.iso3)
        items.append(f"{name} ({why})" if lang == "en" else f"{name}（{why}）")
    sep = "、" if lang != "en" else "; "
    text = t("overview.search_hidden", lang, query=query.strip(), items=sep.join(items))
    if any_gated:
        text += (" " if lang == "en" else "") + t("overview.search_show_all", lang)
    return text


def table_layout(table: pd.DataFrame, lang: str) -> Layout:
    """Widths (pixels) of the ranked table's shown columns, fitted to the overview's width at
    1440 x 900: numbers and bars as wide as their headers, the name in the user's language as
    wide as its longest (then the other language's name, with what is left). The eligible tick is
    not shown (the default shows eligible countries only; otherwise the reason says why a row is
    not ranked); with the reason column, the other language's name and the coverage bar make room
    for it. `table` is `table_view`'s frame."""
    labels = {c: t(f"col.{c}", lang) for c in table.columns}
    fixed = {
        "rank": column_px([labels["rank"], "100"], 52),
        "name": 0,
        "name_other": 0,
        "iso3": column_px([labels["iso3"], "GBR"]),
        "score": column_px([labels["score"], "80.5"], 64),
        **{p: column_px([labels[p]], 80) for p in PILLARS},  # a bar and its number
        "interval": column_px([labels["interval"], "100–120"]),
        "coverage": column_px([labels["coverage"]], 92),
    }
    name = column_px([*table["name"], labels["name"]], 100)
    if "reason" in table.columns:
        del fixed["name_other"], fixed["coverage"]
        fixed["name"] = min(name, 170)
        fixed["reason"] = max(OVERVIEW_WIDTH - sum(fixed.values()), 120)
        return Layout(fixed, labels=labels)
    room = OVERVIEW_WIDTH - sum(fixed.values())
    other = column_px([*table["name_other"], labels["name_other"]], 90)
    fixed["name"] = min(name, room - 90)
    fixed["name_other"] = max(min(other, room - fixed["name"]), 90)
    return Layout(fixed, labels=labels)
