"""Shared fixtures: where the raw sources and the built datasets are, and a private store per test."""

from __future__ import annotations

from pathlib import Path

import pytest

from risk.paths import DATASETS_DIR, default_shared_data

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def shared_data() -> Path:
    path = default_shared_data()
    if not (path / "raw").is_dir():
        pytest.skip(f"raw sources not available at {path}")
    return path


@pytest.fixture(scope="session")
def datasets_dir() -> Path:
    if not (DATASETS_DIR / "manifest.json").exists():
        pytest.fail("datasets/ is not built: run `python -m risk build`")
    return DATASETS_DIR


@pytest.fixture()
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private data directory (DuckDB file) for this test, also set for subprocesses."""
    path = tmp_path / "data"
    monkeypatch.setenv("RISK_DATA_DIR", str(path))
    return path
