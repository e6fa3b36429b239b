""" "What changed": the overview's risers, fallers, entries and exits, and a country's movement on
its profile, since the previous data version or since a chosen day, with the dated events.

The choice of baseline lives in session state only (shared by both pages, not in the URL). The
sections are expanders that compute only when open: the baseline's scores come from the shared
per-(version, spec) cache."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pandas as pd
import streamlit as st

from risk.i18n import name_column, t
from risk.present.changes import (
    ENTRY_COLUMNS,
    EVENT_COLUMNS,
    MOVER_COLUMNS,
    baseline_note,
    column_labels,
    country_change,
    entries_table,
    events_view,
    movers_table,
    summary,
    versions_line,
)
from risk.scoring.changes import DOWN, UP, Baseline, VersionChanges, baseline_for
from risk.store import Store
from risk.text import md_text
from ui import cache, state

PREVIOUS, DATE = "previous", "date"
MODE = "_changes_mode"  # PREVIOUS or DATE (the user's choice, kept across pages)
SINCE = "_changes_since"  # the chosen day
DEFAULT_DAYS = 180  # the day first offered: about half a year back
EARLIEST = date(2020, 1, 1)


def _keep(widget: str, saved: str) -> None:
    st.session_state[saved] = st.session_state[widget]


def _baseline_controls(page: str, lang: str) -> tuple[str, date | None]:
    """The baseline chooser: the previous data version, or the data on a day. Widget keys change
    with the language (labels redrawn); their values are re-seeded from the saved choice."""
    ss = st.session_state
    ss.setdefault(MODE, PREVIOUS)
    ss.setdefault(SINCE, date.today() - timedelta(days=DEFAULT_DAYS))
    mode_key, day_key = (
        state.lang_key(f"{page}_changes_mode"),
        state.lang_key(f"{page}_changes_day"),
    )
    ss[mode_key], ss[day_key] = ss[MODE], ss[SINCE]
    left, right = st.columns([3, 2])
    left.segmented_control(
        t("changes.base", lang),
        (PREVIOUS, DATE),
        key=mode_key,
        format_func=lambda m: t(f"changes.base.{m}", lang),
        required=True,
        on_change=_keep,
        args=(mode_key, MODE),
    )
    if ss[MODE] != DATE:
        return PREVIOUS, None
    right.date_input(
        t("changes.since", lang),
        key=day_key,
        min_value=EARLIEST,
        max_value=date.today(),
        on_change=_keep,
        args=(day_key, SINCE),
    )
    return DATE, ss[SINCE]


def _table(frame: pd.DataFrame, columns: tuple[str, ...], key: str, lang: str) -> None:
    """A table with translated headers (cells are data: st.dataframe shows them as text)."""
    config: dict[str, Any] = dict(column_labels(lang, columns))
    if "link" in columns:
        config["link"] = st.column_config.LinkColumn(
            t("changes.col.link", lang), display_text=t("changes.link_text", lang), width=70
        )
    st.dataframe(frame, hide_index=True, key=state.lang_key(key), column_config=config)


def _changes(spec_json: str, version: str, baseline: Baseline) -> VersionChanges | None:
    if baseline.version is None:
        return None
    with st.spinner(t("changes.title", state.lang())):
        return cache.version_changes(spec_json, version, baseline.version)


def _compare(
    store: Store, spec_json: str, version: str, where: str, lang: str
) -> tuple[str, date | None, Baseline, VersionChanges | None]:
    """The baseline chooser of a section, the baseline it picks (with its note, if any, shown)
    and the changes since it (None when there is nothing earlier to compare with)."""
    mode, day = _baseline_controls(where, lang)
    baseline = baseline_for(store, version, day)
    if note := baseline_note(baseline, version, lang):
        st.info(md_text(note))
    return mode, day, baseline, _changes(spec_json, version, baseline)


def overview_section(store: Store, spec_json: str, version: str, lang: str) -> None:
    """The overview's "What changed": biggest risers and fallers with the indicators that drove
    them, countries entering or leaving the ranking, and the dated events since the baseline."""
    with st.expander(
        t("changes.title", lang), key="changes_open", on_change="rerun", icon=":material/update:"
    ) as box:
        if not box.open:
            return
        mode, day, baseline, changes = _compare(store, spec_json, version, "overview", lang)
        if changes is not None:
            since = day if mode == DATE and not baseline.note else None
            st.caption(md_text(versions_line(changes, lang, since) + " " + summary(changes, lang)))
            for status, title, empty in (
                (UP, "risers", "no_risers"),
                (DOWN, "fallers", "no_fallers"),
            ):
                st.markdown(f"**{t(f'changes.{title}', lang)}**")
                movers = movers_table(changes, status, lang)
                if movers.empty:
                    st.caption(t(f"changes.{empty}", lang, n=changes.threshold))
                else:
                    _table(movers, MOVER_COLUMNS, f"changes_{title}", lang)
            entries = entries_table(changes, lang)
            if not entries.empty:
                st.markdown(f"**{t('changes.entries', lang)}**")
                _table(entries, ENTRY_COLUMNS, "changes_entries", lang)
        if baseline.since is None:
            st.caption(t("changes.events_hint", lang))
            return
        events = cache.dated_events(version, lang, baseline.since, None)
        since_text = baseline.since.isoformat()
        st.markdown(f"**{md_text(t('changes.events', lang, since=since_text))}**")
        names = cache.table("countries", version).set_index("iso3")[name_column(lang)]
        if events.empty:
            st.caption(md_text(t("changes.no_events", lang, since=since_text)))
            if mode == PREVIOUS:
                st.caption(t("changes.events_hint", lang))
        else:
            _table(events_view(events, names, lang), EVENT_COLUMNS, "changes_events", lang)


def profile_section(
    store: Store, spec_json: str, version: str, iso3: str, name: str, lang: str
) -> None:
    """The profile's "What changed for <country>": rank and score then and now, the indicators
    that drove the change, and the country's dated events."""
    with st.expander(
        md_text(t("changes.title_country", lang, name=name)),
        key="profile_changes_open",
        on_change="rerun",
        icon=":material/update:",
    ) as box:
        if not box.open:
            return
        mode, day, baseline, changes = _compare(store, spec_json, version, "profile", lang)
        if changes is not None:
            since = day if mode == DATE and not baseline.note else None
            st.caption(md_text(versions_line(changes, lang, since)))
            moved = country_change(changes, iso3, lang)
            if moved is None:
                st.info(md_text(t("changes.not_ranked", lang, name=name)))
            else:
                cols = st.columns(2)
                cols[0].metric(
                    t("changes.rank", lang),
                    moved.rank,
                    delta=moved.rank_delta if moved.rank_delta not in ("", "0") else None,
                )
                cols[1].metric(
                    t("changes.score", lang),
                    moved.score,
                    delta=moved.score_delta if moved.score_delta not in ("", "+0.0") else None,
                )
                st.markdown(md_text(moved.note))
                if moved.drivers:
                    st.markdown(md_text(t("changes.drivers", lang, items=moved.drivers)))
                else:
                    st.caption(t("changes.no_drivers", lang))
        events = cache.dated_events(version, lang, None, iso3)
        st.markdown(f"**{t('changes.events_country', lang)}**")
        names = cache.table("countries", version).set_index("iso3")[name_column(lang)]
        if events.empty:
            st.caption(t("changes.no_events_country", lang))
        else:
            _table(events_view(events, names, lang), EVENT_COLUMNS, "profile_events", lang)
