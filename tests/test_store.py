"""The DuckDB store: created from datasets/ on first start, parameterised queries, thread-safe reads."""

from __future__ import annotations

import json
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pandas as pd
import pytest

from risk.errors import StoreError
from risk.ingest.common import write_parquet
from risk.store.embedded import DuckDBStore, bundled_version
from risk.store.protocol import quote_ident

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture()
def tiny_datasets(tmp_path: Path) -> Path:
    ds = tmp_path / "datasets"
    write_parquet(
        pd.DataFrame(
            {"iso3": ["KOR", "TWN", "USA"], "name_en": ["South Korea", "Taiwan", "United States"]}
        ),
        ds / "countries.parquet",
    )
    write_parquet(
        pd.DataFrame(
            {
                "iso3": ["KOR", "KOR"],
                "indicator": ["x", "x"],
                "year": [2022, 2023],
                "value": [1.0, 2.0],
            }
        ),
        ds / "observations.parquet",
    )
    (ds / "manifest.json").write_text(json.dumps({"tables": {"a": 1}}))
    return ds


def test_created_on_first_start_and_queried_with_parameters(
    tmp_path: Path, tiny_datasets: Path
) -> None:
    store = DuckDBStore(tmp_path / "s.duckdb", tiny_datasets)
    # The versioned tables (observations, indicators, framework overrides) always exist.
    assert store.tables() == ["countries", "framework_overrides", "indicators", "observations"]
    assert store.data_version == bundled_version(tiny_datasets)
    hostile = "x' OR 1=1 --"
    assert store.query("SELECT * FROM countries WHERE name_en = ?", [hostile]).empty
    got = store.query("SELECT name_en FROM countries WHERE iso3 = $iso", {"iso": "TWN"})
    assert got["name_en"].tolist() == ["Taiwan"]
    with pytest.raises(StoreError, match="no table"):
        store.table('countries"; DROP TABLE countries; --')
    assert len(store.table("countries")) == 3


def test_refreshes_when_bundled_tables_change(tmp_path: Path, tiny_datasets: Path) -> None:
    path = tmp_path / "s.duckdb"
    first = DuckDBStore(path, tiny_datasets)
    v1 = first.data_version
    first.close()
    write_parquet(
        pd.DataFrame({"iso3": ["JPN"], "name_en": ["Japan"]}), tiny_datasets / "countries.parquet"
    )
    (tiny_datasets / "manifest.json").write_text(json.dumps({"tables": {"a": 2}}))
    second = DuckDBStore(path, tiny_datasets)
    assert second.data_version != v1
    assert second.table("countries")["iso3"].tolist() == ["JPN"]


def test_cursor_per_query_under_threads(tmp_path: Path, tiny_datasets: Path) -> None:
    store = DuckDBStore(tmp_path / "s.duckdb", tiny_datasets)

    def work(i: int) -> float:
        return float(store.query("SELECT sum(value) + ? AS s FROM observations", [i])["s"].iloc[0])

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(work, range(200)))
    assert results == [3.0 + i for i in range(200)]


def test_missing_manifest_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="python -m risk build"):
        DuckDBStore(tmp_path / "s.duckdb", tmp_path)


def test_quote_ident() -> None:
    assert quote_ident('a"b') == '"a""b"'


def test_countries_cli_contract(datasets_dir: Path, data_dir: Path) -> None:
    out = subprocess.run(
        [sys.executable, "-m", "risk", "countries", "--format", "csv"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    df = pd.read_csv(__import__("io").StringIO(out), keep_default_na=False)
    assert {"iso3", "name_en", "name_zh_tw", "region", "income_group"} <= set(df.columns)
    assert len(df) >= 195
    row = df.set_index("iso3").loc["TWN"]
    assert (row["name_en"], row["name_zh_tw"]) == ("Taiwan", "台灣")
    assert df.set_index("iso3").loc["NAM", "iso2"] == "NA"
