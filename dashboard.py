"""Entry point: page config, language, navigation. No logic here."""

from pathlib import Path

import streamlit as st

from risk.i18n import t
from ui import map_first, state, watchlists
from ui.widget_text import localise_widgets

state.init()
st.set_page_config(page_title=t("app.tab_title", state.lang()), page_icon="🌏", layout="wide")
lang = state.lang()
localise_widgets(lang)

PAGES = [
    ("app_pages/overview.py", "nav.overview", ":material/public:", "overview"),
    ("app_pages/profile.py", "nav.profile", ":material/description:", "profile"),
    ("app_pages/compare.py", "nav.compare", ":material/compare_arrows:", "compare"),
    ("app_pages/scenarios.py", "nav.scenarios", ":material/alt_route:", "scenarios"),
    ("app_pages/watchlists.py", "nav.watchlists", ":material/bookmarks:", "watchlists"),
    ("app_pages/data.py", "nav.data", ":material/database:", "data"),
    ("app_pages/methodology.py", "nav.methodology", ":material/functions:", "methodology"),
]
pages = [
    st.Page(file, title=t(key, lang), icon=icon, url_path=slug, default=(i == 0))
    for i, (file, key, icon, slug) in enumerate(PAGES)
    if (Path(__file__).parent / file).exists()
]
lost = state.forget_unknown_page([slug for *_, slug in PAGES[1:]])  # /overview is the root
nav = st.navigation(pages)
state.note_page(nav.url_path)
watchlists.follow_link(nav)
first_screen = nav.url_path == "" and map_first.pending()  # a browser's first overview: map first
if not first_screen:
    state.language_selector()
    state.sidebar_footer()
for said in map_first.carry_over(
    "app", [t("app.page_not_found", lang)] if lost else [], first_screen
):
    st.warning(said)
nav.run()
