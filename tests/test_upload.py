"""Uploads: formats, encodings, layouts, value parsing, country matching, row-level issues."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from risk.cells import safe_csv
from risk.errors import UploadError
from risk.i18n import t
from risk.store.embedded import DuckDBStore, open_store
from risk.upload.layouts import UploadOptions
from risk.upload.matching import Reference, reference_from_store
from risk.upload.metadata import catalogue_rows, framework_rows
from risk.upload.publish import publish_report
from risk.upload.validate import check_upload
from risk.upload.values import parse_values, parse_years
from tests.support import UPLOAD_META

ROOT = Path(__file__).resolve().parent.parent
META = pd.DataFrame([UPLOAD_META])


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory, datasets_dir: Path) -> DuckDBStore:
    return open_store(datasets_dir, tmp_path_factory.mktemp("upload-store"))


@pytest.fixture(scope="module")
def ref(store: DuckDBStore) -> Reference:
    return reference_from_store(store)


def obs_of(report) -> dict[tuple[str, str, int], float]:  # type: ignore[no-untyped-def]
    return {
        (r.iso3, r.indicator, int(r.year)): float(r.value)
        for r in report.observations.itertuples(index=False)
    }


LONG = "country,indicator,year,value\nJapan,wgi.ge,2023,1.5\nKOR,wgi.ge,2023,1.2\n"


@pytest.mark.parametrize(
    ("name", "data", "encoding"),
    [
        ("utf8.csv", LONG.encode("utf-8"), "utf-8"),
        ("bom.csv", LONG.encode("utf-8-sig"), "utf-8-sig"),
        ("semi.csv", LONG.replace(",", ";").encode(), "utf-8"),
        ("tab.tsv", LONG.replace(",", "\t").encode(), "utf-8"),
        ("pipe.txt", LONG.replace(",", "|").encode(), "utf-8"),
        (
            "big5.csv",
            "國家,指標,年份,數值\n日本,wgi.ge,2023,1.5\n南韓,wgi.ge,2023,1.2\n".encode("cp950"),
            "cp950",
        ),
        (
            "gbk.csv",
            "国家,指标,年份,数值\n日本,wgi.ge,2023,1.5\n韩国,wgi.ge,2023,1.2\n".encode("gb18030"),
            "gb18030",
        ),
        ("utf16.csv", LONG.encode("utf-16"), "utf-16"),
    ],
)
def test_encodings_and_delimiters(ref: Reference, name: str, data: bytes, encoding: str) -> None:
    report = check_upload(data, name, ref)
    assert report.encoding == encoding
    assert report.ok, report.summary()["errors"]
    assert obs_of(report) == {("JPN", "wgi.ge", 2023): 1.5, ("KOR", "wgi.ge", 2023): 1.2}


def _xlsx(frames: dict[str, pd.DataFrame], startrow: int = 0) -> bytes:
    buf = io.BytesIO()
    with pd.ExcelWriter(buf, engine="openpyxl") as xl:
        for sheet, df in frames.items():
            df.to_excel(xl, sheet_name=sheet, index=False, startrow=startrow)
    return buf.getvalue()


def test_excel_with_title_rows_and_metadata_sheet(ref: Reference) -> None:
    data = pd.DataFrame(
        {"Country": ["Chile", "Japan"], "Indicator": ["upload.parks"] * 2, "Year": [2024, 2024]}
    )
    data["Value"] = [3, 5.5]
    raw = _xlsx({"data": data, "metadata": META}, startrow=2)
    report = check_upload(raw, "parks.xlsx", ref)
    assert report.format == "excel" and report.ok, report.summary()["errors"]
    assert obs_of(report) == {
        ("CHL", "upload.parks", 2024): 3.0,
        ("JPN", "upload.parks", 2024): 5.5,
    }
    assert report.new_indicators == ["upload.parks"]
    fw = framework_rows(report.metadata)
    assert fw[["code", "pillar", "weight"]].values.tolist() == [
        ["upload.parks", "compute_demand", 1.0]
    ]
    cat = catalogue_rows(report.metadata)
    assert bool(cat["open_licence"].iloc[0]) and cat["higher_is"].iloc[0] == "better"


def test_excel_rows_are_spreadsheet_rows(ref: Reference) -> None:
    df = pd.DataFrame({"country": ["Japan", "Nowhereland"], "year": [2023, 2023], "wgi.ge": [1, 2]})
    report = check_upload(_xlsx({"Sheet1": df}, startrow=3), "x.xlsx", ref)
    err = report.issues.of("error")[0]
    assert (err.code, err.row, err.column, err.value) == (
        "country_unmatched",
        6,
        "country",
        "Nowhereland",
    )


def test_parquet(ref: Reference) -> None:
    df = pd.DataFrame({"iso3": ["JPN", "DEU"], "year": [2022, 2022], "value": [1.0, np.nan]})
    buf = io.BytesIO()
    df.to_parquet(buf)
    report = check_upload(buf.getvalue(), "x.parquet", ref, UploadOptions(indicator="wgi.ge"))
    assert report.format == "parquet" and report.ok
    assert obs_of(report) == {("JPN", "wgi.ge", 2022): 1.0}


WB = (
    '"Data Source","World Development Indicators",\n\n"Last Updated Date","2025-07-01",\n\n'
    '"Country Name","Country Code","Indicator Name","Indicator Code","2021","2022","2023",\n'
    '"Aruba","ABW","GDP (current US$)","NY.GDP.MKTP.CD","3126019385.5","3475722894.5","",\n'
    '"Africa Eastern and Southern","AFE","GDP (current US$)","NY.GDP.MKTP.CD","1","2","3",\n'
    '"World","WLD","GDP (current US$)","NY.GDP.MKTP.CD","1","2","3",\n'
    '"Japan","JPN","GDP (current US$)","NY.GDP.MKTP.CD","..","..","4200000000000",\n'
)
OWID = (
    "Entity;Code;Year;Individuals using the Internet (% of population)\n"
    "Afghanistan;AFG;2020;17.2\nWorld;OWID_WRL;2020;60\nHigh-income countries;;2020;90\n"
    "Faeroe Islands;;2020;97\n"
)


@pytest.mark.parametrize(
    ("name", "text", "layout", "expected", "aggregates"),
    [
        (
            "API_NY.GDP.csv",
            WB,
            "worldbank",
            {
                ("ABW", "wdi.ny.gdp.mktp.cd", 2021): 3126019385.5,
                ("ABW", "wdi.ny.gdp.mktp.cd", 2022): 3475722894.5,
                ("JPN", "wdi.ny.gdp.mktp.cd", 2023): 4.2e12,
            },
            2,
        ),
        (
            "owid.csv",
            OWID,
            "owid",
            {
                ("AFG", "owid.internet_users", 2020): 17.2,
                ("FRO", "owid.internet_users", 2020): 97.0,
            },
            2,
        ),
        (
            "wide_years.csv",
            "iso3,2021,2022\nTWN,1.5,2.5\nUSA,3,4\n",
            "wide_years",
            {
                ("TWN", "wgi.rq", 2021): 1.5,
                ("TWN", "wgi.rq", 2022): 2.5,
                ("USA", "wgi.rq", 2021): 3.0,
                ("USA", "wgi.rq", 2022): 4.0,
            },
            0,
        ),
        (
            "wide_ind.csv",
            "country,year,wgi.ge,wgi.rq\nFrance,2023,1.1,1.2\n",
            "wide_indicators",
            {("FRA", "wgi.ge", 2023): 1.1, ("FRA", "wgi.rq", 2023): 1.2},
            0,
        ),
    ],
)
def test_layouts(
    ref: Reference, name: str, text: str, layout: str, expected: dict, aggregates: int
) -> None:
    opts = UploadOptions(indicator="wgi.rq") if layout == "wide_years" else None
    report = check_upload(text.encode(), name, ref, opts)
    assert report.layout == layout
    assert report.ok, report.summary()["errors"]
    assert obs_of(report) == expected
    assert len(report.aggregates) == aggregates


@pytest.mark.parametrize(
    ("raw", "value", "missing", "invalid"),
    [
        ("12.3", 12.3, False, False),
        ("12.3%", 12.3, False, False),
        ("1,234.5", 1234.5, False, False),
        ("1,234,567", 1234567.0, False, False),
        ("\u22125", -5.0, False, False),
        ("１２３", 123.0, False, False),
        (" 7 ", 7.0, False, False),
        ("1e3", 1000.0, False, False),
        ("..", None, True, False),
        ("n/a", None, True, False),
        ("—", None, True, False),
        ("", None, True, False),
        ("NaN", None, True, False),
        ("12,5", None, False, True),
        ("abc", None, False, True),
        ("=1+1", None, False, True),
        ("inf", None, False, True),
    ],
)
def test_parse_values(raw: str, value: float | None, missing: bool, invalid: bool) -> None:
    nums, miss, bad = parse_values(pd.Series([raw, "1"], dtype=object))
    assert (bool(miss.iloc[0]), bool(bad.iloc[0])) == (missing, invalid)
    if value is None:
        assert np.isnan(nums.iloc[0])
    else:
        assert nums.iloc[0] == pytest.approx(value)


@pytest.mark.parametrize(
    ("raw", "year"),
    [
        ("2020", 2020),
        ("2020.0", 2020),
        ("2020-12-31", 2020),
        ("1899", None),
        ("FY20", 2020),
        ("FY2024", 2024),
        ("2025年", 2025),
        ("民國114年", 2025),
        ("H1 2025", 2025),
        ("Q1 2026", 2026),
        ("2025-26", 2026),
        ("2020-12", 2020),
        ("2024-13-45", None),
        ("20.5", None),
        ("Q5 2025", None),
    ],
)
def test_parse_years(raw: str, year: int | None) -> None:
    got = parse_years(pd.Series([raw])).iloc[0]
    assert (None if np.isnan(got) else int(got)) == year


@pytest.mark.parametrize(
    ("country", "iso3"),
    [
        ("TWN", "TWN"),
        ("TW", "TWN"),
        ("Taiwan, China", "TWN"),
        ("台灣", "TWN"),
        ("臺灣", "TWN"),
        ("Korea, Rep.", "KOR"),
        ("韩国", "KOR"),
        ("Côte d'Ivoire", "CIV"),
        ("Cote d'Ivoire", "CIV"),
        ("United States of America", "USA"),
        ("美國", "USA"),
        ("美国", "USA"),
    ],
)
def test_country_names_and_codes(ref: Reference, country: str, iso3: str) -> None:
    text = f'country,year,value\n"{country}",2023,1\n'
    report = check_upload(text.encode(), "c.csv", ref, UploadOptions(indicator="wgi.ge"))
    assert report.ok, report.summary()["errors"]
    assert report.observations["iso3"].tolist() == [iso3]


def test_periods_in_a_year_column_are_years_and_the_latest_of_a_year_is_kept(
    ref: Reference,
) -> None:
    text = (
        "country,indicator,year,value\n"
        "Japan,wgi.ge,FY2023,1.0\n"
        "Japan,wgi.ge,Q1 2024,1.1\n"
        "Japan,wgi.ge,Q4 2024,1.4\n"
        "Korea,wgi.ge,2025年,1.2\n"
        "Korea,wgi.ge,2023-24,1.3\n"
    )
    report = check_upload(text.encode(), "periods.csv", ref)
    assert report.ok, [i.message("en") for i in report.issues.of("error")]
    got = {(r.iso3, r.year): r.value for r in report.observations.itertuples()}
    assert got == {("JPN", 2023): 1.0, ("JPN", 2024): 1.4, ("KOR", 2025): 1.2, ("KOR", 2024): 1.3}
    superseded = [i for i in report.issues.of("warning") if i.code == "period_superseded_row"]
    assert [(i.row, i.value) for i in superseded] == [(3, "Q1 2024")]
    assert "Q4 2024" in superseded[0].message("en") and "row 4" in superseded[0].message("en")
    assert "第 4 列" in superseded[0].message("zh-TW")


def test_row_level_errors_name_row_column_value_and_fix(ref: Reference) -> None:
    text = (
        "country,indicator,year,value\n"
        "Japan,wgi.ge,2023,1.5\n"
        "Germny,wgi.ge,2023,1.0\n"
        "France,wgi.ge,20x3,1.0\n"
        "Italy,wgi.ge,2023,abc\n"
        "Spain,wgi.ge,2023,1.0\n"
        "Spain,wgi.ge,2023,2.0\n"
        "Chile,wgi.ge,2023,..\n"
        "Peru,WGI GE bad code!,2023,1\n"
        "World,wgi.ge,2023,1\n"
    )
    report = check_upload(text.encode(), "bad.csv", ref)
    assert not report.ok
    errors = {(i.code, i.row, i.column, i.value) for i in report.issues.of("error")}
    assert ("country_unmatched", 3, "country", "Germny") in errors
    assert ("year_invalid", 4, "year", "20x3") in errors
    assert ("value_invalid", 5, "value", "abc") in errors
    assert ("duplicate_conflict", 7, "value", "2.0") in errors
    warnings = {(i.code, i.row) for i in report.issues.of("warning")}
    assert ("value_missing", 8) in warnings
    assert ("aggregate_skipped", None) in warnings
    germny = next(i for i in report.issues.items if i.value == "Germny")
    assert "DEU" in germny.fix("en") and "DEU" in germny.fix("zh-TW")
    assert "第 3 列" in germny.message("zh-TW") and "Row 3" in germny.message("en")
    assert report.unmatched == ["Germny"] and report.suggestions["Germny"][0].startswith("DEU")
    assert report.aggregates == ["World"]
    summary = report.summary()
    assert {"rows_read", "countries_matched", "unmatched", "errors", "warnings"} <= set(summary)
    assert summary["rows_read"] == 9
    # what the Data page shows, in each language
    shown = report.issue_table("zh-TW")
    germny_row = shown[shown["value"] == "Germny"].iloc[0]
    assert germny_row["row"] == "3" and germny_row["severity"] == t("data.severity.error", "zh-TW")
    assert germny_row["code"] == t("data.kind.country_unmatched", "zh-TW")
    file_level = shown[shown["code"] == t("data.kind.aggregate_skipped", "zh-TW")]
    assert list(file_level["row"]) == ["—"]
    counts = report.count_table("en")
    assert counts["count"].sum() == sum(report.issues.counts.values())
    assert report.unmatched_table().iloc[0]["name"] == "Germny"
    assert report.unmatched_table().iloc[0]["suggestions"].startswith("DEU")
    assert "9" in report.summary_text("en") and "9" in report.summary_text("zh-TW")


def test_new_indicator_needs_metadata_and_warns_on_coverage(ref: Reference) -> None:
    text = b"country,indicator,year,value\nChile,upload.parks,2024,3\nJapan,upload.parks,2024,5\n"
    bare = check_upload(text, "p.csv", ref)
    assert [i.code for i in bare.issues.of("error")] == ["meta_missing"]
    full = check_upload(text, "p.csv", ref, metadata=META)
    assert full.ok and full.new_indicators == ["upload.parks"]
    assert "low_coverage" in {i.code for i in full.issues.of("warning")}
    bad_meta = META.assign(pillar="nowhere", direction="sideways")
    wrong = check_upload(text, "p.csv", ref, metadata=bad_meta)
    assert {"meta_pillar", "meta_direction"} <= {i.code for i in wrong.issues.of("error")}


def test_unit_and_outlier_warnings(ref: Reference) -> None:
    # GDP given in billions where the store holds current US$: a unit warning.
    text = "iso3,year,value\n" + "".join(
        f"{c},2023,{v}\n" for c, v in [("JPN", 4200), ("DEU", 4500), ("FRA", 3000)]
    )
    report = check_upload(
        text.encode(), "gdp.csv", ref, UploadOptions(indicator="wdi.ny.gdp.mktp.cd")
    )
    assert report.ok
    assert "unit_suspicious" in {i.code for i in report.issues.of("warning")}
    # A governance score of 250 on a -2.5..2.5 scale: an outlier.
    odd = check_upload(
        b"iso3,year,value\nJPN,2023,250\n", "ge.csv", ref, UploadOptions(indicator="wgi.ge")
    )
    assert "outlier" in {i.code for i in odd.issues.of("warning")}


def test_file_level_problems(ref: Reference) -> None:
    cases = {
        b"": "file_empty",
        b"\x00\x01\x02binary": "file_unreadable",
        b"PK\x03\x04not really a workbook": "file_unreadable",
        b"PAR1garbage": "file_unreadable",
        b"a,b\n1,2\n": "no_country_column",
        b"country,value\nJapan,1\n": "no_year",
        b"country,year,value\nJapan,2020,1\n": "no_indicator",
        b"country,year\nJapan,2020\n": "no_value_column",
        b"country,year,value\nJapan,2020,1\nKorea,2020,1,5,6\n": "file_ragged",
    }
    for data, code in cases.items():
        report = check_upload(data, "f.csv", ref)
        assert not report.ok
        assert code in {i.code for i in report.issues.of("error")}, (
            data,
            report.summary()["errors"],
        )


def test_publish_report_refuses_errors_and_publishes_clean_files(
    tmp_path: Path, datasets_dir: Path
) -> None:
    store = open_store(datasets_dir, tmp_path)
    ref = reference_from_store(store)
    v0 = store.data_version
    bad = check_upload(b"country,indicator,year,value\nAtlantis,wgi.ge,2023,1\n", "b.csv", ref)
    with pytest.raises(UploadError, match="errors"):
        publish_report(store, bad, author="a")
    assert store.data_version == v0
    good = check_upload(
        b"country,indicator,year,value\nChile,upload.parks,2024,3\n", "g.csv", ref, metadata=META
    )
    info = publish_report(store, good, author="ana")
    assert store.data_version == info.version and info.file_name == "g.csv"
    assert info.sha256 == good.sha256
    assert "upload.parks" in set(store.table("indicators")["code"])
    assert store.framework_overrides()["code"].tolist() == ["upload.parks"]


def test_safe_csv_neutralises_formulas() -> None:
    out = safe_csv(pd.DataFrame({"v": ["=HYPERLINK(1)", "+1", "ok", "@x"]})).decode("utf-8-sig")
    assert "'=HYPERLINK" in out and "'+1" in out and "'@x" in out and "\nok" in out


def test_cli_import_json_and_dry_run(tmp_path: Path, datasets_dir: Path, data_dir: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("country,indicator,year,value\nAtlantis,wgi.ge,2023,1\nJapan,wgi.ge,2023,abc\n")
    run = subprocess.run(
        [sys.executable, "-m", "risk", "import", str(bad), "--dry-run", "--format", "json"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert run.returncode == 1, run.stderr
    report = json.loads(run.stdout)
    assert report["rows_read"] == 2 and report["unmatched"] == ["Atlantis"]
    assert {e["row"] for e in report["errors"]} == {2, 3}
    assert report["published"] is None
    good = tmp_path / "good.csv"
    good.write_text("country,indicator,year,value\nJapan,wgi.ge,2023,1.4\n")
    run = subprocess.run(
        [sys.executable, "-m", "risk", "import", str(good), "--format", "json"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**__import__("os").environ, "RISK_AUTHOR": "cli-test"},
    )
    assert run.returncode == 0, run.stderr
    version = json.loads(run.stdout)["published"]
    listed = subprocess.run(
        [sys.executable, "-m", "risk", "versions", "--format", "json"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    rows = json.loads(listed.stdout)
    assert rows[0]["version"] == version and rows[0]["author"] == "cli-test"
    back = subprocess.run(
        [sys.executable, "-m", "risk", "rollback", rows[1]["version"]],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert back.returncode == 0 and rows[1]["version"] in back.stdout


# -- malformed files never crash and never change the current version ---------------------
_cells = st.one_of(
    st.text(max_size=12),
    st.sampled_from(["Japan", "KOR", "台灣", "World", "..", "12,5", "1e999", "=cmd()", "—", ""]),
    st.integers(-(10**6), 10**6).map(str),
)


@st.composite
def malformed(draw: st.DrawFn) -> tuple[str, bytes]:
    kind = draw(
        st.sampled_from(["bytes", "ragged", "badvalue", "badcountry", "xlsx", "parquet", "header"])
    )
    if kind == "bytes":
        return "x.csv", b"\x00" + draw(st.binary(max_size=300))
    if kind == "xlsx":
        return "x.xlsx", b"PK\x03\x04" + draw(st.binary(max_size=200))
    if kind == "parquet":
        return "x.parquet", b"PAR1" + draw(st.binary(max_size=200))
    delim = draw(st.sampled_from([",", ";", "\t", "|"]))
    enc = draw(st.sampled_from(["utf-8", "utf-8-sig", "cp950", "gb18030"]))
    header = ["country", "indicator", "year", "value"]
    rows = [
        [draw(st.sampled_from(["Japan", "KOR", "Chile"])), "wgi.ge", str(2000 + i), str(i)]
        for i in range(draw(st.integers(0, 6)))
    ]
    if kind == "header":
        rows = []
    elif kind == "ragged":
        rows.append(["Japan", "wgi.ge", "2023", "1", "extra", draw(_cells)])
    elif kind == "badvalue":
        rows.append(
            ["Japan", "wgi.ge", "2024", draw(st.sampled_from(["abc", "12,5", "=1+1", "1.2.3"]))]
        )
    else:
        rows.append(
            [draw(st.text(alphabet="qxzvkj", min_size=7, max_size=12)), "wgi.ge", "2024", "1"]
        )
    text = "\n".join(delim.join(r) for r in [header, *rows]) + "\n"
    data = text.encode(enc, errors="replace")
    if draw(st.booleans()):
        data = data[: draw(st.integers(0, len(data)))]
    return "x.csv", data


@settings(
    max_examples=250,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(case=malformed())
def test_malformed_files_never_crash_or_publish(store: DuckDBStore, ref: Reference, case) -> None:  # type: ignore[no-untyped-def]
    name, data = case
    before = store.data_version
    # In this process: a crash of the checks is raised here, not reported as a bad file.
    report = check_upload(data, name, ref, isolated=False)
    report.summary("zh-TW")
    report.issue_frame("en")
    if report.ok:
        # Truncation can leave a clean prefix: that is a valid file, not a malformed one.
        assert len(report.observations) >= 1
        return
    with pytest.raises(UploadError):
        publish_report(store, report, author="fuzz")
    assert store.data_version == before
