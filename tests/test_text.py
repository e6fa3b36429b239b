"""Text for people (risk/text.py): echoed text never becomes Markdown links, images or HTML."""

from __future__ import annotations

import re

import pytest

from risk.text import WORD_JOINER, md_text


def markdown_sees(escaped: str) -> str:
    """The text a Markdown reader is left with once backslash escapes are read."""
    return re.sub(r"\\(.)", r"\1", escaped)


@pytest.mark.parametrize(
    "hostile",
    [
        "[Session expired - click here to sign in](https://evil.example/login)",
        "![t](http://127.0.0.1:9/track.png)",
        "see www.evil.example now",
        "write to admin@evil.example",
        "<a href='https://evil.example'>x</a>",
        "HTTPS://EVIL.EXAMPLE",
    ],
)
def test_md_text_leaves_no_link_for_markdown_or_autolinks(hostile: str) -> None:
    out = md_text(hostile)
    assert not re.search(r"(?<!\\)[\[\]()<>!]", out)
    seen = markdown_sees(out)
    assert not re.search(r"https?://|www\.|@[\w-]", seen, re.I)
    assert seen.replace(WORD_JOINER, "") == hostile  # what shows reads as written


def test_md_text_keeps_ordinary_names() -> None:
    assert md_text("Côte d'Ivoire") == "Côte d'Ivoire"
    assert md_text("台灣") == "台灣"
    assert md_text(None) == ""
