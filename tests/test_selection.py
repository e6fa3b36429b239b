"""The overview's selected-country panel: where the country stands in the ranking or, when it is
not ranked, plainly why (the gate or rule with its source, how much data it lacks against the
coverage threshold, or the filters that hide it), in both languages, and on the page in AppTest."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from risk.present.selection import hiding_filters, standing
from risk.scoring.engine import engine_for
from risk.scoring.result import result_table
from risk.share import Filters
from risk.spec import ScoreSpec
from risk.store import open_store
from tests.support import open_app

# -- why a selected country is not ranked, on the bundled data ----------------------------------


@pytest.fixture(scope="module")
def scored(datasets_dir: Path, tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    mp = pytest.MonkeyPatch()
    mp.setenv("RISK_DATA_DIR", str(tmp_path_factory.mktemp("selection-data")))
    store = open_store()
    result = engine_for(store).score(
        ScoreSpec.from_preset("balanced", as_of="2026-06-30"), monte_carlo=False
    )
    yield store, result, store.table("export_controls")
    mp.undo()


def test_gated_country_names_each_rule_and_its_source(scored) -> None:  # type: ignore[no-untyped-def]
    _, result, controls = scored
    zh = standing(result, "CHN", "zh-TW", export_controls=controls)
    en = standing(result, "CHN", "en", export_controls=controls)
    assert zh.status == en.status == "gated" and not en.ranked
    assert zh.headline == "不列入排名：受美國出口管制規定排除"
    assert en.headline == "Not ranked: excluded by a US export-control rule"
    assert "受關注國家（目前為中國、香港及澳門）" in zh.reasons[0]
    assert "country of concern" in en.reasons[0] and "China, Hong Kong and Macau" in en.reasons[0]
    assert "EAR 國家組別 D:5（美國武器禁運國家）" in zh.reasons[1]
    assert en.reasons[1] == "In EAR Country Group D:5 (U.S. arms embargoed countries)."
    assert en.reasons[2].startswith(
        "Countries in EAR Country Group D:5, E:1 or E:2 are never ranked"
    )
    links = dict(en.sources)
    assert links["15 CFR Part 740, Supplement No. 1: Country Groups (eCFR)"].startswith(
        "https://www.ecfr.gov/"
    )
    # the call for proposals that names the countries of concern, on the Federal Register
    concern = links[
        "American AI Exports Program: call for proposals for pre-set consortia (FR Doc 2026-06952)"
    ]
    assert concern.startswith("https://www.federalregister.gov/documents/2026/04/10/2026-06952/")
    assert [url for _, url in zh.sources] == [url for _, url in en.sources]
    # a listing's start date, where the table has one; Iran under two gate groups
    hkg = standing(result, "HKG", "en", export_controls=controls)
    assert any("D:5 (U.S. arms embargoed countries) since 2020-12-23" in r for r in hkg.reasons)
    irn = standing(result, "IRN", "en", export_controls=controls)
    assert any("E:1 (terrorist supporting countries)" in r for r in irn.reasons)


def test_exporter_and_home_are_not_targets(scored) -> None:  # type: ignore[no-untyped-def]
    _, result, _ = scored
    usa = standing(result, "USA", "en")
    assert usa.status == "partner" and usa.headline.startswith(
        "Not ranked: the programme's exporter"
    )
    assert "Executive Order 14320" in usa.sources[0][0]
    assert standing(result, "USA", "zh-TW").headline == "不列入排名：計畫出口方，非目標市場"
    assert standing(result, "TWN", "zh-TW").status == "home"
    assert standing(result, "GRL", "en").status == "not_scored"


@pytest.mark.parametrize("lang", ["zh-TW", "en"])
def test_too_little_data_says_how_much_against_the_threshold(scored, lang: str) -> None:  # type: ignore[no-untyped-def]
    _, result, _ = scored
    table = result.table
    code = str(table.loc[table["reason"] == "low coverage", "iso3"].iloc[0])  # the Holy See
    item = standing(result, code, lang)
    assert item.status == "low_coverage" and not item.ranked
    screen = result.steps["screen"]
    i = int(np.flatnonzero(result.prepared.iso3 == code)[0])
    used = screen.weights > 0
    have = int((~np.isnan(result.prepared.transformed[i]) & used).sum())
    total = int(used.sum())
    coverage = f"{screen.country_coverage[i] * 100:.0f}%"
    if lang == "en":
        assert item.headline == "Not ranked: too little data"
        assert item.reasons[0].startswith(f"Data for only {have} of the {total} indicators")
        assert f"({total - have} missing), {coverage} of its weight" in item.reasons[0]
        assert "at least 60% is needed to be ranked" in item.reasons[0]
        assert item.reasons[1].startswith("Share of each pillar's weight with data: Government")
    else:
        assert item.headline == "不列入排名：資料不足"
        assert f"{total} 項指標中僅 {have} 項有資料（缺 {total - have} 項）" in item.reasons[0]
        assert "至少需 60% 才列入排名" in item.reasons[0]


@pytest.mark.parametrize("lang", ["zh-TW", "en"])
def test_ranked_country_hidden_by_a_filter_names_the_filter(scored, lang: str) -> None:  # type: ignore[no-untyped-def]
    store, result, _ = scored
    ranked = result_table(result)
    filters = Filters(regions=("Asia",), min_coverage=0.5)
    hidden_by = hiding_filters(store, ranked, filters, "DEU", lang)
    assert hidden_by == (["區域：亞洲"] if lang == "zh-TW" else ["Region: Asia"])
    item = standing(result, "DEU", lang, visible=set(), hidden_by=hidden_by)
    assert item.status == "filtered" and item.ranked
    rank = int(ranked.loc[ranked["iso3"] == "DEU", "rank"].iloc[0])
    if lang == "en":
        assert item.headline.startswith(f"Ranked {rank} of ")
        assert item.reasons == ("Left out by your filters (Region: Asia).",)
    else:
        assert item.headline.startswith(f"排名第 {rank}／")
        assert item.reasons == ("被篩選條件排除（區域：亞洲）。",)
    shown = standing(result, "DEU", lang, visible={"DEU"})
    assert shown.status == "eligible" and shown.reasons == ()


# -- the panel on the page -------------------------------------------------------------------


def _profile_links(at) -> list:  # type: ignore[no-untyped-def]
    return [p.proto for p in at.get("page_link") if p.proto.page.endswith("profile")]


@pytest.mark.parametrize("lang", ["zh-TW", "en"])
def test_selected_gated_country_says_why_and_links_its_profile(
    datasets_dir: Path, data_dir: Path, lang: str
) -> None:
    at = open_app(params={"country": "CHN", "lang": lang})
    errors = " ".join(e.value for e in at.error).replace("\\", "")  # Markdown escapes
    if lang == "en":
        assert "Not ranked: excluded by a US export-control rule" in errors
        assert "EAR Country Group D:5" in errors and "country of concern" in errors
        label = "Open country profile"
    else:
        assert "不列入排名：受美國出口管制規定排除" in errors
        assert "EAR 國家組別 D:5" in errors and "受關注國家" in errors
        label = "開啟國家概況"
    assert "(https://www.ecfr.gov/current/title-15/" in errors  # the rule's source, as a link
    assert not at.metric  # no scores shown as if it were ranked
    links = _profile_links(at)
    assert len(links) == 1 and links[0].label == label and links[0].icon
    assert "country=CHN" in links[0].query_string


def test_selected_country_with_too_little_data_says_so(datasets_dir: Path, data_dir: Path) -> None:
    at = open_app(params={"country": "VAT", "lang": "en"})
    warning = " ".join(w.value for w in at.warning).replace("\\", "")
    assert "Not ranked: too little data" in warning
    assert "indicators in the index" in warning and "at least 60% is needed" in warning
    assert not at.metric
    assert _profile_links(at)


def test_selected_ranked_country_shows_its_rank_and_scores(
    datasets_dir: Path, data_dir: Path
) -> None:
    at = open_app(params={"country": "JPN", "lang": "en"})
    assert any(m.value.startswith("**Ranked ") for m in at.markdown)
    assert len(at.metric) == 5 and not at.error
