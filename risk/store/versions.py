"""What both stores share: the layout of the versioned tables, the SQL that reads a version back,
and the bookkeeping of versions and events inside a write.

A data version is a base (the bundled tables of one build) plus an ordered list of published
batches; `OBS_SQL`, `IND_SQL` and `FW_SQL` overlay them, the last word winning per key. Every
function taking a connection works inside the caller's transaction, on the embedded DuckDB file and
on DuckLake alike (DuckLake has no keys, so nothing here relies on them)."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from risk.errors import StoreError
from risk.schema import OBSERVATION_COLUMNS, VERSION_COLUMNS
from risk.store.protocol import VersionInfo, quote_ident

SCHEMA = "2"  # layout of the internal tables below; older layouts are upgraded (`migrate.py`)
DDL = """
CREATE TABLE IF NOT EXISTS _meta (key VARCHAR PRIMARY KEY, value VARCHAR);
CREATE TABLE IF NOT EXISTS _base_obs (
    base VARCHAR, iso3 VARCHAR, indicator VARCHAR, year INTEGER, value DOUBLE, source VARCHAR);
CREATE TABLE IF NOT EXISTS _base_ind (
    base VARCHAR, code VARCHAR, name_en VARCHAR, name_zh VARCHAR, unit VARCHAR, source VARCHAR,
    licence VARCHAR, description VARCHAR, higher_is VARCHAR, year_min INTEGER, year_max INTEGER,
    countries INTEGER, "rows" BIGINT, open_licence BOOLEAN);
CREATE TABLE IF NOT EXISTS _batch_obs (
    batch VARCHAR, iso3 VARCHAR, indicator VARCHAR, year INTEGER, value DOUBLE, source VARCHAR);
CREATE TABLE IF NOT EXISTS _batch_ind (
    batch VARCHAR, code VARCHAR, name_en VARCHAR, name_zh VARCHAR, unit VARCHAR, source VARCHAR,
    licence VARCHAR, description VARCHAR, higher_is VARCHAR, open_licence BOOLEAN);
CREATE TABLE IF NOT EXISTS _batch_fw (
    batch VARCHAR, code VARCHAR, pillar VARCHAR, direction INTEGER, transform VARCHAR,
    weight DOUBLE, max_age_years INTEGER, min_coverage DOUBLE, absent_is_zero INTEGER,
    unit VARCHAR, source VARCHAR, name_en VARCHAR, name_zh VARCHAR, rationale_en VARCHAR,
    rationale_zh VARCHAR);
CREATE TABLE IF NOT EXISTS _versions (
    version VARCHAR PRIMARY KEY, seq INTEGER, created_at TIMESTAMP, author VARCHAR,
    action VARCHAR, file_name VARCHAR, sha256 VARCHAR, rows_in_batch BIGINT, rows_added BIGINT,
    rows_replaced BIGINT, rows_total BIGINT, indicators_added INTEGER, parent VARCHAR,
    base VARCHAR, batches VARCHAR[], note VARCHAR);
CREATE TABLE IF NOT EXISTS _events (
    seq INTEGER, "at" TIMESTAMP, author VARCHAR, action VARCHAR, version VARCHAR,
    previous VARCHAR, note VARCHAR);
"""

# The current-or-pinned overlay: base rows, then each batch in order; the last word wins per key.
OBS_SQL = """
SELECT iso3, indicator, year, value, source FROM (
    SELECT iso3, indicator, year, value, source, 0 AS prio FROM _base_obs WHERE base = $base
    UNION ALL
    SELECT iso3, indicator, year, value, source, list_position($batches, batch) AS prio
    FROM _batch_obs WHERE list_contains($batches, batch)
) QUALIFY row_number() OVER (PARTITION BY iso3, indicator, year ORDER BY prio DESC) = 1
ORDER BY indicator, iso3, year
"""
IND_SQL = """
WITH ind AS (
    SELECT * EXCLUDE (base), 0 AS prio FROM _base_ind WHERE base = $base
    UNION ALL BY NAME
    SELECT * EXCLUDE (batch), list_position($batches, batch) AS prio
    FROM _batch_ind WHERE list_contains($batches, batch)
), latest AS (
    SELECT * EXCLUDE (prio) FROM ind
    QUALIFY row_number() OVER (PARTITION BY code ORDER BY prio DESC) = 1
), stats AS (
    SELECT indicator, min(year)::INTEGER AS y0, max(year)::INTEGER AS y1,
           count(DISTINCT iso3)::INTEGER AS n, count(*)::BIGINT AS r
    FROM ({obs}) GROUP BY indicator
)
SELECT code, name_en, name_zh, unit, source, licence, description, higher_is,
       coalesce(s.y0, l.year_min) AS year_min, coalesce(s.y1, l.year_max) AS year_max,
       coalesce(s.n, l.countries) AS countries, coalesce(s.r, l."rows") AS "rows",
       coalesce(l.open_licence, false) AS open_licence
FROM latest l LEFT JOIN stats s ON s.indicator = l.code
ORDER BY code
"""
FW_SQL = """
SELECT * EXCLUDE (batch, prio) FROM (
    SELECT *, list_position($batches, batch) AS prio FROM _batch_fw
    WHERE list_contains($batches, batch)
) QUALIFY row_number() OVER (PARTITION BY code ORDER BY prio DESC) = 1
ORDER BY code
"""


VIEWS_DDL = (
    "CREATE TABLE IF NOT EXISTS saved_views (id VARCHAR PRIMARY KEY, params VARCHAR NOT NULL)"
)
RECORDS_DDL = (
    "CREATE TABLE IF NOT EXISTS saved_records (kind VARCHAR NOT NULL, key VARCHAR NOT NULL, "
    "body VARCHAR NOT NULL, saved_at TIMESTAMP NOT NULL, PRIMARY KEY (kind, key))"
)
RECORD_COLUMNS = ["kind", "key", "body", "saved_at"]


def bundled_tables(datasets_dir: Path) -> dict[str, Path]:
    """The Parquet tables in `datasets/`, by table name."""
    return {p.stem: p for p in sorted(datasets_dir.glob("*.parquet"))}


_BUNDLED: dict[str, tuple[tuple[int, int], str]] = {}


def bundled_version(datasets_dir: Path) -> str:
    """Data version of the bundled tables: 'bundled-' + the first 12 hex digits of the manifest hash.

    The store is asked for it on every rerun of every session: the hash is kept while the
    manifest's modification time and size stay the same."""
    manifest = datasets_dir / "manifest.json"
    try:
        stat = manifest.stat()
    except FileNotFoundError:
        raise StoreError(f"{manifest} is missing: run `python -m risk build` first") from None
    seen = (stat.st_mtime_ns, stat.st_size)
    known = _BUNDLED.get(str(manifest))
    if known is not None and known[0] == seen:
        return known[1]
    version = "bundled-" + hashlib.sha256(manifest.read_bytes()).hexdigest()[:12]
    _BUNDLED[str(manifest)] = (seen, version)
    return version


def now() -> datetime:
    """UTC time without a zone (stored as TIMESTAMP; every time in the store is UTC)."""
    return datetime.now(UTC).replace(tzinfo=None)


def already_current(digest: str, version: str) -> str:
    """Why a publish of the current version's own file was refused."""
    return (
        f"this file (sha256 {digest[:12]}…) is already the current version {version}; nothing "
        "was published"
    )


def version_id(seq: int, salt: str) -> str:
    return f"v{seq:04d}-{hashlib.sha256(salt.encode()).hexdigest()[:8]}"


def frame_sha(df: pd.DataFrame) -> str:
    hashed = pd.util.hash_pandas_object(df, index=False).to_numpy().tobytes()
    return hashlib.sha256(hashed).hexdigest()


def clean_observations(df: pd.DataFrame) -> pd.DataFrame:
    """Check and normalise rows to publish: exact columns, types, finite values, unique keys."""
    missing = [c for c in OBSERVATION_COLUMNS[:4] if c not in df.columns]
    if missing:
        raise StoreError(f"observations to publish lack columns {missing}")
    out = pd.DataFrame(
        {
            "iso3": df["iso3"].astype("string"),
            "indicator": df["indicator"].astype("string"),
            "year": pd.to_numeric(df["year"], errors="coerce"),
            "value": pd.to_numeric(df["value"], errors="coerce").astype("float64"),
            "source": (df["source"] if "source" in df.columns else pd.Series("", index=df.index))
            .astype("string")
            .fillna(""),
        }
    )
    bad = out[out[["iso3", "indicator", "year", "value"]].isna().any(axis=1)]
    if not bad.empty:
        raise StoreError(
            "observations to publish have empty keys or values",
            rows=bad.head(10).astype(object).to_dict("records"),
        )
    out["year"] = out["year"].astype("int32")
    dup = out[out.duplicated(["iso3", "indicator", "year"], keep=False)]
    if not dup.empty:
        raise StoreError(
            "observations to publish repeat a (iso3, indicator, year) key",
            rows=dup.head(10).astype(object).to_dict("records"),
        )
    return out.reset_index(drop=True)


def clean_frame(df: pd.DataFrame | None, columns: Sequence[str], key: str) -> pd.DataFrame:
    """Select `columns` (missing ones empty) from an optional frame; one row per `key`."""
    if df is None or df.empty:
        return pd.DataFrame({c: pd.Series(dtype="object") for c in columns})
    out = pd.DataFrame({c: df[c] if c in df.columns else None for c in columns})
    if out[key].isna().any() or out[key].duplicated().any():
        raise StoreError(f"rows to publish need a unique, non-empty {key}")
    return out.reset_index(drop=True)


# -- bookkeeping (inside the caller's transaction) -----------------------------------------------
def meta_in(con: duckdb.DuckDBPyConnection, key: str) -> str | None:
    row = con.execute("SELECT value FROM _meta WHERE key = ?", [key]).fetchone()
    return str(row[0]) if row else None


def current_version(con: duckdb.DuckDBPyConnection, hint: str = "") -> str:
    """The current version id; StoreError (with `hint`) when the store has none."""
    row = con.execute("SELECT value FROM _meta WHERE key = 'current'").fetchone()
    if not row:
        raise StoreError(f"the store has no current version. {hint}".strip())
    return str(row[0])


def next_seq(con: duckdb.DuckDBPyConnection) -> int:
    row = con.execute("SELECT coalesce(max(seq), 0) + 1 FROM _versions").fetchone()
    return int(row[0]) if row else 1


def version_row(con: duckdb.DuckDBPyConnection, version: str) -> VersionInfo | None:
    df = con.execute("SELECT * FROM _versions WHERE version = ? LIMIT 1", [version]).df()
    return VersionInfo.from_row(df.iloc[0].to_dict()) if len(df) else None


def row_count(con: duckdb.DuckDBPyConnection) -> int:
    """Rows of the materialised `observations` table."""
    row = con.execute("SELECT count(*) FROM observations").fetchone()
    return int(row[0]) if row else 0


def add_version(
    con: duckdb.DuckDBPyConnection,
    version: str,
    action: str,
    *,
    base: str,
    author: str,
    batches: Sequence[str],
    parent: str | None = None,
    seq: int | None = None,
    **extra: Any,
) -> str:
    """Record a version (its audit columns) and return its id; `rows_total` defaults to the rows
    of the materialised observations."""
    row: dict[str, Any] = {
        "version": version,
        "seq": seq if seq is not None else next_seq(con),
        "created_at": now(),
        "author": author,
        "action": action,
        "parent": parent,
        "base": base,
        "batches": list(batches),
        **extra,
    }
    if "rows_total" not in row:
        row["rows_total"] = row_count(con)
    cols = [c for c in VERSION_COLUMNS if c in row]
    con.execute(
        f"INSERT INTO _versions ({', '.join(quote_ident(c) for c in cols)}) "  # noqa: S608 (quoted identifiers)
        f"VALUES ({', '.join('?' for _ in cols)})",
        [row[c] for c in cols],
    )
    return version


def log_event(
    con: duckdb.DuckDBPyConnection,
    author: str,
    action: str,
    version: str,
    previous: str | None,
    note: str,
) -> None:
    """One line of the audit log (publish, rollback, bundled refresh, migration)."""
    row = con.execute("SELECT coalesce(max(seq), 0) + 1 FROM _events").fetchone()
    con.execute(
        "INSERT INTO _events VALUES (?, ?, ?, ?, ?, ?, ?)",
        [int(row[0]) if row else 1, now(), author, action, version, previous, note],
    )


def rebased_version(
    con: duckdb.DuckDBPyConnection, base: str, previous: str, batches: Sequence[str]
) -> str:
    """The version that carries the previous version's batches onto a new base: the base itself
    when nothing was published, else a new 'rebase' version (recorded here)."""
    exists = con.execute("SELECT 1 FROM _versions WHERE version = ?", [base]).fetchone()
    if not batches and exists:
        return base
    if not batches:
        return add_version(
            con, base, "bundled", base=base, author="system", batches=[], parent=previous
        )
    seq = next_seq(con)
    return add_version(
        con,
        version_id(seq, base + ",".join(batches)),
        "rebase",
        base=base,
        author="system",
        batches=batches,
        parent=previous,
        seq=seq,
        note=f"published batches carried onto {base}",
    )


def parquet_columns(con: duckdb.DuckDBPyConnection, path: Path) -> set[str]:
    rows = con.execute("DESCRIBE SELECT * FROM read_parquet(?)", [str(path)]).fetchall()
    return {str(r[0]) for r in rows}
