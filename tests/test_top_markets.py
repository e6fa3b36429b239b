"""The overview's top markets beside the map: rank interval, a short reason in words and the
signals that exist, in both languages; escaped; on the page in AppTest."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from risk.present.overview import buildout_points, table_view, us_deals_in_force
from risk.present.top import TopMarket, market_flags, top_markets, top_markets_html
from risk.scoring.engine import engine_for
from risk.scoring.result import result_table
from risk.spec import ScoreSpec
from risk.store import open_store
from tests.support import open_app


@pytest.fixture(scope="module")
def scored(datasets_dir: Path, tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    mp = pytest.MonkeyPatch()
    mp.setenv("RISK_DATA_DIR", str(tmp_path_factory.mktemp("top-data")))
    store = open_store()
    result = engine_for(store).score(ScoreSpec.from_preset("balanced", as_of="2026-06-30"))
    deals = set(us_deals_in_force(store.table("us_partnerships"), date(2026, 6, 30))["iso3"])
    built = set(
        buildout_points(store.table("observations"), store.table("countries"), 2026)["iso3"]
    )
    yield result, result_table(result), deals, built
    mp.undo()


@pytest.mark.parametrize("lang", ["zh-TW", "en"])
def test_ten_markets_with_interval_reason_and_flags(scored, lang: str) -> None:  # type: ignore[no-untyped-def]
    result, table, deals, built = scored
    markets = top_markets(result, table, deals, built, lang)
    eligible = table[table["eligible"]].sort_values("rank")
    assert [m.iso3 for m in markets] == eligible["iso3"].tolist()[:10]
    codes = set(result.prepared.framework.codes)
    for m in markets:
        assert re.fullmatch(r"\d+–\d+", m.interval)
        lo, hi = (int(x) for x in m.interval.split("–"))
        assert lo <= hi
        assert m.reason, m.iso3
        assert not any(code in m.reason for code in codes), m.reason  # words, not codes
        assert ("強項" in m.reason) if lang == "zh-TW" else m.reason.startswith("Strong:")
    kinds = {k for m in markets for k, _ in m.flags}
    assert "us_deal" in kinds and "buildout" in kinds


def test_flags_only_for_signals_that_exist() -> None:
    row = pd.Series({"iso3": "XYZ", "ear_groups": "D:1;D:3"})
    assert market_flags(row, set(), set(), "en") == (("ear", "Export controls D:1/D:3"),)
    bare = pd.Series({"iso3": "XYZ", "ear_groups": None})
    assert market_flags(bare, set(), set(), "zh-TW") == ()
    both = market_flags(bare, {"XYZ"}, {"XYZ"}, "zh-TW")
    assert [k for k, _ in both] == ["us_deal", "buildout"]


def test_top_list_escapes_names_and_reasons() -> None:
    hostile = TopMarket(
        iso3="BRA",
        rank=1,
        name="<img src=x onerror=alert(1)>",
        other_name="<b>x</b>",
        score=70.0,
        interval="1–3",
        reason="Strong: <script>",
        flags=(("us_deal", "<i>deal</i>"),),
    )
    text = top_markets_html([hostile], "Top <1>", "en")
    assert "<img" not in text and "<script>" not in text and "<i>" not in text
    assert "&lt;img src=x" in text and "Top &lt;1&gt;" in text


def test_default_table_has_no_empty_reason_column(scored) -> None:  # type: ignore[no-untyped-def]
    _, table, _, _ = scored
    eligible = table_view(table[table["eligible"]], "en")
    assert "reason" not in eligible.columns and "region" not in eligible.columns
    assert "reason" in table_view(table, "en").columns  # shown when a row is not eligible


@pytest.mark.parametrize("lang", ["zh-TW", "en"])
def test_overview_lists_the_top_ten_beside_the_map(
    datasets_dir: Path, data_dir: Path, lang: str
) -> None:
    at = open_app(params={"lang": lang})
    html = next(m.value for m in at.markdown if "top-markets" in m.value)
    shown = at.dataframe[0].value
    top = shown["iso3"].tolist()[:10]
    assert re.findall(r"data-iso3='([A-Z]{3})'", html) == top
    names = shown["name"].tolist()[:10]
    assert all(name in html for name in names)
    assert html.count("強項" if lang == "zh-TW" else "Strong:") == 10
    # a region filter narrows the list with the table
    at.multiselect(key="f_market").set_value(["Middle East"]).run()
    html = next(m.value for m in at.markdown if "top-markets" in m.value)
    gulf = at.dataframe[0].value["iso3"].tolist()[:10]
    assert re.findall(r"data-iso3='([A-Z]{3})'", html) == gulf and "ARE" in gulf
