"""Ranking exports: provenance, formula neutralisation, round trips and the `export` command."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from openpyxl import load_workbook

from risk.cells import FORMULA_PREFIXES, neutralise, neutralise_frame
from risk.cli import main
from risk.present.exports import (
    export_ranking,
    ranking_csv,
    ranking_export,
    ranking_frame,
    ranking_xlsx,
    read_ranking_csv,
    read_ranking_xlsx,
)
from risk.scoring.engine import engine_for
from risk.scoring.result import result_table
from risk.spec import ScoreSpec
from risk.store.embedded import open_store

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


@pytest.fixture(scope="module")
def ranked(datasets_dir: Path) -> tuple[pd.DataFrame, ScoreSpec]:
    result = engine_for(open_store()).score(SPEC)
    table = result_table(result)
    table.loc[0, "name_en"] = HOSTILE
    table.loc[1, "reason"] = "-negative text"
    return table, result.spec


def test_csv_carries_spec_and_data_version(ranked: tuple[pd.DataFrame, ScoreSpec]) -> None:
    table, spec = ranked
    meta, back = read_ranking_csv(ranking_csv(table, spec, spec.data_version))
    assert meta["data_version"] == spec.data_version
    assert ScoreSpec.from_url(meta["spec_url"]) == spec
    assert ScoreSpec.from_json(meta["spec_json"]) == spec
    assert len(back) == len(table)
    assert back.loc[0, "name_en"] == "'" + HOSTILE
    assert back.loc[1, "reason"] == "'-negative text"
    frame = ranking_frame(table)
    for col in ("score", "gov_support", "rank_p05", "coverage"):
        np.testing.assert_array_equal(back[col].to_numpy(float), frame[col].to_numpy(float))


def test_xlsx_round_trips_numbers_and_keeps_text_as_text(
    ranked: tuple[pd.DataFrame, ScoreSpec],
) -> None:
    table, spec = ranked
    data = ranking_xlsx(table, spec, spec.data_version)
    meta, back = read_ranking_xlsx(data)
    assert meta["data_version"] == spec.data_version
    assert ScoreSpec.from_url(meta["spec_url"]) == spec
    frame = ranking_frame(table)
    assert back["iso3"].tolist() == frame["iso3"].tolist()
    for col in ("rank", "score", "gov_support", "compute_demand", "alignment", "financial"):
        np.testing.assert_array_equal(back[col].to_numpy(float), frame[col].to_numpy(float))
    assert back["eligible"].tolist() == frame["eligible"].tolist()
    sheet = load_workbook(io.BytesIO(data))["ranking"]
    headers = [c.value for c in sheet[1]]
    name = sheet.cell(row=2, column=headers.index("name_en") + 1)
    assert name.data_type == "s" and name.value == "'" + HOSTILE
    formulas = [c for row in sheet.iter_rows() for c in row if c.data_type == "f"]
    assert formulas == []
    # a negative number is a number
    numbers = [
        c.value for row in sheet.iter_rows(min_row=2) for c in row if isinstance(c.value, float)
    ]
    assert numbers and all(isinstance(v, float) for v in numbers)


def test_xlsx_is_a_function_of_spec_and_data(ranked: tuple[pd.DataFrame, ScoreSpec]) -> None:
    table, spec = ranked
    assert ranking_xlsx(table, spec, "v") == ranking_xlsx(table, spec, "v")


def test_unknown_format(ranked: tuple[pd.DataFrame, ScoreSpec]) -> None:
    from risk.errors import RiskError

    with pytest.raises(RiskError, match="unknown export format"):
        export_ranking(*ranked, "v", "ods")  # type: ignore[call-arg]


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_cli_export_gives_the_download_buttons_bytes(
    fmt: str, datasets_dir: Path, data_dir: Path, tmp_path: Path
) -> None:
    out = tmp_path / f"ranking.{fmt}"
    rc = main(["export", "--format", fmt, "--out", str(out), "--as-of", SPEC.as_of, "--mc", "50"])
    assert rc == 0
    from risk.scoring.engine import engine_for
    from risk.store.embedded import open_store

    store = open_store()
    data, name = ranking_export(engine_for(store, store.data_version), SPEC, fmt)
    assert out.read_bytes() == data
    assert name.endswith(f".{fmt}") and SPEC.as_of in name


def test_xlsx_metadata_carries_no_save_time(ranked: tuple[pd.DataFrame, ScoreSpec]) -> None:
    """openpyxl stamps the save time into docProps/core.xml; the export resets it to the as-of date,
    so a file made a second later is still byte-identical."""
    import io
    import zipfile

    table, spec = ranked
    core = zipfile.ZipFile(io.BytesIO(ranking_xlsx(table, spec, "v"))).read("docProps/core.xml")
    assert b"<dcterms:modified" in core
    assert core.count(f"{spec.as_of}T00:00:00Z".encode()) == 2  # created and modified
