"""Column contracts of every stored table, the pillars and the missing-value markers.

Storage, ingest, upload and scoring all read these; this module imports nothing of the project, so
storage never depends on scoring.
"""

from __future__ import annotations

PILLARS: tuple[str, ...] = ("gov_support", "compute_demand", "alignment", "financial")
# Business regions as an export team uses them (the countries table's `business_region`).
BUSINESS_REGIONS: tuple[str, ...] = (
    "East Asia",
    "Southeast Asia",
    "South Asia",
    "Middle East",
    "Europe",
    "Americas",
    "Africa",
    "Oceania",
)
HIGHER_IS: tuple[str, ...] = ("better", "worse", "context")

# Missing-value markers any source or upload may use (compared case-folded).
MISSING_MARKERS = frozenset({"", "..", "...", "…", "n/a", "na", "nan", "none", "null", "-", "--"})

OBSERVATION_COLUMNS: tuple[str, ...] = ("iso3", "indicator", "year", "value", "source")
# The indicator catalogue's own columns (the build adds coverage statistics after them).
CATALOGUE_COLUMNS: tuple[str, ...] = (
    "code",
    "name_en",
    "name_zh",
    "unit",
    "source",
    "licence",
    "description",
    "higher_is",
)
INDICATOR_COLUMNS: tuple[str, ...] = (
    *CATALOGUE_COLUMNS,
    "year_min",
    "year_max",
    "countries",
    "rows",
    "open_licence",
)
# The indicator framework (datasets/framework.csv, and rows added by published uploads).
FRAMEWORK_COLUMNS: tuple[str, ...] = (
    "code",
    "pillar",
    "direction",
    "transform",
    "weight",
    "max_age_years",
    "min_coverage",
    "absent_is_zero",
    "unit",
    "source",
    "name_en",
    "name_zh",
    "rationale_en",
    "rationale_zh",
)
PRESET_COLUMNS: tuple[str, ...] = ("preset", "kind", "key", "weight")
# Tables whose rows change with each published data version.
VERSIONED: tuple[str, ...] = ("observations", "indicators", "framework_overrides")
VERSION_COLUMNS: tuple[str, ...] = (
    "version",
    "seq",
    "created_at",
    "author",
    "action",
    "file_name",
    "sha256",
    "rows_in_batch",
    "rows_added",
    "rows_replaced",
    "rows_total",
    "indicators_added",
    "parent",
    "base",
    "batches",
    "note",
)
