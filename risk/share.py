"""Shareable view state: everything a view shows lives in the URL, and saved views get short links.

A `ViewState` is data: the score spec (weights, methods, date, data version), the filters, the map
metric and layers, the selected and compared countries, the language. `to_query` and `from_query`
round-trip it through Streamlit's query parameters; unknown or damaged parameters are dropped with a
warning instead of breaking the page.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from risk.errors import RiskError, SpecError
from risk.framework import PILLARS
from risk.i18n import normalise_lang
from risk.spec import ScoreSpec
from risk.store.protocol import Store

METRICS: tuple[str, ...] = ("score", *PILLARS, "rank_change")
LAYERS: tuple[str, ...] = ("arcs", "cloud", "landings", "cables", "buildout", "us_deals")
# The map's view: "auto" follows the business-region filter, the others are fixed areas.
MAP_VIEW_NAMES: tuple[str, ...] = (
    "auto",
    "world",
    "asia_pacific",
    "middle_east",
    "europe",
    "americas",
    "africa",
)
ELIGIBILITY: tuple[str, ...] = ("eligible", "all", "ineligible")
BLOC_FILTERS: tuple[str, ...] = (
    "nato",
    "us_mnna",
    "oecd",
    "eu",
    "brics",
    "sco",
    "bri",
    "five_eyes",
    "quad",
    "g7",
)
TAIWAN_FILTERS: tuple[str, ...] = ("new_southbound_policy", "diplomatic_ally")
DEFAULT_TOP_N = 10


@dataclass(frozen=True)
class Filters:
    """Which countries the table and map show (the scores themselves never depend on filters)."""

    markets: tuple[str, ...] = ()  # business regions (East Asia, Middle East, ...)
    regions: tuple[str, ...] = ()
    subregions: tuple[str, ...] = ()
    incomes: tuple[str, ...] = ()
    blocs: tuple[str, ...] = ()  # any of these (OR)
    taiwan: tuple[str, ...] = ()  # any of these (OR)
    eligibility: str = "eligible"
    min_pillar: tuple[tuple[str, float], ...] = ()
    min_coverage: float = 0.0
    search: str = ""

    def is_default(self) -> bool:
        return self == Filters()


@dataclass(frozen=True)
class ViewState:
    spec: ScoreSpec = field(default_factory=ScoreSpec)
    filters: Filters = field(default_factory=Filters)
    metric: str = "score"
    layers: tuple[str, ...] = ()  # arcs are off by default: they cover East Asia
    top_n: int = DEFAULT_TOP_N
    selected: str | None = None
    compare: tuple[str, ...] = ()
    lang: str = "zh-TW"
    map_view: str = "auto"

    def replace(self, **changes: Any) -> ViewState:
        return replace(self, **changes)


def _csv(values: tuple[str, ...] | list[str]) -> str:
    return ",".join(values)


def _split(text: str | None) -> tuple[str, ...]:
    if not text:
        return ()
    return tuple(dict.fromkeys(p.strip() for p in str(text).split(",") if p.strip()))


def to_query(view: ViewState) -> dict[str, str]:
    """Query parameters for a view: only what differs from the defaults, plus spec and language."""
    q: dict[str, str] = {"lang": view.lang, "spec": view.spec.to_url()}
    f = view.filters
    if f.markets:
        q["market"] = _csv(f.markets)
    if f.regions:
        q["region"] = _csv(f.regions)
    if f.subregions:
        q["subregion"] = _csv(f.subregions)
    if f.incomes:
        q["income"] = _csv(f.incomes)
    if f.blocs:
        q["bloc"] = _csv(f.blocs)
    if f.taiwan:
        q["tw"] = _csv(f.taiwan)
    if f.eligibility != "eligible":
        q["elig"] = f.eligibility
    if f.min_pillar:
        q["min"] = _csv([f"{p}:{v:g}" for p, v in f.min_pillar])
    if f.min_coverage:
        q["mincov"] = f"{f.min_coverage:g}"
    if f.search:
        q["q"] = f.search
    if view.metric != "score":
        q["metric"] = view.metric
    if view.layers:
        q["layers"] = _csv(view.layers)
    if view.map_view != "auto":
        q["mapview"] = view.map_view
    if view.top_n != DEFAULT_TOP_N:
        q["top"] = str(view.top_n)
    if view.selected:
        q["country"] = view.selected
    if view.compare:
        q["compare"] = _csv(view.compare)
    return q


def from_query(
    params: Mapping[str, Any], default_spec: ScoreSpec | None = None
) -> tuple[ViewState, list[str]]:
    """Rebuild a view from query parameters; returns the view and warnings about what was dropped."""
    warnings: list[str] = []

    def get(key: str) -> str | None:
        value = params.get(key)
        if isinstance(value, list):
            value = value[-1] if value else None
        return None if value is None else str(value)

    spec = default_spec or ScoreSpec()
    if raw := get("spec"):
        try:
            spec = ScoreSpec.from_url(raw)
        except SpecError as exc:
            warnings.append(f"spec: {exc.message}")

    def choose(values: tuple[str, ...], allowed: tuple[str, ...], name: str) -> tuple[str, ...]:
        bad = [v for v in values if v not in allowed]
        if bad:
            warnings.append(f"{name}: ignored {', '.join(bad)}")
        return tuple(v for v in values if v in allowed)

    min_pillar: list[tuple[str, float]] = []
    for part in _split(get("min")):
        name, _, value = part.partition(":")
        try:
            v = float(value)
        except ValueError:
            warnings.append(f"min: ignored {part}")
            continue
        if name in PILLARS and 0 <= v <= 100:
            min_pillar.append((name, v))
        else:
            warnings.append(f"min: ignored {part}")
    try:
        min_cov = float(get("mincov") or 0)
        if not 0 <= min_cov <= 1:
            raise ValueError
    except ValueError:
        warnings.append("mincov: ignored")
        min_cov = 0.0
    eligibility = get("elig") or "eligible"
    if eligibility not in ELIGIBILITY:
        warnings.append(f"elig: ignored {eligibility}")
        eligibility = "eligible"
    filters = Filters(
        markets=_split(get("market")),
        regions=_split(get("region")),
        subregions=_split(get("subregion")),
        incomes=_split(get("income")),
        blocs=choose(_split(get("bloc")), BLOC_FILTERS, "bloc"),
        taiwan=choose(_split(get("tw")), TAIWAN_FILTERS, "tw"),
        eligibility=eligibility,
        min_pillar=tuple(min_pillar),
        min_coverage=min_cov,
        search=(get("q") or "")[:100],
    )
    metric = get("metric") or "score"
    if metric not in METRICS:
        warnings.append(f"metric: ignored {metric}")
        metric = "score"
    layers_raw = get("layers")
    layers = (
        ()
        if layers_raw is None
        else choose(_split(layers_raw.replace("none", "")), LAYERS, "layers")
    )
    map_view = get("mapview") or "auto"
    if map_view not in MAP_VIEW_NAMES:
        warnings.append(f"mapview: ignored {map_view}")
        map_view = "auto"
    try:
        top_n = max(0, min(50, int(get("top") or DEFAULT_TOP_N)))
    except ValueError:
        warnings.append("top: ignored")
        top_n = DEFAULT_TOP_N
    selected = (get("country") or "").upper()[:3] or None
    compare = tuple(c.upper()[:3] for c in _split(get("compare")))[:5]
    view = ViewState(
        spec=spec,
        filters=filters,
        metric=metric,
        layers=layers,
        top_n=top_n,
        selected=selected,
        compare=compare,
        lang=normalise_lang(get("lang")),
        map_view=map_view,
    )
    return view, warnings


def view_id(query: Mapping[str, str]) -> str:
    """A short, stable id for a set of query parameters (same view -> same id)."""
    text = json.dumps(dict(sorted(query.items())), ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:10]


def save_view(store: Store, query: Mapping[str, str]) -> str:
    """Store a view's query parameters under a short id (idempotent) and return the id."""
    params = {k: v for k, v in query.items() if k != "view"}
    vid = view_id(params)
    store.put_view(vid, json.dumps(params, ensure_ascii=False, sort_keys=True))
    return vid


def load_view(store: Store, vid: str) -> dict[str, str]:
    """The query parameters saved under `vid`; RiskError if there is no such view."""
    payload = store.get_view(vid)
    if payload is None:
        raise RiskError(f"no saved view {vid!r}")
    return dict(json.loads(payload))


def query_from_link(link: str) -> dict[str, str]:
    """The query parameters of a dashboard link: a full URL, its query string (with or without the
    leading '?'), or a bare `view=<id>`; a parameter given twice keeps its last value."""
    text = link.strip()
    if "://" in text or text.startswith("/"):
        text = urlsplit(text).query
    text = text.lstrip("?")
    return dict(parse_qsl(text, keep_blank_values=False))


def view_from_link(
    store: Store, link: str, default_spec: ScoreSpec | None = None
) -> tuple[ViewState, dict[str, str], list[str]]:
    """The view a link shows, its query parameters (a `?view=<id>` short link expanded through the
    store's saved views) and warnings about what was dropped. RiskError for an unknown short id."""
    params = query_from_link(link)
    if vid := params.get("view"):
        lang = params.get("lang")
        params = load_view(store, vid)
        if lang:
            params["lang"] = lang
    view, warnings = from_query(params, default_spec)
    return view, params, warnings
