"""The store: DuckDB over the bundled `datasets/` tables.

The embedded default is one DuckDB file in the data directory ($RISK_DATA_DIR, else ./var), created
from `datasets/` on first start and refreshed when the bundled tables change. Pages and the command
line talk to the `Store` protocol only, so a shared backend (DuckLake, MotherDuck) can replace the
file later. SQL takes parameters, never user text; identifiers go through `quote_ident`.

A DuckDB connection is not thread-safe and Streamlit runs sessions in threads: every query takes its
own cursor from one connection per process.
"""

from __future__ import annotations

import fcntl
import json
import os
import threading
from collections.abc import Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Protocol

import duckdb
import pandas as pd

from risk.errors import StoreError
from risk.paths import DATASETS_DIR, data_dir

STORE_FILE = "risk.duckdb"

Params = Sequence[Any] | Mapping[str, Any] | None


def quote_ident(name: str) -> str:
    """Quote an SQL identifier (table or column name) safely."""
    return '"' + str(name).replace('"', '""') + '"'


def bundled_tables(datasets_dir: Path) -> dict[str, Path]:
    """The Parquet tables in `datasets/`, by table name."""
    return {p.stem: p for p in sorted(datasets_dir.glob("*.parquet"))}


def bundled_version(datasets_dir: Path) -> str:
    """Data version of the bundled tables: 'bundled-' + the first 12 hex digits of the manifest hash."""
    manifest = datasets_dir / "manifest.json"
    if not manifest.exists():
        raise StoreError(f"{manifest} is missing: run `python -m risk build` first")
    import hashlib

    return "bundled-" + hashlib.sha256(manifest.read_bytes()).hexdigest()[:12]


class Store(Protocol):
    """What pages and commands may ask of a store."""

    @property
    def data_version(self) -> str: ...

    def tables(self) -> list[str]: ...

    def table(self, name: str) -> pd.DataFrame: ...

    def query(self, sql: str, params: Params = None) -> pd.DataFrame: ...


class DuckDBStore:
    """The embedded store: one DuckDB file, tables loaded from `datasets/`."""

    def __init__(self, path: Path, datasets_dir: Path = DATASETS_DIR, *, read_only: bool = False):
        self.path = Path(path)
        self.datasets_dir = Path(datasets_dir)
        self._version = bundled_version(self.datasets_dir)
        self._lock = threading.Lock()
        if not read_only:
            self._ensure_current()
        try:
            self._con = duckdb.connect(
                str(self.path), read_only=read_only, config={"autoinstall_known_extensions": False}
            )
        except duckdb.Error as exc:  # e.g. another process holds the write lock
            raise StoreError(f"cannot open the store at {self.path}: {exc}") from exc

    # -- creation -----------------------------------------------------------------
    def _ensure_current(self) -> None:
        """Create or refresh the file when the bundled tables changed; safe across processes."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        lock_path = self.path.with_suffix(".lock")
        with open(lock_path, "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            if self._stored_version() == self._version:
                return
            tmp = self.path.with_suffix(".building")
            for stale in (tmp, Path(str(tmp) + ".wal")):
                stale.unlink(missing_ok=True)
            con = duckdb.connect(str(tmp))
            try:
                for name, parquet in bundled_tables(self.datasets_dir).items():
                    con.execute(
                        f"CREATE TABLE {quote_ident(name)} AS SELECT * FROM read_parquet(?)",  # noqa: S608 (quoted identifier)
                        [str(parquet)],
                    )
                con.execute("CREATE TABLE _meta (key VARCHAR PRIMARY KEY, value VARCHAR)")
                manifest = json.loads(
                    (self.datasets_dir / "manifest.json").read_text(encoding="utf-8")
                )
                con.execute(
                    "INSERT INTO _meta VALUES ('data_version', ?), ('manifest', ?)",
                    [self._version, json.dumps(manifest)],
                )
                con.execute("CHECKPOINT")
            finally:
                con.close()
            os.replace(tmp, self.path)  # atomic: readers never see a half-built file

    def _stored_version(self) -> str | None:
        if not self.path.exists():
            return None
        try:
            con = duckdb.connect(str(self.path), read_only=True)
        except duckdb.Error:
            return None
        try:
            row = con.execute("SELECT value FROM _meta WHERE key = 'data_version'").fetchone()
            return row[0] if row else None
        except duckdb.Error:
            return None
        finally:
            con.close()

    # -- queries ------------------------------------------------------------------
    @property
    def data_version(self) -> str:
        return self._version

    @contextmanager
    def cursor(self):  # type: ignore[no-untyped-def]
        with self._lock:
            cur = self._con.cursor()
        try:
            yield cur
        finally:
            cur.close()

    def tables(self) -> list[str]:
        df = self.query(
            "SELECT table_name FROM information_schema.tables WHERE table_name NOT LIKE '\\_%' ESCAPE '\\' ORDER BY 1"
        )
        return df["table_name"].tolist()

    def table(self, name: str) -> pd.DataFrame:
        if name not in self.tables():
            raise StoreError(f"no table named {name!r}; available: {', '.join(self.tables())}")
        return self.query(f"SELECT * FROM {quote_ident(name)}")  # noqa: S608 (known table, quoted)

    def query(self, sql: str, params: Params = None) -> pd.DataFrame:
        try:
            with self.cursor() as cur:
                return (
                    cur.execute(sql, params).df() if params is not None else cur.execute(sql).df()
                )
        except duckdb.Error as exc:
            raise StoreError(f"query failed: {exc}") from exc

    def close(self) -> None:
        self._con.close()


_STORES: dict[tuple[str, str], DuckDBStore] = {}
_STORES_LOCK = threading.Lock()


def open_store(datasets_dir: Path | None = None, directory: Path | None = None) -> DuckDBStore:
    """The process-wide store for a data directory (one connection per process, cursors per query)."""
    ds = Path(datasets_dir or DATASETS_DIR)
    path = Path(directory or data_dir()) / STORE_FILE
    key = (str(path), str(ds))
    with _STORES_LOCK:
        store = _STORES.get(key)
        if store is None or store.data_version != bundled_version(ds):
            if store is not None:
                store.close()
            store = DuckDBStore(path, ds)
            _STORES[key] = store
        return store
