"""Versioned store: publish, rollback, diff, pinned reads, concurrency and crash safety."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pandas as pd
import pytest

from risk.errors import StoreError
from risk.i18n import t
from risk.ingest.common import write_parquet
from risk.present.data import diff_summary, versions_table
from risk.store.embedded import DuckDBStore
from risk.upload.preview import overlay, preview_movers

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture()
def tiny(tmp_path: Path) -> Path:
    ds = tmp_path / "datasets"
    write_parquet(
        pd.DataFrame(
            {
                "iso3": ["KOR", "TWN", "USA", "JPN"],
                "name_en": ["South Korea", "Taiwan", "United States", "Japan"],
                "name_zh_tw": ["南韓", "台灣", "美國", "日本"],
            }
        ),
        ds / "countries.parquet",
    )
    write_parquet(
        pd.DataFrame(
            {
                "iso3": ["KOR", "KOR", "USA"],
                "indicator": ["x", "x", "x"],
                "year": pd.Series([2022, 2023, 2023], dtype="int32"),
                "value": [1.0, 2.0, 3.0],
                "source": ["s", "s", "s"],
            }
        ),
        ds / "observations.parquet",
    )
    (ds / "manifest.json").write_text(json.dumps({"tables": {"a": 1}}))
    return ds


def obs(rows: list[tuple[str, str, int, float]], source: str = "upload:t.csv") -> pd.DataFrame:
    df = pd.DataFrame(rows, columns=["iso3", "indicator", "year", "value"])
    df["source"] = source
    return df


def values(store: DuckDBStore, version: str | None = None) -> dict[tuple[str, str, int], float]:
    df = store.table("observations", version)
    return {(r.iso3, r.indicator, int(r.year)): float(r.value) for r in df.itertuples(index=False)}


def test_publish_overlays_and_records_provenance(tmp_path: Path, tiny: Path) -> None:
    store = DuckDBStore(tmp_path / "s.duckdb", tiny)
    v0 = store.data_version
    assert v0.startswith("bundled-")
    info = store.publish(
        obs([("KOR", "x", 2023, 20.0), ("JPN", "x", 2023, 5.0)]),
        author="ana",
        file_name="t.csv",
        sha256="ab" * 32,
        note="first",
    )
    assert store.data_version == info.version != v0
    assert (info.author, info.file_name, info.sha256, info.note) == (
        "ana",
        "t.csv",
        "ab" * 32,
        "first",
    )
    assert (info.rows_in_batch, info.rows_added, info.rows_replaced) == (2, 1, 1)
    assert info.rows_total == 4 and info.parent == v0
    now = values(store)
    assert now[("KOR", "x", 2023)] == 20.0 and now[("JPN", "x", 2023)] == 5.0
    assert now[("KOR", "x", 2022)] == 1.0  # untouched bundled rows stay
    assert values(store, v0)[("KOR", "x", 2023)] == 2.0  # the old version is still readable
    vs = store.versions()
    assert vs["version"].tolist() == [info.version, v0]
    assert vs["current"].tolist() == [True, False]


def test_rollback_diff_and_pinned_views(tmp_path: Path, tiny: Path) -> None:
    store = DuckDBStore(tmp_path / "s.duckdb", tiny)
    v0 = store.data_version
    v1 = store.publish(obs([("KOR", "x", 2023, 20.0)]), author="a").version
    v2 = store.publish(obs([("TWN", "x", 2023, 7.0)]), author="b").version
    assert values(store)[("KOR", "x", 2023)] == 20.0  # v2 builds on v1
    diff = store.diff(v0, v2).set_index(["iso3", "indicator", "year"])
    assert diff.loc[("KOR", "x", 2023), "change"] == "changed"
    assert diff.loc[("TWN", "x", 2023), "change"] == "added"
    assert store.diff(v2, v0).set_index("iso3").loc["TWN", "change"] == "removed"
    assert store.diff(v1, v1).empty
    assert diff_summary(store.diff(v0, v2), "en") == t(
        "data.diff.summary", "en", added=1, removed=0, changed=1
    )
    assert diff_summary(store.diff(v1, v1), "zh-TW") == t(
        "data.diff.summary", "zh-TW", added=0, removed=0, changed=0
    )
    store.rollback(v0, author="c")
    assert store.data_version == v0
    assert values(store)[("KOR", "x", 2023)] == 2.0
    assert len(store.versions()) == 3  # nothing is deleted by a rollback
    pinned = store.at(v2)
    assert pinned.data_version == v2
    assert ("TWN", "x", 2023) in values(store, v2)
    assert len(pinned.table("observations")) == 4
    store.rollback(v2, author="c")  # and forward again
    assert store.data_version == v2
    events = store.events()
    assert events["action"].tolist()[-2:] == ["rollback", "rollback"]
    shown = versions_table(store.versions(), "zh-TW")
    assert set(shown["action"]) <= {t(f"data.action.{a}", "zh-TW") for a in ("bundled", "publish")}
    assert t("data.author.system", "zh-TW") in set(shown["author"])
    assert not shown[["file_name", "sha256", "note"]].isna().any().any()  # blanks, not None
    with pytest.raises(StoreError, match="no data version"):
        store.rollback("v9999-nothere", author="c")


def test_data_version_at(tmp_path: Path, tiny: Path) -> None:
    store = DuckDBStore(tmp_path / "s.duckdb", tiny)
    v0 = store.data_version
    assert store.data_version_at("2000-01-01") is None
    mid = pd.Timestamp.now(tz="UTC")
    time.sleep(0.01)
    v1 = store.publish(obs([("KOR", "x", 2024, 1.0)]), author="a").version
    assert store.data_version_at(mid) == v0
    assert store.data_version_at(pd.Timestamp.now(tz="UTC")) == v1


def test_new_indicator_catalogue_and_framework_rows(tmp_path: Path, tiny: Path) -> None:
    store = DuckDBStore(tmp_path / "s.duckdb", tiny)
    v0 = store.data_version
    ind = pd.DataFrame(
        [
            {
                "code": "upload.parks",
                "name_en": "AI parks",
                "name_zh": "AI 園區",
                "unit": "count",
                "source": "Ministry",
                "licence": "CC BY 4.0",
                "description": "d",
                "higher_is": "better",
                "open_licence": True,
            }
        ]
    )
    fw = pd.DataFrame(
        [{"code": "upload.parks", "pillar": "compute_demand", "direction": 1, "weight": 2.0}]
    )
    info = store.publish(
        obs([("KOR", "upload.parks", 2024, 3.0)]), author="a", indicators=ind, framework=fw
    )
    assert info.indicators_added == 1
    cat = store.table("indicators").set_index("code")
    assert cat.loc["upload.parks", "name_zh"] == "AI 園區"
    assert int(cat.loc["upload.parks", "rows"]) == 1
    over = store.framework_overrides()
    assert over["code"].tolist() == ["upload.parks"] and float(over["weight"].iloc[0]) == 2.0
    assert store.framework_overrides(v0).empty
    assert "upload.parks" not in set(store.table("indicators", v0)["code"])


def test_publish_rejects_bad_frames_and_changes_nothing(tmp_path: Path, tiny: Path) -> None:
    store = DuckDBStore(tmp_path / "s.duckdb", tiny)
    v0 = store.data_version
    dup = obs([("KOR", "x", 2023, 1.0), ("KOR", "x", 2023, 2.0)])
    for bad in (dup, obs([("KOR", "x", 2023, float("nan"))]), obs([])):
        with pytest.raises(StoreError):
            store.publish(bad, author="a")
    assert store.data_version == v0 and len(store.versions()) == 1


def test_bundled_refresh_carries_published_batches(tmp_path: Path, tiny: Path) -> None:
    path = tmp_path / "s.duckdb"
    store = DuckDBStore(path, tiny)
    v1 = store.publish(obs([("JPN", "x", 2023, 9.0)]), author="a").version
    write_parquet(
        pd.DataFrame(
            {
                "iso3": ["KOR"],
                "indicator": ["x"],
                "year": pd.Series([2023], dtype="int32"),
                "value": [42.0],
                "source": ["s2"],
            }
        ),
        tiny / "observations.parquet",
    )
    (tiny / "manifest.json").write_text(json.dumps({"tables": {"a": 2}}))
    again = DuckDBStore(path, tiny)
    now = values(again)
    assert now == {("KOR", "x", 2023): 42.0, ("JPN", "x", 2023): 9.0}
    assert again.data_version not in (v1,) and v1 in set(again.versions()["version"])
    assert values(again, v1)[("KOR", "x", 2023)] == 2.0  # the old base is kept for old links


def test_threads_publish_without_losing_rows(tmp_path: Path, tiny: Path) -> None:
    store = DuckDBStore(tmp_path / "s.duckdb", tiny)

    def work(i: int) -> str:
        return store.publish(obs([("TWN", "t", 2000 + i, float(i))]), author=f"t{i}").version

    with ThreadPoolExecutor(max_workers=4) as pool:
        made = list(pool.map(work, range(8)))
    assert len(set(made)) == 8
    now = values(store)
    assert all(now[("TWN", "t", 2000 + i)] == float(i) for i in range(8))


PUBLISHER = textwrap.dedent(
    """
    import sys, time
    import pandas as pd
    from pathlib import Path
    from risk.store import DuckDBStore
    path, ds, tag, rows, pause = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5]
    store = DuckDBStore(Path(path), Path(ds))
    df = pd.DataFrame({
        "iso3": ["TWN"] * rows, "indicator": [f"p.{tag}"] * rows,
        "year": range(rows), "value": [1.0] * rows, "source": tag,
    })
    def progress(stage):
        print(stage, flush=True)
        if stage == pause:
            time.sleep(60)
    info = store.publish(df, author=tag, progress=progress)
    print("VERSION", info.version, flush=True)
    """
)


def _publisher(path: Path, ds: Path, tag: str, rows: int, pause: str = "") -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-c", PUBLISHER, str(path), str(ds), tag, str(rows), pause],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )


def test_two_processes_publishing_at_once_make_two_complete_versions(
    tmp_path: Path, tiny: Path
) -> None:
    path = tmp_path / "s.duckdb"
    DuckDBStore(path, tiny)  # create it first, so both writers find it
    procs = [_publisher(path, tiny, tag, 50_000) for tag in ("a", "b")]
    outs = [p.communicate(timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], [o[1][-2000:] for o in outs]
    store = DuckDBStore(path, tiny)
    vs = store.versions()
    assert len(vs) == 3
    newest = vs.iloc[0]
    assert len(newest["batches"]) == 2  # the later publish builds on the earlier one
    counts = store.query(
        "SELECT indicator, count(*) AS n FROM observations WHERE indicator LIKE 'p.%' GROUP BY 1"
    )
    assert dict(zip(counts["indicator"], counts["n"], strict=True)) == {
        "p.a": 50_000,
        "p.b": 50_000,
    }


@pytest.mark.parametrize("stage", ["writing rows", "building the new version", "committing"])
def test_killed_mid_publish_leaves_previous_version(tmp_path: Path, tiny: Path, stage: str) -> None:
    path = tmp_path / "s.duckdb"
    before = DuckDBStore(path, tiny)
    v0 = before.data_version
    proc = _publisher(path, tiny, "k", 200_000, pause=stage)
    assert proc.stdout is not None
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if line.strip() == stage or not line:
            break
    time.sleep(0.2)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=10)
    store = DuckDBStore(path, tiny)
    assert store.data_version == v0
    assert len(store.versions()) == 1
    assert values(store) == values(before)
    assert (
        store.query("SELECT count(*) AS n FROM observations WHERE indicator = 'p.k'")["n"][0] == 0
    )
    # and the store still takes new versions
    assert store.publish(obs([("TWN", "x", 2020, 1.0)]), author="after").parent == v0


def test_overlay_replaces_same_keys() -> None:
    cur = obs([("KOR", "x", 2023, 1.0), ("USA", "x", 2023, 2.0)], source="s")
    cur["year"] = cur["year"].astype("int32")
    out = overlay(cur, obs([("KOR", "x", 2023, 9.0), ("JPN", "x", 2023, 4.0)]))
    got = {(r.iso3, r.year): r.value for r in out.itertuples()}
    assert got == {("KOR", 2023): 9.0, ("USA", 2023): 2.0, ("JPN", 2023): 4.0}


def test_preview_movers_with_a_given_score_function(tmp_path: Path, tiny: Path) -> None:
    store = DuckDBStore(tmp_path / "s.duckdb", tiny)

    def score(observations: pd.DataFrame, overrides: pd.DataFrame) -> pd.DataFrame:
        latest = observations.sort_values("year").groupby("iso3")["value"].last()
        out = latest.rename("score").reset_index()
        out["rank"] = out["score"].rank(ascending=False, method="min")
        return out

    movers = preview_movers(store, obs([("KOR", "x", 2024, 10.0)]), score_fn=score)
    assert movers["iso3"].tolist() == ["KOR", "USA"]
    kor = movers.set_index("iso3").loc["KOR"]
    assert (kor["rank_before"], kor["rank_after"], kor["rank_change"]) == (2, 1, 1)
    assert kor["name_zh_tw"] == "南韓"


def test_framework_with_overrides_appends_uploaded_indicators() -> None:
    from risk.framework import load_framework

    base = load_framework()
    row = {
        "code": "upload.parks",
        "pillar": "compute_demand",
        "direction": 1,
        "transform": "none",
        "weight": 1.5,
        "max_age_years": 5,
        "min_coverage": 0.0,
        "absent_is_zero": 0,
        "unit": "count",
        "source": "Ministry",
        "name_en": "AI parks",
        "name_zh": "AI 園區",
        "rationale_en": "r",
        "rationale_zh": "r",
    }
    fw = base.with_overrides(pd.DataFrame([row]))
    assert fw.codes[-1] == "upload.parks" and len(fw.codes) == len(base.codes) + 1
    assert base.with_overrides(pd.DataFrame()) is base
