"""Every Streamlit cache of the app, in one place. Keys are data versions, specs (as JSON) and paths;
cached objects are shared by every session of the process and must not be mutated by callers."""

from __future__ import annotations

import contextlib
import hashlib
import os
import threading
import time
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd
import streamlit as st

from risk.errors import StoreError
from risk.filters import apply_filters
from risk.geo import load_geometry
from risk.paths import DATASETS_DIR
from risk.present.compare import (
    compare_indicators,
    compare_pillars,
    compare_summary,
    rank_reasons,
)
from risk.present.events import dated_events as events_table
from risk.present.maps import shapes_file_json
from risk.present.overview import (
    buildout_points,
    layer_notes,
    map_properties,
    table_view,
    us_deals_in_force,
)
from risk.present.picker import country_labels, traditional_names
from risk.present.profile import TABLES as PROFILE_TABLES
from risk.present.profile import Profile, build_profile
from risk.present.top import TopMarket, top_markets
from risk.scenarios.kinds import parse_scenarios
from risk.scenarios.runs import run
from risk.scoring.changes import VersionChanges, comparable_spec, compare_versions
from risk.scoring.engine import ScoringEngine, engine_for
from risk.scoring.result import ScoreResult, result_table
from risk.share import Filters
from risk.spec import ScoreSpec
from risk.store import Store, open_store
from risk.upload.access import PasswordThrottle
from risk.upload.layouts import UploadOptions
from risk.upload.matching import Reference, reference_from_store
from risk.upload.metadata import framework_rows, metadata_template
from risk.upload.preview import preview_movers
from risk.upload.report import UploadReport
from risk.upload.validate import check_upload

if TYPE_CHECKING:
    from risk.scenarios.shortlist import AllocationInputs


def store_secrets() -> tuple[str | None, str | None]:
    """`[store] attach` and `[store] data_path` from .streamlit/secrets.toml, if set (the
    environment's RISK_STORE and RISK_STORE_DATA_PATH win)."""
    # Without a secrets file, Streamlit looks for one again (under a lock) on every read, and the
    # store is asked for several times per rerun of every session: look for the files first.
    if not any(Path(f).exists() for f in st.get_option("secrets.files")):
        return None, None
    try:
        section = dict(st.secrets.get("store", {}))
    except Exception:  # noqa: BLE001 (no secrets file: the embedded default)
        return None, None
    attach, data_path = section.get("attach"), section.get("data_path")
    return (str(attach) if attach else None), (str(data_path) if data_path else None)


def store() -> Store:
    """The process's store: the shared DuckLake store if configured, else the embedded file of the
    data directory ($RISK_DATA_DIR); `open_store` keeps one per place. A store that cannot be
    opened stops the page with its (password-free) message."""
    attach, data_path = store_secrets()
    try:
        return open_store(
            attach=os.environ.get("RISK_STORE") or attach,
            data_path=os.environ.get("RISK_STORE_DATA_PATH") or data_path,
        )
    except StoreError as exc:
        st.error(exc.message)
        st.stop()
        raise  # st.stop() raises; kept for the type checker


@st.cache_data(show_spinner=False)
def table(name: str, data_version: str) -> pd.DataFrame:
    """A whole table from the store, cached per data version."""
    return store().table(name, data_version)


@st.cache_resource(show_spinner=False)
def geometry(path: str = str(DATASETS_DIR / "countries.geojson")) -> dict[str, Any]:
    """A GeoJSON file, parsed once per process and shared (callers must not mutate it)."""
    return load_geometry(Path(path))


# The app's static folder (served at app/static/ with `server.enableStaticServing`), beside the
# entry script; the map's shapes file is written to its map/ folder.
STATIC_DIR = Path(__file__).resolve().parent.parent / "static"


# Files not used for this long are removed when a new one is written: a file changes name only
# when its content changes (new country names, another set of outlined countries). A file in use
# has its date refreshed (at most every half of that), so it is never the one removed.
STATIC_KEEP_S = 7 * 24 * 3600


def static_json_url(kind: str, text: str, digest: str | None = None) -> str | None:
    """The relative address of `text` (JSON) in the static folder's map/ folder, under a name that
    is its content's hash (`<kind>-<hash>.json`, `digest` if already known), so browsers may keep
    it; written when missing (first use, or removed by another server's pruning). None when static
    files are not served or the folder cannot be written (the map then carries the text itself)."""
    if not st.get_option("server.enableStaticServing"):
        return None
    name = f"{kind}-{digest or content_digest(text)}.json"
    path = STATIC_DIR / "map" / name
    try:
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            # a temporary name per process and thread: sessions are threads of one server
            part = path.with_suffix(f".{os.getpid()}-{threading.get_ident()}.part")
            part.write_text(text, encoding="utf-8")
            os.replace(part, path)  # whole or absent, whichever session or server writes it
            _prune_static(path.parent)
        elif time.time() - path.stat().st_mtime > STATIC_KEEP_S / 2:
            os.utime(path)  # still in use: not pruned
    except OSError:
        return None
    return f"app/static/map/{name}"


def content_digest(text: str) -> str:
    """The hash that names a static file after its content."""
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _prune_static(folder: Path) -> None:
    """Remove the folder's files unused for STATIC_KEEP_S (and half-written ones as old)."""
    limit = time.time() - STATIC_KEEP_S
    for old in folder.iterdir():
        with contextlib.suppress(OSError):  # another server may be pruning too
            if old.stat().st_mtime < limit:
                old.unlink()


@st.cache_resource(show_spinner=False, max_entries=4)
def _shapes_text(data_version: str) -> tuple[str, str]:
    text = shapes_file_json(geometry(), table("countries", data_version))
    return text, content_digest(text)


def shapes_url(data_version: str) -> str | None:
    """The address of the country shapes file (`shapes_file_json`) for a data version's names
    (`static_json_url`: checked on every use, so a file removed meanwhile is written again)."""
    text, digest = _shapes_text(data_version)
    return static_json_url("countries", text, digest)


@st.cache_data(show_spinner=False, max_entries=16)
def buildout(data_version: str, countries_version: str, year: int) -> pd.DataFrame:
    """The AI build-out per country (`buildout_points`) of a data version's observations, placed
    at the label points of a version's countries table."""
    observations = engine(data_version).inputs.observations  # read once, with the scoring inputs
    return buildout_points(observations, table("countries", countries_version), year)


@st.cache_data(show_spinner=False, max_entries=16)
def us_deals(data_version: str, as_of: str) -> pd.DataFrame:
    """The US AI agreements in force on a day (`us_deals_in_force`)."""
    partnerships = engine(data_version).inputs.partnerships  # the scoring inputs' copy
    return us_deals_in_force(partnerships, date.fromisoformat(as_of))


@st.cache_resource(show_spinner=False, max_entries=4)
def engine(data_version: str) -> ScoringEngine:
    """The scoring engine for a data version, with that version's framework (inputs read once)."""
    return engine_for(store(), data_version)


@st.cache_data(show_spinner=False, max_entries=8)
def known_versions(current: str) -> list[str]:
    """Every data version in the store (cached until the current version changes)."""
    return [str(v) for v in store().versions()["version"]]


def _key(spec_json: str, data_version: str) -> str:
    """One cache key per (spec, data version), whichever page asks and whether or not the spec
    names its version."""
    spec = ScoreSpec.from_json(spec_json)
    if spec.data_version:  # a spec made on other data keeps its version, so the warning says so
        return spec.to_json()
    return spec.replace(data_version=data_version).to_json()


@st.cache_resource(show_spinner=False, max_entries=64)
def _result(key: str, data_version: str) -> ScoreResult:
    return engine(data_version).score(ScoreSpec.from_json(key))


def result(spec_json: str, data_version: str) -> ScoreResult:
    """A spec scored on a data version, Monte Carlo included: computed once per (version, spec) and
    shared by the overview, the profile and the comparison of every session."""
    return _result(_key(spec_json, data_version), data_version)


@st.cache_data(show_spinner=False, max_entries=64)
def _scores(key: str, data_version: str) -> tuple[pd.DataFrame, list[str]]:
    res = _result(key, data_version)
    return result_table(res), list(res.warnings)


def scores(spec_json: str, data_version: str) -> tuple[pd.DataFrame, list[str]]:
    """The ranked table of a spec (from the same cached result)."""
    return _scores(_key(spec_json, data_version), data_version)


# -- what the overview shows of a view, shared by every session showing the same one --------------
# Keyed by the spec, the data version, the store's current version (whose countries the filters
# and the map read) and the filters (their repr); the filters object itself is passed unhashed.


@st.cache_data(show_spinner=False, max_entries=64)
def _shown(
    key: str, data_version: str, countries_version: str, filters_key: str, _filters: Filters
) -> pd.DataFrame:
    ranked, _ = _scores(key, data_version)
    return apply_filters(store(), ranked, _filters)


def shown(spec_json: str, data_version: str, filters: Filters) -> pd.DataFrame:
    """The ranked table of a spec after the view's filters (`apply_filters`)."""
    key = _key(spec_json, data_version)
    return _shown(key, data_version, store().data_version, repr(filters), filters)


@st.cache_data(show_spinner=False, max_entries=64)
def _map_properties(
    key: str,
    data_version: str,
    countries_version: str,
    filters_key: str,
    _filters: Filters,
    metric: str,
    lang: str,
    layers: tuple[str, ...],
    as_of: str,
) -> tuple[pd.DataFrame, float, float]:
    ranked, _ = _scores(key, data_version)
    visible = set(_shown(key, data_version, countries_version, filters_key, _filters)["iso3"])
    countries = table("countries", countries_version)
    year = date.fromisoformat(as_of).year
    points = buildout(data_version, countries_version, year) if "buildout" in layers else None
    notes = layer_notes(set(layers), countries, points, us_deals(data_version, as_of), lang)
    return map_properties(ranked, countries, metric, visible, lang, notes)


def overview_map_properties(
    spec: ScoreSpec, data_version: str, filters: Filters, metric: str, lang: str, layers: set[str]
) -> tuple[pd.DataFrame, float, float]:
    """The overview map's per-country colours and tooltip fields and its colour range
    (`map_properties`, with the tooltip lines of the layers that add some)."""
    key = _key(spec.to_json(), data_version)
    current = store().data_version
    on = tuple(sorted(layers))
    args = (metric, lang, on, spec.as_of)
    return _map_properties(key, data_version, current, repr(filters), filters, *args)


@st.cache_data(show_spinner=False, max_entries=64)
def _table_view(
    key: str,
    data_version: str,
    countries_version: str,
    filters_key: str,
    _filters: Filters,
    lang: str,
) -> pd.DataFrame:
    rows = _shown(key, data_version, countries_version, filters_key, _filters)
    return table_view(rows, lang, table("countries", countries_version))


def overview_table(spec_json: str, data_version: str, filters: Filters, lang: str) -> pd.DataFrame:
    """The ranked table's display columns (`table_view`) for a view."""
    key = _key(spec_json, data_version)
    return _table_view(key, data_version, store().data_version, repr(filters), filters, lang)


@st.cache_data(show_spinner=False, max_entries=64)
def _top_markets(
    key: str,
    data_version: str,
    countries_version: str,
    filters_key: str,
    _filters: Filters,
    lang: str,
    as_of: str,
) -> list[TopMarket]:
    rows = _shown(key, data_version, countries_version, filters_key, _filters)
    deals = set(us_deals(data_version, as_of)["iso3"])
    built = buildout(data_version, countries_version, date.fromisoformat(as_of).year)
    return top_markets(_result(key, data_version), rows, deals, set(built["iso3"]), lang)


def overview_top_markets(
    spec: ScoreSpec, data_version: str, filters: Filters, lang: str
) -> list[TopMarket]:
    """The top markets beside the map, with their reasons and signals (`top_markets`)."""
    key = _key(spec.to_json(), data_version)
    current = store().data_version
    return _top_markets(key, data_version, current, repr(filters), filters, lang, spec.as_of)


@st.cache_data(show_spinner=False, max_entries=64)
def _profile(key: str, data_version: str, iso3: str, lang: str) -> Profile:
    tables = {name: table(name, data_version) for name in PROFILE_TABLES}
    return build_profile(_result(key, data_version), tables, iso3, lang)


def profile(spec_json: str, data_version: str, iso3: str, lang: str) -> Profile:
    """A country's profile under a spec (`build_profile`), shared by every session showing it."""
    return _profile(_key(spec_json, data_version), data_version, iso3, lang)


@st.cache_data(show_spinner=False, max_entries=64)
def _comparison(
    key: str, data_version: str, codes: tuple[str, ...], lang: str
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    res = _result(key, data_version)
    return (
        compare_summary(res, codes, lang),
        compare_pillars(res, codes, lang),
        rank_reasons(res, codes, lang),
        compare_indicators(res, codes, lang),
    )


def comparison(
    spec_json: str, data_version: str, codes: Sequence[str], lang: str
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """The comparison of some countries under a spec: (summary, pillars, why one ranks above
    another, indicators side by side), shared by every session comparing the same ones."""
    return _comparison(_key(spec_json, data_version), data_version, tuple(codes), lang)


@st.cache_data(show_spinner=False, max_entries=16)
def version_changes(spec_json: str, data_version: str, baseline: str) -> VersionChanges:
    """A spec on a data version compared with the same spec on a baseline version: both results
    from the shared per-(version, spec) cache (the baseline without Monte Carlo draws)."""
    before_spec = comparable_spec(
        ScoreSpec.from_json(spec_json), engine(baseline).framework.codes, baseline
    )
    before = _result(_key(before_spec.to_json(), baseline), baseline)
    return compare_versions(before, result(spec_json, data_version))


@st.cache_data(show_spinner=False, max_entries=32, ttl=60)
def dated_events(
    data_version: str, lang: str, since: date | None, iso3: str | None
) -> pd.DataFrame:
    """The dated events (export controls, US AI agreements, BIS rules), newest first; kept a
    minute, since fetched rule documents arrive without a new data version."""
    return events_table(store(), lang, since=since, iso3=iso3)


@st.cache_data(show_spinner=False, max_entries=32)
def rank_changes(spec_json: str, data_version: str, sc: str) -> tuple[pd.DataFrame, list[str]]:
    """Ranks before and after a stack of scenarios."""
    res = run(engine(data_version), ScoreSpec.from_json(spec_json), parse_scenarios(sc))
    return res.table, list(res.notes)


@st.cache_resource(show_spinner=False, max_entries=32)
def draws(
    spec_json: str, data_version: str, sc: str, shortlist: tuple[str, ...]
) -> AllocationInputs:
    """A shortlist's score draws in every scenario world (the allocation's inputs)."""
    spec = ScoreSpec.from_json(spec_json)
    # deferred: the allocation's solver (scipy.optimize) would add about 0.3 s to every start
    from risk.scenarios.shortlist import allocation_inputs

    return allocation_inputs(engine(data_version), spec, parse_scenarios(sc), list(shortlist))


@st.cache_resource(show_spinner=False, max_entries=2)
def reference(data_version: str) -> Reference:
    """Country and indicator names an upload is matched against."""
    return reference_from_store(store())


@st.cache_data(show_spinner=True, max_entries=8)
def checked_upload(
    _data: bytes,
    sha: str,
    name: str,
    opts: tuple[str, int | None, str],
    meta_json: str,
    version: str,
) -> UploadReport:
    """An uploaded file validated against a data version (keyed by its sha256, not its bytes);
    `opts` is (indicator, year, encoding), each empty when the file tells."""
    meta = metadata_template([], meta_json, keep_all=True) if meta_json else None
    options = UploadOptions(indicator=opts[0] or None, year=opts[1], encoding=opts[2] or None)
    return check_upload(_data, name, reference(version), options, meta)


@st.cache_data(show_spinner=False, max_entries=16)
def diff(a: str, b: str) -> pd.DataFrame:
    return store().diff(a, b)


@st.cache_data(show_spinner=True, max_entries=8)
def movers(_report: UploadReport, sha: str, meta_json: str, version: str) -> pd.DataFrame:
    """Who would move, and by how much, if the upload were published."""
    return preview_movers(store(), _report.observations, framework_rows(_report.metadata))


@st.cache_data(show_spinner=False, max_entries=8)
def picker_labels(data_version: str, lang: str) -> dict[str, str]:
    """ISO3 -> the label a country picker shows and filters on (both names, the Traditional
    Chinese names in common use and the code), for every country of a data version."""
    names = table("country_names", data_version) if "country_names" in store().tables() else None
    return country_labels(table("countries", data_version), lang, traditional_names(names))


@st.cache_resource(show_spinner=False)
def password_throttle() -> PasswordThrottle:
    """The process-wide record of wrong analyst passwords (per session and per client address)."""
    return PasswordThrottle()
