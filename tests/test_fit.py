"""Tables fit a 1440 x 900 screen in both languages: every shown column has room for its header and
its names, and the columns together are no wider than the page (no sideways scrollbar). The
real-browser check is tests/browser/test_paths_and_tables_browser.py."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from risk.i18n import name_column
from risk.present.compare import (
    compare_indicators,
    compare_summary,
    indicators_view,
    rank_reasons,
    reasons_view,
    summary_view,
)
from risk.present.data import issue_layout
from risk.present.fit import MAIN_WIDTH, OVERVIEW_WIDTH, Layout, column_px, text_px
from risk.present.overview import table_layout, table_view
from risk.scoring.engine import engine_for
from risk.scoring.result import ScoreResult, result_table
from risk.share import from_query
from risk.store.embedded import open_store

LANGS = ("en", "zh-TW")
# Widths Chromium draws these in (14-pixel Source Sans, the tables' font).
MEASURED = {
    "United Arab Emirates": 122.9,
    "Government support": 122.3,
    "Saint Vincent and the Grenadines": 193.9,
    "波士尼亞與赫塞哥維納": 140.0,
    "country of concern (China, Hong Kong, Macau); EAR Country Group D:5": 410.2,
}


@pytest.fixture(scope="module")
def result(datasets_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> ScoreResult:
    mp = pytest.MonkeyPatch()
    mp.setenv("RISK_DATA_DIR", str(tmp_path_factory.mktemp("fit-data")))
    try:
        return engine_for(open_store()).score(from_query({})[0].spec.replace(mc_draws=50))
    finally:
        mp.undo()


@pytest.mark.parametrize(("text", "pixels"), MEASURED.items())
def test_text_width_is_never_under_what_the_browser_draws(text: str, pixels: float) -> None:
    assert pixels <= text_px(text) <= pixels * 1.05


def _fits(layout: Layout, frame: pd.DataFrame, columns: tuple[str, ...], total: int) -> None:
    assert layout.total <= total, layout.widths
    for col, width in layout.widths.items():
        label = layout.labels.get(col, col)
        assert column_px([label]) <= width, (col, label, width)  # whole headers
    if layout.row_height is None:  # one line per row: names must fit whole
        for col in columns:
            if col in layout.widths:
                assert column_px(frame[col]) <= layout.widths[col], (col, layout.widths[col])


# the longest names, three not ranked (with long reasons), the United Arab Emirates
SETS = [("KOR", "JPN", "ARE", "SAU", "USA"), ("CHN", "ARE", "BIH", "VCT", "CAF"), ("KOR", "JPN")]


@pytest.mark.parametrize("codes", SETS)
@pytest.mark.parametrize("lang", LANGS)
def test_comparison_tables_fit_in_both_languages(
    result: ScoreResult, codes: tuple[str, ...], lang: str
) -> None:
    names = result.table.set_index("iso3")[name_column(lang)]
    summary, layout = summary_view(compare_summary(result, list(codes), lang), lang)
    _fits(layout, summary, ("name", "reason"), MAIN_WIDTH)
    assert "iso3" not in layout.widths and "eligible" not in layout.widths
    assert column_px(summary["name"]) <= layout.widths["name"]  # "United Arab Emirates" whole
    if lang == "en":  # pillars by their short names, the full one as the tooltip
        assert layout.labels["gov_support"] == "Gov."
        assert layout.helps["gov_support"] == "Government support"
    reasons, layout = reasons_view(rank_reasons(result, list(codes), lang), names, lang)
    _fits(layout, reasons, ("higher", "lower", "indicator"), MAIN_WIDTH)
    table, layout = indicators_view(
        compare_indicators(result, list(codes), lang), list(codes), names, lang
    )
    _fits(layout, table, ("indicator", "unit"), MAIN_WIDTH)
    assert "code" not in layout.widths and "best" not in layout.widths


@pytest.mark.parametrize("eligibility", ["eligible", "all"])
@pytest.mark.parametrize("lang", LANGS)
def test_ranked_table_fits_the_overview(result: ScoreResult, lang: str, eligibility: str) -> None:
    ranked = result_table(result)
    shown = ranked if eligibility == "all" else ranked[ranked["eligible"]]
    table = table_view(shown, lang)
    layout = table_layout(table, lang)
    assert layout.total <= OVERVIEW_WIDTH, layout.widths
    assert "eligible" not in layout.widths
    uae = table[table["iso3"] == "ARE"].iloc[0]
    assert column_px([uae["name"]]) <= layout.widths["name"]
    if "name_other" in layout.widths:
        assert column_px([uae["name_other"]]) <= layout.widths["name_other"]
    if eligibility == "all":
        assert column_px(["EAR Country Group D:5"]) <= layout.widths["reason"]


@pytest.mark.parametrize("lang", LANGS)
def test_validation_report_shows_the_fix_column(lang: str) -> None:
    fix = "Use the ISO3 code, or one of the suggested names: ALB Albania, ALA Åland Islands."
    issues = pd.DataFrame(
        {
            "severity": ["error"],
            "code": ["Unrecognised country"],
            "row": ["3"],
            "column": ["國家"],
            "value": ["Atlantis"],
            "message": ['Row 3: the country "Atlantis" is not recognised.'],
            "fix": [fix],
        }
    )
    layout = issue_layout(issues, lang)
    assert list(layout.widths) == list(issues.columns)
    assert layout.total <= MAIN_WIDTH
    assert layout.widths["fix"] >= 250  # on screen, beside the problem
    wrapped = layout.row_height is not None
    assert wrapped or column_px([fix]) <= layout.widths["fix"]
