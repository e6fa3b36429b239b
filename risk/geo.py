"""Map geometry at run time: load the country polygons and merge per-country values into them.

Values are copied in as plain JSON data (strings, numbers, lists, booleans, null); nothing here
builds markup, so whatever renders a tooltip decides how to escape it.
"""

from __future__ import annotations

import copy
import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from risk.errors import RiskError


def load_geometry(path: Path) -> dict[str, Any]:
    """Read a GeoJSON FeatureCollection written by `risk.ingest.geometry.write_geometry`."""
    try:
        with open(path, encoding="utf-8") as fh:
            fc = json.load(fh)
    except FileNotFoundError as exc:
        raise RiskError(f"Map geometry not found at {path}") from exc
    except json.JSONDecodeError as exc:
        raise RiskError(f"Map geometry at {path} is not valid JSON: {exc}") from exc
    if not isinstance(fc, dict) or fc.get("type") != "FeatureCollection":
        raise RiskError(f"Map geometry at {path} is not a GeoJSON FeatureCollection")
    return fc


def _plain(value: Any) -> Any:
    """A JSON-ready copy of one cell: numpy and pandas scalars unwrapped, missing -> None."""
    if isinstance(value, (list, tuple, np.ndarray)):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, pd.Timestamp):
        return value.isoformat()
    if isinstance(value, (str, int, float, bool)):
        return value
    return str(value)


def attach_properties(fc: dict[str, Any], props: pd.DataFrame, key: str = "iso3") -> dict[str, Any]:
    """A new FeatureCollection whose features also carry the columns of `props`, joined on `key`.

    Features with no row in `props` get None for each column; the input is left unchanged. The
    join column itself is never overwritten. Geometries are shared with the input, not copied.
    """
    if key not in props.columns:
        raise RiskError(f"attach_properties: the table has no {key!r} column")
    dup = props[props[key].duplicated(keep=False)]
    if not dup.empty:
        raise RiskError(
            f"attach_properties: several rows share a {key}",
            rows=[{key: v} for v in sorted(set(dup[key].astype(str)))],
        )
    columns = [c for c in props.columns if c != key]
    by_key: dict[str, dict[str, Any]] = {
        str(row[key]): {str(c): _plain(row[c]) for c in columns} for row in props.to_dict("records")
    }
    empty: dict[str, Any] = {str(c): None for c in columns}
    out = {k: v for k, v in fc.items() if k != "features"}
    features = []
    for feature in fc.get("features", []):
        new = {k: v for k, v in feature.items() if k != "properties"}
        properties = copy.deepcopy(feature.get("properties") or {})
        extra = by_key.get(str(properties.get(key)), empty)
        properties.update({c: v for c, v in extra.items() if c != key})
        new["properties"] = properties
        features.append(new)
    out["features"] = features
    return out
