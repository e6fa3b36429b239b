"""Real-world uploads, generated at test time from organisations' published name lists and the
layouts their downloads use, in every supported encoding: each file imports with zero errors (or
the one error it is built to trigger) and every country matches the right ISO3."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from risk.harmonise import ALIASES_PATH, CountryMatcher
from risk.paths import DATASETS_DIR
from risk.upload.layouts import UploadOptions, period_of
from risk.upload.limits import UploadLimits
from risk.upload.matching import Reference, _suggest
from risk.upload.read import detect_text
from risk.upload.report import UploadReport
from risk.upload.validate import _check_in_child, check_upload
from tests.conftest import ROOT
from tests.org_country_names import ORGANISATIONS

LATIN = ("utf-8", "utf-8-sig", "cp1252", "mac_roman", "latin-1", "utf-16")
CJK = ("utf-8", "cp950", "gb18030", "shift_jis", "utf-16")


@pytest.fixture(scope="module")
def ref() -> Reference:
    """The bundled reference: every country name the datasets know, the aliases, the catalogue."""
    names = pd.read_parquet(DATASETS_DIR / "country_names.parquet")
    countries = pd.read_parquet(DATASETS_DIR / "countries.parquet")
    stats = pd.DataFrame(columns=["indicator", "n", "median", "q01", "q99", "countries"])
    indicators = pd.read_parquet(DATASETS_DIR / "indicators.parquet")
    return Reference(CountryMatcher(names, countries["iso3"]), names, indicators, stats)


def _value(iso3: str) -> str:
    """One value per country (so a country named twice in a list repeats, never conflicts)."""
    return f"{int(hashlib.sha256(iso3.encode()).hexdigest()[:4], 16) % 400 / 100 - 2:.2f}"


def _csv(rows: list[list[str]], lead: list[str] | None = None) -> str:
    buf = io.StringIO()
    for line in lead or []:
        buf.write(line + "\n")
    csv.writer(buf, lineterminator="\n").writerows(rows)
    return buf.getvalue()


def _encodable(name: str, encoding: str) -> bool:
    try:
        name.encode(encoding)
    except UnicodeEncodeError:
        return False
    return True


@dataclass
class Case:
    """One generated file and what it must give."""

    name: str
    text: str
    encoding: str
    expect: dict[str, str]  # country cell -> ISO3
    error: str | None = None  # the one error the file is built to trigger
    options: UploadOptions = field(default_factory=UploadOptions)
    check: Callable[[UploadReport], None] | None = None

    @property
    def data(self) -> bytes:
        return self.text.encode(self.encoding)


def _names_file(org: str, names: dict[str, str], encoding: str) -> Case:
    """A long file of an organisation's names (those the encoding can write)."""
    usable = {n: i for n, i in names.items() if _encodable(n, encoding)}
    rows = [["country", "indicator", "year", "value"]]
    rows += [[n, "wgi.ge", "2024", _value(i)] for n, i in usable.items()]
    return Case(f"{org}-{encoding}.csv", _csv(rows), encoding, usable)


def _periods_file(encoding: str, headers: list[str], names: dict[str, str]) -> Case:
    """A wide-by-periods file (an indicator given for the file)."""
    rows = [["Country", *headers]]
    rows += [[n, *[_value(i + h) for h in headers]] for n, i in names.items()]
    return Case(
        f"periods-{'_'.join(headers)}-{encoding}.csv",
        _csv(rows),
        encoding,
        names,
        options=UploadOptions(indicator="wgi.ge"),
    )


def _worldbank_file(encoding: str) -> tuple[Case, list[dict[str, str]]]:
    """The World Bank download: metadata lines, Country Name/Code, aggregates among countries."""
    wb = ORGANISATIONS["World Bank"]
    countries = {"Korea, Rep.": "KOR", "Hong Kong SAR, China": "HKG", "Cote d'Ivoire": "CIV"}
    countries.update({n: wb[n] for n in ("Congo, Dem. Rep.", "Micronesia, Fed. Sts.", "Turkiye")})
    code = {"KOR": "KOR", "HKG": "HKG", "CIV": "CIV", "COD": "COD", "FSM": "FSM", "TUR": "TUR"}
    aggregates = [("East Asia & Pacific", "EAS"), ("High income", "HIC"), ("World", "WLD")]
    head = ["Country Name", "Country Code", "Indicator Name", "Indicator Code", "2022", "2023"]
    rows = [head]
    for n, i in countries.items():
        rows.append([n, code[i], "Government effectiveness", "GE.EST", _value(i), _value(i)])
    for n, c in aggregates:
        rows.append([n, c, "Government effectiveness", "GE.EST", "0.1", "0.2"])
    lead = [
        '"Data Source","World Development Indicators",',
        "",
        '"Last Updated Date","2025-07-01",',
        "",
    ]

    def check(report: UploadReport) -> None:
        assert report.layout == "worldbank"
        assert report.header_row == 5
        assert set(report.aggregates) >= {"East Asia & Pacific [EAS]", "High income [HIC]"}

    meta = [
        {
            "code": "ge.est",
            "name_en": "Government effectiveness",
            "name_zh": "政府效能",
            "unit": "estimate",
            "source": "World Bank",
            "licence": "CC BY 4.0",
        }
    ]
    case = Case(f"worldbank-{encoding}.csv", _csv(rows, lead), encoding, countries, check=check)
    return case, meta


def _imf_file(encoding: str) -> Case:
    """IMF WEO style: ISO and Country columns, group codes among countries, a year per column."""
    imf = ORGANISATIONS["IMF"]
    countries = {
        n: imf[n]
        for n in (
            "Korea",
            "Lao P.D.R.",
            "Taiwan Province of China",
            "Hong Kong SAR",
            "Türkiye, Republic of",
            "Congo, Dem. Rep. of the",
        )
    }
    groups = [("ADVEC", "Advanced economies"), ("EME", "Emerging market economies")]
    groups += [("LIC", "Low-income countries"), ("EURO", "Euro area")]
    rows = [["Country", "2024", "2025"]]
    rows += [[n, _value(i), _value(i)] for n, i in countries.items()]
    rows += [[code, "1.0", "1.1"] for code, _n in groups]

    def check(report: UploadReport) -> None:
        assert {"ADVEC", "EME", "LIC", "EURO"} <= set(report.aggregates)

    usable = {n: i for n, i in countries.items() if _encodable(n, encoding)}
    rows = [
        r for r in rows if r[0] in usable or r[0] in {g for g, _ in groups} or r[0] == "Country"
    ]
    return Case(
        f"imf-{encoding}.csv",
        _csv(rows),
        encoding,
        usable,
        options=UploadOptions(indicator="wgi.ge"),
        check=check,
    )


def _owid_file(encoding: str) -> tuple[Case, list[dict[str, str]]]:
    """Our World in Data: Entity, Code, Year, one value column; OWID_ aggregates."""
    rows = [["Entity", "Code", "Year", "Government effectiveness"]]
    countries = {"South Korea": "KOR", "Taiwan": "TWN", "Côte d'Ivoire": "CIV"}
    countries["Democratic Republic of Congo"] = "COD"
    for n, i in countries.items():
        rows.append([n, i, "2023", _value(i)])
    rows.append(["World", "OWID_WRL", "2023", "0.5"])
    rows.append(["High-income countries", "", "2023", "0.6"])
    meta = [
        {
            "code": "upload.government_effectiveness",
            "name_en": "Government effectiveness",
            "name_zh": "政府效能",
            "unit": "index",
            "source": "OWID",
            "licence": "CC BY 4.0",
        }
    ]

    def check(report: UploadReport) -> None:
        assert report.layout == "owid"
        assert "World [OWID_WRL]" in report.aggregates

    return Case(f"owid-{encoding}.csv", _csv(rows), encoding, countries, check=check), meta


def _cases() -> list[tuple[Case, list[dict[str, str]] | None]]:
    cases: list[tuple[Case, list[dict[str, str]] | None]] = []
    for org, names in ORGANISATIONS.items():
        chinese = org.startswith("zh")
        for enc in CJK if chinese else LATIN:
            if chinese and enc == "shift_jis" and org == "zh-CN":
                continue  # Simplified forms are mostly outside Shift-JIS
            cases.append((_names_file(org, names, enc), None))
    some = {"Korea, Rep.": "KOR", "Congo (DRC)": "COD", "Côte d'Ivoire": "CIV", "Türkiye": "TUR"}
    zh = {"南韓": "KOR", "剛果民主共和國": "COD", "象牙海岸": "CIV", "土耳其": "TUR"}
    for headers in (["FY2023", "FY2024"], ["2025年", "Q1 2026"], ["H1 2025", "H2 2025"]):
        latin = [h.replace("2025年", "2025") for h in headers]
        cases.append((_periods_file("mac_roman", latin, some), None))
        cases.append((_periods_file("cp950", headers, zh), None))
    cases.append((_periods_file("cp1252", ["2024-25", "2025-26"], some), None))
    cases.append(
        (_periods_file("gb18030", ["2023", "2024"], {"韩国": "KOR", "刚果（金）": "COD"}), None)
    )
    for enc in ("utf-8", "cp1252"):
        cases.append(_worldbank_file(enc))
    for enc in ("utf-8", "mac_roman", "cp1252"):
        cases.append((_imf_file(enc), None))
    for enc in ("utf-8", "cp1252"):
        cases.append(_owid_file(enc))
    # Built to trigger one error each (and nothing else).
    unknown = _periods_file("mac_roman", ["2023", "2024", "2025"], {**some, "Atlantis": ""})
    unknown.expect = some
    unknown.error = "country_unmatched"
    cases.append((unknown, None))
    rows = [["country", "indicator", "value"]] + [[n, "wgi.ge", _value(i)] for n, i in some.items()]
    cases.append((Case("no-year-cp1252.csv", _csv(rows), "cp1252", some, "no_year"), None))
    rows = [["國家", "指標", "年", "數值"]] + [[n, "新指標", "2024", "1"] for n in zh]
    cases.append((Case("no-description-cp950.csv", _csv(rows), "cp950", zh, "meta_missing"), None))
    wrong = _names_file("Microsoft", ORGANISATIONS["Microsoft"], "cp1252")
    wrong.name, wrong.expect, wrong.error = "forced-utf8.csv", {}, "encoding_failed"
    wrong.options = UploadOptions(encoding="utf-8")
    cases.append((wrong, None))
    return cases


CASES = _cases()


def test_the_corpus_is_large_and_covers_every_encoding() -> None:
    assert len(CASES) >= 40
    assert {c.encoding for c, _m in CASES} >= set(LATIN) | set(CJK)


@pytest.mark.parametrize(("case", "meta"), CASES, ids=[c.name for c, _m in CASES])
def test_real_world_file_imports(
    case: Case, meta: list[dict[str, str]] | None, ref: Reference
) -> None:
    report = check_upload(
        case.data, case.name, ref, case.options, pd.DataFrame(meta) if meta else None
    )
    errors = [i.code for i in report.issues.of("error")]
    assert errors == ([case.error] if case.error else []), [
        i.as_dict("en") for i in report.issues.of("error")
    ]
    if case.error != "encoding_failed":
        assert _same_text(case, report.encoding), (case.encoding, report.encoding)
    matched = dict(zip(report.matches["name"], report.matches["iso3"], strict=True))
    for name, iso3 in case.expect.items():
        assert matched.get(name) == iso3, (name, matched.get(name), iso3)
    if case.check:
        case.check(report)


def _same_text(case: Case, encoding: str) -> bool:
    """A different encoding name is right when it reads the bytes as the same text."""
    try:
        return case.data.decode(encoding) == case.text
    except (UnicodeDecodeError, LookupError):
        return False


def test_one_problem_once_per_row_and_everything_reported_together(ref: Reference) -> None:
    text = "country,2023,2024,2025\nAtlantis,1,2,3\nJapan,1,2,3\n"
    report = check_upload(text.encode(), "w.csv", ref, UploadOptions())
    codes = [i.code for i in report.issues.of("error")]
    assert codes.count("country_unmatched") == 1  # one row, three value columns
    assert "no_indicator" in codes  # and the missing indicator, in the same report
    summary = report.summary("en")
    assert [p["year"] for p in summary["periods"]] == [2023, 2024, 2025]


def test_several_periods_in_one_year_keep_the_latest_and_say_so(ref: Reference) -> None:
    text = "country,Q1 2025,Q2 2025,2024\nJapan,1,2,3\n"
    report = check_upload(text.encode(), "q.csv", ref, UploadOptions(indicator="wgi.ge"))
    obs = report.observations.set_index("year")["value"]
    assert obs.to_dict() == {2025: 2.0, 2024: 3.0}
    warned = [i for i in report.issues.of("warning") if i.code == "period_superseded"]
    assert [(w.column, w.params["kept"]) for w in warned] == [("Q1 2025", "Q2 2025")]
    assert "Q1 2025" in report.detected_table("zh-TW")["found"].str.cat()


@pytest.mark.parametrize(
    ("header", "year"),
    [
        ("2023", (2023, 4.5)),
        ("FY2024", (2024, 4.5)),
        ("FY24", (2024, 4.5)),
        ("2025年", (2025, 4.5)),
        ("民國114年", (2025, 4.5)),
        ("H1 2025", (2025, 2.0)),
        ("Q1 2026", (2026, 1.0)),
        ("2026Q3", (2026, 3.0)),
        ("2025-26", (2026, 4.5)),
        ("2025/2026", (2026, 4.5)),
        ("2025年第2季", (2025, 2.0)),
        ("2020-12", None),
        ("GDP", None),
    ],
)
def test_period_headers(header: str, year: tuple[int, float] | None) -> None:
    assert period_of(header) == year


def test_mac_roman_turkiye_is_not_read_as_big5(ref: Reference) -> None:
    data = "country,value\rTürkiye,1\rJapan,2\r".encode("mac_roman")
    found = detect_text(data, lambda text: _score(text, ref))
    assert found.encoding == "mac_roman"
    assert "Türkiye" in found.text


def _score(text: str, ref: Reference) -> int:
    from risk.upload.matching import _encoding_score

    return _encoding_score(text, ref)


@pytest.mark.parametrize(
    ("name", "must", "never_alone"),
    [
        ("Congo (Zaire)", {"COD", "COG"}, "COG"),
        ("Republic of Kongo", {"COG"}, None),
        ("Korea Sth", {"KOR", "PRK"}, "PRK"),
        ("Germny", {"DEU"}, None),
    ],
)
def test_suggestions_never_steer_to_another_country(
    name: str, must: set[str], never_alone: str | None, ref: Reference
) -> None:
    got = {s.split()[0] for s in _suggest(name, ref)}
    assert must <= got
    assert got != {never_alone}


# -- property: any known name, any encoding it can be written in ------------------------------
def _known_names() -> list[tuple[str, str]]:
    names = pd.read_parquet(DATASETS_DIR / "country_names.parquet")
    known = set(pd.read_parquet(DATASETS_DIR / "countries.parquet")["iso3"])
    aliases = pd.read_csv(ALIASES_PATH, keep_default_na=False, dtype=str)
    rows = [(str(n), str(i)) for i, n, k in names.itertuples(index=False) if k != "iso2"]
    rows += [(str(a), str(i)) for a, i in aliases[["alias", "iso3"]].itertuples(index=False)]
    rows += [(n, i) for org in ORGANISATIONS.values() for n, i in org.items()]
    # A bare code is matched as a code (and 'KOS' is Kosovo's code in some files, not a name).
    return sorted({(n, i) for n, i in rows if i in known and not (len(n) <= 3 and n.isupper())})


KNOWN = _known_names()
ENCODINGS = sorted(set(LATIN) | set(CJK) | {"big5hkscs"})


@settings(
    max_examples=400, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(pair=st.sampled_from(KNOWN), encoding=st.sampled_from(ENCODINGS))
def test_any_known_name_in_any_encoding_matches_its_country(
    pair: tuple[str, str], encoding: str, ref: Reference
) -> None:
    name, iso3 = pair
    try:
        text = _csv([["country", "indicator", "year", "value"], [name, "wgi.ge", "2024", "1"]])
        data = text.encode(encoding)
    except UnicodeEncodeError:
        return  # the encoding cannot write this name
    report = _check_in_child(data, "one.csv", ref, None, None, UploadLimits())
    assert report.observations["iso3"].tolist() == [iso3], (
        name,
        encoding,
        report.encoding,
        [i.as_dict("en") for i in report.issues.of("error")],
    )


def test_no_name_of_one_country_matches_another(ref: Reference) -> None:
    wrong = [(n, i, ref.matcher.name(n)[0]) for n, i in KNOWN if ref.matcher.name(n)[0] != i]
    assert not wrong


# -- the command line ----------------------------------------------------------------------
def test_cli_reports_detection_and_exits_0_once_described(
    tmp_path: Path, datasets_dir: Path, data_dir: Path
) -> None:
    text = _csv(
        [["Country", "FY2024", "H1 2025", "H2 2025"]]
        + [[n, "1", "2", "3"] for n in ("Türkiye", "Congo (DRC)", "Korea, Rep.", "Japan", "EAS")]
    )
    path = tmp_path / "mac.csv"
    path.write_bytes(text.encode("mac_roman"))
    cmd = [sys.executable, "-m", "risk", "import", str(path), "--dry-run", "--format", "json"]
    cmd += ["--indicator", "upload.capex"]
    out = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, timeout=300)
    first = json.loads(out.stdout)
    assert out.returncode == 1
    assert first["encoding"] == "mac_roman"
    assert first["layout"] == "wide_years"
    assert [(p["column"], p["year"], p["kept"]) for p in first["periods"]] == [
        ("FY2024", 2024, True),
        ("H1 2025", 2025, False),
        ("H2 2025", 2025, True),
    ]
    assert first["aggregates"] == ["EAS"]
    assert [e["code"] for e in first["errors"]] == ["meta_missing"]
    meta = tmp_path / "meta.json"
    meta.write_text(
        json.dumps(
            {
                "code": "upload.capex",
                "name_en": "AI capex",
                "name_zh": "AI 資本支出",
                "unit": "USD bn",
                "source": "analyst",
                "licence": "internal",
            }
        )
    )
    out = subprocess.run([*cmd, "--meta", str(meta)], capture_output=True, text=True, cwd=ROOT)
    assert out.returncode == 0, out.stdout
    assert json.loads(out.stdout)["countries_matched"] == 4
    forced = subprocess.run(
        [*cmd, "--meta", str(meta), "--encoding", "cp1252"],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    report = json.loads(forced.stdout)
    assert report["encoding"] == "cp1252"
    assert forced.returncode == 1 and report["unmatched"] == ["TŸrkiye"]
