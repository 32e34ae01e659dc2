"""Inline the CSS a page's first paint needs; load its stylesheets after it has what it came for.

The search page is the one page a villager opens cold from a shared link on a slow phone
(``search/?q=…``). Its stylesheets (the theme's is 22 KB gzipped) are render-blocking and
share the link with the query's shards: measured at 400 ms RTT and 400 kbit/s they alone
cost about half a second. So the page carries, in one ``<style>``, only the rules whose
selectors can match its own markup — what PurgeCSS does for a site, here for one page —
and the full stylesheets are added once the query in the URL is answered
(``YikatongSearch.settled``). When they have loaded the inline copy is removed, so the page
then runs on exactly the theme's CSS; until then it looks the same, because the inline rules
are the same rules in the same order. If a stylesheet fails to load, the inline copy stays.

Selectors are read with tinycss2 (a selector list is split at its top-level commas only, so
``:is(.a, .b)`` stays whole). A rule is kept when every class, id, element and
``[attribute=value]`` its selector names occurs in the page; ``:is()`` and ``:where()`` need
one of their arguments to (other pseudo-classes such as ``:hover`` or ``:not(…)`` are
ignored, so they keep rules rather than drop them); custom properties are kept when a kept rule uses them
(transitively). ``@font-face`` and ``@keyframes`` are dropped: the first paint needs
neither. Stylesheets named in ``keep_whole`` (the search client's own, whose classes exist
only once results are drawn) are kept entire. Relative ``url(…)`` values are rewritten for
the page's directory. Output is deterministic.

    inline_critical_css(site / "search" / "index.html", keep_whole={"search.css"},
                        extra_tags={"ol", "li"}, extra_classes={"result", "yk-note"})
"""

from __future__ import annotations

import html as html_lib
import json
import logging
import posixpath
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

import tinycss2
import tinycss2.serializer
from tinycss2 import ast

log = logging.getLogger(__name__)

LINK_RE = re.compile(r'<link rel="stylesheet" href="([^"]+)">')
STYLE_ID = "yk-critical"


@dataclass
class _Markup:
    """What a page's selectors may refer to."""

    tags: set[str] = field(default_factory=lambda: {"html", "body"})
    classes: set[str] = field(default_factory=set)
    ids: set[str] = field(default_factory=set)
    attrs: set[str] = field(default_factory=set)
    pairs: set[tuple[str, str]] = field(default_factory=set)


class _Collector(HTMLParser):
    def __init__(self, markup: _Markup) -> None:
        super().__init__(convert_charrefs=True)
        self.markup = markup

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        m = self.markup
        m.tags.add(tag)
        for name, value in attrs:
            m.attrs.add(name)
            m.pairs.add((name, value or ""))
            if name == "class" and value:
                m.classes.update(value.split())
            elif name == "id" and value:
                m.ids.add(value)


def inline_critical_css(page: Path, keep_whole: Iterable[str] = (), extra_tags: Iterable[str] = (),
                        extra_classes: Iterable[str] = (),
                        after: str = "window.YikatongSearch&&YikatongSearch.settled") -> bool:
    """Replace ``page``'s stylesheet links by its critical CSS and a loader; False if it has none.

    ``keep_whole``: hrefs (as written in the page) inlined entire. ``extra_tags`` and
    ``extra_classes``: elements and classes the page's scripts create. ``after``: a
    JavaScript expression for a promise (or nothing) after which the stylesheets load.
    """
    text = page.read_text(encoding="utf-8")
    hrefs = LINK_RE.findall(text)
    if not hrefs or f'<style id="{STYLE_ID}">' in text:
        return False
    sheets = [(page.parent / href).resolve() for href in hrefs]
    if any(not _relative(href) or not sheet.is_file() for href, sheet in zip(hrefs, sheets, strict=True)):
        # a stylesheet elsewhere or missing: the page keeps its links as they are
        log.warning("关键样式未内联：%s 链接的样式表不在站点内", page)
        return False
    markup = _Markup()
    _Collector(markup).feed(text)
    markup.tags.update(extra_tags)
    markup.classes.update(extra_classes)
    whole = set(keep_whole)
    items: list[_Item] = []
    for href, sheet in zip(hrefs, sheets, strict=True):
        rules = tinycss2.parse_stylesheet(sheet.read_text(encoding="utf-8"), skip_whitespace=True,
                                          skip_comments=True)
        base = posixpath.dirname(href)
        items += _purge(rules, markup, base, keep_all=href in whole)
    css = _serialize(items, _needed_properties(items))
    for href in hrefs:
        text = text.replace(f'<link rel="stylesheet" href="{href}">', "", 1)
    links = "".join(f'<link rel="stylesheet" href="{html_lib.escape(h)}">' for h in hrefs)
    loader = (
        "<script>(function(){var s=document.getElementById(\"" + STYLE_ID + "\"),h="
        + json.dumps(hrefs) + ",n=0;Promise.resolve(" + after + ").then(function(){"
        "h.forEach(function(u){var l=document.createElement(\"link\");l.rel=\"stylesheet\";l.href=u;"
        "l.onload=function(){if(++n===h.length&&s)s.remove()};s.parentNode.insertBefore(l,s)})})})()"
        "</script>")
    css = css.replace("</", "<\\/")
    block = f'<style id="{STYLE_ID}">{css}</style>{loader}<noscript>{links}</noscript>'

    text = text.replace("</head>", block + "</head>", 1)
    page.write_text(text, encoding="utf-8")
    return True


# --- purging --------------------------------------------------------------------------------

@dataclass
class _Item:
    """A kept rule (selector, declarations) or a kept at-rule block (prelude, inner items)."""

    prelude: str
    declarations: list[ast.Declaration] = field(default_factory=list)
    inner: list[_Item] | None = None


# pseudo-classes whose argument is a selector list any one of which must match
_ANY_OF = {"is", "where", "matches", "-webkit-any", "-moz-any"}


def _split_selectors(tokens: list[object]) -> list[list[object]]:
    """A selector list's selectors, split at its top-level commas (tinycss2 tokens: commas
    inside ``:is(…)``, ``:not(…)``, ``[…]`` or strings are inside their own blocks)."""
    out: list[list[object]] = [[]]
    for token in tokens:
        if isinstance(token, ast.LiteralToken) and token.value == ",":
            out.append([])
        elif not isinstance(token, ast.Comment):
            out[-1].append(token)
    for selector in out:
        while selector and isinstance(selector[0], ast.WhitespaceToken):
            selector.pop(0)
        while selector and isinstance(selector[-1], ast.WhitespaceToken):
            selector.pop()
    return [sel for sel in out if sel]


def _selector_matches(tokens: list[object], markup: _Markup) -> bool:
    """Can this compound/complex selector match the page? Every class, id, element and exact
    ``[attr=value]`` it names must occur; ``:is()``/``:where()`` need one of their arguments
    to; other pseudo-classes and pseudo-elements (``:hover``, ``:not(…)``, ``::before``) are
    states of the same elements and are ignored, so they keep rules rather than drop them."""
    i, n = 0, len(tokens)
    while i < n:
        token, following = tokens[i], tokens[i + 1] if i + 1 < n else None
        if _is_literal(token, ".") and isinstance(following, ast.IdentToken):
            if following.value not in markup.classes:
                return False
            i += 2
            continue
        if _is_literal(token, ":"):
            i += 1
            while i < n and _is_literal(tokens[i], ":"):
                i += 1  # ::pseudo-element
            pseudo = tokens[i] if i < n else None
            if isinstance(pseudo, ast.FunctionBlock) and pseudo.lower_name in _ANY_OF and \
                    not any(_selector_matches(sel, markup) for sel in _split_selectors(pseudo.arguments)):
                return False
            i += 1  # the pseudo-class's name or function: ignored
            continue
        if isinstance(token, ast.HashToken):
            if token.value not in markup.ids:
                return False
        elif isinstance(token, ast.SquareBracketsBlock):
            if not _attribute_matches(token.content, markup):
                return False
        elif isinstance(token, ast.IdentToken):
            if not _is_literal(following, "|") and token.lower_value not in markup.tags:  # not svg|a's prefix
                return False
        i += 1
    return True


def _is_literal(token: object, value: str) -> bool:
    return isinstance(token, ast.LiteralToken) and token.value == value


def _attribute_matches(content: list[object], markup: _Markup) -> bool:
    """``[name]`` needs the attribute on some element, ``[name=value]`` that exact pair;
    other operators (``^=``, ``~=`` …) check the name only."""
    parts = [t for t in content if not isinstance(t, (ast.WhitespaceToken, ast.Comment))]
    names = [t for t in parts if isinstance(t, ast.IdentToken)]
    if not names:
        return True
    name = names[0].value
    if name not in markup.attrs:
        return False
    rest = parts[parts.index(names[0]) + 1:]
    if len(rest) > 1 and _is_literal(rest[0], "=") and isinstance(rest[1], (ast.IdentToken, ast.StringToken)):
        return (name, rest[1].value) in markup.pairs
    return True


def _purge(rules: Iterable[object], markup: _Markup, base: str, keep_all: bool) -> list[_Item]:
    out: list[_Item] = []
    for rule in rules:
        if isinstance(rule, ast.QualifiedRule):
            selectors = _split_selectors(rule.prelude)
            kept = [tinycss2.serialize(sel) for sel in selectors if keep_all or _selector_matches(sel, markup)]
            if kept:
                declarations = [d for d in tinycss2.parse_declaration_list(
                    rule.content, skip_whitespace=True, skip_comments=True) if isinstance(d, ast.Declaration)]
                for d in declarations:
                    _rebase_urls(d.value, base)
                out.append(_Item(",".join(kept), declarations))
        elif isinstance(rule, ast.AtRule) and rule.content is not None and \
                rule.lower_at_keyword in ("media", "supports", "container", "layer"):
            inner = _purge(tinycss2.parse_rule_list(rule.content, skip_whitespace=True, skip_comments=True),
                           markup, base, keep_all)
            if inner:
                out.append(_Item(f"@{rule.at_keyword}{tinycss2.serialize(rule.prelude)}", inner=inner))
    return out


def _rebase_urls(tokens: list[object], base: str) -> None:
    """url(x) in a stylesheet under ``base`` → the same file, seen from the page."""
    for i, token in enumerate(tokens):
        if isinstance(token, ast.URLToken) and _relative(token.value):
            url = posixpath.normpath(posixpath.join(base, token.value))
            tokens[i] = ast.URLToken(token.source_line, token.source_column, url,
                                     f"url({tinycss2.serializer.serialize_url(url)})")
        elif isinstance(token, ast.FunctionBlock):
            if token.lower_name == "url":
                for j, arg in enumerate(token.arguments):
                    if isinstance(arg, ast.StringToken) and _relative(arg.value):
                        url = posixpath.normpath(posixpath.join(base, arg.value))
                        token.arguments[j] = ast.StringToken(
                            arg.source_line, arg.source_column, url,
                            f'"{tinycss2.serializer.serialize_string_value(url)}"')
            else:
                _rebase_urls(token.arguments, base)


def _relative(url: str) -> bool:
    return bool(url) and not re.match(r"^([a-zA-Z][\w+.-]*:|/|#)", url)


def _walk(items: list[_Item]) -> Iterator[_Item]:
    for item in items:
        if item.inner is None:
            yield item
        else:
            yield from _walk(item.inner)


def _uses(tokens: Iterable[object]) -> set[str]:
    found: set[str] = set()
    for token in tokens:
        if isinstance(token, ast.FunctionBlock):
            if token.lower_name == "var":
                found.update(a.value for a in token.arguments
                             if isinstance(a, ast.IdentToken) and a.value.startswith("--"))
            found |= _uses(token.arguments)
        elif isinstance(token, (ast.ParenthesesBlock, ast.SquareBracketsBlock, ast.CurlyBracketsBlock)):
            found |= _uses(token.content)
    return found


def _needed_properties(items: list[_Item]) -> set[str]:
    """Custom properties that kept declarations use, directly or through other properties."""
    defined: dict[str, list[list[object]]] = {}
    needed: set[str] = set()
    for item in _walk(items):
        for d in item.declarations:
            if d.name.startswith("--"):
                defined.setdefault(d.name, []).append(d.value)
            else:
                needed |= _uses(d.value)
    todo = list(needed)
    while todo:
        for value in defined.get(todo.pop(), []):
            for name in _uses(value) - needed:
                needed.add(name)
                todo.append(name)
    return needed


def _serialize(items: list[_Item], needed: set[str]) -> str:
    out = []
    for item in items:
        if item.inner is not None:
            inner = _serialize(item.inner, needed)
            if inner:
                out.append(f"{item.prelude}{{{inner}}}")
            continue
        body = ";".join(
            f"{d.name}:{tinycss2.serialize(d.value).strip()}{'!important' if d.important else ''}"
            for d in item.declarations if not d.name.startswith("--") or d.name in needed)
        if body:
            out.append(f"{item.prelude}{{{body}}}")
    return "".join(out)
