"""Profile assembly: hand-made frames for the parts, the bundled data for the whole."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from risk.errors import RiskError
from risk.present.compare import compare_codes, compare_indicators, rank_reasons
from risk.present.profile import build_profile, export_control_rows, policy_rows, store_tables
from risk.scoring.engine import engine_for
from risk.spec import ScoreSpec
from risk.store.embedded import open_store
from risk.text import fmt_number, md_text

SPEC = ScoreSpec.from_preset("balanced", as_of="2026-01-01", mc_draws=50)


def test_export_control_rows_in_force_and_roles() -> None:
    table = pd.DataFrame(
        {
            "iso3": ["AAA", "AAA", "AAA", "AAA", "BBB"],
            "group_code": ["D:5", "D:3", "D:4", "A:5", "D:5"],
            "effective_from": [None, "2020-01-01", "2027-01-01", None, None],
            "effective_to": ["2025-06-01", None, None, None, None],
            "status": ["listed", "listed", "listed", "CONFLICT", "listed"],
            "notes": ["", "", "", "", ""],
        }
    )
    out = export_control_rows(table, "AAA", date(2026, 1, 1)).set_index("group")
    assert out.loc["D:5", "role"] == "gate" and not out.loc["D:5", "in_force"]  # ended
    assert out.loc["D:3", "role"] == "penalty" and out.loc["D:3", "in_force"]
    assert not out.loc["D:4", "in_force"]  # not yet started
    assert out.loc["A:5", "role"] == "conflict" and not out.loc["A:5", "in_force"]
    assert export_control_rows(table, "ZZZ", date(2026, 1, 1)).empty


def test_policy_rows_country_and_general() -> None:
    countries = pd.DataFrame(
        {
            "iso3": ["NER", "NGA", "GIN", "PNG"],
            "name_en": ["Niger", "Nigeria", "Guinea", "Papua New Guinea"],
        }
    )
    timeline = pd.DataFrame(
        {
            "date": ["2025-01-01", "2025-02-01", "2025-03-01", "2025-04-01"],
            "event": [
                "A rule for everyone",
                "Nigeria joins",
                "Papua New Guinea signs",
                "Guinea signs",
            ],
            "notes": [None, None, None, None],
            "source": ["s", "s", "s", "s"],
        }
    )
    assert policy_rows(timeline, countries, "NGA")["event"].tolist() == [
        "Nigeria joins",
        "A rule for everyone",
    ]
    assert policy_rows(timeline, countries, "NER")["scope"].tolist() == ["general"]
    assert policy_rows(timeline, countries, "GIN")["event"].tolist() == [
        "Guinea signs",
        "A rule for everyone",
    ]


@pytest.mark.parametrize(
    ("value", "lang", "expected"),
    [
        (1.276943e12, "en", "1.28 trillion"),
        (1.276943e12, "zh-TW", "1.28兆"),
        (2.43e8, "zh-TW", "2.43億"),
        (2.43e8, "en", "243 million"),
        (482.77, "en", "483"),
        (-0.2132, "en", "-0.213"),
        (6.0, "en", "6"),
        (float("nan"), "en", "–"),
        (None, "en", "–"),
    ],
)
def test_fmt_number(value: object, lang: str, expected: str) -> None:
    assert fmt_number(value, lang) == expected


def test_md_text_escapes_markup() -> None:
    out = md_text("[x](javascript:alert(1)) **b** <img>")
    assert "\\[" in out and "\\*" in out and "\\<" in out


@pytest.fixture(scope="module")
def scored(datasets_dir: Path, tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    mp = pytest.MonkeyPatch()
    mp.setenv("RISK_DATA_DIR", str(tmp_path_factory.mktemp("profile-data")))
    store = open_store()
    eng = engine_for(store, store.data_version)
    yield eng.score(SPEC), store_tables(store)
    mp.undo()


def test_profile_has_every_indicator_and_the_interval(scored) -> None:  # type: ignore[no-untyped-def]
    result, tables = scored
    p = build_profile(result, tables, "sau", "en")
    fw = result.prepared.framework.indicators
    assert p.indicators["code"].tolist() == fw["code"].tolist()
    row = result.table.set_index("iso3").loc["SAU"]
    assert p.interval_text() == f"{int(row['rank_p05'])}–{int(row['rank_p95'])}"
    assert p.rank_text() == f"{int(row['rank'])} / {int(result.table['rank'].notna().sum())}"
    # contributions add up to the score (no penalty in this spec)
    assert p.indicators["contribution"].sum() == pytest.approx(p.score)
    pct = p.indicators["percentile"].dropna()
    assert ((pct >= 0) & (pct <= 100)).all()
    assert set(p.pillars["pillar"]) == {
        "score",
        "gov_support",
        "compute_demand",
        "alignment",
        "financial",
    }
    assert not p.series.empty and (p.series.groupby("code")["year"].nunique() >= 3).all()
    assert len(p.cloud) == int((tables["cloud_regions"]["iso3"] == "SAU").sum())
    assert len(p.landings) == int((tables["landing_points"]["iso3"] == "SAU").sum())
    assert "country" in set(p.policy["scope"])  # the MNNA designation names Saudi Arabia


def test_region_median_is_the_median_of_the_region(scored) -> None:  # type: ignore[no-untyped-def]
    result, tables = scored
    p = build_profile(result, tables, "DEU", "en")
    c = tables["countries"]
    europe = set(c[c["region"] == "Europe"]["iso3"])
    t = result.table
    expected = t[t["iso3"].isin(europe)]["gov_support"].median()
    got = p.pillars.set_index("pillar").loc["gov_support", "region_median"]
    assert got == pytest.approx(expected)


def test_imputed_country_is_flagged(scored) -> None:  # type: ignore[no-untyped-def]
    result, tables = scored
    code = result.table[result.table["imputed"] > 0]["iso3"].iloc[0]
    p = build_profile(result, tables, code, "zh-TW")
    assert p.imputed_count == int(result.table.set_index("iso3").loc[code, "imputed"])
    assert p.indicators[p.indicators["imputed"]]["value"].isna().all()


def test_ineligible_country_has_its_gate(scored) -> None:  # type: ignore[no-untyped-def]
    result, tables = scored
    p = build_profile(result, tables, "CHN", "en")
    assert not p.eligible and np.isnan(p.rank)
    assert p.rank_text() == "–"
    assert "D:5" in set(p.export_controls[p.export_controls["in_force"]]["group"])


def test_unknown_country(scored) -> None:  # type: ignore[no-untyped-def]
    result, tables = scored
    with pytest.raises(RiskError, match="not a scored country"):
        build_profile(result, tables, "XXX", "en")


def test_compare_tables(scored) -> None:  # type: ignore[no-untyped-def]
    result, _ = scored
    codes = compare_codes(result, ["sau", "ARE", "ARE", "XXX", "IND", "JPN", "DEU", "FRA"])
    assert codes == ["SAU", "ARE", "IND", "JPN", "DEU"]
    table = compare_indicators(result, codes[:3], "en")
    assert list(table.columns[-4:]) == ["SAU", "ARE", "IND", "best"]
    norm = result.step_frame("normalised").loc[["SAU", "ARE", "IND"], "wgi.ge"]
    assert table.set_index("code").loc["wgi.ge", "best"] == norm.idxmax()
    reasons = rank_reasons(result, codes[:3], "en")
    scores = result.table.set_index("iso3")["score"]
    for r in reasons.itertuples():
        assert scores[r.higher] >= scores[r.lower] and r.difference > 0


def test_pillar_bars_are_escaped_html_with_the_medians_as_ticks() -> None:
    from risk.present.charts import INCOME_TICK, REGION_TICK, pillar_bars_html

    pillars = pd.DataFrame(
        {
            "pillar": ["score", "financial"],
            "country": [72.34, float("nan")],
            "region_median": [55.0, 130.0],  # clamped to the bar's end
            "income_median": [float("nan"), 40.0],
        }
    )
    labels = {"score": "<b>Index</b>", "financial": "Finance", "region_median": "Region's median"}
    text = pillar_bars_html(pillars, {**labels, "income_median": "Income", "country": "Here"}, "en")
    zh = pillar_bars_html(pillars, {**labels, "income_median": "所得組中位數"}, "zh-TW")
    assert "所得組中位數：40.0" in zh  # a full-width colon in Chinese
    assert text.count("class='pillar-bar'") == 2
    assert "&lt;b&gt;Index&lt;/b&gt;" in text and "<b>Index" not in text
    assert "Region&#x27;s median: 55.0" in text  # a quote cannot end the attribute
    assert "width:72.3%" in text and ">72.3<" in text
    assert ">–<" in text  # no score: no bar, a dash
    assert text.count(REGION_TICK) == 3  # two ticks and the legend
    assert "left:100.0%" in text and "median: 130.0" in text  # drawn on the bar, said as it is
    assert text.count(INCOME_TICK) == 2  # one tick (the other is missing) and the legend


def test_a_shown_table_formats_numbers_as_text_and_dashes_what_is_missing() -> None:
    import pyarrow as pa

    from risk.present.tables import MISSING, display_frame

    frame = pd.DataFrame(
        {
            "year": [2024.0, float("nan")],
            "name": ["a", None],
            "n": [1.5, float("nan")],
            "zones": [3.0, float("nan")],
            "full": [1, 2],
        }
    )
    shown = display_frame(frame, {"year": "{:.0f}"})
    assert list(shown["year"]) == ["2024", MISSING]
    assert list(shown["name"]) == ["a", MISSING]
    assert list(shown["n"]) == ["1.5", MISSING]
    assert list(shown["zones"]) == ["3", MISSING]  # a count, not 3.0
    assert list(shown["full"]) == [1, 2]  # nothing missing: left as numbers
    assert frame["year"].isna().sum() == 1  # the frame itself is unchanged
    pa.Table.from_pandas(shown)  # the browser's table format takes it as it is (no mixed columns)


def test_compare_bars_keep_each_country_in_its_colour_whatever_the_language() -> None:
    from risk.present.charts import COUNTRY_COLORS, compare_bars_html

    def long(names: list[str], codes: tuple[str, str] = ("SAU", "XSS")) -> pd.DataFrame:
        rows = [
            {"iso3": c, "name": n, "pillar": p, "value": v}
            for p in ("score", "financial")
            for c, n, v in zip(codes, names, (80.0, float("nan")), strict=True)
        ]
        return pd.DataFrame(rows)

    labels = {"score": "Index", "financial": "<i>Finance</i>"}
    en = compare_bars_html(long(["Saudi Arabia", "<script>x</script>"]), labels)
    zh = compare_bars_html(long(["沙烏地阿拉伯", "<script>x</script>"]), labels)
    for text in (en, zh):
        assert text.count("class='pillar-bar'") == 4  # two pillars x two countries
        assert "<script>" not in text and "&lt;script&gt;x&lt;/script&gt;" in text
        assert "&lt;i&gt;Finance&lt;/i&gt;" in text
        assert f"width:80.0%;background:{COUNTRY_COLORS[0]}" in text  # the first pick's colour
        assert ">–<" in text  # a missing value: no bar, a dash
    # the first country picked is drawn in the first colour in either language
    assert en.index("Saudi Arabia") < en.index(COUNTRY_COLORS[1])
    assert zh.index("沙烏地阿拉伯") < zh.index(COUNTRY_COLORS[1])
    # two countries under one name (a missing translation) keep a colour each
    same = compare_bars_html(long(["nan", "nan"]), labels)
    assert COUNTRY_COLORS[0] in same and COUNTRY_COLORS[1] in same
    assert "\n" not in compare_bars_html(long(["A\n\nB", "C"]), labels)  # one line per name
