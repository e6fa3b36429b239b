"""The store: DuckDB over the bundled `datasets/` tables, with versioned observations.

The embedded default is one DuckDB file in the data directory ($RISK_DATA_DIR, else ./var), created
from `datasets/` on first start and refreshed when the bundled tables change. Pages and the command
line talk to the `Store` protocol only, so a shared backend (DuckLake, MotherDuck) can replace the
file later. SQL takes parameters, never user text; identifiers go through `quote_ident`.

Versions. A data version is a base (the bundled tables of one build) plus an ordered list of
published batches (uploads, refreshes); a batch row replaces a base row, or an earlier batch's row,
with the same (iso3, indicator, year). The versioned tables are `observations`, `indicators` and
`framework_overrides`; the current version's are materialised under those names, so plain queries
see current data, and any older version can be read by id. Publishing and rollback are one
transaction each: a process killed half-way leaves the previous version current.

Concurrency. A DuckDB file admits one process at a time, so no process keeps it open: every
operation connects, works and disconnects (threads of one process share the open database and take
a cursor each), retrying while another process holds the file. Writers also take a file lock, so two
publishers queue rather than collide."""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pandas as pd

from risk.errors import StoreError
from risk.paths import DATASETS_DIR, data_dir
from risk.schema import (
    FRAMEWORK_COLUMNS,
    INDICATOR_COLUMNS,
    VERSIONED,
)
from risk.store.migrate import REBUILD_HINT, upgrade_embedded
from risk.store.protocol import Params, PinnedStore, Progress, VersionInfo, quote_ident
from risk.store.versions import (
    DDL,
    FW_SQL,
    IND_SQL,
    OBS_SQL,
    RECORDS_DDL,
    SCHEMA,
    VIEWS_DDL,
    add_version,
    already_current,
    bundled_tables,
    bundled_version,
    clean_frame,
    clean_observations,
    current_version,
    frame_sha,
    log_event,
    meta_in,
    next_seq,
    now,
    parquet_columns,
    rebased_version,
    version_id,
    version_row,
)

STORE_FILE = "risk.duckdb"
CONFIG: dict[str, str | bool | int | float | list[str]] = {"autoinstall_known_extensions": False}
LOCK_TIMEOUT_S = float(os.environ.get("RISK_STORE_TIMEOUT", "120"))
BACKUPS_KEPT = 3  # copies taken before upgrades (<store>.bak-*), newest kept
# DuckDB shares one database instance per file within a process; two threads opening the same file
# at the same moment can collide ("Unique file handle conflict"), so opening is one at a time.
_OPEN_LOCK = threading.Lock()


def _is_lock_error(exc: BaseException) -> bool:
    """Another process holds the file for now: worth waiting and trying again."""
    text = str(exc).lower()
    return "lock" in text and ("conflicting" in text or "could not set" in text)


def _is_handle_race(exc: BaseException) -> bool:
    """Another thread of this process was opening or closing the same file at that moment."""
    return "unique file handle conflict" in str(exc).lower()


HANDLE_RACE_S = 2.0  # a race between threads clears at once; longer means something else is wrong


class DuckDBStore:
    """The embedded store: one DuckDB file, bundled tables from `datasets/`, published versions."""

    def __init__(
        self,
        path: Path,
        datasets_dir: Path = DATASETS_DIR,
        *,
        read_only: bool = False,
        timeout_s: float = LOCK_TIMEOUT_S,
    ):
        self.path = Path(path)
        self.datasets_dir = Path(datasets_dir)
        self.bundled = bundled_version(self.datasets_dir)
        self.read_only = read_only
        self.timeout_s = timeout_s
        self._thread_lock = threading.RLock()
        self._version_cache: tuple[tuple[int, int, int, int], str] | None = None
        if not read_only:
            self._ensure_current()
        elif not self.path.exists():
            raise StoreError(f"cannot open the store at {self.path}: file not found")

    # -- connections and locks ------------------------------------------------------
    @contextmanager
    def _connection(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A connection for one operation, retried while another process holds the file."""
        start = time.monotonic()
        delay = 0.01
        while True:
            try:
                with _OPEN_LOCK:
                    con = duckdb.connect(str(self.path), read_only=self.read_only, config=CONFIG)
                break
            except duckdb.Error as exc:
                waited = time.monotonic() - start
                retry = (_is_lock_error(exc) and waited < self.timeout_s) or (
                    _is_handle_race(exc) and waited < HANDLE_RACE_S
                )
                if not retry and _is_lock_error(exc):
                    raise StoreError(
                        f"the store at {self.path} is in use by another process, which held it "
                        f"longer than {self.timeout_s:g} s (RISK_STORE_TIMEOUT). Nothing was "
                        "changed: try again when that process has finished, or raise "
                        "RISK_STORE_TIMEOUT."
                    ) from exc
                if not retry:
                    raise StoreError(
                        f"cannot open the store at {self.path} ({str(exc)[:200]}). It was left "
                        f"as it is. {REBUILD_HINT}"
                    ) from exc
                time.sleep(delay)
                delay = min(delay * 2, 0.25)
        try:
            yield con
        finally:
            with _OPEN_LOCK:  # closing releases the file: not while another thread opens it
                con.close()

    @contextmanager
    def cursor(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A cursor of its own (a DuckDB connection is not thread-safe)."""
        with self._connection() as con:
            cur = con.cursor()
            try:
                yield cur
            finally:
                cur.close()

    @contextmanager
    def _write_lock(self) -> Iterator[None]:
        """Exclusive right to write, across threads and processes (released if the holder dies)."""
        if self.read_only:
            raise StoreError("this store was opened read-only")
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._thread_lock, open(self.path.with_suffix(".lock"), "a+") as lock:
            deadline = time.monotonic() + self.timeout_s
            while True:
                try:
                    fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError as exc:
                    if time.monotonic() > deadline:
                        raise StoreError(
                            f"the store at {self.path} is busy (another publish is running); "
                            "try again in a moment"
                        ) from exc
                    time.sleep(0.05)
            try:
                yield
            finally:
                self._version_cache = None
                fcntl.flock(lock, fcntl.LOCK_UN)

    @contextmanager
    def _transaction(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """Write lock + one transaction: everything or nothing."""
        with self._write_lock(), self._connection() as con:
            con.execute("BEGIN TRANSACTION")
            try:
                yield con
            except BaseException:
                con.execute("ROLLBACK")
                raise
            con.execute("COMMIT")

    # -- creation and bundled refresh ---------------------------------------------------
    def _ensure_current(self) -> None:
        """Create the file if there is none; otherwise upgrade it in place, never rebuild it.

        A store that cannot be read (busy, damaged, written by a newer release) raises StoreError
        and is left exactly as it was: rebuilding over it would lose every published version.
        """
        if not self.path.exists():
            with self._write_lock():
                if not self.path.exists():
                    self._create()
                    return
        meta = self._read_meta()
        if meta.get("schema") == SCHEMA and meta.get("bundled") == self.bundled:
            return
        upgrade_embedded(self)

    def _read_meta(self) -> dict[str, str]:
        """Every `_meta` entry; StoreError (file untouched) if the store cannot be read."""
        try:
            with self._connection() as con:
                tables = {
                    str(r[0])
                    for r in con.execute(
                        "SELECT table_name FROM information_schema.tables"
                    ).fetchall()
                }
                if "_meta" not in tables:
                    raise StoreError(
                        f"the store at {self.path} has no version table: it is not a store this "
                        f"app wrote, or it is damaged. It was left as it is. {REBUILD_HINT}"
                    )
                rows = con.execute("SELECT key, value FROM _meta").fetchall()
        except duckdb.Error as exc:
            raise StoreError(
                f"the store at {self.path} cannot be read ({str(exc)[:200]}). It was left as it "
                f"is. {REBUILD_HINT}"
            ) from exc
        return {str(k): str(v) for k, v in rows}

    def _meta(self, key: str) -> str | None:
        """One `_meta` entry (None when the file does not exist yet or lacks the entry)."""
        if not self.path.exists():
            return None
        return self._read_meta().get(key)

    def backup(self, label: str = "manual") -> Path:
        """Copy the store file beside itself (`<name>.bak-<time>-<label>`), keeping the newest
        BACKUPS_KEPT copies; taken before every upgrade, while no other process can write."""
        stamp = now().strftime("%Y%m%dT%H%M%S%f")
        safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in label)[:60]
        target = self.path.with_name(f"{self.path.name}.bak-{stamp}-{safe}")
        with self._connection() as con:
            con.execute("CHECKPOINT")  # everything in the main file; held open, nobody writes
            shutil.copy2(self.path, target)
        old = sorted(self.path.parent.glob(f"{self.path.name}.bak-*"))
        for stale in old[: max(len(old) - BACKUPS_KEPT, 0)]:
            stale.unlink(missing_ok=True)
        return target

    def _load_bundled(self, con: duckdb.DuckDBPyConnection) -> None:
        """Replace the public tables by the bundled ones and record them as a base."""
        tables = bundled_tables(self.datasets_dir)
        # Only tables an earlier build bundled may go; anything else (saved views, watchlists)
        # belongs to users and survives every upgrade.
        gone = self._previously_bundled(con) - set(tables) - set(VERSIONED)
        for name in self._public_tables(con):
            if name in gone:
                con.execute(f"DROP TABLE {quote_ident(name)}")
        for name, parquet in tables.items():
            if name in VERSIONED:  # materialised from the base and the batches
                continue
            con.execute(
                f"CREATE OR REPLACE TABLE {quote_ident(name)} AS SELECT * FROM read_parquet(?)",  # noqa: S608 (quoted identifier)
                [str(parquet)],
            )
        base = self.bundled
        if not con.execute("SELECT 1 FROM _base_obs WHERE base = ? LIMIT 1", [base]).fetchone():
            if "observations" in tables:
                cols = parquet_columns(con, tables["observations"])
                source = "source" if "source" in cols else "NULL"
                con.execute(
                    f"INSERT INTO _base_obs SELECT ?, iso3, indicator, year, value, {source} "  # noqa: S608 (fixed text)
                    "FROM read_parquet(?)",
                    [base, str(tables["observations"])],
                )
            if "indicators" in tables:
                cols = parquet_columns(con, tables["indicators"])
                picked = [c for c in INDICATOR_COLUMNS if c in cols]
                names = ", ".join(quote_ident(c) for c in picked)
                con.execute(
                    f"INSERT INTO _base_ind (base, {names}) SELECT ?, {names} FROM read_parquet(?)",  # noqa: S608 (quoted identifiers)
                    [base, str(tables["indicators"])],
                )
        manifest = (self.datasets_dir / "manifest.json").read_text(encoding="utf-8")
        self._set_meta(
            con,
            bundled=base,
            manifest=json.dumps(json.loads(manifest)),
            bundled_tables=json.dumps(sorted(tables)),
        )

    def _previously_bundled(self, con: duckdb.DuckDBPyConnection) -> set[str]:
        """Names of the tables the store's current bundled data brought (recorded at load; older
        stores: the tables its stored manifest lists)."""
        if "_meta" not in {
            str(r[0])
            for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()
        }:
            return set()
        recorded = meta_in(con, "bundled_tables")
        if recorded:
            return set(json.loads(recorded))
        manifest = json.loads(meta_in(con, "manifest") or "{}")
        listed = manifest.get("tables", {}) if isinstance(manifest, dict) else {}
        return {Path(str(n)).stem for n in listed}

    @staticmethod
    def _public_tables(con: duckdb.DuckDBPyConnection) -> list[str]:
        rows = con.execute(
            "SELECT table_name FROM information_schema.tables "
            "WHERE table_name NOT LIKE '\\_%' ESCAPE '\\' ORDER BY 1"
        ).fetchall()
        return [str(r[0]) for r in rows]

    @staticmethod
    def _set_meta(con: duckdb.DuckDBPyConnection, **values: str) -> None:
        for key, value in values.items():
            con.execute("INSERT OR REPLACE INTO _meta VALUES (?, ?)", [key, value])

    def _create(self) -> None:
        """Build a fresh file beside the old one and swap it in (readers never see half a file)."""
        tmp = self.path.with_suffix(".building")
        for stale in (tmp, Path(str(tmp) + ".wal")):
            stale.unlink(missing_ok=True)
        con = duckdb.connect(str(tmp), config=CONFIG)
        try:
            con.execute(DDL)
            self._load_bundled(con)
            self._materialise(con, self.bundled, [])
            add_version(
                con, self.bundled, "bundled", base=self.bundled, author="system", batches=[]
            )
            log_event(con, "system", "bundled", self.bundled, None, "")
            self._set_meta(con, schema=SCHEMA, current=self.bundled)
            con.execute("CHECKPOINT")
        finally:
            con.close()
        Path(str(self.path) + ".wal").unlink(missing_ok=True)
        os.replace(tmp, self.path)

    def _rebase(self, con: duckdb.DuckDBPyConnection) -> None:
        """New bundled tables: published batches carry over onto the new base (inside the
        caller's transaction); saved views and other user tables are untouched."""
        previous = current_version(con, REBUILD_HINT)
        prev = version_row(con, previous)
        self._load_bundled(con)
        batches = list(prev.batches) if prev else []
        self._materialise(con, self.bundled, batches)
        version = rebased_version(con, self.bundled, previous, batches)
        log_event(con, "system", "bundled", version, previous, "")
        self._set_meta(con, current=version)

    # -- version bookkeeping ---------------------------------------------------------
    @staticmethod
    def _materialise(con: duckdb.DuckDBPyConnection, base: str, batches: Sequence[str]) -> None:
        """Write a version's tables under the public names (inside the caller's transaction)."""
        params = {"base": base, "batches": list(batches)}
        con.execute(f"CREATE OR REPLACE TABLE observations AS {OBS_SQL}", params)  # noqa: S608 (fixed text)
        con.execute(
            f"CREATE OR REPLACE TABLE indicators AS {IND_SQL.format(obs=OBS_SQL)}",  # noqa: S608 (fixed text)
            params,
        )
        con.execute(
            f"CREATE OR REPLACE TABLE framework_overrides AS {FW_SQL}",  # noqa: S608 (fixed text)
            {"batches": list(batches)},
        )

    # -- reading ---------------------------------------------------------------------
    def _stat(self) -> tuple[int, int, int, int]:
        out: list[int] = []
        for p in (self.path, Path(str(self.path) + ".wal")):
            try:
                st = p.stat()
                out += [st.st_mtime_ns, st.st_size]
            except FileNotFoundError:
                out += [0, 0]
        return (out[0], out[1], out[2], out[3])

    @property
    def data_version(self) -> str:
        """The current version id (cheap: re-read only when the file changed on disk)."""
        stat = self._stat()
        cached = self._version_cache
        if cached is not None and cached[0] == stat:
            return cached[1]
        with self.cursor() as cur:
            version = current_version(cur, REBUILD_HINT)
        self._version_cache = (stat, version)
        return version

    def versions(self) -> pd.DataFrame:
        """Every version, newest first, with a `current` flag."""
        df = self.query("SELECT * FROM _versions ORDER BY seq DESC, created_at DESC")
        df["current"] = df["version"] == self.data_version
        return df

    def version_info(self, version: str) -> VersionInfo:
        with self.cursor() as cur:
            info = version_row(cur, version)
        if info is None:
            raise StoreError(f"no data version {version!r}; see `python -m risk versions`")
        return info

    def events(self) -> pd.DataFrame:
        """The log of publishes, rollbacks and bundled refreshes, oldest first."""
        return self.query("SELECT * FROM _events ORDER BY seq")

    def data_version_at(self, when: datetime | str) -> str | None:
        """The version that was current at a moment (None before the store existed)."""
        at = pd.Timestamp(when)
        if at.tzinfo is not None:
            at = at.tz_convert(UTC).tz_localize(None)
        df = self.query(
            'SELECT version FROM _events WHERE "at" <= ? ORDER BY seq DESC LIMIT 1',
            [at.to_pydatetime()],
        )
        if len(df):
            return str(df["version"].iloc[0])
        first = self.query("SELECT version, created_at FROM _versions ORDER BY seq LIMIT 1")
        if len(first) and pd.Timestamp(first["created_at"].iloc[0]) <= at:
            return str(first["version"].iloc[0])
        return None

    def tables(self) -> list[str]:
        with self.cursor() as cur:
            return self._public_tables(cur)

    def table(self, name: str, version: str | None = None) -> pd.DataFrame:
        """A whole table; with `version`, the versioned tables as they were in that version."""
        try:
            return self._read_table(name, version)
        except duckdb.Error as exc:
            raise StoreError(f"reading {name!r} failed: {exc}") from exc

    def _read_table(self, name: str, version: str | None) -> pd.DataFrame:
        with self.cursor() as cur:  # one connection for the whole read
            known = self._public_tables(cur)
            if name not in known:
                raise StoreError(f"no table named {name!r}; available: {', '.join(known)}")
            if (
                version is None
                or name not in VERSIONED
                or version == current_version(cur, REBUILD_HINT)
            ):
                return cur.execute(f"SELECT * FROM {quote_ident(name)}").df()  # noqa: S608 (known table, quoted)
            info = version_row(cur, version)
            if info is None:
                raise StoreError(f"no data version {version!r}; see `python -m risk versions`")
            params = {"base": info.base, "batches": list(info.batches)}
            if name == "observations":
                return cur.execute(OBS_SQL, params).df()
            if name == "indicators":
                return cur.execute(IND_SQL.format(obs=OBS_SQL), params).df()
            return cur.execute(FW_SQL, {"batches": list(info.batches)}).df()

    def at(self, version: str | None) -> PinnedStore:
        """A read-only view of one version, usable wherever a `Store` is (e.g. by the scorer)."""
        return PinnedStore(self, version or self.data_version)

    def framework_overrides(self, version: str | None = None) -> pd.DataFrame:
        """Framework rows added by published uploads (same columns as datasets/framework.csv)."""
        return self.table("framework_overrides", version)

    def query(self, sql: str, params: Params = None) -> pd.DataFrame:
        try:
            with self.cursor() as cur:
                return (
                    cur.execute(sql, params).df() if params is not None else cur.execute(sql).df()
                )
        except duckdb.Error as exc:
            raise StoreError(f"query failed: {exc}") from exc

    def diff(self, a: str, b: str) -> pd.DataFrame:
        """Observations that differ between versions a and b: added, removed or changed."""
        ia, ib = self.version_info(a), self.version_info(b)
        sql = f"""
            WITH a AS ({OBS_SQL.replace("$base", "$base_a").replace("$batches", "$batches_a")}),
                 b AS ({OBS_SQL.replace("$base", "$base_b").replace("$batches", "$batches_b")})
            SELECT coalesce(a.iso3, b.iso3) AS iso3, coalesce(a.indicator, b.indicator) AS indicator,
                   coalesce(a.year, b.year) AS year, a.value AS value_a, b.value AS value_b,
                   CASE WHEN a.iso3 IS NULL THEN 'added' WHEN b.iso3 IS NULL THEN 'removed'
                        ELSE 'changed' END AS change,
                   b.source AS source_b
            FROM a FULL OUTER JOIN b USING (iso3, indicator, year)
            WHERE a.value IS DISTINCT FROM b.value OR a.source IS DISTINCT FROM b.source
            ORDER BY indicator, iso3, year
        """  # noqa: S608 (fixed text, values are parameters)
        return self.query(
            sql,
            {
                "base_a": ia.base,
                "batches_a": list(ia.batches),
                "base_b": ib.base,
                "batches_b": list(ib.batches),
            },
        )

    # -- writing ---------------------------------------------------------------------
    def publish(
        self,
        observations: pd.DataFrame,
        *,
        author: str,
        indicators: pd.DataFrame | None = None,
        framework: pd.DataFrame | None = None,
        file_name: str = "",
        sha256: str = "",
        action: str = "publish",
        note: str = "",
        progress: Progress | None = None,
        force: bool = False,
    ) -> VersionInfo:
        """Publish validated rows as a new current version, atomically; returns the new version.

        `observations` has columns iso3, indicator, year, value, source (unique per key);
        `indicators` catalogue rows for new or re-described indicators; `framework` rows (columns
        of datasets/framework.csv) for indicators joining the framework with a weight. The same
        file (sha256) as the current version's is refused unless `force`: a second click, not a
        new version.
        """
        obs = clean_observations(observations)
        ind = clean_frame(indicators, INDICATOR_COLUMNS[:8] + ("open_licence",), "code")
        fw = clean_frame(framework, FRAMEWORK_COLUMNS, "code")
        if obs.empty and ind.empty and fw.empty:
            raise StoreError("nothing to publish: no rows with values")
        say = progress or (lambda _stage: None)
        say("waiting for the store")
        with self._transaction() as con:
            say("writing rows")
            previous = current_version(con, REBUILD_HINT)
            prev = version_row(con, previous)
            if prev is None:
                raise StoreError(f"current version {previous!r} is missing from the version list")
            digest = sha256 or frame_sha(obs)
            if not force and prev.sha256 == digest:
                raise StoreError(already_current(digest, previous))
            seq = next_seq(con)
            batch = f"b{seq:05d}-{digest[:8]}"
            version = version_id(seq, previous + digest)
            con.register("_incoming_obs", obs)
            con.execute("INSERT INTO _batch_obs SELECT ?, * FROM _incoming_obs", [batch])
            replaced_row = con.execute(
                "SELECT count(*) FROM _incoming_obs i JOIN observations o "
                "USING (iso3, indicator, year)"
            ).fetchone()
            con.unregister("_incoming_obs")
            known = set(
                con.execute("SELECT DISTINCT code FROM indicators").df()["code"].astype(str)
            )
            if not ind.empty:
                con.register("_incoming_ind", ind)
                con.execute("INSERT INTO _batch_ind SELECT ?, * FROM _incoming_ind", [batch])
                con.unregister("_incoming_ind")
            if not fw.empty:
                con.register("_incoming_fw", fw)
                con.execute("INSERT INTO _batch_fw SELECT ?, * FROM _incoming_fw", [batch])
                con.unregister("_incoming_fw")
            batches = [*prev.batches, batch]
            say("building the new version")
            self._materialise(con, prev.base, batches)
            total_row = con.execute("SELECT count(*) FROM observations").fetchone()
            replaced = int(replaced_row[0]) if replaced_row else 0
            new_codes = set(ind["code"]) | set(obs["indicator"])
            add_version(
                con,
                version,
                action,
                author=author,
                batches=batches,
                parent=previous,
                seq=seq,
                file_name=file_name,
                sha256=digest,
                rows_in_batch=len(obs),
                rows_added=len(obs) - replaced,
                rows_replaced=replaced,
                rows_total=int(total_row[0]) if total_row else 0,
                indicators_added=len(new_codes - known),
                note=note,
                # The parent's base, not necessarily this process's bundled tables (another
                # process may have rebased meanwhile).
                base=prev.base,
            )
            log_event(con, author, action, version, previous, note)
            self._set_meta(con, current=version)
            say("committing")
        say("done")
        return self.version_info(version)

    def rollback(self, version: str, *, author: str, note: str = "") -> VersionInfo:
        """Make an older (or newer) version current again; every version stays in the list."""
        with self._transaction() as con:
            info = version_row(con, version)
            if info is None:
                raise StoreError(f"no data version {version!r}; see `python -m risk versions`")
            previous = current_version(con, REBUILD_HINT)
            self._materialise(con, info.base, info.batches)
            log_event(con, author, "rollback", version, previous, note)
            self._set_meta(con, current=version)
        return info

    # -- saved views (short links) -----------------------------------------------------
    def put_view(self, vid: str, params_json: str) -> None:
        """Keep a view's query parameters (JSON) under a short id; an existing id is kept as is."""
        with self.cursor() as cur:
            cur.execute(VIEWS_DDL)
            cur.execute(
                "INSERT INTO saved_views VALUES (?, ?) ON CONFLICT (id) DO NOTHING",
                [vid, params_json],
            )

    def get_view(self, vid: str) -> str | None:
        """The query parameters (JSON) saved under a short id, or None."""
        with self.cursor() as cur:
            cur.execute(VIEWS_DDL)
            row = cur.execute("SELECT params FROM saved_views WHERE id = ?", [vid]).fetchone()
        return None if row is None else str(row[0])

    # -- saved records (watchlists, rule documents) ---------------------------------------
    def put_record(self, kind: str, key: str, body_json: str) -> None:
        """Keep a JSON body under (kind, key), replacing an earlier one."""
        with self.cursor() as cur:
            cur.execute(RECORDS_DDL)
            cur.execute(
                "INSERT INTO saved_records VALUES (?, ?, ?, ?) ON CONFLICT (kind, key) "
                "DO UPDATE SET body = excluded.body, saved_at = excluded.saved_at",
                [kind, key, body_json, now()],
            )

    def get_record(self, kind: str, key: str) -> str | None:
        """The JSON body kept under (kind, key), or None."""
        with self.cursor() as cur:
            cur.execute(RECORDS_DDL)
            row = cur.execute(
                "SELECT body FROM saved_records WHERE kind = ? AND key = ?", [kind, key]
            ).fetchone()
        return None if row is None else str(row[0])

    def records(self, kind: str) -> pd.DataFrame:
        """Every record of one kind (kind, key, body, saved_at), newest first."""
        with self.cursor() as cur:
            cur.execute(RECORDS_DDL)
            return cur.execute(
                "SELECT * FROM saved_records WHERE kind = ? ORDER BY saved_at DESC, key", [kind]
            ).df()

    def delete_record(self, kind: str, key: str) -> None:
        """Forget the record under (kind, key); nothing happens if there is none."""
        with self.cursor() as cur:
            cur.execute(RECORDS_DDL)
            cur.execute("DELETE FROM saved_records WHERE kind = ? AND key = ?", [kind, key])

    def close(self) -> None:
        """Nothing is held open between operations; kept for callers that close stores."""
        self._version_cache = None


_STORES: dict[tuple[str, str], DuckDBStore] = {}
_STORES_LOCK = threading.Lock()


def open_store(datasets_dir: Path | None = None, directory: Path | None = None) -> DuckDBStore:
    """The process-wide store for a data directory (re-checked when the bundled tables change)."""
    ds = Path(datasets_dir or DATASETS_DIR)
    path = Path(directory or data_dir()) / STORE_FILE
    key = (str(path), str(ds))
    with _STORES_LOCK:
        store = _STORES.get(key)
        if store is None or store.bundled != bundled_version(ds) or not path.exists():
            store = DuckDBStore(path, ds)
            _STORES[key] = store
        return store
