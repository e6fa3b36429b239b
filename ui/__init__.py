"""Streamlit-side helpers: session state, caching and shared widgets (the only UI module besides pages)."""
