"""Filters on the ranked table, run as parameterised DuckDB queries.

Column names come only from fixed whitelists; every user value (region names, search text,
thresholds) is a bound parameter.
"""

from __future__ import annotations

import threading
from typing import Any

import duckdb
import pandas as pd

from risk.framework import PILLARS
from risk.share import BLOC_FILTERS, TAIWAN_FILTERS, Filters
from risk.store.protocol import ReadStore, quote_ident


def filter_sql(filters: Filters) -> tuple[str, dict[str, Any]]:
    """The WHERE clause (over `s` = scores and `c` = countries) and its named parameters."""
    where: list[str] = []
    params: dict[str, Any] = {}
    if filters.markets:
        where.append("list_contains($markets, c.business_region)")
        params["markets"] = list(filters.markets)
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
        # 台 and 臺 are the same character in everyday writing (台灣 finds 臺灣)
        where.append(
            "(contains(lower(c.name_en), lower($q))"
            " OR contains(replace(c.name_zh_tw, '台', '臺'), replace($q, '台', '臺'))"
            " OR lower(c.iso3) = lower($q))"
        )
        params["q"] = filters.search.strip()
    return (" AND ".join(where) or "TRUE"), params


class FilterIndex:
    """An in-memory DuckDB copy of the countries table for one data version.

    The store's file connection is opened per operation (so other processes can write); filters run
    on every rerun, so they query this in-process copy instead, with one cursor per thread.
    """

    def __init__(self, countries: pd.DataFrame):
        self._con = duckdb.connect(config={"autoinstall_known_extensions": False})
        self._con.register("countries_src", countries)
        self._con.execute("CREATE TABLE countries AS SELECT * FROM countries_src")
        self._con.unregister("countries_src")
        self._codes = set(countries["iso3"].astype(str))
        self._local = threading.local()
        self._lock = threading.Lock()

    def _cursor(self) -> duckdb.DuckDBPyConnection:
        cur = getattr(self._local, "cursor", None)
        if cur is None:
            with self._lock:
                cur = self._con.cursor()
            self._local.cursor = cur
        return cur

    def apply(self, scores: pd.DataFrame, filters: Filters) -> pd.DataFrame:
        """The rows of `scores` (one per iso3) whose country passes every filter, in the same order."""
        where, params = filter_sql(filters)
        if where in ("TRUE", "s.eligible"):
            # The usual view reads no country attribute: the same rows without a query (those of
            # known countries, eligible ones if asked, as the join and the condition would keep).
            keep = scores["iso3"].astype(str).isin(self._codes)
            if where == "s.eligible":
                keep &= scores["eligible"].eq(True)
            return scores[keep.to_numpy(dtype=bool)].reset_index(drop=True)
        # Only the columns the filters read go to DuckDB; the rows come back by position.
        cols = ["iso3", "eligible", "coverage", *PILLARS]
        frame = scores[cols].reset_index(drop=True).assign(_order=lambda d: range(len(d)))
        sql = (
            "SELECT s._order FROM scores_frame s JOIN countries c ON c.iso3 = s.iso3 "  # noqa: S608 (whitelisted columns)
            f"WHERE {where} ORDER BY s._order"
        )
        cur = self._cursor()
        cur.register("scores_frame", frame)
        try:
            order = cur.execute(sql, params).fetchnumpy()["_order"]
        finally:
            cur.unregister("scores_frame")
        return scores.iloc[order].reset_index(drop=True)


_INDEXES: dict[str, FilterIndex] = {}
_INDEX_LOCK = threading.Lock()


def filter_index(store: ReadStore) -> FilterIndex:
    """The filter index for the store's current data version (built once per version)."""
    version = str(store.data_version)
    with _INDEX_LOCK:
        index = _INDEXES.get(version)
        if index is None:
            index = FilterIndex(store.table("countries"))
            _INDEXES.clear()
            _INDEXES[version] = index
        return index


def apply_filters(store: ReadStore, scores: pd.DataFrame, filters: Filters) -> pd.DataFrame:
    """The rows of `scores` whose country passes every filter, in the same order."""
    return filter_index(store).apply(scores, filters)
