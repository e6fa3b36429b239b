"""Filters on the ranked table, run as parameterised DuckDB queries.

Column names come only from fixed whitelists; every user value (region names, search text,
thresholds) is a bound parameter.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from risk.framework import PILLARS
from risk.share import BLOC_FILTERS, TAIWAN_FILTERS, Filters
from risk.store import quote_ident


def filter_sql(filters: Filters) -> tuple[str, dict[str, Any]]:
    """The WHERE clause (over `s` = scores and `c` = countries) and its named parameters."""
    where: list[str] = []
    params: dict[str, Any] = {}
    if filters.regions:
        where.append("list_contains($regions, c.region)")
        params["regions"] = list(filters.regions)
    if filters.subregions:
        where.append("list_contains($subregions, c.subregion)")
        params["subregions"] = list(filters.subregions)
    if filters.incomes:
        where.append("list_contains($incomes, c.income_group)")
        params["incomes"] = list(filters.incomes)
    blocs = [b for b in filters.blocs if b in BLOC_FILTERS]
    if blocs:
        where.append("(" + " OR ".join(f"c.{quote_ident('bloc_' + b)}" for b in blocs) + ")")
    taiwan = [r for r in filters.taiwan if r in TAIWAN_FILTERS]
    if taiwan:
        where.append("(" + " OR ".join(f"c.{quote_ident(r)}" for r in taiwan) + ")")
    if filters.eligibility == "eligible":
        where.append("s.eligible")
    elif filters.eligibility == "ineligible":
        where.append("NOT s.eligible")
    for i, (pillar, minimum) in enumerate(filters.min_pillar):
        if pillar in PILLARS:
            where.append(f"coalesce(s.{quote_ident(pillar)}, -1) >= $min{i}")
            params[f"min{i}"] = float(minimum)
    if filters.min_coverage:
        where.append("coalesce(s.coverage, 0) >= $mincov")
        params["mincov"] = float(filters.min_coverage)
    if filters.search.strip():
        where.append(
            "(contains(lower(c.name_en), lower($q)) OR contains(c.name_zh_tw, $q) OR lower(c.iso3) = lower($q))"
        )
        params["q"] = filters.search.strip()
    return (" AND ".join(where) or "TRUE"), params


def apply_filters(store: Any, scores: pd.DataFrame, filters: Filters) -> pd.DataFrame:
    """The rows of `scores` (one per iso3) whose country passes every filter, in the same order."""
    where, params = filter_sql(filters)
    frame = scores.reset_index(drop=True).assign(_order=lambda d: range(len(d)))
    sql = (
        "SELECT s.* FROM scores_frame s JOIN countries c ON c.iso3 = s.iso3 "  # noqa: S608 (whitelisted columns)
        f"WHERE {where} ORDER BY s._order"
    )
    with store.cursor() as cur:
        cur.register("scores_frame", frame)
        out = cur.execute(sql, params).df() if params else cur.execute(sql).df()
        cur.unregister("scores_frame")
    return out.drop(columns="_order")
