"""Writing values for people: Markdown-safe text and numbers in the user's language."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

import numpy as np
import pandas as pd


def cell_text(value: Any) -> str:
    """Plain text for a cell ('' for missing)."""
    if value is None or value is pd.NA:
        return ""
    if isinstance(value, float) and np.isnan(value):
        return ""
    return str(value)


def to_float(value: Any) -> float:
    """A number, or NaN for anything that is not one."""
    try:
        return float(value)
    except (TypeError, ValueError):
        return float("nan")


MARKDOWN_SPECIALS = set("\\`*_{}[]()#+-.!|<>~$:")


# GitHub-flavoured Markdown turns bare addresses into links after escapes are read, so a backslash
# cannot stop it: an invisible word joiner inside `://`, after `www` and after `@` does.
WORD_JOINER = "\u2060"
# A hyphen or dot inside a word (v0001-1a2b, 1.5, example.org) means nothing to Markdown: left as is.
_SPECIAL = re.compile(
    r"((?<=[^\W_])[-.](?=[^\W_]))|[" + re.escape("".join(sorted(MARKDOWN_SPECIALS))) + "]"
)
_AUTOLINK = re.compile(r"(?<=:)(?=//)|(?<=\bwww)(?=\.)|(?<=@)", re.IGNORECASE)


def md_text(text: Any) -> str:
    """Plain text made safe for Streamlit markdown (headers, captions, labels, warnings): every
    markdown character is backslash-escaped and bare addresses are broken by an invisible word
    joiner, so text from a link, an upload or data never becomes a link, an image, HTML or
    formatting. The one helper for echoing such text."""
    plain = _AUTOLINK.sub(WORD_JOINER, cell_text(text))
    return _SPECIAL.sub(lambda m: m.group(0) if m.group(1) else "\\" + m.group(0), plain)


# Characters a CSS string in an HTML <style> element must not hold as they are: its quotes and
# escape, angle brackets and ampersands (markup around it), and control characters.
_CSS_UNSAFE = re.compile(r"[\"'\\<>&\x00-\x1f\x7f]")


def css_string(text: Any) -> str:
    """Plain text as a quoted CSS string (`content:` of a style sheet), safe inside an HTML
    <style> element: every character that could end the string or the element is a six-digit
    escape, so text from data is only ever shown, never read as CSS or markup. Newlines become
    line breaks where the rule sets `white-space: pre-line`."""
    body = _CSS_UNSAFE.sub(lambda m: f"\\{ord(m.group(0)):06x}", cell_text(text))
    return f'"{body}"'


def safe_link(url: Any) -> str | None:
    """A link from data made safe to show as one: an http(s) address with a host, else None (a
    `javascript:` address, a repository path or free text never becomes a clickable link)."""
    text = cell_text(url).strip()
    if not text or any(ch.isspace() or ord(ch) < 32 for ch in text):
        return None
    parts = urlsplit(text)
    return text if parts.scheme.lower() in ("http", "https") and parts.netloc else None


def fmt_number(value: Any, lang: str, digits: int = 3) -> str:
    """A number for people: grouped thousands, large values with the language's scale words."""
    v = to_float(value)
    if np.isnan(v):
        return "–"
    scales = (
        ((1e12, "兆"), (1e8, "億"), (1e4, "萬"))
        if lang != "en"
        else ((1e12, " trillion"), (1e9, " billion"), (1e6, " million"))
    )
    for size, word in scales:
        if abs(v) >= size:
            scaled = v / size
            # never scientific notation: 1,330億, not 1.33e+03億
            return (
                f"{scaled:,.0f}" if abs(scaled) >= 10**digits else f"{scaled:.{digits}g}"
            ) + word
    if v == int(v) and abs(v) < 1e4:
        return f"{int(v):,}"
    return f"{v:,.0f}" if abs(v) >= 1000 else f"{v:.{digits}g}"


_CLOSERS = {")": "(", "）": "（"}


def short_label(name: str) -> str:
    """An indicator name without its trailing bracketed note (source, transform), for sentences:
    'Foreign reserves (months of imports, log(1+n))' -> 'Foreign reserves'; a subtitle after a
    colon goes too."""
    text = str(name).rstrip()
    for colon in (":", "："):  # 'Bloc balance: US-aligned minus ...' -> 'Bloc balance'
        head = text.split(colon, 1)[0].rstrip()
        if head and head != text:
            return short_label(head)
    if not text or text[-1] not in _CLOSERS:
        return text
    depth = 0
    for i in range(len(text) - 1, -1, -1):
        if text[i] in _CLOSERS:
            depth += 1
        elif text[i] in _CLOSERS.values():
            depth -= 1
            if depth == 0:
                return text[:i].rstrip() or text
    return text


def join_items(items: list[str], lang: str) -> str:
    """A list in running text: 、 in Chinese, commas in English."""
    return ("、" if lang != "en" else ", ").join(items)
