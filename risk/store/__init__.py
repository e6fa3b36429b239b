"""The store: the `Store` protocol (`protocol`), the embedded DuckDB file (`embedded`), the shared
DuckLake store on PostgreSQL (`ducklake`) and the moves between layouts and backends (`migrate`).

Callers type on `Store` and get one from `open_store()`: the DuckLake store when $RISK_STORE (or the
`attach` argument) holds DuckLake's attach string, else the embedded file, exactly as before.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

from risk.errors import StoreError
from risk.paths import DATASETS_DIR
from risk.store.ducklake import DuckLakeStore
from risk.store.embedded import DuckDBStore, bundled_version
from risk.store.embedded import open_store as open_embedded
from risk.store.protocol import ReadStore, Store, VersionInfo

__all__ = [
    "DuckDBStore",
    "DuckLakeStore",
    "ReadStore",
    "Store",
    "VersionInfo",
    "open_embedded",
    "open_store",
    "store_settings",
]

_SHARED: dict[tuple[str, str, str], DuckLakeStore] = {}
_SHARED_LOCK = threading.Lock()


def store_settings(attach: str | None = None, data_path: str | None = None) -> tuple[str, str]:
    """(attach string, data path): the arguments, else $RISK_STORE and $RISK_STORE_DATA_PATH."""
    return (
        (attach or os.environ.get("RISK_STORE") or "").strip(),
        (data_path or os.environ.get("RISK_STORE_DATA_PATH") or "").strip(),
    )


def open_store(
    datasets_dir: Path | None = None,
    directory: Path | None = None,
    *,
    attach: str | None = None,
    data_path: str | None = None,
) -> Store:
    """The process-wide store: shared DuckLake if configured, else the embedded DuckDB file."""
    attach, data_path = store_settings(attach, data_path)
    if not attach:
        return open_embedded(datasets_dir, directory)
    if not data_path:
        raise StoreError(
            "RISK_STORE names a shared store but RISK_STORE_DATA_PATH (or [store] data_path in "
            ".streamlit/secrets.toml) does not say where its data files live"
        )
    ds = Path(datasets_dir or DATASETS_DIR)
    key = (attach, data_path, str(ds))
    with _SHARED_LOCK:
        store = _SHARED.get(key)
        if store is None or store.bundled != bundled_version(ds):
            store = DuckLakeStore(attach, data_path, ds)
            _SHARED[key] = store
        return store
