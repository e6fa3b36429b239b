"""Epoch AI's GPU-cluster database: per-country AI compute, existing and planned, and a clusters table.

One row of the source is one AI supercomputer (existing, planned or decommissioned). Choices:

- Decommissioned rows are dropped everywhere: their hardware no longer runs.
- Rows without a country (company-wide plans such as "xAI 5 year plan", papers that do not say
  where they trained) are set aside and listed in the harmonisation report.
- `Include in Standard Analysis` is not used as a filter: Epoch leaves it blank on every planned
  row, and on existing rows it also drops multi-site systems (China's anonymised systems) that are
  real compute in one country. Its duplicate rule is applied instead, see the next point.
- Country sums count each piece of hardware once: a row Epoch flags as a possible duplicate (the
  same machine reported again, e.g. by a paper) or one superseded by a later phase that is itself
  in the database (Colossus Phase 1 lives on inside Phase 2 and 3) is kept in the clusters table
  with `counted` False but left out of the sums, the count and the shares.
- Planned compute is weighted by Epoch's certainty (`CERTAINTY_WEIGHTS`); existing compute is not.
- A cluster is US-linked when its primary chips are US-designed (by supplier; an unknown supplier
  is taken from the phase the row builds upon, else from the chip type) or a US company or US
  federal body is among its owners and users. Unknown chips with no US partner count as not
  US-linked, so `epoch.us_share` is a lower bound (Saudi and Korean gigawatt plans name no chips).
- Every observation carries the snapshot year (`YEAR`): the planned figures are announcements as
  of December 2025, not dated capacity, and splitting the existing ones by first operational date
  would make a country's stock look like yearly additions.
- Countries absent from the database have no known large cluster: the sums and counts are known
  zeros there (the framework's `absent_is_zero`), so no rows are written for them.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from risk.errors import IngestError
from risk.harmonise import CountryMatcher, Harmonised
from risk.ingest.common import assert_known_iso3, require_columns
from risk.ingest.obs_common import SourceResult, entry, finish, match_names, parse_numbers

SOURCE = "epoch_gpu_clusters"
FILE = "gpu_clusters.csv"
YEAR = 2025  # snapshot of 2025-12-17

STATUSES = frozenset({"Existing", "Planned", "Decommissioned"})
# Certainty -> weight of a planned row. A row with no certainty counts as the least certain:
# an announcement Epoch did not rate is no stronger evidence than one it rated unlikely.
CERTAINTY_WEIGHTS: dict[str, float] = {"Confirmed": 1.0, "Likely": 0.6, "Unlikely": 0.2, "": 0.2}

# `GPU Supplier (primary)` -> designed by a US company? None: the supplier is not known.
SUPPLIER_IS_US: dict[str, bool | None] = {
    "NVIDIA": True,
    "AMD": True,
    "Google": True,
    "Intel": True,
    "Cerebras": True,
    "Tesla": True,
    "Amazon AWS": True,
    "Microsoft": True,
    "Huawei": False,
    "PEZY": False,
    "Anonymized": None,
    "Unknown": None,
    "": None,
}
# Where the supplier is not known, the chip type can still name its designer.
US_CHIP_PREFIXES = ("NVIDIA", "AMD", "Google", "Intel", "Amazon", "Cerebras", "GroqChip", "Tesla")

# Owners and users (as Epoch spells them, split on commas) that are US companies or US federal
# bodies: a cluster with one of them is counted as US-linked whatever its chips.
US_ORGANISATIONS = frozenset(
    {
        "Amazon",
        "Andreessen Horowitz",
        "Anthropic",
        "Applied Digital",
        "Azure",
        "BNY Mellon",
        "Bloomberg",
        "CZ Biohub Network",
        "Cerebras Systems",
        "Chan Zuckerberg Initiative",
        "CoreWeave",
        "Corvex.ai",
        "Crusoe",
        "DeepMind",
        "Dell",
        "Dell Technologies",
        "Digital Realty",
        "EleutherAI",
        "ExxonMobil",
        "Google",
        "Google DeepMind",
        "Hewlett Packard Enterprise",
        "IBM",
        "Imbue",
        "ImmunityBio",
        "Inflection",
        "Inflection AI",
        "Intel",
        "Lambda Labs",
        "Lawrence Livermore NL",
        "Lepton AI",
        "Los Alamos National Laboratory",
        "MITRE",
        "Magic",
        "Meta",
        "Meta AI",
        "Microsoft",
        "MosaicML",
        "NVIDIA",
        "Nat Friedman and Daniel Gross",
        "Oak Ridge National Laboratory",
        "OpenAI",
        "Oracle",
        "Recursion Pharmaceuticals",
        "Reka",
        "Reka AI",
        "Sandia NL",
        "Stargate (OpenAI)",
        "TensorWave",
        "Tesla",
        "The Weather Company",
        "Together",
        "US Army",
        "US Companies",
        "US Department of Defense",
        "US Department of Energy",
        "US Government",
        "US government agencies",
        "US intelligence agencies",
        "United States Government",
        "Voltage Park",
        "Vultr",
        "X",
        "xAI",
    }
)

# Epoch's column -> the clusters table's column.
COLUMNS = {
    "Name": "name",
    "Status": "status",
    "Certainty": "certainty",
    "H100 equivalents": "h100e",
    "Power Capacity (MW)": "power_mw",
    "Chip type (primary)": "chip_type",
    "GPU Supplier (primary)": "gpu_supplier",
    "Owner": "owner",
    "Users": "users",
    "Sector": "sector",
    "First Operational Date": "first_operational",
    "Location": "location",
    "Source 1": "source_link",
    "Possible Duplicate": "possible_duplicate",
    "Superseded by": "superseded_by",
    "Builds Upon": "builds_upon",
    "Country": "country",
}
TEXT_COLUMNS = [
    "name",
    "status",
    "certainty",
    "chip_type",
    "gpu_supplier",
    "owner",
    "users",
    "sector",
    "first_operational",
    "location",
    "source_link",
    "superseded_by",
    "builds_upon",
]
CLUSTER_COLUMNS = [
    "iso3",
    "name",
    "status",
    "certainty",
    "weight",
    "h100e",
    "power_mw",
    "chip_type",
    "gpu_supplier",
    "us_linked",
    "owner",
    "users",
    "sector",
    "first_operational",
    "location",
    "source_link",
    "possible_duplicate",
    "superseded_by",
    "counted",
    "source",
]
INDICATORS = (
    "epoch.h100e_existing",
    "epoch.h100e_planned",
    "epoch.power_planned_mw",
    "epoch.clusters",
    "epoch.us_share",
)


# ------------------------------------------------------------------------------------ load


def load(raw: Path) -> pd.DataFrame:
    """The CSV as text, with the columns this step needs."""
    path = raw / SOURCE / FILE
    if not path.exists():
        raise IngestError(f"{SOURCE}: file not found: {path}")
    df = pd.read_csv(path, dtype=str, keep_default_na=False)
    require_columns(df, COLUMNS, SOURCE)
    return df


# --------------------------------------------------------------------------------- process


def _is_us_supplier(supplier: str, chip_type: str) -> bool:
    """True when the primary chip is designed by a US company (supplier, else chip type)."""
    known = SUPPLIER_IS_US[supplier]
    if known is not None:
        return known
    return chip_type.startswith(US_CHIP_PREFIXES)


def inherit_supplier(df: pd.DataFrame) -> pd.Series:
    """Suppliers, with an unknown one taken from the phase the row builds upon.

    A later phase of a campus (HUMAIN Phase 2 after HUMAIN/NVIDIA Phase 1) is taken to keep its
    chip designer; the chain is followed until nothing changes.
    """
    supplier = df["gpu_supplier"].copy()
    unknown = supplier.map(SUPPLIER_IS_US).isna()
    for _ in range(len(df)):
        by_name = dict(zip(df["name"], supplier, strict=True))
        parents = df["builds_upon"].map(lambda s: s.split(",")[0].strip())
        inherited = parents.map(by_name).fillna("")
        update = unknown & inherited.map(SUPPLIER_IS_US).notna() & (inherited != supplier)
        if not update.any():
            break
        supplier = supplier.where(~update, inherited)
    return supplier


def _has_us_organisation(owner: str, users: str) -> bool:
    parts = {p.strip() for p in f"{owner},{users}".split(",")}
    return bool(parts & US_ORGANISATIONS)


def _check_values(df: pd.DataFrame) -> None:
    """Fail on category values the weights and the chip rule do not know."""
    for column, allowed in (
        ("status", STATUSES),
        ("certainty", set(CERTAINTY_WEIGHTS)),
        ("gpu_supplier", set(SUPPLIER_IS_US)),
    ):
        bad = sorted(set(df[column]) - set(allowed))
        if bad:
            raise IngestError(
                f"{SOURCE}: unknown {column} values {bad}; extend the mapping in obs_epoch",
                rows=df.loc[df[column].isin(bad), ["name", column]].head(20).to_dict("records"),
            )


def _counted(df: pd.DataFrame) -> pd.Series:
    """Rows whose hardware is not already counted under another row (see the module docstring)."""
    present = set(df["name"])
    superseded = df["superseded_by"].map(
        lambda s: any(n.strip() in present for n in s.split(",") if n.strip())
    )
    return ~df["possible_duplicate"] & ~superseded


def prepare(df: pd.DataFrame) -> pd.DataFrame:
    """Rename, strip, parse numbers and add weight, us_linked and counted; decommissioned dropped."""
    out = df[list(COLUMNS)].rename(columns=COLUMNS)
    for col in [*TEXT_COLUMNS, "country"]:
        out[col] = out[col].astype(str).str.strip()
    _check_values(out)
    out = out[out["status"] != "Decommissioned"].copy()
    out["h100e"] = parse_numbers(out["h100e"], f"{SOURCE} H100 equivalents")
    out["power_mw"] = parse_numbers(out["power_mw"], f"{SOURCE} Power Capacity (MW)")
    negative = out[(out["h100e"] < 0) | (out["power_mw"] < 0)]
    if not negative.empty:
        raise IngestError(
            f"{SOURCE}: negative compute or power",
            rows=negative[["name", "h100e", "power_mw"]].to_dict("records"),
        )
    out["possible_duplicate"] = out["possible_duplicate"].str.casefold().eq("true")
    # Existing hardware is counted in full; only announcements are discounted by certainty.
    out["weight"] = out["certainty"].map(CERTAINTY_WEIGHTS).where(out["status"] == "Planned", 1.0)
    out["us_linked"] = [
        _is_us_supplier(s, c) or _has_us_organisation(o, u)
        for s, c, o, u in zip(
            inherit_supplier(out), out["chip_type"], out["owner"], out["users"], strict=True
        )
    ]
    out["counted"] = _counted(out)
    return out


def report_no_country(df: pd.DataFrame, harmonised: Harmonised) -> None:
    """File each row without a country in the harmonisation report as set aside."""
    for name in sorted(set(df.loc[df["country"] == "", "name"])):
        harmonised.record(f"{name} (no country)", None, "aggregate")


def clusters_table(
    prepared: pd.DataFrame, matcher: CountryMatcher
) -> tuple[pd.DataFrame, Harmonised]:
    """One row per non-decommissioned cluster with a country, keyed by ISO3, sorted."""
    kept, harmonised = match_names(prepared, "country", SOURCE, matcher)
    report_no_country(prepared, harmonised)
    kept["source"] = SOURCE
    for col in ("possible_duplicate", "us_linked", "counted"):
        kept[col] = kept[col].astype(bool)
    for col in ("weight", "h100e", "power_mw"):
        kept[col] = kept[col].astype("float64")
    kept["_status"] = kept["status"].map({"Existing": 0, "Planned": 1})
    kept["_size"] = -kept["h100e"].fillna(-1.0)
    # A stable sort keeps same-named rows (Epoch's anonymised systems) in file order.
    kept = kept.sort_values(["iso3", "_status", "_size", "name"], kind="stable")
    return kept[CLUSTER_COLUMNS].reset_index(drop=True), harmonised


def _us_share(group: pd.DataFrame) -> float:
    """Percent of planned compute (else existing) that is US-linked; NaN without compute."""
    for status in ("Planned", "Existing"):
        rows = group[group["status"] == status]
        compute = rows["h100e"].fillna(0.0) * rows["weight"]
        if compute.sum() > 0:
            # Rounded so that float summation order cannot push an all-US country past 100.
            return round(100.0 * compute[rows["us_linked"]].sum() / compute.sum(), 9)
    return float("nan")


def derive(clusters: pd.DataFrame) -> pd.DataFrame:
    """The five per-country indicators over the counted rows, all in the snapshot year."""
    rows = clusters[clusters["counted"]]
    frames = []
    for iso3, group in rows.groupby("iso3", sort=True):
        existing = group[group["status"] == "Existing"]
        planned = group[group["status"] == "Planned"]
        values = {
            "epoch.h100e_existing": existing["h100e"].sum(min_count=0),
            "epoch.h100e_planned": (planned["h100e"] * planned["weight"]).sum(min_count=0),
            "epoch.power_planned_mw": (planned["power_mw"] * planned["weight"]).sum(min_count=0),
            "epoch.clusters": float(len(group)),
            "epoch.us_share": _us_share(group),
        }
        frames += [(iso3, code, YEAR, float(v)) for code, v in values.items()]
    return pd.DataFrame(frames, columns=["iso3", "indicator", "year", "value"])


def _check(clusters: pd.DataFrame, observations: pd.DataFrame, matcher: CountryMatcher) -> None:
    assert_known_iso3(clusters, matcher.known, f"{SOURCE} clusters")
    share = observations.loc[observations["indicator"] == "epoch.us_share", "value"]
    if not share.between(0, 100).all():
        raise IngestError(
            f"{SOURCE}: us_share outside 0-100", rows=share.to_frame().to_dict("records")
        )
    sums = observations[observations["indicator"] != "epoch.us_share"]
    if (sums["value"] < 0).any():
        raise IngestError(
            f"{SOURCE}: negative sums", rows=sums[sums["value"] < 0].to_dict("records")
        )


def catalogue() -> list[dict[str, str]]:
    """Catalogue rows of the five indicators."""
    base = (
        "Epoch AI, Data on GPU Clusters (snapshot December 2025; stored as year 2025). "
        "Decommissioned clusters, possible duplicates and phases superseded by a later phase in "
        "the database are left out, so each machine counts once. Countries not in the database "
        "have no known large cluster: read as 0."
    )
    weights = "Confirmed 1.0, Likely 0.6, Unlikely 0.2 (no rating: 0.2)"
    return [
        entry(
            "epoch.h100e_existing",
            "Existing AI compute (H100 equivalents)",
            "既有AI運算量（H100等效）",
            "H100 equivalents",
            SOURCE,
            f"Sum of the H100-equivalent performance of the country's existing GPU clusters, "
            f"unweighted. {base}",
            "better",
        ),
        entry(
            "epoch.h100e_planned",
            "Planned AI compute, certainty-weighted (H100 equivalents)",
            "規劃中AI運算量（依確定性加權，H100等效）",
            "H100 equivalents",
            SOURCE,
            f"Sum of the H100 equivalents of the country's planned clusters, each weighted by "
            f"Epoch's certainty: {weights}. Epoch estimates the compute of most announcements "
            f"from their stated power. {base}",
            "better",
        ),
        entry(
            "epoch.power_planned_mw",
            "Planned AI cluster power, certainty-weighted",
            "規劃中AI叢集電力容量（依確定性加權）",
            "MW",
            SOURCE,
            f"Sum of the power capacity (MW) of the country's planned clusters, weighted by "
            f"certainty ({weights}); announcements without a stated power add nothing. {base}",
            "better",
        ),
        entry(
            "epoch.clusters",
            "Known large AI clusters (existing and planned)",
            "已知大型AI運算叢集數（既有及規劃中）",
            "count",
            SOURCE,
            f"Number of the country's existing and planned GPU clusters. {base}",
            "better",
        ),
        entry(
            "epoch.us_share",
            "Share of AI compute on US chips or with US partners",
            "AI運算中採用美國晶片或有美國企業參與之比例",
            "%",
            SOURCE,
            "Percent of the country's certainty-weighted planned H100 equivalents (or, with no "
            "planned compute, of its existing ones) in clusters whose primary chips are designed "
            "by a US company (NVIDIA, AMD, Google, Intel, Cerebras, Tesla, Amazon, Microsoft, "
            "Groq; an unknown supplier is taken from the earlier phase the cluster builds upon) "
            "or whose owners or users include a US company or US federal body. Clusters with "
            "unknown chips and no US partner, such as anonymised Chinese systems and several "
            "gigawatt announcements, count as not US-linked: a lower bound. Epoch AI, Data on GPU Clusters (snapshot "
            "December 2025; stored as year 2025), each machine counted once. Missing where the "
            "country has no cluster with a compute estimate.",
            "better",
        ),
    ]


# ------------------------------------------------------------------------------ entry points


def read_clusters(raw: Path, matcher: CountryMatcher) -> tuple[pd.DataFrame, Harmonised]:
    """The clusters table (datasets/ai_clusters.parquet) and its harmonisation."""
    return clusters_table(prepare(load(raw)), matcher)


def read_epoch(raw: Path, matcher: CountryMatcher) -> SourceResult:
    """Per-country compute, planned power, cluster count and US share from the clusters table."""
    clusters, harmonised = read_clusters(raw, matcher)
    observations = finish(derive(clusters), SOURCE)
    _check(clusters, observations, matcher)
    return SourceResult(observations, catalogue(), harmonised)
