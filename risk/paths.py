"""Where things live. Every location can be overridden, by argument or environment variable."""

from __future__ import annotations

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
# The bundled tables; $RISK_DATASETS_DIR points the app at another copy (tests use this).
DATASETS_DIR = Path(os.environ.get("RISK_DATASETS_DIR") or PROJECT_ROOT / "datasets")


def default_shared_data() -> Path:
    """The raw + curated source folders: $RISK_SHARED_DATA, else ../shared/data beside the project."""
    env = os.environ.get("RISK_SHARED_DATA")
    return Path(env) if env else PROJECT_ROOT.parent / "shared" / "data"


def data_dir() -> Path:
    """Writable folder for the DuckDB store and caches: $RISK_DATA_DIR, else ./var in the project."""
    env = os.environ.get("RISK_DATA_DIR")
    path = Path(env) if env else PROJECT_ROOT / "var"
    path.mkdir(parents=True, exist_ok=True)
    return path
