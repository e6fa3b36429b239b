"""AI-infrastructure market screening: the library behind the dashboard.

Nothing in this package imports Streamlit; pages call into it and render what it returns.
"""

__version__ = "0.1.0"
