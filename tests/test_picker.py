"""Country pickers find a country by its name in either language, by the Traditional Chinese names
in common use, or by its ISO3 code, whatever the interface language."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from risk.present.picker import country_label, country_labels, traditional_names, typed_finds
from tests.support import open_app

ALIASES = pd.DataFrame(
    {
        "alias": ["韓國", "韩国", "中国台湾", "Korea", "中華民國(臺灣)"],
        "iso3": ["KOR", "KOR", "TWN", "KOR", "TWN"],
        "note": [
            "Traditional Chinese variant",
            "Simplified Chinese short name",
            "PRC-style label in uploaded files",
            "",
            "Traditional Chinese as Taiwan's government writes it",
        ],
    }
)
NAMES = pd.DataFrame(
    {
        "iso3": ["KOR", "KOR", "IRN"],
        "name": ["大韓民國", "KR", "伊朗伊斯蘭共和國"],
        "kind": ["iso_zh_tw", "iso2", "iso_zh_tw"],
    }
)


@pytest.mark.parametrize(
    ("typed", "label", "found"),
    [
        ("韓國", "南韓 / 韓國 South Korea (KOR)", True),
        ("kor", "南韓 South Korea (KOR)", True),
        ("japan", "日本 Japan (JPN)", True),
        ("south korea", "South Korea 南韓 (KOR)", True),
        ("韓國", "南韓 South Korea (KOR)", False),
        ("JPN", "南韓 South Korea (KOR)", False),
    ],
)
def test_typed_text_finds_a_label_as_the_select_box_filters(
    typed: str, label: str, found: bool
) -> None:
    assert typed_finds(typed, label) is found


def test_traditional_names_keep_taiwan_usage_only() -> None:
    extra = traditional_names(NAMES, ALIASES)
    assert extra["KOR"] == ["韓國", "大韓民國"]  # not the Simplified 韩国, not 'Korea'
    assert "TWN" not in extra  # the PRC-style label and the bracketed form are left out
    assert extra["IRN"] == ["伊朗伊斯蘭共和國"]


def test_label_carries_both_names_the_other_chinese_names_and_the_code() -> None:
    extra = traditional_names(NAMES, ALIASES)
    assert country_label("KOR", "南韓", "South Korea", "南韓", extra["KOR"]) == (
        "南韓 / 韓國 / 大韓民國 South Korea (KOR)"
    )
    assert country_label("KOR", "South Korea", "南韓", "南韓", extra["KOR"]) == (
        "South Korea 南韓 / 韓國 / 大韓民國 (KOR)"
    )
    # a longer form of a name already shown adds nothing anyone would type
    assert country_label("IRN", "伊朗", "Iran", "伊朗", extra["IRN"]) == "伊朗 Iran (IRN)"
    table = pd.DataFrame({"iso3": ["JPN"], "name_en": ["Japan"], "name_zh_tw": ["日本"]})
    assert country_labels(table, "zh-TW") == {"JPN": "日本 Japan (JPN)"}
    assert country_labels(table, "en") == {"JPN": "Japan 日本 (JPN)"}


def _finds(options: list[str], typed: str) -> list[str]:
    return [o for o in options if typed_finds(typed, o)]


@pytest.mark.parametrize("lang", ["zh-TW", "en"])
def test_profile_and_compare_pickers_find_a_country_in_either_language(
    datasets_dir: Path, data_dir: Path, lang: str
) -> None:
    profile = open_app("profile", {"lang": lang})
    options = profile.selectbox(key="profile_country").options
    for typed, code in [
        ("韓國", "KOR"),
        ("南韓", "KOR"),
        ("South Korea", "KOR"),
        ("KOR", "KOR"),
        ("Japan", "JPN"),
        ("日本", "JPN"),
        ("阿聯", "ARE"),
        ("Emirates", "ARE"),
        ("ARE", "ARE"),
    ]:
        found = _finds(options, typed)
        assert any(o.endswith(f"({code})") for o in found), (typed, found[:5])
    compare = open_app("compare", {"lang": lang})
    choices = compare.multiselect(key="compare_set").options
    assert any(o.endswith("(KOR)") for o in _finds(choices, "韓國"))
    assert any(o.endswith("(JPN)") for o in _finds(choices, "Japan"))
