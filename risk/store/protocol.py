"""The `Store` protocol: what pages, commands and the scorer may ask of a store."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

import pandas as pd

Params = Sequence[Any] | Mapping[str, Any] | None
Progress = Callable[[str], None]


def quote_ident(name: str) -> str:
    """Quote an SQL identifier (table or column name) safely."""
    return '"' + str(name).replace('"', '""') + '"'


@dataclass(frozen=True)
class VersionInfo:
    """One data version: who made it, when, from what, and what it changed."""

    version: str
    seq: int
    created_at: datetime
    author: str
    action: str
    file_name: str = ""
    sha256: str = ""
    rows_in_batch: int = 0
    rows_added: int = 0
    rows_replaced: int = 0
    rows_total: int = 0
    indicators_added: int = 0
    parent: str | None = None
    base: str = ""
    batches: tuple[str, ...] = field(default_factory=tuple)
    note: str = ""

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> VersionInfo:
        def num(key: str) -> int:
            value = row.get(key)
            return 0 if value is None or pd.isna(value) else int(value)

        def text(key: str) -> str:
            value = row.get(key)
            return (
                "" if value is None or (isinstance(value, float) and pd.isna(value)) else str(value)
            )

        parent = row.get("parent")
        batches = row.get("batches")
        return cls(
            version=str(row["version"]),
            seq=num("seq"),
            created_at=pd.Timestamp(row["created_at"]).to_pydatetime(),
            author=text("author"),
            action=text("action"),
            file_name=text("file_name"),
            sha256=text("sha256"),
            rows_in_batch=num("rows_in_batch"),
            rows_added=num("rows_added"),
            rows_replaced=num("rows_replaced"),
            rows_total=num("rows_total"),
            indicators_added=num("indicators_added"),
            parent=None if parent is None or pd.isna(parent) else str(parent),
            base=text("base"),
            batches=tuple(str(b) for b in (batches if batches is not None else [])),
            note=text("note"),
        )


class ReadStore(Protocol):
    """What the scorer needs: tables at one data version. A pinned version is one of these."""

    @property
    def data_version(self) -> str: ...

    def tables(self) -> list[str]: ...

    def table(self, name: str, version: str | None = None) -> pd.DataFrame: ...

    def query(self, sql: str, params: Params = None) -> pd.DataFrame: ...


class Store(ReadStore, Protocol):
    """What pages and commands may ask of a store: read any version, publish, roll back, diff."""

    def at(self, version: str | None) -> ReadStore: ...

    def versions(self) -> pd.DataFrame: ...

    def version_info(self, version: str) -> VersionInfo: ...

    def events(self) -> pd.DataFrame: ...

    def data_version_at(self, when: datetime | str) -> str | None: ...

    def diff(self, a: str, b: str) -> pd.DataFrame: ...

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
    ) -> VersionInfo: ...

    def rollback(self, version: str, *, author: str, note: str = "") -> VersionInfo: ...

    def put_view(self, vid: str, params_json: str) -> None: ...

    def get_view(self, vid: str) -> str | None: ...

    # Named records users keep beside the data (watchlists, fetched rule documents): one JSON
    # body per (kind, key), shared by every server of the store and kept across upgrades.
    def put_record(self, kind: str, key: str, body_json: str) -> None: ...

    def get_record(self, kind: str, key: str) -> str | None: ...

    def records(self, kind: str) -> pd.DataFrame: ...

    def delete_record(self, kind: str, key: str) -> None: ...


class PinnedStore:
    """One version of a store, read-only: `table()` answers as of that version."""

    def __init__(self, store: Store, version: str):
        store.version_info(version)  # fail early on an unknown id
        self._store = store
        self._version = version

    @property
    def data_version(self) -> str:
        return self._version

    def tables(self) -> list[str]:
        return self._store.tables()

    def table(self, name: str, version: str | None = None) -> pd.DataFrame:
        return self._store.table(name, version or self._version)

    def query(self, sql: str, params: Params = None) -> pd.DataFrame:
        """Queries run on the current tables: use `table()` for version-exact reads."""
        return self._store.query(sql, params)
