"""Jinja2 environment for the HTML fragments of the timeliness, revision and notice parts.

The fragments live in the repository's ``templates/`` directory (``generator/templates`` in
an installed package); the build includes their output in its pages.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

from jinja2 import ChoiceLoader, Environment, FileSystemLoader, StrictUndefined, select_autoescape

_HERE = Path(__file__).resolve().parent
TEMPLATE_DIRS = (_HERE.parent / "templates", _HERE / "templates")


@lru_cache(maxsize=1)
def fragment_env() -> Environment:
    loaders = [FileSystemLoader(str(d)) for d in TEMPLATE_DIRS if d.is_dir()]
    env = Environment(loader=ChoiceLoader(loaders), autoescape=select_autoescape(["html", "j2"]),
                      undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True,
                      keep_trailing_newline=True)
    env.filters["money"] = format_money
    from generator.render.govsite import tel_link

    env.filters["tel"] = tel_link
    return env


def render_fragment(name: str, **context: Any) -> str:
    return fragment_env().get_template(name).render(**context)


def format_money(value: float | None) -> str:
    """``1,234.50`` — amounts as the county's lists print them."""
    if value is None or value != value:
        return ""
    return f"{value:,.2f}"
