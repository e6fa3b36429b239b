import pandas as pd
import pytest

from risk.harmonise import CountryMatcher, is_aggregate, normalise_name

NAMES = pd.DataFrame(
    [
        ("KOR", "South Korea", "short_en"),
        ("KOR", "Korea, Republic of", "iso_en"),
        ("KOR", "南韓", "short_zh_tw"),
        ("KOR", "KR", "iso2"),
        ("CIV", "Côte d'Ivoire", "short_en"),
        ("TWN", "Taiwan", "short_en"),
        ("TWN", "台灣", "short_zh_tw"),
        ("ROU", "Romania", "short_en"),
        ("SRB", "Serbia", "short_en"),
        ("XKX", "Kosovo", "short_en"),
        ("COD", "DR Congo", "short_en"),
        ("COG", "Congo", "short_en"),
        ("USA", "United States", "short_en"),
    ],
    columns=["iso3", "name", "kind"],
)


@pytest.fixture()
def matcher() -> CountryMatcher:
    return CountryMatcher(NAMES, NAMES["iso3"].unique())


@pytest.mark.parametrize(
    ("name", "iso3", "how"),
    [
        ("KOR", "KOR", "code"),
        ("KR", "KOR", "code"),
        ("KOREA, REPUBLIC OF", "KOR", "name"),
        ("Korea, Rep.", "KOR", "alias"),
        ("Republic of Korea", "KOR", "alias"),
        ("南韓", "KOR", "name"),
        ("Cote d'Ivoire", "CIV", "alias"),
        ("CÔTE D’IVOIRE", "CIV", "alias"),
        ("Taiwan, China", "TWN", "alias"),
        ("臺灣", "TWN", "alias"),
        ("ROM", "ROU", "code"),
        ("YUG", "SRB", "code"),
        ("KSV", "XKX", "code"),
        ("OWID_KOS", "XKX", "alias"),
        ("Congo, Dem. Rep.", "COD", "alias"),
        ("Congo, Rep.", "COG", "alias"),
        ("United States of America", "USA", "alias"),
    ],
)
def test_name_matches(matcher: CountryMatcher, name: str, iso3: str, how: str) -> None:
    assert matcher.name(name) == (iso3, how)


@pytest.mark.parametrize(
    "name",
    [
        "World",
        "High income",
        "East Asia & Pacific",
        "Euro area",
        "European Union",
        "OECD members",
        "WLD",
        "HIC",
        "Sub-Saharan Africa (excluding high income)",
        "Asia",
        "Latin America and Caribbean",
        "High-income countries",
    ],
)
def test_aggregates_are_set_aside(matcher: CountryMatcher, name: str) -> None:
    assert is_aggregate(name)
    assert matcher.name(name) == (None, "aggregate")


def test_match_reports_leftovers(matcher: CountryMatcher) -> None:
    result = matcher.match(["Korea, Rep.", "World", "Atlantis", None, "Taiwan"], "test")  # type: ignore[list-item]
    assert result.iso3 == {"Korea, Rep.": "KOR", "Taiwan": "TWN"}
    assert result.aggregates == ["World"]
    assert result.unmatched == ["Atlantis"]
    report = result.report()
    assert set(report["status"]) == {"aggregate", "unmatched"}


def test_codes_outside_the_universe_are_rejected(matcher: CountryMatcher) -> None:
    assert matcher.code("FRA") is None
    assert matcher.code("EUU") is None


def test_normalise_name() -> None:
    assert normalise_name("  The Gambia ") == "gambia"
    assert normalise_name("Saint Lucia") == normalise_name("St. Lucia")
    assert normalise_name("Bosnia & Herzegovina") == "bosnia and herzegovina"


@pytest.mark.parametrize(
    ("text", "iso3"),
    [
        ("Additions to the Entity List", set()),
        ("entities in the Republic of Korea and Taiwan", {"KOR", "TWN"}),
        ("destinations of Cote d'Ivoire; Congo, Dem. Rep. (2); Congo", {"CIV", "COD", "COG"}),
        ("a Kosovo-based firm with a US address", {"XKX", "USA"}),
        ("ROM and KSV are codes; us in lower case is no acronym", set()),
        ("United States of America and the U.S.", {"USA"}),
        ("南韓", set()),  # running text here is English
    ],
)
def test_mentions_in_running_text(matcher: CountryMatcher, text: str, iso3: set[str]) -> None:
    assert matcher.mentions(text) == iso3
