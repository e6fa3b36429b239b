"""Map geometry at run time: load the country polygons, and turn table cells into plain JSON values.

Values become plain JSON data (strings, numbers, lists, booleans, null); nothing here builds
markup, so whatever renders a tooltip decides how to escape it.
"""

from __future__ import annotations

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


def plain_value(value: Any) -> Any:
    """A JSON-ready copy of one cell: numpy and pandas scalars unwrapped, missing -> None."""
    if isinstance(value, (list, tuple, np.ndarray)):
        return [plain_value(v) for v in value]
    if isinstance(value, dict):
        return {str(k): plain_value(v) for k, v in value.items()}
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
