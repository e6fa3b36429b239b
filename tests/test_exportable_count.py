"""One count of exportable countries: the overview's summary and the profile's rank say the same
"of N", and N is the number of ranked countries."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from risk.scoring.engine import engine_for
from risk.scoring.result import ranked_count
from risk.share import from_query
from risk.store.embedded import open_store
from tests.support import open_app


def test_ranked_count_counts_ranked_rows_only() -> None:
    table = pd.DataFrame(
        {
            "iso3": ["AAA", "BBB", "CCC", "DDD"],
            "rank": [1.0, 2.0, float("nan"), float("nan")],  # CCC: too little data; DDD: gated
            "eligible": [True, True, True, False],
        }
    )
    assert ranked_count(table) == 2


def test_overview_and_profile_show_the_same_denominator(datasets_dir: Path, data_dir: Path) -> None:
    result = engine_for(open_store()).score(from_query({})[0].spec)
    expected = ranked_count(result.table)
    # the data has an eligible country with too little data to rank: the two counts differ there
    assert int(result.table["eligible"].sum()) != expected

    overview = open_app(None, {"lang": "en"})
    summary = next(c.value for c in overview.caption if "exportable countries" in c.value)
    shown = re.search(r"(\d+) exportable countries ranked", summary)
    assert shown and int(shown.group(1)) == expected, summary

    ranked = result.table[result.table["rank"].notna()]
    code = str(ranked.sort_values("rank")["iso3"].iloc[8])
    profile = open_app("profile", {"country": code, "lang": "en"})
    rank = next(m.value for m in profile.metric if m.label == "Rank")
    assert rank.endswith(f" / {expected}"), rank

    zh = open_app(None, {})
    assert any(f"共 {expected} 個可出口國家" in c.value for c in zh.caption)
