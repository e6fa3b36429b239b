"""The store: the `Store` protocol (`protocol`) and its embedded DuckDB implementation (`embedded`).

Callers type on `Store` and get one from `open_store()`.
"""

from risk.store.embedded import DuckDBStore, open_store
from risk.store.protocol import ReadStore, Store, VersionInfo

__all__ = ["DuckDBStore", "ReadStore", "Store", "VersionInfo", "open_store"]
