"""Text for people (risk/text.py): echoed text never becomes Markdown links, images or HTML."""

from __future__ import annotations

import re

import pytest

from risk.text import WORD_JOINER, css_string, md_text


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


@pytest.mark.parametrize(
    "hostile",
    ["</style><img src=x onerror=alert(1)>", '"}body{display:none}', 'a\\\\"b\nc', "x'&<y>"],
)
def test_css_string_cannot_end_the_string_or_the_style_element(hostile: str) -> None:
    quoted = css_string(hostile)
    body = quoted[1:-1]
    assert quoted[0] == quoted[-1] == '"'
    assert not set(body) & set("\"'\\<>&\n") - {"\\"}
    assert re.fullmatch(r'(?:[^"\\<>&\'\n]|\\[0-9a-f]{6})*', body)
    # read back as CSS reads it: the same text
    assert re.sub(r"\\([0-9a-f]{6})", lambda m: chr(int(m.group(1), 16)), body) == hostile


def test_css_string_keeps_ordinary_text() -> None:
    assert css_string("排名：5 (90%：3–8)") == '"排名：5 (90%：3–8)"'
    assert css_string(None) == '""'
