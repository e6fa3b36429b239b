"""A view's settings in words: the preset, weights, methods, date, filters and data version.

The board pack's cover, the XLSX settings sheet and the CSV's sidecar JSON all describe a view with
these rows, so the three say the same thing in the same words.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote, urlencode

from risk.framework import PILLARS
from risk.i18n import label_or, t
from risk.share import Filters, ViewState, to_query
from risk.spec import ScoreSpec


def weights_text(spec: ScoreSpec, lang: str) -> str:
    """Pillar weights as shares of the index: "政府支持 25%、算力需求 25%、…"."""
    weights = dict(spec.pillar_weights)
    total = sum(weights.values()) or 1.0
    sep = "、" if lang != "en" else ", "
    return sep.join(f"{t(f'metric.{p}', lang)} {weights[p] / total * 100:.0f}%" for p in PILLARS)


def _names(prefix: str, values: tuple[str, ...], lang: str) -> str:
    sep = "、" if lang != "en" else ", "
    return sep.join(label_or(f"{prefix}.{v}", lang, v) for v in values)


def filter_rows(filters: Filters, lang: str) -> list[tuple[str, str]]:
    """(label, value) for each filter that is set; eligibility always (it decides the rows)."""
    rows: list[tuple[str, str]] = []
    for label, prefix, values in (
        ("col.business_region", "bregion", filters.markets),
        ("col.region", "region", filters.regions),
        ("col.subregion", "subregion", filters.subregions),
        ("col.income_group", "income", filters.incomes),
        ("overview.blocs", "bloc", filters.blocs),
        ("settings.taiwan", "tw", filters.taiwan),
    ):
        if values:
            rows.append((t(label, lang), _names(prefix, values, lang)))
    rows.append((t("overview.eligibility", lang), t(f"elig.{filters.eligibility}", lang)))
    for pillar, minimum in filters.min_pillar:
        rows.append(
            (t("overview.min_pillar", lang, pillar=t(f"metric.{pillar}", lang)), f"{minimum:g}")
        )
    if filters.min_coverage:
        rows.append((t("overview.min_coverage", lang), f"{filters.min_coverage * 100:.0f}%"))
    if filters.search.strip():
        rows.append((t("settings.search", lang), filters.search.strip()))
    return rows


def settings_rows(view: ViewState, data_version: str, lang: str) -> list[tuple[str, str]]:
    """(label, value) rows describing a view, in `lang`: enough for a reader to judge it and, with
    the link row, to open the same view again."""
    spec = view.spec
    methods = "、" if lang != "en" else ", "
    rows = [
        (t("scoring.field.preset", lang), t(f"preset.{spec.preset}", lang)),
        (t("settings.weights", lang), weights_text(spec, lang)),
        (
            t("settings.methods", lang),
            methods.join(
                [
                    t(f"scoring.normalisation.{spec.normalisation}", lang),
                    t(f"scoring.aggregation.{spec.aggregation}", lang),
                ]
            ),
        ),
        (t("scoring.field.as_of", lang), spec.as_of),
        (t("settings.data_version", lang), data_version),
    ]
    if spec.scenario != "current":
        rows.append(
            (
                t("settings.scenario", lang),
                t(f"settings.scenario.{spec.scenario}", lang, points=f"{spec.tier2_penalty:g}"),
            )
        )
    if spec.d_group_penalty:
        rows.append((t("settings.penalty", lang), f"{spec.d_group_penalty:g}"))
    rows += filter_rows(view.filters, lang)
    return rows


def link_query(view: ViewState, data_version: str) -> str:
    """The view's query string (`?` not included), pinned to the data version it was made on."""
    query = to_query(view.replace(spec=view.spec.replace(data_version=data_version)))
    return urlencode(query, quote_via=quote)


def settings_record(view: ViewState, data_version: str, lang: str) -> dict[str, Any]:
    """The settings as JSON-ready data (the CSV's sidecar): words for people, spec for machines."""
    spec = view.spec.replace(data_version=data_version)
    f = view.filters
    return {
        "data_version": data_version,
        "lang": lang,
        "settings": [{"field": k, "value": v} for k, v in settings_rows(view, data_version, lang)],
        "filters": {
            "market": list(f.markets),
            "region": list(f.regions),
            "subregion": list(f.subregions),
            "income": list(f.incomes),
            "bloc": list(f.blocs),
            "tw": list(f.taiwan),
            "eligibility": f.eligibility,
            "min_pillar": dict(f.min_pillar),
            "min_coverage": f.min_coverage,
            "search": f.search,
        },
        "spec": spec.to_dict(),
        "spec_url": spec.to_url(),
        "view_query": link_query(view, data_version),
    }
