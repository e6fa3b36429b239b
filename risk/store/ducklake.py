"""The shared store: DuckLake, its catalog in PostgreSQL and its data files in a shared folder.

Several app servers and command-line runs use one store at once, with the embedded store's tables
(`embedded.py`: base, batches, versions, event log, saved views, current version). DuckLake adds:

- every change is one DuckLake snapshot, committed atomically in PostgreSQL; a snapshot that makes a
  version current carries it in its commit message (author, note, and `{"current": version}`), so
  a pinned version is read by time travel (`AT (VERSION => snapshot)`);
- writers do not lock: two commits that touch the same rows conflict, and the loser starts its
  whole transaction again after a short, growing pause (it then builds on the winner's version);
- a process killed mid-publish commits nothing: its data files are orphans (`clean_files`, `python
  -m risk store clean`, deletes them a day later), the catalog is as it was.

`data_version` polls PostgreSQL's latest snapshot id at most every `poll_s` s; offline, it keeps the
last version seen and `offline` says why. Messages that may show a password go through `redact`."""

from __future__ import annotations

import json
import os
import random
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import TypeVar

import duckdb
import pandas as pd

from risk.errors import StoreError
from risk.paths import DATASETS_DIR
from risk.schema import FRAMEWORK_COLUMNS, INDICATOR_COLUMNS, VERSIONED
from risk.store.lake_util import (
    clean_files,
    extension_path,
    is_conflict,
    is_unreachable,
    passwords,
    postgres_scanner,
    redact,
    sql_text,
)
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

LAKE = "lake"  # the alias the catalog is attached under (also written out in a few queries)
CONFIG: dict[str, str | bool | int | float | list[str]] = {
    "autoinstall_known_extensions": False,
    "autoload_known_extensions": False,
}
POLL_S = float(os.environ.get("RISK_STORE_POLL_S", "2"))  # how stale `data_version` may be
RETRIES = int(os.environ.get("RISK_STORE_RETRIES", "8"))  # attempts of a conflicting commit
RETRY_BASE_S = 0.05
# DuckLake has no keys or ON CONFLICT: the same tables as the embedded file, without PRIMARY KEY
# (also the layout `migrate.py` copies an embedded file into).
LAKE_DDL = ";\n".join(
    [
        DDL.replace(" PRIMARY KEY", ""),
        VIEWS_DDL.replace(" PRIMARY KEY", ""),
        RECORDS_DDL.replace(", PRIMARY KEY (kind, key)", ""),
    ]
)
_SORT = {
    "observations": "indicator, iso3, year",
    "indicators": "code",
    "framework_overrides": "code",
}
_OFFLINE_HINT = (
    "the shared store (PostgreSQL catalog) cannot be reached: the app keeps showing the last data "
    "version it loaded, read-only, until it is back"
)

T = TypeVar("T")


class DuckLakeStore:
    """The `Store` protocol on DuckLake: catalog in PostgreSQL, data files under `data_path`."""

    def __init__(
        self,
        attach: str,
        data_path: str | Path,
        datasets_dir: Path = DATASETS_DIR,
        *,
        poll_s: float = POLL_S,
        create: bool = True,
    ):
        attach = attach.strip()
        self.attach = attach if attach.startswith("ducklake:") else f"ducklake:{attach}"
        self.data_path = str(data_path)
        if "://" not in self.data_path:
            Path(self.data_path).mkdir(parents=True, exist_ok=True)
            self.data_path = str(Path(self.data_path).resolve()) + "/"
        self.datasets_dir = Path(datasets_dir)
        self.bundled = bundled_version(self.datasets_dir)
        self.poll_s = poll_s
        self.offline: str | None = None  # why the catalog cannot be reached, while it cannot
        self._secrets = passwords(self.attach)
        self._lock = threading.RLock()
        self._con: duckdb.DuckDBPyConnection | None = None
        self._seen: tuple[float, int, str] | None = None  # (checked at, snapshot, version)
        self._snapshots: dict[str, int] = {}  # version -> a snapshot where it was current
        if create:
            self._ensure_current()

    def __repr__(self) -> str:
        return f"DuckLakeStore({redact(self.attach, *self._secrets)!r}, {self.data_path!r})"

    @property
    def where(self) -> str:
        """The catalog and data folder, for messages (password masked)."""
        return f"{redact(self.attach, *self._secrets)} (data files in {self.data_path})"

    def _error(self, what: str, exc: BaseException) -> StoreError:
        """A StoreError for a failed DuckDB call, without secrets; a lost catalog says so plainly."""
        if is_unreachable(exc):
            self._drop_connection()
            detail = redact(str(exc), *self._secrets).splitlines()[0][:300]
            return StoreError(f"{what}: {_OFFLINE_HINT} ({detail})")
        return StoreError(f"{what}: {redact(str(exc), *self._secrets)[:500]}")

    # -- connection ------------------------------------------------------------------------
    def _database(self) -> duckdb.DuckDBPyConnection:
        """The process's connection with the lake attached (made on first use and after a loss)."""
        with self._lock:
            if self._con is not None:
                return self._con
            con = duckdb.connect(config=CONFIG)
            try:
                con.execute(f"LOAD {sql_text(str(extension_path('ducklake')))}")
                con.execute(f"LOAD {sql_text(str(postgres_scanner()))}")
                con.execute(
                    f"ATTACH {sql_text(self.attach)} AS {LAKE} "
                    f"(DATA_PATH {sql_text(self.data_path)})"
                )
            except duckdb.Error as exc:
                con.close()
                raise self._error(f"cannot open the shared store at {self.where}", exc) from exc
            self._con = con
            return con

    def clean_files(self, older_than_hours: float = 24.0, *, dry_run: bool = False) -> list[str]:
        """Delete data files no version needs (`lake_util.clean_files`); their paths."""
        clean = partial(clean_files, lake=LAKE, older_than_hours=older_than_hours, dry_run=dry_run)
        return self._read("cannot clean the shared store's files", clean)

    def _drop_connection(self) -> None:
        with self._lock:
            con, self._con = self._con, None
        if con is not None:
            with suppress(duckdb.Error):
                con.close()

    @contextmanager
    def cursor(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A cursor of its own on the lake (a DuckDB connection is not thread-safe)."""
        cur = self._database().cursor()
        try:
            cur.execute(f"USE {LAKE}")
            yield cur
        finally:
            cur.close()

    def _read(self, what: str, work: Callable[[duckdb.DuckDBPyConnection], T]) -> T:
        try:
            with self.cursor() as cur:
                return work(cur)
        except duckdb.Error as exc:
            raise self._error(what, exc) from exc

    def _write(
        self,
        what: str,
        work: Callable[[duckdb.DuckDBPyConnection], tuple[T, str, str, str | None]],
        progress: Progress | None = None,
    ) -> T:
        """Run `work` in one transaction and commit it as one snapshot, retried on conflicts.

        `work` returns (result, author, note, version made current or None); the commit message
        carries them. A conflicting commit (another server wrote the same rows meanwhile) is
        started again from scratch, so it builds on what the other one committed."""
        say = progress or (lambda _stage: None)
        delay = RETRY_BASE_S
        for attempt in range(1, RETRIES + 1):
            try:
                with self.cursor() as cur:
                    cur.execute("BEGIN TRANSACTION")
                    try:
                        result, author, note, current = work(cur)
                        extra = json.dumps({"current": current} if current else {})
                        cur.execute(
                            f"CALL {LAKE}.set_commit_message(?, ?, extra_info => ?)",
                            [author, note, extra],
                        )
                        say("committing")
                        cur.execute("COMMIT")
                    except BaseException:
                        with suppress(duckdb.Error):  # a failed COMMIT has ended it already
                            cur.execute("ROLLBACK")
                        raise
            except duckdb.Error as exc:
                if is_conflict(exc) and attempt < RETRIES:
                    time.sleep(delay * (1 + random.random()))  # noqa: S311 (jitter, not crypto)
                    delay = min(delay * 2, 2.0)
                    say("retrying after a conflict")
                    continue
                if is_conflict(exc):
                    raise StoreError(
                        f"{what}: other writers kept changing the shared store at the same moment "
                        f"({RETRIES} attempts). Nothing was changed: try again."
                    ) from exc
                raise self._error(what, exc) from exc
            # Our own change is visible at once: the next `data_version` asks the catalog again
            # (and answers this version if the catalog has gone meanwhile).
            seen = self._seen
            if current:
                self._seen = (float("-inf"), -1, current)
            elif seen is not None:
                self._seen = (float("-inf"), seen[1], seen[2])
            return result
        raise AssertionError("unreachable")  # pragma: no cover

    # -- creation and bundled refresh -----------------------------------------------------------
    def _has_tables(self, cur: duckdb.DuckDBPyConnection, name: str = "_meta") -> bool:
        row = cur.execute(
            "SELECT count(*) FROM information_schema.tables "
            "WHERE table_catalog = ? AND table_name = ?",
            [LAKE, name],
        ).fetchone()
        return bool(row and row[0])

    def _add_records_table(self, cur: duckdb.DuckDBPyConnection) -> tuple[None, str, str, None]:
        """Stores created before saved records existed get their table (same layout otherwise)."""
        if not self._has_tables(cur, "saved_records"):
            cur.execute(RECORDS_DDL.replace(", PRIMARY KEY (kind, key)", ""))
        return None, "system", "saved records table", None

    def _ensure_current(self) -> None:
        """Create the store's tables from the bundled data if the catalog is empty; carry the
        published batches onto new bundled tables when they changed."""
        meta = self._read("cannot read the shared store", self._read_meta)
        if meta is None:
            self._write("cannot create the shared store", self._create)
            meta = self._read("cannot read the shared store", self._read_meta) or {}
        schema = meta.get("schema", "")
        if schema != SCHEMA:
            raise StoreError(
                f"the shared store at {self.where} has layout {schema or 'unknown'}; this release "
                f"reads layout {SCHEMA}. It was left as it is."
            )
        if meta.get("bundled") != self.bundled:
            self._write("cannot refresh the bundled tables", self._rebase)
        if not self._read(
            "cannot read the shared store", lambda c: self._has_tables(c, "saved_records")
        ):
            self._write("cannot add the saved records table", self._add_records_table)

    def _read_meta(self, cur: duckdb.DuckDBPyConnection) -> dict[str, str] | None:
        if not self._has_tables(cur):
            return None
        return {str(k): str(v) for k, v in cur.execute("SELECT key, value FROM _meta").fetchall()}

    def _create(self, cur: duckdb.DuckDBPyConnection) -> tuple[None, str, str, str | None]:
        if self._has_tables(cur):  # another server created it first (we are a retry)
            return None, "system", "", None
        cur.execute(LAKE_DDL)
        self._load_bundled(cur)
        self._materialise(cur, self.bundled, [], create=True)
        add_version(cur, self.bundled, "bundled", base=self.bundled, author="system", batches=[])
        log_event(cur, "system", "bundled", self.bundled, None, "")
        self._set_meta(cur, schema=SCHEMA, current=self.bundled)
        return None, "system", "bundled tables", self.bundled

    def _load_bundled(self, cur: duckdb.DuckDBPyConnection) -> None:
        """Copy the bundled tables in (replacing those an earlier build brought) as a base."""
        tables = bundled_tables(self.datasets_dir)
        old = json.loads(meta_in(cur, "bundled_tables") or "[]")
        existing = set(self._public_tables(cur))
        for name in set(old) - set(tables) - set(VERSIONED):
            if name in existing:
                cur.execute(f"DROP TABLE {quote_ident(name)}")
        for name, parquet in tables.items():
            if name in VERSIONED:
                continue
            if name in existing:
                cur.execute(f"DROP TABLE {quote_ident(name)}")
            cur.execute(
                f"CREATE TABLE {quote_ident(name)} AS SELECT * FROM read_parquet(?)",  # noqa: S608 (quoted identifier)
                [str(parquet)],
            )
        base = self.bundled
        if not cur.execute("SELECT 1 FROM _base_obs WHERE base = ? LIMIT 1", [base]).fetchone():
            if "observations" in tables:
                cols = parquet_columns(cur, tables["observations"])
                source = "source" if "source" in cols else "NULL"
                cur.execute(
                    f"INSERT INTO _base_obs SELECT ?, iso3, indicator, year, value, {source} "  # noqa: S608 (fixed text)
                    "FROM read_parquet(?)",
                    [base, str(tables["observations"])],
                )
            if "indicators" in tables:
                cols = parquet_columns(cur, tables["indicators"])
                names = ", ".join(quote_ident(c) for c in INDICATOR_COLUMNS if c in cols)
                cur.execute(
                    f"INSERT INTO _base_ind (base, {names}) SELECT ?, {names} FROM read_parquet(?)",  # noqa: S608 (quoted identifiers)
                    [base, str(tables["indicators"])],
                )
        manifest = (self.datasets_dir / "manifest.json").read_text(encoding="utf-8")
        self._set_meta(
            cur,
            bundled=base,
            manifest=json.dumps(json.loads(manifest)),
            bundled_tables=json.dumps(sorted(tables)),
        )

    def _rebase(self, cur: duckdb.DuckDBPyConnection) -> tuple[None, str, str, str | None]:
        """New bundled tables: the current version's batches carry over onto them."""
        meta = self._read_meta(cur) or {}
        if meta.get("bundled") == self.bundled:  # another server did it first
            return None, "system", "", None
        previous = current_version(cur)
        prev = version_row(cur, previous)
        self._load_bundled(cur)
        batches = list(prev.batches) if prev else []
        self._materialise(cur, self.bundled, batches)
        version = rebased_version(cur, self.bundled, previous, batches)
        log_event(cur, "system", "bundled", version, previous, "")
        self._set_meta(cur, current=version)
        return None, "system", "bundled tables refreshed", version

    # -- bookkeeping (inside a transaction) ------------------------------------------------
    @staticmethod
    def _set_meta(cur: duckdb.DuckDBPyConnection, **values: str) -> None:
        # Every write changes `_meta` (at least `current`), so two writers always conflict and
        # one of them starts again: versions are numbered and chained one after the other.
        for key, value in values.items():
            cur.execute("DELETE FROM _meta WHERE key = ?", [key])
            cur.execute("INSERT INTO _meta VALUES (?, ?)", [key, value])

    @staticmethod
    def _materialise(
        cur: duckdb.DuckDBPyConnection, base: str, batches: list[str], *, create: bool = False
    ) -> None:
        """Write a version's tables under the public names, in full (creation, rollback, rebase)."""
        params = {"base": base, "batches": list(batches)}
        steps = [
            ("observations", OBS_SQL, params),
            ("indicators", IND_SQL.format(obs=OBS_SQL), params),
            ("framework_overrides", FW_SQL, {"batches": list(batches)}),
        ]
        for name, sql, args in steps:
            if create:
                cur.execute(f"CREATE TABLE {name} AS {sql}", args)  # noqa: S608 (fixed text)
            else:
                cur.execute(f"DELETE FROM {name}")  # noqa: S608 (fixed text)
                cur.execute(f"INSERT INTO {name} {sql}", args)  # noqa: S608 (fixed text)

    @staticmethod
    def _public_tables(cur: duckdb.DuckDBPyConnection) -> list[str]:
        rows = cur.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_catalog = ? "
            "AND table_name NOT LIKE '\\_%' ESCAPE '\\' ORDER BY 1",
            [LAKE],
        ).fetchall()
        return [str(r[0]) for r in rows]

    # -- reading -----------------------------------------------------------------------------
    @property
    def data_version(self) -> str:
        """The current version id: the latest snapshot is checked at most every `poll_s` seconds,
        the version re-read only when it moved; the last one seen while the catalog is away."""
        seen = self._seen
        now = time.monotonic()
        if seen is not None and now - seen[0] < self.poll_s:
            return seen[2]
        try:
            with self.cursor() as cur:
                row = cur.execute("SELECT id FROM lake.current_snapshot()").fetchone()
                snap = int(row[0]) if row else -1
                version = seen[2] if seen is not None and seen[1] == snap else current_version(cur)
        except (duckdb.Error, StoreError) as exc:
            err = exc if isinstance(exc, StoreError) else self._error("data version", exc)
            if seen is None:
                raise err from exc
            self.offline = err.message
            self._seen = (now, seen[1], seen[2])  # ask again after poll_s, not at every call
            return seen[2]
        self.offline = None
        self._seen = (now, snap, version)
        return version

    def tables(self) -> list[str]:
        return self._read("listing tables", self._public_tables)

    def _snapshot_of(self, cur: duckdb.DuckDBPyConnection, version: str) -> int | None:
        """A snapshot in which `version` was current (its data as published), if any."""
        if version in self._snapshots:
            return self._snapshots[version]
        rows = cur.execute(
            "SELECT snapshot_id, commit_extra_info FROM lake.snapshots() "
            "WHERE commit_extra_info IS NOT NULL ORDER BY snapshot_id"
        ).fetchall()
        for snap, extra in rows:
            try:
                current = json.loads(str(extra)).get("current")
            except (ValueError, AttributeError):
                continue
            if current:
                self._snapshots[str(current)] = int(snap)
        return self._snapshots.get(version)

    def table(self, name: str, version: str | None = None) -> pd.DataFrame:
        """A whole table; with `version`, the versioned tables as they were (by time travel)."""

        def work(cur: duckdb.DuckDBPyConnection) -> pd.DataFrame:
            known = self._public_tables(cur)
            if name not in known:
                raise StoreError(f"no table named {name!r}; available: {', '.join(known)}")
            order = f" ORDER BY {_SORT[name]}" if name in _SORT else ""
            if version is None or name not in VERSIONED or version == current_version(cur):
                return cur.execute(f"SELECT * FROM {quote_ident(name)}{order}").df()  # noqa: S608 (known table, quoted)
            if version_row(cur, version) is None:
                raise StoreError(f"no data version {version!r}; see `python -m risk versions`")
            snap = self._snapshot_of(cur, version)
            if snap is None:
                raise StoreError(f"data version {version!r} has no snapshot in the shared store")
            return cur.execute(
                f"SELECT * FROM {quote_ident(name)} AT (VERSION => {snap}){order}"  # noqa: S608 (quoted identifier, integer)
            ).df()

        return self._read(f"reading {name!r}", work)

    def at(self, version: str | None) -> PinnedStore:
        return PinnedStore(self, version or self.data_version)

    def query(self, sql: str, params: Params = None) -> pd.DataFrame:
        def work(cur: duckdb.DuckDBPyConnection) -> pd.DataFrame:
            return cur.execute(sql, params).df() if params is not None else cur.execute(sql).df()

        return self._read("query failed", work)

    def versions(self) -> pd.DataFrame:
        df = self.query("SELECT * FROM _versions ORDER BY seq DESC, created_at DESC")
        df["current"] = df["version"] == self.data_version
        return df

    def version_info(self, version: str) -> VersionInfo:
        info = self._read("reading the version list", lambda c: version_row(c, version))
        if info is None:
            raise StoreError(f"no data version {version!r}; see `python -m risk versions`")
        return info

    def events(self) -> pd.DataFrame:
        return self.query("SELECT * FROM _events ORDER BY seq")

    def data_version_at(self, when: datetime | str) -> str | None:
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

    def diff(self, a: str, b: str) -> pd.DataFrame:
        """Observations that differ between versions a and b (both read by time travel)."""

        def work(cur: duckdb.DuckDBPyConnection) -> pd.DataFrame:
            snaps = []
            for v in (a, b):
                if version_row(cur, v) is None:
                    raise StoreError(f"no data version {v!r}; see `python -m risk versions`")
                snap = self._snapshot_of(cur, v)
                if snap is None:
                    raise StoreError(f"data version {v!r} has no snapshot in the shared store")
                snaps.append(snap)
            sql = f"""
                WITH a AS (SELECT * FROM observations AT (VERSION => {snaps[0]})),
                     b AS (SELECT * FROM observations AT (VERSION => {snaps[1]}))
                SELECT coalesce(a.iso3, b.iso3) AS iso3,
                       coalesce(a.indicator, b.indicator) AS indicator,
                       coalesce(a.year, b.year) AS year, a.value AS value_a, b.value AS value_b,
                       CASE WHEN a.iso3 IS NULL THEN 'added' WHEN b.iso3 IS NULL THEN 'removed'
                            ELSE 'changed' END AS change,
                       b.source AS source_b
                FROM a FULL OUTER JOIN b USING (iso3, indicator, year)
                WHERE a.value IS DISTINCT FROM b.value OR a.source IS DISTINCT FROM b.source
                ORDER BY indicator, iso3, year
            """  # noqa: S608 (integers only)
            return cur.execute(sql).df()

        return self._read("comparing versions", work)

    # -- writing ---------------------------------------------------------------------------
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
        """Publish validated rows as a new current version: one snapshot, all or nothing."""
        obs = clean_observations(observations)
        ind = clean_frame(indicators, INDICATOR_COLUMNS[:8] + ("open_licence",), "code")
        fw = clean_frame(framework, FRAMEWORK_COLUMNS, "code")
        if obs.empty and ind.empty and fw.empty:
            raise StoreError("nothing to publish: no rows with values")
        digest = sha256 or frame_sha(obs)
        say = progress or (lambda _stage: None)
        say("waiting for the store")

        def work(cur: duckdb.DuckDBPyConnection) -> tuple[str, str, str, str | None]:
            say("writing rows")
            previous = current_version(cur)
            prev = version_row(cur, previous)
            if prev is None:
                raise StoreError(f"current version {previous!r} is missing from the version list")
            if not force and prev.sha256 == digest:
                raise StoreError(already_current(digest, previous))
            seq = next_seq(cur)
            batch = f"b{seq:05d}-{digest[:8]}"
            version = version_id(seq, previous + digest)
            cur.register("_incoming_obs", obs)
            cur.execute("INSERT INTO _batch_obs SELECT ?, * FROM _incoming_obs", [batch])
            replaced_row = cur.execute(
                "SELECT count(*) FROM _incoming_obs i JOIN observations o "
                "USING (iso3, indicator, year)"
            ).fetchone()
            known = {str(r[0]) for r in cur.execute("SELECT code FROM indicators").fetchall()}
            if not ind.empty:
                cur.register("_incoming_ind", ind)
                cur.execute("INSERT INTO _batch_ind SELECT ?, * FROM _incoming_ind", [batch])
            if not fw.empty:
                cur.register("_incoming_fw", fw)
                cur.execute("INSERT INTO _batch_fw SELECT ?, * FROM _incoming_fw", [batch])
            batches = [*prev.batches, batch]
            say("building the new version")
            # Observations change in place (only the keys this batch brings); the small
            # catalogue tables are rebuilt from the base and the batches.
            cur.execute(
                "DELETE FROM observations o USING _incoming_obs i "
                "WHERE o.iso3 = i.iso3 AND o.indicator = i.indicator AND o.year = i.year"
            )
            cur.execute("INSERT INTO observations SELECT * FROM _incoming_obs")
            cur.execute("DELETE FROM indicators")
            cur.execute(
                f"INSERT INTO indicators {IND_SQL.format(obs='SELECT * FROM observations')}",  # noqa: S608 (fixed text)
                {"base": prev.base, "batches": batches},
            )
            cur.execute("DELETE FROM framework_overrides")
            cur.execute(f"INSERT INTO framework_overrides {FW_SQL}", {"batches": batches})  # noqa: S608 (fixed text)
            replaced = int(replaced_row[0]) if replaced_row else 0
            new_codes = set(ind["code"]) | set(obs["indicator"])
            add_version(
                cur,
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
                indicators_added=len(new_codes - known),
                note=note,
                base=prev.base,
            )
            log_event(cur, author, action, version, previous, note)
            self._set_meta(cur, current=version)
            for name in ("_incoming_obs", "_incoming_ind", "_incoming_fw"):
                with suppress(duckdb.Error):
                    cur.unregister(name)
            return version, author, note or f"{action} {file_name}".strip(), version

        version = self._write("publishing failed", work, say)
        say("done")
        return self.version_info(version)

    def rollback(self, version: str, *, author: str, note: str = "") -> VersionInfo:
        """Make an older (or newer) version current again; every version stays in the list."""

        def work(cur: duckdb.DuckDBPyConnection) -> tuple[VersionInfo, str, str, str | None]:
            info = version_row(cur, version)
            if info is None:
                raise StoreError(f"no data version {version!r}; see `python -m risk versions`")
            previous = current_version(cur)
            self._materialise(cur, info.base, list(info.batches))
            log_event(cur, author, "rollback", version, previous, note)
            self._set_meta(cur, current=version)
            return info, author, note or f"rollback to {version}", version

        return self._write("rollback failed", work)

    # -- saved views (short links) --------------------------------------------------------
    def put_view(self, vid: str, params_json: str) -> None:
        """Keep a view's query parameters under a short id; an existing id is kept as is."""

        def work(cur: duckdb.DuckDBPyConnection) -> tuple[None, str, str, str | None]:
            cur.execute(
                "INSERT INTO saved_views SELECT ?, ? "
                "WHERE NOT EXISTS (SELECT 1 FROM saved_views WHERE id = ?)",
                [vid, params_json, vid],
            )
            return None, "app", f"short link {vid}", None

        self._write("saving the link failed", work)

    def get_view(self, vid: str) -> str | None:
        row = self._read(
            "reading the link",
            lambda c: c.execute(
                "SELECT params FROM saved_views WHERE id = ? LIMIT 1", [vid]
            ).fetchone(),
        )
        return None if row is None else str(row[0])

    # -- saved records (watchlists, rule documents) -----------------------------------------
    def put_record(self, kind: str, key: str, body_json: str) -> None:
        """Keep a JSON body under (kind, key), replacing an earlier one, in one snapshot."""

        def work(cur: duckdb.DuckDBPyConnection) -> tuple[None, str, str, str | None]:
            cur.execute("DELETE FROM saved_records WHERE kind = ? AND key = ?", [kind, key])
            cur.execute(
                "INSERT INTO saved_records VALUES (?, ?, ?, ?)",
                [kind, key, body_json, now()],
            )
            return None, "app", f"{kind} {key}", None

        self._write("saving failed", work)

    def get_record(self, kind: str, key: str) -> str | None:
        row = self._read(
            "reading a saved record",
            lambda c: c.execute(
                "SELECT body FROM saved_records WHERE kind = ? AND key = ? LIMIT 1", [kind, key]
            ).fetchone(),
        )
        return None if row is None else str(row[0])

    def records(self, kind: str) -> pd.DataFrame:
        return self._read(
            "reading saved records",
            lambda c: c.execute(
                "SELECT * FROM saved_records WHERE kind = ? ORDER BY saved_at DESC, key", [kind]
            ).df(),
        )

    def delete_record(self, kind: str, key: str) -> None:
        def work(cur: duckdb.DuckDBPyConnection) -> tuple[None, str, str, str | None]:
            cur.execute("DELETE FROM saved_records WHERE kind = ? AND key = ?", [kind, key])
            return None, "app", f"forget {kind} {key}", None

        self._write("deleting failed", work)

    def close(self) -> None:
        self._drop_connection()
