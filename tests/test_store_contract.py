"""One contract for every store: the embedded DuckDB file and DuckLake on a real PostgreSQL server
(started here from Debian's binaries, on loopback, and stopped at the end). Publish, rollback, diff,
pinned reads, short links, two writers at once and a writer killed mid-publish."""

from __future__ import annotations

import itertools
import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pandas as pd
import pytest

from risk.errors import StoreError
from risk.ingest.common import write_parquet
from risk.store import DuckDBStore, DuckLakeStore, Store, open_store
from risk.store.lake_util import redact
from risk.store.local_postgres import LocalPostgres, postgres_available
from risk.store.migrate import migrate_from_embedded

ROOT = Path(__file__).resolve().parent.parent
KINDS = ["embedded", "ducklake"]
_DB_IDS = itertools.count(1)


@pytest.fixture(scope="session")
def postgres() -> Iterator[LocalPostgres]:
    if not postgres_available():  # scripts/install.sh --system installs it: CI never gets here
        pytest.fail("PostgreSQL 15 is not installed: run `bash scripts/install.sh --system`")
    server = LocalPostgres().start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture()
def tiny(tmp_path: Path) -> Path:
    ds = tmp_path / "datasets"
    write_parquet(
        pd.DataFrame({"iso3": ["KOR", "TWN", "USA"], "name_en": ["Korea", "Taiwan", "USA"]}),
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


Location = dict[str, str]


@pytest.fixture(params=KINDS)
def location(request: pytest.FixtureRequest, tmp_path: Path) -> Location:
    """Where one store lives: a file, or a fresh PostgreSQL database plus a data folder."""
    if request.param == "embedded":
        return {"kind": "embedded", "path": str(tmp_path / "s.duckdb")}
    server: LocalPostgres = request.getfixturevalue("postgres")
    name = f"contract{next(_DB_IDS)}"
    server.create_database(name)
    return {
        "kind": "ducklake",
        "attach": server.attach.replace("dbname=risk", f"dbname={name}"),
        "data_path": str(tmp_path / "lake"),
    }


def make(location: Location, ds: Path) -> Store:
    if location["kind"] == "embedded":
        return DuckDBStore(Path(location["path"]), ds)
    return DuckLakeStore(location["attach"], location["data_path"], ds, poll_s=0.0)


@pytest.fixture()
def opener(location: Location, tiny: Path) -> Callable[[], Store]:
    return lambda: make(location, tiny)


def obs(rows: list[tuple[str, str, int, float]], source: str = "upload:t.csv") -> pd.DataFrame:
    df = pd.DataFrame(rows, columns=["iso3", "indicator", "year", "value"])
    df["source"] = source
    return df


def values(store: Store, version: str | None = None) -> dict[tuple[str, str, int], float]:
    df = store.table("observations", version)
    return {(r.iso3, r.indicator, int(r.year)): float(r.value) for r in df.itertuples(index=False)}


def test_publish_records_provenance_and_overlays(opener: Callable[[], Store]) -> None:
    store = opener()
    v0 = store.data_version
    info = store.publish(
        obs([("KOR", "x", 2023, 9.0), ("TWN", "x", 2023, 5.0)]),
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
    assert values(store) == {
        ("KOR", "x", 2022): 1.0,
        ("KOR", "x", 2023): 9.0,
        ("TWN", "x", 2023): 5.0,
        ("USA", "x", 2023): 3.0,
    }
    assert list(store.versions()["version"]) == [info.version, v0]
    assert store.versions()["current"].tolist() == [True, False]
    events = store.events()
    assert events["action"].tolist()[-1] == "publish" and events["author"].tolist()[-1] == "ana"
    assert store.data_version_at(pd.Timestamp.now("UTC")) == info.version
    assert store.table("countries")["iso3"].tolist() == ["KOR", "TWN", "USA"]
    assert "observations" in store.tables() and not any(t.startswith("_") for t in store.tables())


def test_same_file_twice_is_refused_unless_forced(opener: Callable[[], Store]) -> None:
    store = opener()
    rows = obs([("KOR", "x", 2023, 9.0)])
    first = store.publish(rows, author="a", sha256="cd" * 32)
    with pytest.raises(StoreError, match="already the current version"):
        store.publish(rows, author="a", sha256="cd" * 32)
    assert store.data_version == first.version and len(store.versions()) == 2
    again = store.publish(rows, author="a", sha256="cd" * 32, force=True)
    assert again.parent == first.version


def test_rollback_keeps_every_version_and_pinned_reads(opener: Callable[[], Store]) -> None:
    store = opener()
    v0 = store.data_version
    before = values(store)
    v1 = store.publish(obs([("KOR", "x", 2023, 9.0)]), author="a").version
    v2 = store.publish(obs([("USA", "x", 2023, 7.0)]), author="b").version
    store.rollback(v0, author="c", note="undo")
    assert store.data_version == v0
    assert values(store) == before
    assert set(store.versions()["version"]) == {v0, v1, v2}
    # pinned versions read as they were published, even after the rollback
    assert values(store, v1)[("KOR", "x", 2023)] == 9.0
    assert values(store, v2)[("USA", "x", 2023)] == 7.0
    assert values(store.at(v1)) == values(store, v1)
    assert store.at(v2).data_version == v2
    assert store.events()["action"].tolist()[-1] == "rollback"
    assert store.events()["note"].tolist()[-1] == "undo"
    # rolling forward again
    store.rollback(v2, author="c")
    assert values(store) == values(store, v2)
    # a later publish builds on the current version
    v3 = store.publish(obs([("TWN", "x", 2023, 1.0)]), author="d")
    assert v3.parent == v2 and values(store)[("USA", "x", 2023)] == 7.0
    with pytest.raises(StoreError, match="no data version"):
        store.table("observations", "v9999-gone")
    with pytest.raises(StoreError, match="no data version"):
        store.at("v9999-gone")


def test_diff_between_versions(opener: Callable[[], Store]) -> None:
    store = opener()
    v0 = store.data_version
    v1 = store.publish(obs([("KOR", "x", 2023, 9.0), ("TWN", "x", 2023, 5.0)]), author="a").version
    store.rollback(v0, author="a")
    diff = store.diff(v0, v1)
    got = {(r.iso3, int(r.year)): (r.change, r.value_b) for r in diff.itertuples(index=False)}
    assert got == {("KOR", 2023): ("changed", 9.0), ("TWN", 2023): ("added", 5.0)}
    back = store.diff(v1, v0)
    assert set(back["change"]) == {"changed", "removed"}
    assert store.diff(v0, v0).empty


def test_new_indicators_and_framework_rows_are_versioned(opener: Callable[[], Store]) -> None:
    store = opener()
    v0 = store.data_version
    ind = pd.DataFrame([{"code": "up.y", "name_en": "Y", "unit": "%", "higher_is": "better"}])
    fw = pd.DataFrame([{"code": "up.y", "pillar": "market", "direction": 1, "weight": 1.0}])
    info = store.publish(
        obs([("KOR", "up.y", 2023, 1.0), ("USA", "up.y", 2022, 2.0)]),
        author="a",
        indicators=ind,
        framework=fw,
    )
    assert info.indicators_added == 1
    row = store.table("indicators").set_index("code").loc["up.y"]
    assert (int(row["year_min"]), int(row["year_max"]), int(row["countries"])) == (2022, 2023, 2)
    assert store.table("framework_overrides")["code"].tolist() == ["up.y"]
    assert store.table("framework_overrides", v0).empty
    assert "up.y" not in set(store.table("indicators", v0)["code"])


def test_short_links_are_shared_by_every_server(opener: Callable[[], Store]) -> None:
    a, b = opener(), opener()
    a.put_view("abc123", '{"lang": "en"}')
    a.put_view("abc123", '{"lang": "zh-TW"}')  # an existing id is kept as it is
    assert b.get_view("abc123") == '{"lang": "en"}'
    assert b.get_view("nothing") is None


def test_saved_records_are_shared_replaced_listed_and_forgotten(
    opener: Callable[[], Store],
) -> None:
    a, b = opener(), opener()
    assert a.get_record("watchlist", "w1") is None
    assert a.records("watchlist").empty
    a.put_record("watchlist", "w1", '{"countries": ["KOR"]}')
    a.put_record("watchlist", "w1", '{"countries": ["KOR", "JPN"]}')  # replaced, not doubled
    a.put_record("watchlist", "w2", '{"countries": ["USA"]}')
    a.put_record("rule", "w1", "{}")  # another kind, same key
    assert b.get_record("watchlist", "w1") == '{"countries": ["KOR", "JPN"]}'
    listed = b.records("watchlist")
    assert sorted(listed["key"]) == ["w1", "w2"]
    assert list(listed.columns[:4]) == ["kind", "key", "body", "saved_at"]
    info = b.publish(obs([("KOR", "x", 2023, 4.0)]), author="b")
    b.rollback(info.parent or "", author="b")  # versions come and go; records stay
    b.delete_record("watchlist", "w2")
    assert sorted(a.records("watchlist")["key"]) == ["w1"]
    assert a.get_record("rule", "w1") == "{}"


def test_a_publish_on_one_server_is_seen_by_another(opener: Callable[[], Store]) -> None:
    a, b = opener(), opener()
    assert a.data_version == b.data_version
    info = a.publish(obs([("KOR", "x", 2023, 4.0)]), author="a")
    assert b.data_version == info.version
    assert values(b)[("KOR", "x", 2023)] == 4.0
    b.rollback(info.parent or "", author="b")
    assert a.data_version == info.parent


def test_rejected_rows_change_nothing(opener: Callable[[], Store]) -> None:
    store = opener()
    v0 = store.data_version
    with pytest.raises(StoreError):
        store.publish(obs([("KOR", "x", 2023, 1.0), ("KOR", "x", 2023, 2.0)]), author="a")
    with pytest.raises(StoreError, match="nothing to publish"):
        store.publish(obs([]), author="a")
    assert store.data_version == v0 and len(store.versions()) == 1


# -- several processes ------------------------------------------------------------------------
PUBLISHER = textwrap.dedent(
    """
    import json, sys, time
    import pandas as pd
    from pathlib import Path
    from risk.store import DuckDBStore, DuckLakeStore
    location, ds, tag, rows, pause = json.loads(sys.argv[1]), Path(sys.argv[2]), *sys.argv[3:]
    if location["kind"] == "embedded":
        store = DuckDBStore(Path(location["path"]), ds)
    else:
        store = DuckLakeStore(location["attach"], location["data_path"], ds, poll_s=0.0)
    n = int(rows)
    df = pd.DataFrame({"iso3": ["KOR"] * n, "indicator": ["p." + tag] * n,
                       "year": range(n), "value": [float(i) for i in range(n)], "source": tag})
    print("READY", flush=True)
    def progress(stage):
        print(stage, flush=True)
        if stage == pause:
            time.sleep(60)
    info = store.publish(df, author=tag, progress=progress)
    print("VERSION", info.version, flush=True)
    """
)


def _publisher(
    location: Location, ds: Path, tag: str, rows: int, pause: str = ""
) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-c", PUBLISHER, json.dumps(location), str(ds), tag, str(rows), pause],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )


def test_two_processes_publishing_at_once(location: Location, tiny: Path) -> None:
    """Both succeed (the later one builds on the earlier) or one fails clearly; never half."""
    store = make(location, tiny)  # create it first, so both writers find it
    v0 = store.data_version
    procs = [_publisher(location, tiny, tag, 20_000) for tag in ("a", "b")]
    outs = [p.communicate(timeout=180) for p in procs]
    codes = [p.returncode for p in procs]
    failed = [o[1] for p, o in zip(procs, outs, strict=True) if p.returncode != 0]
    for err in failed:  # a clear message, never a half-written version
        assert "StoreError" in err and "Nothing was changed" in err, err[-2000:]
    assert codes.count(0) >= 1, [o[1][-2000:] for o in outs]
    store = make(location, tiny)
    vs = store.versions()
    assert len(vs) == 1 + codes.count(0)
    counts = store.query(
        "SELECT indicator, count(*) AS n FROM observations WHERE indicator LIKE 'p.%' GROUP BY 1"
    )
    landed = dict(zip(counts["indicator"], counts["n"], strict=True))
    assert landed == {f"p.{t}": 20_000 for t, c in zip("ab", codes, strict=True) if c == 0}
    if codes == [0, 0]:
        newest = vs.iloc[0]
        assert len(newest["batches"]) == 2 and newest["parent"] != v0


@pytest.mark.parametrize("stage", ["writing rows", "building the new version", "committing"])
def test_killed_mid_publish_leaves_previous_version(
    location: Location, tiny: Path, stage: str
) -> None:
    before = make(location, tiny)
    v0 = before.data_version
    old = values(before)
    proc = _publisher(location, tiny, "k", 100_000, pause=stage)
    assert proc.stdout is not None
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if line.strip() == stage or not line:
            break
    time.sleep(0.2)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=10)
    store = make(location, tiny)
    assert store.data_version == v0
    assert len(store.versions()) == 1
    assert values(store) == old
    assert (
        store.query("SELECT count(*) AS n FROM observations WHERE indicator = 'p.k'")["n"][0] == 0
    )
    assert store.publish(obs([("TWN", "x", 2020, 1.0)]), author="after").parent == v0


# -- DuckLake only ----------------------------------------------------------------------------
def test_open_store_picks_ducklake_from_the_environment(
    postgres: LocalPostgres, tiny: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    name = f"env{next(_DB_IDS)}"
    postgres.create_database(name)
    monkeypatch.setenv("RISK_STORE", postgres.attach.replace("dbname=risk", f"dbname={name}"))
    monkeypatch.delenv("RISK_STORE_DATA_PATH", raising=False)
    with pytest.raises(StoreError, match="RISK_STORE_DATA_PATH"):
        open_store(tiny)
    monkeypatch.setenv("RISK_STORE_DATA_PATH", str(tmp_path / "lake"))
    store = open_store(tiny)
    assert isinstance(store, DuckLakeStore) and open_store(tiny) is store
    monkeypatch.delenv("RISK_STORE")
    assert isinstance(open_store(tiny, tmp_path / "embedded"), DuckDBStore)


def test_migrate_copies_every_version_and_short_link(
    postgres: LocalPostgres, tiny: Path, tmp_path: Path
) -> None:
    src = DuckDBStore(tmp_path / "s.duckdb", tiny)
    v0 = src.data_version
    v1 = src.publish(obs([("KOR", "x", 2023, 9.0)]), author="a", note="one").version
    v2 = src.publish(obs([("USA", "x", 2023, 7.0)]), author="b").version
    src.rollback(v1, author="c")
    src.put_view("link1", '{"spec": "x"}')
    src.put_record("watchlist", "w1", '{"countries": ["KOR"]}')
    name = f"migrate{next(_DB_IDS)}"
    postgres.create_database(name)
    attach = postgres.attach.replace("dbname=risk", f"dbname={name}")
    lake = migrate_from_embedded(tmp_path / "s.duckdb", attach, tmp_path / "lake", tiny)
    assert lake.data_version == v1
    assert list(lake.versions()["version"]) == list(src.versions()["version"])
    assert lake.version_info(v1).note == "one"
    for v in (v0, v1, v2):
        assert values(lake, v) == values(src, v)
    assert lake.get_view("link1") == '{"spec": "x"}'
    assert lake.get_record("watchlist", "w1") == '{"countries": ["KOR"]}'
    assert len(lake.events()) == len(src.events())
    with pytest.raises(StoreError, match="already holds a store"):
        migrate_from_embedded(tmp_path / "s.duckdb", attach, tmp_path / "lake", tiny)


def test_passwords_never_show_and_an_unreachable_catalog_is_explained(
    tiny: Path, tmp_path: Path
) -> None:
    attach = "ducklake:postgres:dbname=risk host=127.0.0.1 port=1 user=risk password=s3cret-pw"
    with pytest.raises(StoreError) as caught:
        DuckLakeStore(attach, tmp_path / "lake", tiny)
    assert "s3cret-pw" not in str(caught.value) and "password=***" in str(caught.value)
    assert "cannot be reached" in caught.value.message
    assert "s3cret-pw" not in repr(DuckLakeStore(attach, tmp_path / "lake", tiny, create=False))
    assert redact("postgresql://u:pw123@h/db") == "postgresql://u:***@h/db"


def test_catalog_lost_keeps_serving_the_last_version_read_only(tiny: Path, tmp_path: Path) -> None:
    with LocalPostgres() as server:
        store = DuckLakeStore(server.attach, tmp_path / "lake", tiny, poll_s=0.0)
        v1 = store.publish(obs([("KOR", "x", 2023, 9.0)]), author="a").version
        server.stop()
        assert store.data_version == v1  # the last version it saw
        assert store.offline and "cannot be reached" in store.offline
        with pytest.raises(StoreError, match="cannot be reached"):
            store.publish(obs([("USA", "x", 2023, 1.0)]), author="a")


def test_files_of_a_killed_publish_are_cleaned_a_day_later(
    postgres: LocalPostgres, tiny: Path, tmp_path: Path
) -> None:
    name = f"clean{next(_DB_IDS)}"
    postgres.create_database(name)
    location: Location = {
        "kind": "ducklake",
        "attach": postgres.attach.replace("dbname=risk", f"dbname={name}"),
        "data_path": str(tmp_path / "lake"),
    }
    store = make(location, tiny)
    v0, old = store.data_version, values(store)
    lake = Path(location["data_path"])
    kept = {p for p in lake.rglob("*.parquet")}
    proc = _publisher(location, tiny, "k", 100_000, pause="committing")
    assert proc.stdout is not None
    while proc.stdout.readline().strip() not in ("committing", ""):
        pass
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=10)
    orphans = {p for p in lake.rglob("*.parquet")} - kept
    assert orphans  # the killed publish left its data files behind
    assert store.clean_files() == []  # a day's grace: a publish in flight is never touched
    for unsafe in (0.0, 0.5, float("inf"), float("nan")):
        with pytest.raises(StoreError, match="at least 1 hour"):
            store.clean_files(unsafe)
    ancient = time.time() - 2 * 86400
    for path in orphans:
        os.utime(path, (ancient, ancient))
    env = {**os.environ, "RISK_STORE": location["attach"], "RISK_STORE_DATA_PATH": str(lake)}
    env["PYTHONPATH"] = str(ROOT)
    dry = subprocess.run(
        [sys.executable, "-m", "risk", "store", "clean", "--dry-run"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert {Path(p) for p in dry.stdout.split()} == orphans
    assert all(p.exists() for p in orphans)  # a dry run deletes nothing
    subprocess.run([sys.executable, "-m", "risk", "store", "clean"], cwd=ROOT, env=env, check=True)
    assert not any(p.exists() for p in orphans) and all(p.exists() for p in kept)
    again = make(location, tiny)  # every version still reads
    assert again.data_version == v0 and values(again) == old
    assert again.publish(obs([("TWN", "x", 2020, 1.0)]), author="after").parent == v0
