"""Ranking exports: what the table shows (filters, eligibility, columns, language, rounding), the
settings beside it (XLSX sheet, CSV sidecar), formula neutralisation and the `export` command."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from openpyxl import load_workbook

from risk.cells import FORMULA_PREFIXES, neutralise, neutralise_frame
from risk.cli import main
from risk.present.exports import (
    export_frame,
    ranking_csv,
    ranking_export,
    ranking_xlsx,
    read_ranking_csv,
    read_ranking_xlsx,
)
from risk.scoring.engine import engine_for
from risk.scoring.result import result_table
from risk.share import Filters, ViewState
from risk.spec import ScoreSpec
from risk.store import open_store

HOSTILE = '=HYPERLINK("http://x")'
SPEC = ScoreSpec.from_preset("balanced", as_of="2026-01-01", mc_draws=50)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=1+1", "'=1+1"),
        ("+1", "'+1"),
        ("-1", "'-1"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("ok", "ok"),
        ("台灣", "台灣"),
        (-3.5, -3.5),
        (-2, -2),
        (None, None),
    ],
)
def test_neutralise(value: object, expected: object) -> None:
    assert neutralise(value) == expected


@given(st.text())
def test_neutralised_text_never_starts_a_formula(text: str) -> None:
    out = neutralise(text)
    assert not out.startswith(FORMULA_PREFIXES)
    assert out.endswith(text)


def test_neutralise_frame_keeps_numbers() -> None:
    frame = pd.DataFrame({"name": [HOSTILE, "ok"], "value": [-1.5, 2.0], "n": [-3, 4]})
    out = neutralise_frame(frame)
    assert out["name"].tolist() == ["'" + HOSTILE, "ok"]
    assert out["value"].tolist() == [-1.5, 2.0] and out["n"].tolist() == [-3, 4]


MIDDLE_EAST_AND_EAST_ASIA = {"Middle East", "East Asia"}


@pytest.fixture(scope="module")
def store(datasets_dir: Path, tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("RISK_DATA_DIR", str(tmp_path_factory.mktemp("data")))
        yield open_store()


@pytest.fixture(scope="module")
def ranked(store) -> tuple[pd.DataFrame, ScoreSpec]:  # type: ignore[no-untyped-def]
    result = engine_for(store, store.data_version).score(SPEC)
    table = result_table(result)
    table.loc[0, "name_en"] = HOSTILE
    table.loc[0, "name_zh_tw"] = HOSTILE
    return table, result.spec


def _cli(store, tmp_path: Path, name: str, *args: str) -> Path:  # type: ignore[no-untyped-def]
    out = tmp_path / name
    rc = main(["export", "--out", str(out), "--as-of", SPEC.as_of, "--mc", "50", *args])
    assert rc == 0
    return out


def test_frame_is_the_tables_columns_in_the_language(ranked, store) -> None:  # type: ignore[no-untyped-def]
    table, _ = ranked
    frame = export_frame(table.head(5), "zh-TW", store.table("countries"))
    assert list(frame.columns)[:4] == ["排名", "國家", "英文名稱", "ISO3 代碼"]
    assert "綜合分數" in frame.columns and "可出口" in frame.columns
    # rounded as the table shows them
    assert (frame["綜合分數"] * 10 % 1 == 0).all()
    assert set(frame["可出口"]) <= {"是", "否"}


def test_csv_first_line_is_the_header_and_text_is_neutralised(ranked, store) -> None:  # type: ignore[no-untyped-def]
    table, _ = ranked
    frame = export_frame(table, "en", store.table("countries"))
    data = ranking_csv(frame)
    first = data.decode("utf-8-sig").splitlines()[0]
    assert first == ",".join(frame.columns)
    back = read_ranking_csv(data)
    assert len(back) == len(frame)
    assert back.loc[0, "Country"] == "'" + HOSTILE


def test_xlsx_keeps_text_as_text_and_settings_on_the_second_sheet(ranked, store) -> None:  # type: ignore[no-untyped-def]
    table, spec = ranked
    view = ViewState(spec=spec, lang="zh-TW")
    frame = export_frame(table, "zh-TW", store.table("countries"))
    data = ranking_xlsx(frame, view, spec.data_version)
    book = load_workbook(io.BytesIO(data))
    assert book.sheetnames == ["排名", "設定"]
    sheet = book["排名"]
    headers = [c.value for c in sheet[1]]
    assert headers == list(frame.columns)
    name = sheet.cell(row=2, column=headers.index("國家") + 1)
    assert name.data_type == "s" and name.value == "'" + HOSTILE
    assert [c for row in sheet.iter_rows() for c in row if c.data_type == "f"] == []
    meta, back = read_ranking_xlsx(data)
    assert meta["資料版本"] == spec.data_version and meta["權重預設"] == "均衡"
    assert ScoreSpec.from_url(meta["spec_url"]) == spec
    assert back["ISO3 代碼"].tolist() == frame["ISO3 代碼"].tolist()
    assert ranking_xlsx(frame, view, "v") == ranking_xlsx(frame, view, "v")


def test_unknown_format(store) -> None:  # type: ignore[no-untyped-def]
    from risk.errors import RiskError

    with pytest.raises(RiskError, match="unknown export format"):
        ranking_export(engine_for(store), store, ViewState(spec=SPEC), "ods")


def test_cli_region_filter_gives_only_those_rows(store, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    out = _cli(
        store, tmp_path, "r.csv", "--region", "Middle East", "--region", "East Asia", "--lang", "en"
    )
    text = out.read_bytes().decode("utf-8-sig")
    assert text.splitlines()[0].startswith("Rank,Country,")
    back = read_ranking_csv(out.read_bytes())
    regions = store.table("countries").set_index("iso3")["business_region"]
    assert len(back) > 5
    assert set(regions.loc[back["ISO3"]]) == MIDDLE_EAST_AND_EAST_ASIA
    assert {"ARE", "SAU", "JPN", "KOR"} <= set(back["ISO3"])
    assert set(back["Eligible"]) == {"Yes"}  # the default view shows eligible countries only
    record = json.loads((tmp_path / "r.csv.json").read_text(encoding="utf-8"))
    assert record["filters"]["market"] == ["Middle East", "East Asia"]
    assert record["rows"] == len(back) and record["columns"] == list(back.columns)
    assert record["data_version"] == store.data_version
    spec = ScoreSpec.from_dict(record["spec"])
    assert spec.data_version == store.data_version and spec.as_of == SPEC.as_of
    assert ScoreSpec.from_url(record["spec_url"]) == spec


def test_cli_eligible_only_and_chinese_headers(store, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    everyone = read_ranking_csv(
        _cli(store, tmp_path, "all.csv", "--eligibility", "all", "--lang", "zh-TW").read_bytes()
    )
    assert list(everyone.columns)[:3] == ["排名", "國家", "英文名稱"]
    assert "否" in set(everyone["可出口"])
    only = read_ranking_csv(
        _cli(
            store, tmp_path, "ok.csv", "--view", "?elig=all&lang=zh-TW", "--eligible-only"
        ).read_bytes()
    )
    assert set(only["可出口"]) == {"是"} and len(only) < len(everyone)


def test_cli_view_link_and_xlsx_settings(store, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    link = "http://localhost:8501/?lang=en&market=Southeast%20Asia&income=High%20income"
    out = _cli(store, tmp_path, "r.xlsx", "--view", link)
    meta, back = read_ranking_xlsx(out.read_bytes())
    assert set(back["ISO3"]) == {"SGP", "BRN"}
    assert meta["Business region"] == "Southeast Asia"
    assert meta["Income group"] == "High income"
    assert meta["Data version"] == store.data_version


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_cli_export_gives_the_download_buttons_bytes(fmt: str, store, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    out = _cli(store, tmp_path, f"ranking.{fmt}", "--region", "Middle East")
    view = ViewState(
        spec=SPEC.replace(data_version=store.data_version),
        filters=Filters(markets=("Middle East",)),
    )
    data, name, _ = ranking_export(engine_for(store, store.data_version), store, view, fmt)
    assert out.read_bytes() == data
    assert name.endswith(f".{fmt}") and SPEC.as_of in name


def test_xlsx_metadata_carries_no_save_time(ranked, store) -> None:  # type: ignore[no-untyped-def]
    """openpyxl stamps the save time into docProps/core.xml; the export resets it to the as-of date,
    so a file made a second later is still byte-identical."""
    import zipfile

    table, spec = ranked
    frame = export_frame(table, "en", store.table("countries"))
    data = ranking_xlsx(frame, ViewState(spec=spec, lang="en"), "v")
    core = zipfile.ZipFile(io.BytesIO(data)).read("docProps/core.xml")
    assert b"<dcterms:modified" in core
    assert core.count(f"{spec.as_of}T00:00:00Z".encode()) == 2  # created and modified
