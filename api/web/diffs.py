"""The diff page's code view: a unified diff highlighted by Pygments, with CSS classes (the
stylesheet is served from /ui/static/code.css, so the page needs no inline style)."""

from __future__ import annotations

from functools import lru_cache

from markupsafe import Markup
from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexers import DiffLexer

_FORMATTER = HtmlFormatter(cssclass="code", linenos=False, wrapcode=True)


def highlighted(unified: str) -> Markup:
    """``unified`` as highlighted HTML (Pygments escapes the text)."""
    if not unified:
        return Markup("")
    return Markup(highlight(unified, DiffLexer(), _FORMATTER))


@lru_cache(maxsize=1)
def stylesheet() -> str:
    return _FORMATTER.get_style_defs(".code")
