"""The store never destroys data to recover: busy, damaged or newer stores fail clearly and are left
as they were; bundled-data and layout upgrades migrate in place, after a backup copy."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from risk.errors import StoreError
from risk.ingest.common import write_parquet
from risk.share import load_view, save_view
from risk.store.embedded import STORE_FILE, DuckDBStore

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture()
def tiny_datasets(tmp_path: Path) -> Path:
    ds = tmp_path / "datasets"
    write_parquet(
        pd.DataFrame({"iso3": ["KOR", "TWN"], "name_en": ["South Korea", "Taiwan"]}),
        ds / "countries.parquet",
    )
    write_parquet(
        pd.DataFrame({"iso3": ["KOR"], "indicator": ["x"], "year": [2022], "value": [1.0]}),
        ds / "observations.parquet",
    )
    write_parquet(pd.DataFrame({"a": [1]}), ds / "extra.parquet")
    (ds / "manifest.json").write_text(json.dumps({"tables": {"a": 1}}))
    return ds


def _publish(store: DuckDBStore, n: int) -> None:
    for i in range(n):
        rows = pd.DataFrame(
            {"iso3": ["TWN"], "indicator": ["upload.y"], "year": [2010 + i], "value": [float(i)]}
        )
        store.publish(rows, author="test")


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _hold(path: Path, seconds: float) -> subprocess.Popen[str]:
    """Another process that opens the DuckDB file and keeps it for `seconds`."""
    code = (
        "import duckdb, sys, time\n"
        f"con = duckdb.connect({str(path)!r})\n"
        "print('holding', flush=True)\n"
        f"time.sleep({seconds})\n"
    )
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None and proc.stdout.readline().strip() == "holding"
    return proc


def test_a_held_store_fails_clearly_and_keeps_every_version(
    tmp_path: Path, tiny_datasets: Path
) -> None:
    path = tmp_path / "s.duckdb"
    store = DuckDBStore(path, tiny_datasets)
    _publish(store, 4)
    assert len(store.versions()) == 5
    holder = _hold(path, 5)
    try:
        start = time.monotonic()
        with pytest.raises(StoreError, match="in use by another process.*RISK_STORE_TIMEOUT"):
            DuckDBStore(path, tiny_datasets, timeout_s=0.5)
        assert time.monotonic() - start < 4
    finally:
        holder.kill()
        holder.wait()
    assert len(DuckDBStore(path, tiny_datasets).versions()) == 5


def test_cli_versions_against_a_held_store_fails_and_changes_nothing(
    tmp_path: Path, datasets_dir: Path, data_dir: Path
) -> None:
    store = DuckDBStore(data_dir / STORE_FILE, datasets_dir)
    _publish(store, 3)
    before = _digest(data_dir / STORE_FILE)
    env = {**os.environ, "RISK_STORE_TIMEOUT": "0.5", "RISK_DATA_DIR": str(data_dir)}
    holder = _hold(data_dir / STORE_FILE, 120)  # killed below; long enough for a slow start
    try:
        out = subprocess.run(
            [sys.executable, "-m", "risk", "versions"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
    finally:
        holder.kill()
        holder.wait()
    assert out.returncode != 0
    assert "in use by another process" in out.stderr
    assert _digest(data_dir / STORE_FILE) == before
    listed = subprocess.run(
        [sys.executable, "-m", "risk", "versions", "--format", "json"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    assert len(json.loads(listed.stdout)) == 4


def test_a_damaged_store_is_left_as_it_was(tmp_path: Path, tiny_datasets: Path) -> None:
    path = tmp_path / "s.duckdb"
    path.write_bytes(b"this is not a database" * 100)
    with pytest.raises(StoreError, match="left as it is"):
        DuckDBStore(path, tiny_datasets)
    assert path.read_bytes() == b"this is not a database" * 100


def test_a_foreign_duckdb_file_is_left_as_it_was(tmp_path: Path, tiny_datasets: Path) -> None:
    path = tmp_path / "s.duckdb"
    con = duckdb.connect(str(path))
    con.execute("CREATE TABLE mine AS SELECT 42 AS answer")
    con.close()
    with pytest.raises(StoreError, match="no version table"):
        DuckDBStore(path, tiny_datasets)
    con = duckdb.connect(str(path))
    assert con.execute("SELECT answer FROM mine").fetchone() == (42,)
    con.close()


def test_a_newer_layout_is_refused_untouched(tmp_path: Path, tiny_datasets: Path) -> None:
    path = tmp_path / "s.duckdb"
    store = DuckDBStore(path, tiny_datasets)
    _publish(store, 2)
    con = duckdb.connect(str(path))
    con.execute("UPDATE _meta SET value = '99' WHERE key = 'schema'")
    con.close()
    before = _digest(path)
    with pytest.raises(StoreError, match="newer release"):
        DuckDBStore(path, tiny_datasets)
    assert _digest(path) == before


def test_bundled_change_keeps_versions_short_links_and_user_tables(
    tmp_path: Path, tiny_datasets: Path
) -> None:
    path = tmp_path / "s.duckdb"
    store = DuckDBStore(path, tiny_datasets)
    _publish(store, 3)
    vid = save_view(store, {"metric": "score", "lang": "en"})
    with store.cursor() as cur:
        cur.execute("CREATE TABLE watchlists (name VARCHAR, iso3 VARCHAR)")
        cur.execute("INSERT INTO watchlists VALUES ('mine', 'TWN')")
    versions = set(store.versions()["version"])
    # New bundled data: a table changes, one disappears, the manifest changes.
    write_parquet(
        pd.DataFrame({"iso3": ["JPN"], "name_en": ["Japan"]}), tiny_datasets / "countries.parquet"
    )
    (tiny_datasets / "extra.parquet").unlink()
    (tiny_datasets / "manifest.json").write_text(json.dumps({"tables": {"a": 2}}))
    upgraded = DuckDBStore(path, tiny_datasets)
    assert load_view(upgraded, vid) == {"metric": "score", "lang": "en"}
    assert upgraded.table("watchlists").to_dict("records") == [{"name": "mine", "iso3": "TWN"}]
    assert versions < set(upgraded.versions()["version"])
    assert "extra" not in upgraded.tables()
    assert upgraded.table("countries")["iso3"].tolist() == ["JPN"]
    # The published rows carried over onto the new base.
    assert len(upgraded.table("observations").query("indicator == 'upload.y'")) == 3
    backups = list(tmp_path.glob("s.duckdb.bak-*"))
    assert len(backups) == 1
    old = duckdb.connect(str(backups[0]), read_only=True)
    assert old.execute("SELECT count(*) FROM _versions").fetchone() == (4,)
    old.close()


def test_layout_1_is_migrated_in_place_keeping_short_links(
    tmp_path: Path, tiny_datasets: Path
) -> None:
    path = tmp_path / "s.duckdb"
    con = duckdb.connect(str(path))
    con.execute("CREATE TABLE _meta (key VARCHAR PRIMARY KEY, value VARCHAR)")
    con.execute(
        "INSERT INTO _meta VALUES ('data_version', 'bundled-old'), ('manifest', ?)",
        [json.dumps({"tables": {"countries.parquet": 1, "gone.parquet": 1}})],
    )
    con.execute("CREATE TABLE countries AS SELECT 'FRA' AS iso3")
    con.execute("CREATE TABLE gone AS SELECT 1 AS a")
    con.execute("CREATE TABLE saved_views (id VARCHAR PRIMARY KEY, params VARCHAR NOT NULL)")
    con.execute("INSERT INTO saved_views VALUES ('abc', '{\"metric\": \"score\"}')")
    con.close()
    store = DuckDBStore(path, tiny_datasets)
    assert load_view(store, "abc") == {"metric": "score"}
    assert "gone" not in store.tables()
    assert store.table("countries")["iso3"].tolist() == ["KOR", "TWN"]
    assert len(store.versions()) == 1
    assert list(tmp_path.glob("s.duckdb.bak-*"))


def test_a_missing_store_is_created(tmp_path: Path, tiny_datasets: Path) -> None:
    store = DuckDBStore(tmp_path / "new" / "s.duckdb", tiny_datasets)
    assert len(store.versions()) == 1
    assert not list((tmp_path / "new").glob("*.bak-*"))
