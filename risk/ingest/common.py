"""Shared helpers for ingest steps: deterministic writes and invariant checks with clear messages."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from risk import schema
from risk.errors import IngestError

# As lists, for indexing frames (the contracts themselves live in risk.schema).
OBSERVATION_COLUMNS = list(schema.OBSERVATION_COLUMNS)
CATALOGUE_COLUMNS = list(schema.CATALOGUE_COLUMNS)


def round_coords(value: Any, decimals: int) -> Any:
    """Round every float in nested coordinate lists (GeoJSON), writing -0.0 as 0.0."""
    if isinstance(value, float):
        rounded = round(value, decimals)
        return 0.0 if rounded == 0 else rounded
    if isinstance(value, (list, tuple)):
        return [round_coords(v, decimals) for v in value]
    return value


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def write_parquet(df: pd.DataFrame, path: Path) -> Path:
    """Write a table so that the same content always gives the same bytes (no index, fixed options)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    table = pa.Table.from_pandas(df.reset_index(drop=True), preserve_index=False)
    # pandas metadata embeds library versions; drop it so bytes depend on content only.
    table = table.replace_schema_metadata(None)
    pq.write_table(
        table,
        path,
        compression="zstd",
        compression_level=9,
        use_dictionary=True,
        write_statistics=True,
        version="2.6",
        data_page_version="1.0",
        store_schema=False,
    )
    return path


def write_json(obj: Any, path: Path, *, compact: bool = False) -> Path:
    """Write JSON deterministically (sorted keys, UTF-8, trailing newline unless compact)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if compact:
        text = json.dumps(obj, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
    else:
        text = json.dumps(obj, ensure_ascii=False, indent=2, sort_keys=True) + "\n"
    path.write_text(text, encoding="utf-8")
    return path


def require_columns(df: pd.DataFrame, columns: Iterable[str], where: str) -> None:
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise IngestError(f"{where}: missing columns {missing}; found {list(df.columns)}")


def assert_unique(df: pd.DataFrame, key: list[str], table: str) -> None:
    dup = df[df.duplicated(key, keep=False)]
    if not dup.empty:
        raise IngestError(
            f"{table}: {len(dup)} rows share a key {key}; each key must appear once",
            rows=dup[key].head(20).to_dict("records"),
        )


def assert_known_iso3(
    df: pd.DataFrame, known: Iterable[str], table: str, column: str = "iso3"
) -> None:
    known_set = set(known)
    bad = sorted(set(df[column].dropna()) - known_set)
    if bad:
        raise IngestError(
            f"{table}: {len(bad)} ISO3 codes are not in the countries table",
            rows=[{column: b} for b in bad],
        )


def assert_no_aggregates(names: Iterable[str], table: str) -> None:
    """Fail if a regional or income aggregate slipped into a country table."""
    words = ("world", "income", "region", "total", "euro area", "oecd members", "(wb)")
    bad = [n for n in names if isinstance(n, str) and any(w in n.lower() for w in words)]
    if bad:
        raise IngestError(
            f"{table}: aggregates found among countries", rows=[{"name": b} for b in bad]
        )


def finish_observations(df: pd.DataFrame, source: str) -> pd.DataFrame:
    """Normalise an observations frame: column order, dtypes, sorted, missing values dropped."""
    require_columns(df, ["iso3", "indicator", "year", "value"], f"observations[{source}]")
    out = df.copy()
    out["source"] = source
    out = out[OBSERVATION_COLUMNS]
    out["value"] = pd.to_numeric(out["value"], errors="coerce").astype("float64")
    out = out.dropna(subset=["iso3", "value", "year"])
    out["year"] = out["year"].astype("int32")
    out["iso3"] = out["iso3"].astype(str)
    out["indicator"] = out["indicator"].astype(str)
    return out.sort_values(["indicator", "iso3", "year"]).reset_index(drop=True)
