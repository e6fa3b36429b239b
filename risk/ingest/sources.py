"""The registry of sources: who published each dataset, where the copy came from, its licence.

Read by the manifest, datasets/SOURCES.md, the indicator catalogue and the methodology page.
`open_licence` is False for sources whose terms do not allow free reuse: the app labels them and
keeps them optional.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass


@dataclass(frozen=True)
class Source:
    id: str
    title: str
    publisher: str
    repository: str
    commit: str
    licence: str
    open_licence: bool
    vintage: str
    attribution: str
    url: str = ""
    note: str = ""

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


SOURCES: dict[str, Source] = {
    s.id: s
    for s in [
        Source(
            "wdi",
            "World Development Indicators (34-series subset)",
            "World Bank",
            "datasets/world-development-indicators",
            "4ebec5a2273f531ba238a34dbe440394dc5a6c4b",
            "CC BY 4.0",
            True,
            "snapshot 2026-07-01; data to 2025",
            "World Bank, World Development Indicators (CC BY 4.0)",
            "https://data.worldbank.org",
        ),
        Source(
            "wgi",
            "Worldwide Governance Indicators, 2024 update",
            "World Bank (Kaufmann, Kraay, Mastruzzi)",
            "lmorgans/WGIdata",
            "05f52f816a6c09473096edbf657aa310d5c30507",
            "CC BY 4.0 (World Bank terms)",
            True,
            "data 1996-2023",
            "World Bank, Worldwide Governance Indicators (CC BY 4.0)",
            "https://www.worldbank.org/en/publication/worldwide-governance-indicators",
        ),
        Source(
            "oxford_ai_readiness",
            "Government AI Readiness Index 2025",
            "Oxford Insights",
            "hanyiwangxss/assignment1",
            "9a976e5e7cca8bc94118a49a02e47e0c086de8af",
            "No licence stated; Oxford Insights terms (attribution required)",
            False,
            "2025 edition (published January 2026)",
            "Oxford Insights, Government AI Readiness Index 2025",
            "https://oxfordinsights.com/ai-readiness/",
        ),
        Source(
            "un_egov",
            "E-Government Development Index 2024",
            "UN DESA",
            "MaryliaCruzS/Estadistica1CienciaPolitica",
            "c22aa0b17306eb90c2513ac2c3ca36d0e37fa376",
            "No licence stated; UN DESA terms apply",
            False,
            "2024 survey",
            "UN DESA, United Nations E-Government Survey 2024",
            "https://publicadministration.un.org/egovkb",
        ),
        Source(
            "unga_ideal_points",
            "UN General Assembly ideal points and agreement scores",
            "Bailey, Strezhnev & Voeten (Harvard Dataverse doi:10.7910/DVN/LEJUQZ)",
            "mgaldino/treaties-ideal-point; tongyu03/DSE3101-Predictive-Modelling-of-Global-Trade-Flows",
            "746a24fa99b65d0834f8cd6b79f458a180c338cf; 98ab7b673cf2c6415f6e86ba2e63eee0b51f07ae",
            "Harvard Dataverse terms (no licence file)",
            False,
            "votes to 2024 (ideal points), session 78 (agreement)",
            "Voeten, Strezhnev & Bailey, United Nations General Assembly Voting Data, Harvard Dataverse; Bailey, Strezhnev & Voeten (2017), JCR 61(2)",
            "https://doi.org/10.7910/DVN/LEJUQZ",
        ),
        Source(
            "ember_electricity",
            "Yearly electricity data",
            "Ember",
            "ember-climate/ember-data-api",
            "02ce82d403b50d2cd2acd792505411088891b34e",
            "CC BY 4.0",
            True,
            "2000-2024",
            "Ember, Yearly Electricity Data (CC BY 4.0)",
            "https://ember-energy.org",
        ),
        Source(
            "internet_users_owid",
            "Individuals using the Internet (% of population)",
            "ITU via World Bank, republished by Our World in Data",
            "sberkayuguz/dsa-210-project",
            "b1f6dbbfb4cc71391698bf57b5ff54bb8dd4033d",
            "CC BY 4.0 (Our World in Data); ITU terms for underlying data",
            True,
            "1990-2023",
            "ITU; Our World in Data (CC BY 4.0)",
            "https://ourworldindata.org/grapher/share-of-individuals-using-the-internet",
        ),
        Source(
            "sovereign_ratings",
            "Sovereign credit rating actions (S&P, Moody's, Fitch, DBRS)",
            "Rating agencies, compiled from Wikipedia",
            "IULIAN-COSTEA/Countries_Ratings",
            "3caf83ceb86569963e1c4ef446544e7548fe729b",
            "No licence; Wikipedia text CC BY-SA 4.0, ratings are the agencies' opinions",
            False,
            "actions to 2025-10",
            "Wikipedia, List of countries by credit rating (secondary compilation; indicative only)",
        ),
        Source(
            "aei_cgit",
            "China Global Investment Tracker, Fall 2024",
            "American Enterprise Institute and The Heritage Foundation",
            "FaizKrisnadi/indonesia-china-finance-dashboard",
            "d03e04789d381c40801fff6c2ffbbabe1e4feb99",
            "All rights reserved (AEI/Heritage); internal screening with attribution only",
            False,
            "2005-2024",
            "© American Enterprise Institute and The Heritage Foundation, China Global Investment Tracker",
            "https://www.aei.org/china-global-investment-tracker/",
        ),
        Source(
            "bri_gfdc",
            "Countries of the Belt and Road Initiative (May 2025)",
            "Nedopil (2025), Green Finance & Development Center, Fudan University",
            "esabin756/bri-education-project",
            "4c3ee479f0dc4b686fdaed96616eb8ac7c97c09c",
            "No licence stated; citation requested",
            False,
            "May 2025",
            "Nedopil, C. (2025), Countries of the Belt and Road Initiative, GFDC",
        ),
        Source(
            "wb_income_class",
            "World Bank country classification by income (FY2025)",
            "World Bank",
            "AMC-LAEB/flu-antiviral-stockpile",
            "5590d74be0bf701b18b22810c1d01793bb6390fc",
            "CC BY 4.0 (World Bank terms)",
            True,
            "FY2025 (2023 GNI per capita)",
            "World Bank, Country and Lending Groups (CC BY 4.0)",
        ),
        Source(
            "country_codes",
            "Country codes (ISO 3166, UN M49)",
            "Datahub core datasets (ISO, UN Statistics Division, CLDR)",
            "datasets/country-codes",
            "caa72d1e0e5af8876c170bb36a9e4d64a01bba88",
            "ODC-PDDL-1.0",
            True,
            "2026-05",
            "Datahub country-codes (ODC-PDDL)",
        ),
        Source(
            "pycountry",
            "ISO 3166-1 Traditional Chinese names (iso-codes zh_TW)",
            "Debian iso-codes via pycountry",
            "pycountry (PyPI) 26.2.16",
            "",
            "LGPL-2.1 (iso-codes data)",
            True,
            "26.2.16",
            "Debian iso-codes project, via pycountry",
        ),
        Source(
            "natural_earth",
            "Admin 0 countries 1:50m, v5.1.1",
            "Natural Earth",
            "geree24/lego_world-map_maker",
            "4b74a8ea9913af1bfebfa7724f39b3a20ff41859",
            "Public domain",
            True,
            "v5.1.1 (2022)",
            "Made with Natural Earth",
            "https://www.naturalearthdata.com",
        ),
        Source(
            "cloud_regions_cim",
            "Cloud regions of 8 providers (TeleGeography Cloud Infrastructure Map)",
            "TeleGeography",
            "agonza05/cloudregioncodes",
            "102c9e34dbe7e6550faacc1e12e23763f324695b",
            "No licence stated; TeleGeography terms (reference only)",
            False,
            "December 2024",
            "TeleGeography Cloud Infrastructure Map",
        ),
        Source(
            "cloud_regions_dgl",
            "Cloud provider region locations (AWS, Azure, GCP, Oracle, Linode, Vultr)",
            "dgl/cloud-regions, OpenStreetMap",
            "dgl/cloud-regions",
            "69868bfe4e11002846873a28ae5d9f958ff6e583",
            "ODbL 1.0",
            True,
            "July 2022",
            "© OpenStreetMap contributors (ODbL); dgl/cloud-regions",
        ),
        Source(
            "telegeography_cables_v3_copy",
            "Submarine cables and landing points (API v3 copy)",
            "TeleGeography",
            "RaiD1812/mapa_presentacion",
            "36b1eff635cc0264323c9a1b872c2454b95f8ad3",
            "CC BY-NC-SA 3.0 (non-commercial)",
            False,
            "2025-early 2026",
            "Source: TeleGeography, submarinecablemap.com (CC BY-NC-SA 3.0)",
            "https://www.submarinecablemap.com",
        ),
        Source(
            "telegeography_cables_2021",
            "Submarine cable attributes (API v2, June 2021)",
            "TeleGeography",
            "telegeography/www.submarinecablemap.com",
            "85198ba3de4d7e4f2dbd6327cdaad031acc0685f",
            "CC BY-NC-SA 3.0 (non-commercial)",
            False,
            "June 2021",
            "Source: TeleGeography, submarinecablemap.com (CC BY-NC-SA 3.0)",
        ),
        Source(
            "wri_gppd",
            "Global Power Plant Database v1.3.0, country summary",
            "World Resources Institute",
            "wri/global-power-plant-database",
            "7a91cfbb2a4e272597acbc00506d61fc1ec73b3d",
            "CC BY 4.0",
            True,
            "capacity c. 2017-2019",
            "WRI, Global Power Plant Database v1.3.0 (CC BY 4.0)",
        ),
        Source(
            "epoch_gpu_clusters",
            "Data on GPU Clusters",
            "Epoch AI",
            "cnyke/cnyke.github.io",
            "a64f15ae5aeaad54cb242e17952fbcfedface04d",
            "CC BY 4.0",
            True,
            "2025-12",
            "Epoch AI, 'Data on GPU Clusters'. Published online at epoch.ai. Retrieved from "
            "https://epoch.ai/data/gpu-clusters",
            "https://epoch.ai/data/gpu-clusters",
            "Verbatim copy of Epoch AI's public download (786 clusters, snapshot 2025-12-17).",
        ),
        Source(
            "curated",
            "Curated fact tables: US export-control groups, AI Diffusion tiers, blocs, Taiwan relations, policy timeline",
            "Compiled from public sources named row by row (eCFR, Federal Register, official and press sources)",
            "shared/data/curated",
            "",
            "Facts with per-row sources; not legal advice",
            True,
            "eCFR issue 2026-07-23",
            "Row-level sources in each table's `source` column",
        ),
        Source(
            "comtrade",
            "UN Comtrade: Taiwan's exports of computers and servers (HS 8471, 8473) by partner",
            "United Nations Statistics Division",
            "comtradeapi.un.org (live API, optional)",
            "",
            "Copyrighted by the United Nations, for internal use only; no re-dissemination "
            "without UNSD's written permission",
            False,
            "live: `python -m risk refresh comtrade` with the user's own API key",
            "Source: UN Comtrade Database, United Nations Statistics Division",
            "https://comtradeplus.un.org",
            "Optional live layer: nothing is bundled; a refresh publishes comtrade.twn_exports_8471_8473.",
        ),
        Source(
            "federal_register",
            "Federal Register: documents of the Bureau of Industry and Security",
            "Office of the Federal Register (National Archives) and US Government Publishing Office",
            "federalregister.gov API (live, optional)",
            "",
            "Public domain (work of the US Government; 1 CFR 2.6: unrestricted use)",
            True,
            "live: `python -m risk refresh federal-register`",
            "Source: Federal Register, federalregister.gov",
            "https://www.federalregister.gov/developers/documentation/api/v1",
            "Optional live layer: nothing is bundled; a refresh keeps BIS rules, proposed rules "
            "and notices as dated events, matched to the countries they name.",
        ),
        Source(
            "us_ai_partnerships",
            "US AI partnerships: Pax Silica Declaration, bilateral AI and technology deals",
            "Compiled by this project from official and press sources named row by row",
            "risk/data/us_ai_partnerships.csv",
            "",
            "Facts with per-row source links; the compilation is the project's own",
            True,
            "compiled 2026-11-29",
            "Row-level sources in the table's `source_url` column",
            "",
            "One row per country and agreement, with the signing date; see risk/data/us_ai_partnerships.md.",
        ),
    ]
}


def licence_of(source_id: str) -> str:
    return SOURCES[source_id].licence


def publisher_of(source_id: str) -> str:
    """Who publishes a source, for people; an id the registry does not know (an uploaded
    source) as it is."""
    return SOURCES[source_id].publisher if source_id in SOURCES else source_id
