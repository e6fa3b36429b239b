"""Moving a store to a newer layout or another backend, keeping every version.

An embedded file written by an older release is upgraded in place when it is opened
(`upgrade_embedded`: one transaction after a backup copy, layout n -> n + 1 by `_MIGRATIONS`, then
the bundled tables of this release); `migrate_from_embedded` copies an embedded file into an empty
DuckLake catalog (`python -m risk store migrate`)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb

from risk.errors import StoreError
from risk.paths import DATASETS_DIR
from risk.schema import VERSIONED
from risk.store.ducklake import LAKE_DDL, DuckLakeStore
from risk.store.lake_util import sql_text
from risk.store.protocol import Progress, quote_ident
from risk.store.versions import (
    DDL,
    SCHEMA,
    add_version,
    current_version,
    log_event,
    meta_in,
    version_row,
)

if TYPE_CHECKING:  # the embedded store calls in here while it opens: no import back at run time
    from risk.store.embedded import DuckDBStore

# The advice that ends every message about an embedded file that cannot be opened or upgraded.
REBUILD_HINT = (
    "To start again from the bundled data, move the file aside (its published versions, short "
    "links and watchlists stay in it) or restore one of its backups (<file>.bak-*)."
)


def upgrade_embedded(store: DuckDBStore) -> None:
    """Bring an embedded store file to this release's layout and bundled tables, in place: under
    the write lock, after a backup copy, in one transaction (a failure leaves the file as it was)."""
    with store._write_lock():
        meta = store._read_meta()  # again: another process may have upgraded it meanwhile
        schema = _layout_of(meta, store.path)
        if schema == SCHEMA and meta.get("bundled") == store.bundled:
            return
        store.backup(f"layout{schema}-{meta.get('bundled', 'unknown')}")
        with store._connection() as con:
            con.execute("BEGIN TRANSACTION")
            try:
                for step in range(int(schema), int(SCHEMA)):
                    _MIGRATIONS[str(step)](store, con)
                if meta_in(con, "bundled") != store.bundled:
                    store._rebase(con)
                con.execute("COMMIT")
            except BaseException:
                con.execute("ROLLBACK")
                raise


def _layout_of(meta: dict[str, str], path: Path) -> str:
    """The layout of a readable store's tables; StoreError for one this release cannot upgrade."""
    schema = meta.get("schema") or ("1" if "data_version" in meta else "")
    if not schema.isdigit():
        raise StoreError(
            f"the store at {path} has no layout number: it is damaged or not this app's. It was "
            f"left as it is. {REBUILD_HINT}"
        )
    if int(schema) > int(SCHEMA):
        raise StoreError(
            f"the store at {path} was written by a newer release (layout {schema}; this one "
            f"reads up to {SCHEMA}). It was left as it is: update the app to open it."
        )
    return schema


def _migrate_1(store: DuckDBStore, con: duckdb.DuckDBPyConnection) -> None:
    """Layout 1 (bundled tables only, no versions) -> 2: add the version tables, record the
    bundled tables as the first version; saved views and other user tables are kept."""
    con.execute(DDL)
    store._load_bundled(con)
    store._materialise(con, store.bundled, [])
    if not con.execute("SELECT 1 FROM _versions WHERE version = ?", [store.bundled]).fetchone():
        add_version(con, store.bundled, "bundled", base=store.bundled, author="system", batches=[])
    log_event(con, "system", "migrate", store.bundled, None, "layout 1 -> 2")
    con.execute("DELETE FROM _meta WHERE key = 'data_version'")
    store._set_meta(con, schema="2", current=store.bundled)


# Layout n -> n + 1, applied in order inside one transaction after a backup copy.
_MIGRATIONS: dict[str, Callable[[DuckDBStore, duckdb.DuckDBPyConnection], None]] = {
    "1": _migrate_1,
}


# Internal tables copied as they are by `migrate_from_embedded`, then the user tables.
_COPIED = (
    "_base_obs",
    "_base_ind",
    "_batch_obs",
    "_batch_ind",
    "_batch_fw",
    "_versions",
    "_events",
)


def migrate_from_embedded(
    source: Path,
    attach: str,
    data_path: str | Path,
    datasets_dir: Path = DATASETS_DIR,
    progress: Progress | None = None,
) -> DuckLakeStore:
    """Copy an embedded store file, with every version, event and short link, into an empty
    DuckLake catalog. Each version becomes a snapshot in order (so pinned links read it by time
    travel), then the file's current version is made current."""
    say = progress or (lambda _stage: None)
    if not Path(source).exists():
        raise StoreError(f"no embedded store at {source}")
    target = DuckLakeStore(attach, data_path, datasets_dir, create=False)
    src = "src"  # the embedded file, attached read-only (also written out below)

    def first(cur: duckdb.DuckDBPyConnection) -> tuple[list[str], str, str, str | None]:
        if target._has_tables(cur):
            raise StoreError(
                f"the shared store at {target.where} already holds a store; migrate into an "
                "empty catalog (a new PostgreSQL database)"
            )
        cur.execute(LAKE_DDL)
        for name in _COPIED:
            cur.execute(f"INSERT INTO {name} SELECT * FROM {src}.main.{name}")  # noqa: S608 (fixed names)
        cur.execute(f"INSERT INTO _meta SELECT * FROM {src}.main._meta WHERE key <> 'current'")  # noqa: S608 (fixed names)
        names = [
            str(r[0])
            for r in cur.execute(
                "SELECT table_name FROM information_schema.tables WHERE table_catalog = ? "
                "AND table_name NOT LIKE '\\_%' ESCAPE '\\' ORDER BY 1",
                [src],
            ).fetchall()
        ]
        for name in names:
            if name == "saved_views":
                cur.execute("INSERT INTO saved_views SELECT id, params FROM src.main.saved_views")
            elif name == "saved_records":
                cur.execute(
                    "INSERT INTO saved_records SELECT kind, key, body, saved_at "
                    "FROM src.main.saved_records"
                )
            elif name not in VERSIONED:
                cur.execute(
                    f"CREATE TABLE {quote_ident(name)} AS SELECT * FROM {src}.main.{quote_ident(name)}"  # noqa: S608 (quoted identifiers)
                )
        order = [
            str(r[0]) for r in cur.execute("SELECT version FROM _versions ORDER BY seq").fetchall()
        ]
        if not order:
            raise StoreError(f"the embedded store at {source} has no versions")
        info = version_row(cur, order[0])
        assert info is not None
        target._materialise(cur, info.base, list(info.batches), create=True)
        cur.execute("INSERT INTO _meta VALUES ('current', ?)", [order[0]])
        return order, "migrate", f"copied from {Path(source).name}", order[0]

    con = target._database()
    try:
        con.execute(f"ATTACH {sql_text(str(source))} AS {src} (READ_ONLY)")
    except duckdb.Error as exc:
        raise StoreError(f"cannot read the embedded store at {source}: {exc}") from exc
    try:
        current = current_version(con.cursor().execute(f"USE {src}"))
        say("copying tables")
        order = target._write("migration failed", first)
        for version in [*order[1:], current]:
            say(f"version {version}")

            def make_current(
                cur: duckdb.DuckDBPyConnection, v: str = version
            ) -> tuple[None, str, str, str | None]:
                info = version_row(cur, v)
                assert info is not None
                target._materialise(cur, info.base, list(info.batches))
                target._set_meta(cur, current=v)
                return None, "migrate", f"version {v}", v

            target._write("migration failed", make_current)
    finally:
        con.execute(f"DETACH {src}")
    target._ensure_current()  # the bundled tables of this release, if newer
    say("done")
    return target
